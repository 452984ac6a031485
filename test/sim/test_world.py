"""The MuJoCo world: the URDF loads into the scene, episodes are seeded, the arm follows commands."""

import numpy as np
import pytest

from rt2_ros.robot.description import ARM_JOINTS, home_positions
from rt2_ros.robot.kinematics import ArmKinematics
from rt2_ros.sim.scene import FINGER_JOINTS, SceneConfig
from rt2_ros.sim.tasks import TaskSpec
from rt2_ros.sim.trajectory import TrajectoryError
from rt2_ros.sim.world import SimWorld


def test_the_scene_holds_the_arm_from_the_urdf_and_the_objects(world):
    model = world.model
    for name in (*ARM_JOINTS, *FINGER_JOINTS):
        assert model.joint(name).id >= 0
    assert model.nu == len(ARM_JOINTS) + len(FINGER_JOINTS)
    assert model.camera("scene_camera").id >= 0
    world.reset()
    kinds = sorted(obj.kind for obj in world.object_states().values())
    assert kinds == ["ball", "block", "block", "block", "bowl", "bowl", "can"]


def test_the_sim_ee_pose_matches_the_kinematics_of_the_same_urdf(world):
    world.reset()
    position, quaternion = world.ee_pose()
    expected_position, expected_quaternion = ArmKinematics().forward(world.arm_positions())
    np.testing.assert_allclose(position, expected_position, atol=1e-6)
    assert abs(abs(np.dot(quaternion, expected_quaternion)) - 1) < 1e-6


def test_reset_starts_at_home_with_objects_resting(world):
    world.reset()
    np.testing.assert_allclose(world.arm_positions(), [home_positions()[name] for name in ARM_JOINTS], atol=1e-3)
    for obj in world.object_states().values():
        assert obj.position[2] == pytest.approx(0.0 if obj.kind == "bowl" else obj.half_size[2], abs=3e-3)
    assert world.gripper_closure() == pytest.approx(0.0, abs=1e-3)


def test_episodes_are_reproducible_from_the_seed():
    def episodes(seed):
        sim = SimWorld(seed=seed)
        result = []
        for _ in range(3):
            task = sim.reset()
            result.append((task.instruction, sorted((n, tuple(o.position)) for n, o in sim.object_states().items())))
        return result

    first = episodes(7)
    assert first == episodes(7)
    assert first != episodes(8)
    assert len({instruction for instruction, _ in first}) > 1


def test_no_task_is_solved_at_its_start(world):
    for seed in range(40):
        world.reset(seed=seed)
        assert not world.privileged_state().success, world.task


def test_sim_time_keeps_running_across_resets(world):
    world.reset()
    world.advance(0.5)
    before = world.time
    world.reset()
    assert world.time > before


def test_reset_with_a_task_kind_and_seed(world):
    task = world.reset(TaskSpec("push"), seed=3)
    assert task.kind == "push" and task.direction in ("left", "right")
    assert world.reset(TaskSpec("push"), seed=3) == task


def test_camera_frames_have_the_configured_size_and_change_with_the_scene(world):
    world.reset(seed=1)
    first = world.render()
    assert first.shape == (80, 96, 3) and first.dtype == np.uint8
    world.reset(seed=2)
    assert np.abs(first.astype(int) - world.render().astype(int)).mean() > 1.0


def test_the_arm_follows_a_trajectory_and_the_gripper_closes(world):
    world.reset()
    target = world.arm_positions() + np.array([0.3, -0.2, 0.1, 0.2, -0.2, 0.4])
    world.command_trajectory(ARM_JOINTS, [target], [0.5])
    world.command_fingers(world.finger_range[1])
    world.advance(0.25)
    halfway = world.arm_positions()
    world.advance(0.75)
    np.testing.assert_allclose(world.arm_positions(), target, atol=0.01)
    assert np.all(np.abs(halfway - target) > 0.02)  # interpolated over time, not jumped
    assert world.gripper_closure() > 0.95


def test_bad_commands_are_refused_and_the_arm_keeps_its_trajectory(world):
    world.reset()
    target = world.arm_positions() + 0.1
    world.command_trajectory(ARM_JOINTS, [target], [0.2])
    with pytest.raises(TrajectoryError, match="outside its limits"):
        world.command_trajectory(ARM_JOINTS, [target + 10.0], [0.2])
    with pytest.raises(ValueError, match="outside"):
        world.command_fingers(0.5)
    world.advance(0.6)
    np.testing.assert_allclose(world.arm_positions(), target, atol=0.01)


def test_hold_arm_stops_a_trajectory_where_the_arm_is(world):
    world.reset()
    start = world.arm_positions()
    world.command_trajectory(ARM_JOINTS, [start + 0.5], [1.0])
    world.advance(0.3)
    world.hold_arm()
    stopped = world.arm_positions()
    world.advance(0.5)
    np.testing.assert_allclose(world.arm_positions(), stopped, atol=0.02)
    assert np.all(np.abs(world.arm_positions() - start) > 0.05)


def test_scene_config_is_checked():
    with pytest.raises(ValueError, match="num_blocks"):
        SceneConfig(num_blocks=1)
    with pytest.raises(ValueError, match="timestep"):
        SceneConfig(timestep=0.1)
