"""Deltas → joint targets: target pose, tracking anchor (no drift, bounded windup), timing, gripper."""

import numpy as np
import pytest

from rt2_ros.control.delta_to_joints import (
    ArmStateUnknown,
    DeltaToJoints,
    finger_position,
    rotation_angle,
    step_duration,
    unreachable_reason,
)
from rt2_ros.control.settings import ArmSettings
from rt2_ros.geometry import apply_delta
from rt2_ros.robot.description import ARM_JOINTS, home_positions
from rt2_ros.robot.kinematics import ArmKinematics

HOME = np.array([home_positions()[name] for name in ARM_JOINTS])


@pytest.fixture(scope="module")
def kinematics() -> ArmKinematics:
    return ArmKinematics()


@pytest.fixture
def controller(kinematics) -> DeltaToJoints:
    controller = DeltaToJoints(kinematics, ArmSettings())
    controller.observe(list(ARM_JOINTS), HOME.tolist())
    return controller


def test_delta_moves_the_end_effector_by_the_delta_in_the_base_frame(controller, kinematics):
    start_position, start_quaternion = kinematics.forward(HOME)
    target = controller.step([0.04, -0.03, 0.02], [0.1, -0.05, 0.25])
    expected_position, expected_quaternion = apply_delta(
        start_position, start_quaternion, [0.04, -0.03, 0.02], [0.1, -0.05, 0.25]
    )
    reached_position, reached_quaternion = kinematics.forward(target.positions)
    assert target.reached
    assert np.linalg.norm(reached_position - expected_position) < 1e-3
    assert rotation_angle(reached_quaternion, expected_quaternion) < 0.01


def test_successive_deltas_add_up_while_the_arm_tracks_and_reanchor_when_it_lags(controller, kinematics):
    start, _ = kinematics.forward(HOME)
    step = np.array([0.02, 0.0, 0.0])
    # The arm has not moved (measured stays HOME): the first deltas add to the last target...
    first = controller.step(step, np.zeros(3))
    second = controller.step(step, np.zeros(3))
    assert second.target_position == pytest.approx(start + 2 * step)
    third = controller.step(step, np.zeros(3))
    assert third.target_position == pytest.approx(start + 3 * step)  # last target 4 cm away: still tracking
    # ...but once the last target is more than tracking_translation (5 cm) ahead, the next delta starts
    # again from the measured pose: at most tolerance + one step of windup.
    fourth = controller.step(step, np.zeros(3))
    assert fourth.target_position == pytest.approx(start + step)
    assert first.target_position == pytest.approx(start + step)


def test_a_tracking_arm_follows_a_stream_of_deltas_without_drift(controller, kinematics):
    start, _ = kinematics.forward(HOME)
    step = np.array([0.0, 0.01, -0.005])
    for _ in range(20):
        target = controller.step(step, np.zeros(3))
        controller.observe(list(ARM_JOINTS), target.positions.tolist())  # the arm arrives
    reached, _ = kinematics.forward(controller.measured)
    assert np.linalg.norm(reached - (start + 20 * step)) < 1e-3


def test_out_of_reach_deltas_do_not_wind_up(controller, kinematics):
    step = np.array([0.05, 0.0, 0.0])
    for _ in range(40):  # 2 m forward: far beyond the reach
        target = controller.step(step, np.zeros(3))
        controller.observe(list(ARM_JOINTS), target.positions.tolist())
    assert not target.reached
    assert "out of reach" in unreachable_reason(kinematics, target)
    # Coming back moves the arm at once: the commanded target stayed at the reachable edge.
    edge, _ = kinematics.forward(controller.measured)
    back = controller.step(-step, np.zeros(3))
    assert back.reached
    assert back.target_position == pytest.approx(edge - step, abs=1e-3)


def test_zero_delta_commands_nothing_new(controller):
    assert controller.step(np.zeros(3), np.zeros(3)) is None


def test_hold_targets_the_measured_joints_and_forgets_the_last_target(controller, kinematics):
    start, _ = kinematics.forward(HOME)
    controller.step([0.03, 0.0, 0.0], np.zeros(3))
    hold = controller.hold()
    assert hold.positions == pytest.approx(HOME) and hold.ik is None and hold.reached
    after = controller.step([0.0, 0.01, 0.0], np.zeros(3))
    assert after.target_position == pytest.approx(start + np.array([0.0, 0.01, 0.0]))


def test_duration_is_set_by_the_slowest_joint_and_at_least_one_control_period(kinematics):
    settings = ArmSettings(velocity_scale=0.1, control_period=0.2)
    controller = DeltaToJoints(kinematics, settings)
    controller.observe(list(ARM_JOINTS), HOME.tolist())
    target = controller.step(np.zeros(3), [0.0, 0.0, 0.25])
    velocity = kinematics.limits.velocity * 0.1
    assert target.duration == pytest.approx(np.max(np.abs(target.positions - HOME) / velocity))
    assert target.duration > 0.2
    assert step_duration(HOME, HOME + 1e-4, velocity, 0.2) == 0.2
    assert step_duration(np.zeros(2), np.array([1.0, -3.0]), np.array([1.0, 2.0]), 0.1) == 1.5


def test_gripper_maps_zero_one_to_the_finger_range_and_clamps():
    assert finger_position(0.0, 0.0, 0.04) == 0.0
    assert finger_position(1.0, 0.0, 0.04) == 0.04
    assert finger_position(0.25, 0.0, 0.04) == pytest.approx(0.01)
    assert finger_position(1.7, 0.0, 0.04) == 0.04 and finger_position(-1.0, 0.0, 0.04) == 0.0


def test_delta_before_any_joint_state_is_refused(kinematics):
    controller = DeltaToJoints(kinematics, ArmSettings())
    assert controller.current_pose() is None
    with pytest.raises(ArmStateUnknown, match="no /joint_states"):
        controller.step([0.01, 0.0, 0.0], np.zeros(3))
    with pytest.raises(ArmStateUnknown):
        controller.hold()


def test_bad_joint_states_and_deltas_are_refused_and_the_last_good_state_kept(controller):
    with pytest.raises(ValueError, match=r"lacks arm joints \['joint_6'\]"):
        controller.observe(list(ARM_JOINTS[:5]), HOME[:5].tolist())
    with pytest.raises(ValueError, match="non-finite"):
        controller.observe(list(ARM_JOINTS), [np.nan, *HOME[1:]])
    with pytest.raises(ValueError, match="6 names but 5 positions"):
        controller.observe(list(ARM_JOINTS), HOME[:5].tolist())
    assert controller.measured == pytest.approx(HOME)
    with pytest.raises(ValueError, match="non-finite delta"):
        controller.step([np.inf, 0.0, 0.0], np.zeros(3))


def test_settings_and_joint_names_are_checked(kinematics):
    with pytest.raises(ValueError, match="control_period"):
        ArmSettings(control_period=0.0)
    with pytest.raises(ValueError, match="velocity_scale"):
        ArmSettings(velocity_scale=1.5)
    with pytest.raises(ValueError, match="must differ"):
        ArmSettings(ee_frame="base_link")
    with pytest.raises(ValueError, match="differ from the URDF's arm joints"):
        DeltaToJoints(kinematics, ArmSettings(arm_joints=("joint_1", "joint_2")))
