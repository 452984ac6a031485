"""SafetyGate, one rule per test: what passes, what is clamped and how, what is rejected and why."""

import math

import numpy as np
import pytest
from safety_cases import CENTRE, START, move

from rt2_ros.actions.action import Action
from rt2_ros.safety import Decision, SafetyConfig, SafetyGate


def send(gate: SafetyGate, action: Action, now: float = START, stamp: float | None = None, frame: str = "") -> Decision:
    return gate.process(action, now if stamp is None else stamp, frame, now)


# --- forwarding ----------------------------------------------------------------------------------


def test_action_within_limits_passes_unchanged(gate):
    action = move(0.01, -0.02, 0.03, rotation=(0.1, -0.2, 0.05), gripper=0.7, terminate=True)
    decision = send(gate, action)
    assert decision.reason == ""
    assert not decision.clamped and not decision.rejected
    np.testing.assert_array_equal(decision.action.to_vector(), action.to_vector())
    status = gate.status()
    assert (status.forwarded, status.clamped, status.rejected, status.last_reason) == (1, 0, 0, "")


def test_base_frame_by_name_passes(gate):
    assert not send(gate, move(0.01), frame="base_link").rejected


# --- translation and rotation clamps -------------------------------------------------------------


@pytest.mark.parametrize("axis", range(3))
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_translation_is_clamped_per_axis(gate, axis, sign):
    delta = [0.0, 0.0, 0.0]
    delta[axis] = sign * 0.08
    decision = send(gate, move(*delta))
    expected = [0.0, 0.0, 0.0]
    expected[axis] = sign * 0.05
    assert decision.action.translation.tolist() == expected
    assert decision.clamped
    assert f"translation.{'xyz'[axis]}" in decision.reason
    assert gate.status().clamped == 1 and gate.status().last_reason == decision.reason


def test_translation_at_the_limit_is_not_clamped(gate):
    decision = send(gate, move(0.05, -0.05, 0.05))
    assert decision.reason == "" and decision.action.translation.tolist() == [0.05, -0.05, 0.05]


def test_huge_values_are_clamped_not_passed(gate):
    decision = send(gate, move(1e300, -1e300, 0.0, rotation=(1e300, -1e300, 0.0), gripper=1e300))
    assert decision.action.translation.tolist() == [0.05, -0.05, 0.0]
    assert np.all(np.abs(decision.action.rotation) <= 0.25)
    assert decision.action.gripper == 1.0


@pytest.mark.parametrize("axis", range(3))
def test_rotation_is_clamped_per_axis(gate, axis):
    rotation = [0.0, 0.0, 0.0]
    rotation[axis] = -0.4
    decision = send(gate, move(rotation=tuple(rotation)))
    assert decision.action.rotation[axis] == -0.25
    assert f"rotation.{'xyz'[axis]}" in decision.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2 * math.pi - 0.1, -0.1),  # a small negative turn written the long way round: not +0.25
        (-2 * math.pi + 0.1, 0.1),
        (4 * math.pi + 0.2, 0.2),
        (math.pi, -0.25),  # π wraps to -π, then the clamp
        (3 * math.pi - 0.05, 0.25),  # wraps to π - 0.05, then the clamp
    ],
)
def test_rotation_wraps_before_the_clamp(gate, value, expected):
    decision = send(gate, move(rotation=(0.0, 0.0, value)))
    assert decision.action.rotation[2] == pytest.approx(expected, abs=1e-12)
    assert decision.clamped and "rotation.z" in decision.reason


def test_rotation_inside_minus_pi_pi_is_not_touched_by_the_wrap(gate):
    decision = send(gate, move(rotation=(0.1, -0.2, 0.25)))
    assert decision.action.rotation.tolist() == [0.1, -0.2, 0.25] and decision.reason == ""


@pytest.mark.parametrize(("gripper", "expected"), [(1.5, 1.0), (-0.3, 0.0)])
def test_gripper_is_clamped_to_zero_one(gate, gripper, expected):
    decision = send(gate, move(gripper=gripper))
    assert decision.action.gripper == expected and "gripper" in decision.reason


