"""Property test: long random and adversarial streams never get an out-of-limit action past the gate.

Each example draws a valid configuration and a stream of events (actions with huge, tiny, NaN and
infinite values, old, future and unset stamps, bursts, clock jumps back; poses inside, on and
outside the box or unusable; e-stop presses and releases; resets; watchdog ticks) and checks every
output of the gate against the limits, with the e-stop's latch tracked independently here.
"""

import math
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from rt2_ros.actions.action import Action
from rt2_ros.safety import SafetyConfig, SafetyGate

SPECIAL = [0.0, -0.0, math.nan, math.inf, -math.inf, 1e300, -1e300, 5e-324, math.pi, -math.pi, 2 * math.pi - 0.1]
adversarial_values = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(SPECIAL))
plausible_values = st.one_of(st.floats(-0.3, 0.3), st.floats(-4 * math.pi, 4 * math.pi))
# Half the actions plausible (small, finite, sometimes past a limit), half anything at all.
action_numbers = st.one_of(
    st.lists(plausible_values, min_size=7, max_size=7),
    st.lists(st.one_of(plausible_values, adversarial_values), min_size=7, max_size=7),
)


@st.composite
def random_configs(draw) -> SafetyConfig:
    low = [draw(st.floats(-1.0, 1.0)) for _ in range(3)]
    high = [value + draw(st.floats(0.001, 1.0)) for value in low]
    max_rate = draw(st.floats(1.0, 200.0))
    return SafetyConfig(
        max_translation_step=draw(st.floats(0.001, 0.2)),
        max_rotation_step=draw(st.floats(0.001, 1.0)),
        workspace_min=tuple(low),
        workspace_max=tuple(high),
        max_action_age=draw(st.floats(0.01, 10.0)),
        max_pose_age=draw(st.floats(0.01, 10.0)),
        max_future_stamp=draw(st.floats(0.0, 1.0)),
        command_timeout=draw(st.floats(1.0 / max_rate + 1e-6, 5.0)),
        max_rate=max_rate,
    )


configs = st.one_of(st.just(SafetyConfig()), random_configs())

# Mostly fresh; also old, from the future, and inf standing for an unset (0) stamp.
ages = st.one_of(st.floats(0.0, 0.3), st.floats(-2.0, 12.0), st.sampled_from([0.0, -0.0, math.inf]))
time_steps = st.one_of(
    st.just(0.0),  # a burst: several events at the same instant
    st.floats(0.0, 0.05),
    st.floats(0.0, 3.0),
    st.just(-30.0),  # the clock jumps back (a sim reset)
)


def streams(config: SafetyConfig) -> st.SearchStrategy:
    """(time step, event) lists; actions often within the limits, poses mostly near the box's faces."""
    near_box = st.tuples(
        *(
            # Round numbers too: 0.029 + (0.01 - 0.029) lands below 0.01 in floating point.
            st.one_of(
                st.floats(low - 0.1, high + 0.1),
                st.integers(math.floor(low * 1000) - 100, math.ceil(high * 1000) + 100).map(lambda mm: mm / 1000),
            )
            for low, high in zip(config.workspace_min, config.workspace_max, strict=True)
        )
    )
    within_limits = st.tuples(
        *[st.floats(-config.max_translation_step, config.max_translation_step)] * 3,
        *[st.floats(-config.max_rotation_step, config.max_rotation_step)] * 3,
        st.floats(0.0, 1.0),
    ).map(list)
    action = st.tuples(
        st.just("action"),
        st.one_of(within_limits, action_numbers),
        st.booleans(),
        ages,
        st.sampled_from(["", "", "", "base_link", "tool0"]),
    )
    events = {
        "action": action,
        "pose": st.tuples(st.just("pose"), near_box, st.sampled_from(["base_link", "", "base_link"]), ages),
        "bad pose": st.tuples(
            st.just("pose"), st.lists(adversarial_values, min_size=3, max_size=3), st.sampled_from(["", "world"]), ages
        ),
        "estop": st.tuples(st.just("estop"), st.booleans()),
        "reset": st.tuples(st.just("reset")),
        "watchdog": st.tuples(st.just("watchdog")),
    }
    # Actions most often, watchdog ticks and poses often; an e-stop press or release, a reset now and then.
    kinds = ["action"] * 12 + ["watchdog"] * 4 + ["pose"] * 3 + ["bad pose", "estop", "reset", "reset"]
    event_stream = st.sampled_from(kinds).flatmap(events.__getitem__)
    return st.lists(st.tuples(time_steps, event_stream), min_size=50, max_size=400)


