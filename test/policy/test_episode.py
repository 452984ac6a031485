"""The policy node's control logic without ROS: commands, frames, staleness, episode ends, failures."""

import numpy as np
import pytest

from rt2_ros.actions.action import Action
from rt2_ros.policy.base import Observation, Policy, PolicyStep
from rt2_ros.policy.episode import EpisodeRunner, RunnerConfig, State

IMAGE = np.zeros((4, 4, 3), np.uint8)


class CountingPolicy(Policy):
    """Returns the action it is given; counts resets and calls."""

    def __init__(self, action: Action | None = None) -> None:
        self.action = action or Action(translation=[0.01, 0, 0])
        self.resets = 0
        self.seen: list[Observation] = []

    def reset(self) -> None:
        self.resets += 1

    def act(self, observation: Observation) -> PolicyStep:
        self.seen.append(observation)
        return PolicyStep(tokens=[1, 2], action=self.action)


def runner(policy: Policy | None = None, **config: float) -> EpisodeRunner:
    return EpisodeRunner(policy or CountingPolicy(), RunnerConfig(**config))


def state(runner: EpisodeRunner, now: float) -> State | None:
    blocked = runner.blocked(now)
    return None if blocked is None else blocked[0]


def test_nothing_without_a_command():
    loop = runner()
    loop.new_frame(10.0, "frame")
    assert state(loop, 10.0) is State.NO_COMMAND


def test_nothing_without_an_image():
    loop = runner()
    loop.command("pick up the block")
    assert state(loop, 10.0) is State.NO_IMAGE


def test_stale_image_is_judged_by_its_stamp():
    loop = runner(max_image_age=0.5)
    loop.command("pick up the block")
    loop.new_frame(10.0, "frame")
    assert state(loop, 10.4) is None
    kind, detail = loop.blocked(10.6)
    assert kind is State.STALE_IMAGE and "0.600 s old" in detail


def test_each_frame_is_acted_on_once():
    loop = runner()
    loop.command("pick up the block")
    loop.new_frame(10.0, "frame")
    loop.act(IMAGE)
    assert state(loop, 10.1) is State.WAITING_FOR_IMAGE
    loop.new_frame(10.1, "frame")
    assert state(loop, 10.1) is None


def test_frozen_pixels_with_new_stamps_are_refused_after_max_frozen_time():
    loop = runner(max_frozen_time=1.0)
    loop.command("pick up the block")
    for step in range(11):  # the same bytes every 0.1 s for 1.0 s: still within max_frozen_time
        loop.new_frame(10.0 + step / 10, "frame", b"same pixels")
        assert state(loop, 10.0 + step / 10) is None
        loop.act(IMAGE)
    loop.new_frame(11.1, "frame", b"same pixels")
    kind, detail = loop.blocked(11.1)
    assert kind is State.FROZEN_IMAGE and "1.10 s" in detail
    loop.new_frame(11.2, "frame", b"new pixels")  # the camera lives again: acted on at once
    assert state(loop, 11.2) is None


def test_frozen_pixels_are_not_checked_by_default():
    loop = runner()
    loop.command("pick up the block")
    for step in range(30):
        loop.new_frame(10.0 + step / 10, "frame", b"same pixels")
        assert state(loop, 10.0 + step / 10) is None
        loop.act(IMAGE)


def test_frozen_check_hashes_any_buffer():
    import array

    loop = runner(max_frozen_time=0.5)
    loop.command("pick up the block")
    loop.new_frame(10.0, "frame", array.array("B", [1, 2, 3]))  # what rclpy gives for uint8[] data
    loop.new_frame(10.6, "frame", array.array("B", [1, 2, 3]))
    assert state(loop, 10.6) is State.FROZEN_IMAGE


def test_observation_carries_instruction_and_stamp():
    policy = CountingPolicy()
    loop = runner(policy)
    loop.command("  pick up   the block ")
    loop.new_frame(10.0, "frame")
    loop.act(IMAGE)
    assert policy.seen[0].instruction == "pick up the block" and policy.seen[0].stamp == 10.0