# --- workspace box -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("axis", "sign", "face"),
    [(0, 1, 0.70), (0, -1, 0.20), (1, 1, 0.40), (1, -1, -0.40), (2, 1, 0.50), (2, -1, 0.01)],
)
def test_target_beyond_a_face_is_clamped_to_it(config, axis, sign, face):
    gate = SafetyGate(config, START)
    pose = list(CENTRE)
    pose[axis] = face - sign * 0.02  # 2 cm inside the face
    gate.set_pose(pose, "base_link", START)
    delta = [0.0, 0.0, 0.0]
    delta[axis] = sign * 0.05
    decision = send(gate, move(*delta))
    target = pose[axis] + decision.action.translation[axis]
    assert target == pytest.approx(face, abs=1e-15)
    assert (target <= face) if sign > 0 else (target >= face)
    assert f"workspace: {'xyz'[axis]}" in decision.reason


def test_target_on_the_face_passes(config):
    gate = SafetyGate(config, START)
    gate.set_pose((0.45, 0.0, 0.45), "base_link", START)
    decision = send(gate, move(dz=0.05))
    assert decision.reason == "" and 0.45 + decision.action.translation[2] <= 0.50


def test_pose_on_the_face_cannot_move_out_but_can_move_in(config):
    gate = SafetyGate(config, START)
    gate.set_pose((0.70, 0.0, 0.25), "base_link", START)
    assert send(gate, move(dx=0.03)).action.translation[0] == 0.0
    assert send(gate, move(dx=-0.03), now=START + 0.1).action.translation[0] == -0.03


def test_pose_outside_the_box_only_loses_motion_further_out(config):
    gate = SafetyGate(config, START)
    gate.set_pose((0.45, 0.0, 0.60), "base_link", START)  # 10 cm above the box
    up = send(gate, move(dx=0.01, dz=0.04))
    assert up.action.translation.tolist() == [0.01, 0.0, 0.0]
    assert "motion further out removed" in up.reason
    down = send(gate, move(dz=-0.04), now=START + 0.1)
    assert down.action.translation.tolist() == [0.0, 0.0, -0.04] and down.reason == ""


@pytest.mark.parametrize(
    ("pose", "delta"),
    [
        ((0.45, 0.0, 0.029), (0.0, 0.0, -0.05)),  # 0.029 + (0.01 - 0.029) rounds to 0.009999999999999998
        ((math.nextafter(0.70, 0.0), math.nextafter(0.40, 0.0), math.nextafter(0.50, 0.0)), (0.05, 0.05, 0.05)),
    ],
)
def test_box_clamp_is_exact_in_floating_point(config, pose, delta):
    gate = SafetyGate(config, START)
    gate.set_pose(pose, "base_link", START)
    decision = send(gate, move(*delta))
    for axis in range(3):
        target = pose[axis] + decision.action.translation[axis]
        assert config.workspace_min[axis] <= target <= config.workspace_max[axis]
        assert abs(decision.action.translation[axis]) <= abs(delta[axis])


# --- pose ----------------------------------------------------------------------------------------


def test_translation_without_a_pose_is_rejected(config):
    gate = SafetyGate(config, START)
    decision = send(gate, move(dx=0.001))
    assert decision.rejected and "pose is unknown" in decision.reason
    assert gate.status().rejected == 1


def test_rotation_and_gripper_without_a_pose_pass(config):
    gate = SafetyGate(config, START)
    decision = send(gate, move(rotation=(0.1, 0.0, 0.0), gripper=1.0))
    assert not decision.rejected and decision.action.gripper == 1.0


@pytest.mark.parametrize(
    ("position", "frame", "problem"),
    [((0.4, 0.0, 0.2), "world", "frame 'world'"), ((math.nan, 0.0, 0.2), "base_link", "not finite")],
)
def test_unusable_pose_makes_the_pose_unknown(gate, position, frame, problem):
    assert problem in gate.set_pose(position, frame, START)
    assert not gate.status().pose_known
    assert send(gate, move(dx=0.01)).rejected