@dataclass
class Expected:
    """What this test tracks on its own to judge the gate's outputs."""

    estop_latched: bool = False
    estop_pressed: bool = False
    position: tuple[float, float, float] | None = None
    pose_stamp: float = 0.0
    last_forward_time: float | None = None
    last_gripper: float | None = None
    hold_allowed: bool = False  # a hold needs a forwarded action since the last hold
    actions: int = 0


def check_forwarded(config: SafetyConfig, expected: Expected, sent: Action, out: Action, now: float) -> None:
    vector = out.to_vector()
    assert all(math.isfinite(v) for v in vector), vector
    assert all(abs(v) <= config.max_translation_step for v in out.translation), out
    assert all(abs(v) <= config.max_rotation_step for v in out.rotation), out
    assert 0.0 <= out.gripper <= 1.0
    assert out.terminate == sent.terminate
    if expected.position is None or now - expected.pose_stamp > config.max_pose_age:
        assert all(v == 0.0 for v in out.translation), "translation with the pose unknown or stale"
    if expected.position is None:
        return
    for position, delta, asked, low, high in zip(
        expected.position, out.translation, sent.translation, config.workspace_min, config.workspace_max, strict=True
    ):
        assert min(low, position) <= position + delta <= max(high, position), (position, delta, low, high)
        assert delta == 0.0 or (delta > 0) == (asked > 0), "the gate commanded a motion the policy did not ask for"
        assert abs(delta) <= abs(asked)


# No shrink phase: shrinking streams of hundreds of events takes minutes; a failure is reported as
# drawn, and each assertion's message names the limit and the values that broke it.
@settings(
    max_examples=250,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
@given(data=st.data())
def test_no_output_ever_breaks_a_limit(data):
    config = data.draw(configs, label="config")
    stream = data.draw(streams(config), label="stream")
    now = 1000.0
    gate = SafetyGate(config, now)
    expected = Expected()
    workspace_clamps = 0
    for time_step, item in stream:
        now += time_step
        if expected.last_forward_time is not None and now < expected.last_forward_time:
            expected.last_forward_time = None  # the clock went back: the rate is measured afresh
        kind = item[0]
        if kind == "action":
            _, numbers, terminate, age, frame = item
            sent = Action(numbers[0:3], numbers[3:6], numbers[6], terminate)
            stamp = 0.0 if math.isinf(age) else now - age
            decision = gate.process(sent, stamp, frame, now)
            expected.actions += 1
            if decision.action is None:
                assert decision.reason.startswith("rejected")
                continue
            assert not expected.estop_latched, "forwarded while the e-stop is latched"
            assert stamp > 0.0 and -config.max_future_stamp <= now - stamp <= config.max_action_age
            assert frame in ("", config.base_frame)
            if expected.last_forward_time is not None:
                assert now - expected.last_forward_time >= config.min_interval
            check_forwarded(config, expected, sent, decision.action, now)
            workspace_clamps += "workspace" in decision.reason
            expected.last_forward_time = now
            expected.last_gripper = decision.action.gripper
            expected.hold_allowed = True
        elif kind == "pose":
            _, position, frame, age = item
            stamp = 0.0 if math.isinf(age) else now - age
            usable = frame in ("", config.base_frame) and all(math.isfinite(v) for v in position)
            assert (gate.set_pose(position, frame, stamp) == "") == usable
            expected.position = tuple(position) if usable else None
            expected.pose_stamp = stamp if usable else expected.pose_stamp
        elif kind == "estop":
            expected.estop_pressed = item[1]
            expected.estop_latched |= item[1]
            gate.set_estop(item[1])
        elif kind == "reset":
            success, _ = gate.reset()
            assert success == (not expected.estop_pressed)
            if success:
                expected.estop_latched = False
        else:
            hold = gate.watchdog(now)
            if hold is not None:
                assert not expected.estop_latched, "hold published while the e-stop is latched"
                assert expected.hold_allowed, "more than one hold per silence"
                assert hold.translation.tolist() == [0.0] * 3 and hold.rotation.tolist() == [0.0] * 3
                assert hold.gripper == expected.last_gripper and not hold.terminate
                expected.hold_allowed = False
        status = gate.status()
        assert status.estop_active == expected.estop_latched
        assert status.forwarded + status.rejected == expected.actions
        assert status.clamped <= status.forwarded
    status = gate.status()
    event(f"forwarded {min(status.forwarded // 10 * 10, 50)}+, clamped {min(status.clamped // 5 * 5, 20)}+")
    event(f"holds {min(status.holds, 2)}+")
    event(f"workspace clamps {min(workspace_clamps, 5)}+")
