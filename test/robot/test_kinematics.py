"""pinocchio FK/IK of the arm: round trips over the reach box, limits, best effort when out of reach."""

import numpy as np
import pytest

from rt2_ros.geometry import matrix_from_rpy, quaternion_from_matrix
from rt2_ros.robot.description import ARM_JOINTS, home_positions
from rt2_ros.robot.kinematics import ArmKinematics, IkOptions

BOX_MIN, BOX_MAX = np.array([0.20, -0.40, 0.01]), np.array([0.70, 0.40, 0.50])
HOME = np.array([home_positions()[name] for name in ARM_JOINTS])
GRIPPER_DOWN = matrix_from_rpy([0.0, np.pi, 0.0])


@pytest.fixture(scope="module")
def kinematics() -> ArmKinematics:
    return ArmKinematics()


def rotation_error(quaternion_a: np.ndarray, quaternion_b: np.ndarray) -> float:
    return 2.0 * float(np.arccos(min(1.0, abs(float(np.dot(quaternion_a, quaternion_b))))))


def test_model_is_the_six_arm_joints_with_urdf_limits(kinematics):
    assert kinematics.joint_names == ARM_JOINTS
    limits = kinematics.limits
    assert limits.lower.tolist() == pytest.approx([-2.96, -2.0, -2.9, -2.96, -2.0, -2 * np.pi])
    assert np.all(limits.upper == -limits.lower)
    assert np.all(limits.velocity > 0) and np.all(limits.effort > 0)
    finger = kinematics.full_limits(("gripper_finger_left_joint",))
    assert (finger.lower[0], finger.upper[0]) == (0.0, 0.04)


def test_ik_reaches_gripper_down_poses_over_the_whole_box(kinematics):
    """From the home pose: any position in the box, any yaw, tilted up to 0.3 rad."""
    rng = np.random.default_rng(1)
    results = []
    for _ in range(200):
        position = rng.uniform(BOX_MIN, BOX_MAX)
        tilt = matrix_from_rpy([*rng.uniform(-0.3, 0.3, 2), rng.uniform(-np.pi, np.pi)])
        quaternion = quaternion_from_matrix(tilt @ GRIPPER_DOWN)
        result = kinematics.inverse(position, quaternion, HOME)
        reached_position, reached_quaternion = kinematics.forward(result.positions)
        results.append(
            result.converged
            and np.linalg.norm(reached_position - position) < 1e-3
            and rotation_error(reached_quaternion, quaternion) < 0.01
        )
        assert np.all(result.positions >= kinematics.limits.lower) and np.all(
            result.positions <= kinematics.limits.upper
        )
    assert np.mean(results) >= 0.99


def test_fk_ik_round_trip_from_a_nearby_seed(kinematics):
    rng = np.random.default_rng(2)
    margin = 0.2
    for _ in range(100):
        q = rng.uniform(kinematics.limits.lower + margin, kinematics.limits.upper - margin)
        position, quaternion = kinematics.forward(q)
        result = kinematics.inverse(position, quaternion, q + rng.normal(0.0, 0.05, q.shape))
        assert result.converged
        assert result.position_error < 1e-3 and result.rotation_error < 0.01
        reached_position, reached_quaternion = kinematics.forward(result.positions)
        assert np.linalg.norm(reached_position - position) < 1e-3
        assert rotation_error(reached_quaternion, quaternion) < 0.01


def test_out_of_reach_target_gives_the_closest_pose_within_limits(kinematics):
    home_position, home_quaternion = kinematics.forward(HOME)
    far = home_position + np.array([2.0, 0.0, 0.0])
    result = kinematics.inverse(far, home_quaternion, HOME)
    assert not result.converged
    assert np.all(result.positions >= kinematics.limits.lower) and np.all(result.positions <= kinematics.limits.upper)
    reached_position, _ = kinematics.forward(result.positions)
    # The arm stretches towards the target: far closer than from home, and the error is reported truly.
    assert np.linalg.norm(far - reached_position) < np.linalg.norm(far - home_position) - 0.3
    assert result.position_error == pytest.approx(np.linalg.norm(far - reached_position), abs=1e-9)


def test_seed_outside_the_limits_is_clamped(kinematics):
    seed = HOME.copy()
    seed[0] = 10.0
    position, quaternion = kinematics.forward(HOME)
    result = kinematics.inverse(position, quaternion, seed)
    assert np.all(result.positions <= kinematics.limits.upper)


def test_bad_frames_and_options_are_refused():
    with pytest.raises(ValueError, match="frame 'tool0' is not in the URDF"):
        ArmKinematics(ee_frame="tool0")
    with pytest.raises(ValueError, match="moves with the arm"):
        ArmKinematics(base_frame="link_3")
    with pytest.raises(ValueError, match="max_iterations"):
        IkOptions(max_iterations=0)