def test_translation_on_a_stale_pose_is_rejected_and_the_boundary_passes(gate, config):
    assert not send(gate, move(dx=0.01), now=START + config.max_pose_age).rejected
    decision = send(gate, move(dx=0.01), now=START + config.max_pose_age + 0.1)
    assert decision.rejected and "stale end-effector pose" in decision.reason and "max_pose_age" in decision.reason


def test_rotation_and_gripper_on_a_stale_pose_pass(gate, config):
    later = START + config.max_pose_age + 5.0
    assert not send(gate, move(rotation=(0.0, 0.0, 0.1), gripper=1.0), now=later).rejected


def test_fresh_pose_allows_translations_again(gate, config):
    later = START + config.max_pose_age + 5.0
    assert send(gate, move(dx=0.01), now=later).rejected
    assert gate.set_pose(CENTRE, "base_link", later) == ""
    assert not send(gate, move(dx=0.01), now=later + 0.1).rejected


def test_pose_with_an_unset_stamp_is_never_trusted(config):
    gate = SafetyGate(config, START)
    assert gate.set_pose(CENTRE, "base_link", 0.0) == ""
    assert send(gate, move(dx=0.01)).rejected


def test_pose_without_frame_is_taken_as_base_frame(config):
    gate = SafetyGate(config, START)
    assert gate.set_pose((0.4, 0.0, 0.2), "", START) == ""
    assert not send(gate, move(dx=0.01)).rejected


# --- rejections ----------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(1, 8))  # every float of the action (terminate is a bool on the wire)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_rejected(gate, index, bad):
    vector = move(0.01, 0.0, 0.0, gripper=0.5).to_vector()
    vector[index] = bad
    decision = send(gate, Action.from_vector(vector))
    assert decision.rejected and "non-finite" in decision.reason


def test_action_in_another_frame_is_rejected(gate):
    decision = send(gate, move(dx=0.01), frame="tool0")
    assert decision.rejected and "frame 'tool0'" in decision.reason


def test_stale_action_is_rejected_and_the_boundary_passes(gate, config):
    assert send(gate, move(), now=START, stamp=START - config.max_action_age).reason == ""
    decision = send(gate, move(), now=START + 1, stamp=START + 1 - config.max_action_age - 0.001)
    assert decision.rejected and "stale" in decision.reason


def test_unset_stamp_is_rejected(gate):
    decision = send(gate, move(), stamp=0.0)
    assert decision.rejected and "unset" in decision.reason


def test_stamp_from_the_future_beyond_the_tolerance_is_rejected(gate, config):
    assert not send(gate, move(), now=START, stamp=START + config.max_future_stamp / 2).rejected
    decision = send(gate, move(), now=START + 1, stamp=START + 1 + config.max_future_stamp + 0.01)
    assert decision.rejected and "future" in decision.reason


def test_actions_faster_than_max_rate_are_rejected(gate, config):
    assert not send(gate, move(), now=START).rejected
    burst = [send(gate, move(), now=START + 0.001 * i) for i in range(1, 10)]
    assert all(decision.rejected and "rate" in decision.reason for decision in burst)
    # Rejected actions do not push the next allowed time back: it is measured from the last forwarded one.
    assert not send(gate, move(), now=START + config.min_interval + 1e-9).rejected
    assert gate.status().forwarded == 2 and gate.status().rejected == 9


def test_clock_going_back_restarts_the_rate_measurement(gate):
    assert not send(gate, move(), now=START).rejected
    assert not send(gate, move(), now=START - 100.0).rejected


def test_unchanged_action_keeps_the_last_reason(gate):
    send(gate, move(dx=0.2))
    reason = gate.status().last_reason
    send(gate, move(dx=0.01), now=START + 0.1)
    assert gate.status().last_reason == reason != ""


# --- e-stop --------------------------------------------------------------------------------------