def test_a_new_command_starts_a_new_episode_and_resets_the_policy():
    policy = CountingPolicy()
    loop = runner(policy)
    loop.command("pick up the block")
    loop.new_frame(10.0, "frame")
    loop.act(IMAGE)
    loop.command("push the block")
    assert (loop.episode, loop.steps, policy.resets) == (2, 0, 2)
    assert state(loop, 10.1) is None  # the freshest frame opens the new episode


def test_terminate_ends_the_episode_until_the_next_command():
    loop = runner(CountingPolicy(Action(terminate=True)))
    loop.command("pick up the block")
    loop.new_frame(10.0, "frame")
    loop.act(IMAGE)
    loop.new_frame(10.1, "frame")
    kind, detail = loop.blocked(10.1)
    assert kind is State.DONE and "terminate" in detail
    loop.command("again")
    assert state(loop, 10.1) is None


def test_max_episode_steps_ends_the_episode():
    loop = runner(max_episode_steps=2)
    loop.command("pick up the block")
    for step in range(2):
        loop.new_frame(10.0 + step, "frame")
        assert state(loop, 10.0 + step) is None
        loop.act(IMAGE)
    loop.new_frame(12.0, "frame")
    assert state(loop, 12.0) is State.DONE


@pytest.mark.parametrize("text", ["", "   ", "x" * 600, None])
def test_a_bad_command_changes_nothing(text):
    loop = runner()
    loop.command("pick up the block")
    with pytest.raises(ValueError):
        loop.command(text)
    assert (loop.instruction, loop.episode) == ("pick up the block", 1)


def test_a_non_finite_action_is_an_error_and_the_frame_is_not_retried():
    loop = runner(CountingPolicy(Action(translation=[np.nan, 0, 0])))
    loop.command("pick up the block")
    loop.new_frame(10.0, "frame")
    with pytest.raises(ValueError, match="non-finite"):
        loop.act(IMAGE)
    assert loop.steps == 0 and state(loop, 10.0) is State.WAITING_FOR_IMAGE


def test_a_skipped_frame_is_not_retried():
    loop = runner()
    loop.command("pick up the block")
    loop.new_frame(10.0, "frame")
    loop.skip_frame()
    assert state(loop, 10.0) is State.WAITING_FOR_IMAGE


def test_privileged_backends_wait_for_the_sim_state():
    policy = CountingPolicy()
    policy.needs_privileged_state = True
    loop = runner(policy)
    loop.command("pick up the block")
    loop.new_frame(10.0, "frame")
    assert state(loop, 10.0) is State.NO_PRIVILEGED_STATE
    loop.privileged_state = {"episode": 0}
    assert state(loop, 10.0) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_image_age", 0.0), ("max_episode_steps", -1), ("max_frozen_time", -0.1), ("frame_spacing", -0.1)],
)
def test_config_rejects_bad_values(field, value):
    with pytest.raises(ValueError, match=field):
        RunnerConfig(**{field: value})


def test_frame_spacing_acts_on_the_first_frame_captured_that_long_after_the_last_one():
    loop = runner(frame_spacing=0.18)  # a 5 Hz policy on a 10 Hz camera: every second frame
    loop.command("pick up the block")
    loop.new_frame(10.0, "frame")
    loop.act(IMAGE)
    loop.new_frame(10.1, "frame")
    kind, detail = loop.blocked(10.1)
    assert kind is State.WAITING_FOR_IMAGE and "0.180 s after" in detail
    loop.new_frame(10.2, "frame")
    assert state(loop, 10.2) is None
    loop.act(IMAGE)
    loop.command("put it down")  # a new episode acts on the freshest frame at once
    assert state(loop, 10.25) is None


def test_a_step_on_a_skipped_frame_does_not_delay_the_next_one():
    loop = runner(frame_spacing=0.18)
    loop.command("pick up the block")
    loop.new_frame(10.0, "frame")
    loop.skip_frame()  # could not be converted: no step was computed on it
    loop.new_frame(10.1, "frame")
    assert state(loop, 10.1) is None