def test_estop_latches_and_release_alone_does_not_clear_it(gate):
    assert gate.set_estop(True)
    assert send(gate, move()).rejected
    assert not gate.set_estop(False)
    decision = send(gate, move(), now=START + 1)
    assert decision.rejected and "e-stop" in decision.reason
    assert gate.status().estop_active and gate.status().rejected == 2


def test_reset_is_refused_while_the_estop_is_pressed(gate):
    gate.set_estop(True)
    success, message = gate.reset()
    assert not success and "still pressed" in message
    assert gate.status().estop_active


def test_reset_after_release_forwards_again(gate):
    gate.set_estop(True)
    gate.set_estop(False)
    success, _ = gate.reset()
    assert success and not gate.status().estop_active
    assert not send(gate, move(dx=0.01)).rejected


def test_reset_without_estop_succeeds_and_says_so(gate):
    assert gate.reset() == (True, "e-stop was not engaged; nothing to reset")


def test_repeated_estop_engages_once(gate):
    assert gate.set_estop(True)
    assert not gate.set_estop(True)


# --- watchdog ------------------------------------------------------------------------------------


def test_watchdog_publishes_one_hold_with_the_last_gripper(gate, config):
    send(gate, move(dx=0.01, gripper=0.8))
    assert gate.watchdog(START + config.command_timeout * 0.9) is None
    hold = gate.watchdog(START + config.command_timeout)
    assert hold is not None
    assert hold.translation.tolist() == [0.0, 0.0, 0.0] and hold.rotation.tolist() == [0.0, 0.0, 0.0]
    assert hold.gripper == 0.8 and hold.terminate is False
    assert gate.status().watchdog_tripped and gate.status().holds == 1
    assert gate.watchdog(START + 10 * config.command_timeout) is None  # one hold per silence


def test_hold_keeps_the_clamped_gripper(gate, config):
    send(gate, move(gripper=3.0))
    assert gate.watchdog(START + config.command_timeout).gripper == 1.0


def test_forwarded_action_clears_the_watchdog_and_rearms_it(gate, config):
    send(gate, move(gripper=0.2))
    gate.watchdog(START + config.command_timeout)
    later = START + 5.0
    assert not send(gate, move(gripper=0.3), now=later).rejected
    assert not gate.status().watchdog_tripped
    assert gate.watchdog(later + config.command_timeout).gripper == 0.3
    assert gate.status().holds == 2


def test_rejected_actions_do_not_feed_the_watchdog(gate, config):
    send(gate, move(gripper=0.5))
    for step in range(1, 20):  # stale actions keep arriving: they are not valid
        now = START + step * 0.1
        send(gate, move(), now=now, stamp=now - 5.0)
    assert gate.watchdog(START + config.command_timeout) is not None


def test_watchdog_trips_without_a_hold_before_anything_was_forwarded(config):
    gate = SafetyGate(config, START)
    assert gate.watchdog(START + config.command_timeout) is None
    assert gate.status().watchdog_tripped and gate.status().holds == 0


def test_no_hold_while_the_estop_is_latched(gate, config):
    send(gate, move(gripper=0.5))
    gate.set_estop(True)
    assert gate.watchdog(START + config.command_timeout) is None
    assert gate.status().watchdog_tripped and gate.status().holds == 0


def test_clock_going_back_restarts_the_watchdog_silence(gate, config):
    send(gate, move(gripper=0.5))
    assert gate.watchdog(START - 50.0) is None
    assert gate.watchdog(START - 50.0 + config.command_timeout * 0.5) is None
    assert gate.watchdog(START - 50.0 + config.command_timeout) is not None


def test_custom_limits_are_used():
    strict = SafetyGate(SafetyConfig(max_translation_step=0.01, max_rotation_step=0.1), START)
    strict.set_pose(CENTRE, "base_link", START)
    decision = send(strict, move(0.03, rotation=(0.2, 0.0, 0.0)))
    assert decision.action.translation[0] == 0.01 and decision.action.rotation[0] == 0.1
