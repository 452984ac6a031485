"""The one URDF: expands in every mode, loads in MuJoCo and pinocchio, and both agree."""

import xml.etree.ElementTree as ET

import mujoco
import numpy as np
import pinocchio as pin
import pytest

from rt2_ros.geometry import quaternion_from_matrix
from rt2_ros.robot.description import (
    ARM_JOINTS,
    GRIPPER_JOINT,
    GRIPPER_MIMIC_JOINT,
    MODES,
    cameras,
    home_positions,
    urdf_xml,
)
from rt2_ros.robot.kinematics import ArmKinematics

ALL_JOINTS = (*ARM_JOINTS, GRIPPER_JOINT, GRIPPER_MIMIC_JOINT)


@pytest.fixture(scope="module")
def mujoco_model() -> mujoco.MjModel:
    return mujoco.MjModel.from_xml_string(urdf_xml("mujoco"))


@pytest.fixture(scope="module")
def pinocchio_model() -> pin.Model:
    return pin.buildModelFromXML(urdf_xml("mujoco"))


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_expands_to_the_same_arm(mode):
    root = ET.fromstring(urdf_xml(mode))
    joints = {joint.attrib["name"]: joint.attrib["type"] for joint in root.iterfind("joint")}
    assert all(joints[name] == "revolute" for name in ARM_JOINTS)
    assert joints[GRIPPER_JOINT] == joints[GRIPPER_MIMIC_JOINT] == "prismatic"
    mimic = root.find(f"joint[@name='{GRIPPER_MIMIC_JOINT}']/mimic")
    assert mimic is not None and mimic.attrib["joint"] == GRIPPER_JOINT
    links = {link.attrib["name"] for link in root.iterfind("link")}
    assert {"base_link", "ee_link", "scene_camera_link", "scene_camera_optical_frame", "wrist_camera_link"} <= links


def test_ros2_control_and_gazebo_tags_only_where_they_belong():
    mujoco_root, mock_root, gz_root = (ET.fromstring(urdf_xml(mode)) for mode in ("mujoco", "mock", "gz"))
    assert mujoco_root.find("ros2_control") is None and mujoco_root.find("gazebo") is None
    assert mock_root.findtext("ros2_control/hardware/plugin") == "mock_components/GenericSystem"
    assert gz_root.findtext("ros2_control/hardware/plugin") == "gz_ros2_control/GazeboSimSystem"
    plugin = gz_root.find("gazebo/plugin[@name='gz_ros2_control::GazeboSimROS2ControlPlugin']")
    assert plugin is not None and plugin.findtext("parameters").endswith("config/ros2_controllers.yaml")
    commanded = [j.attrib["name"] for j in mock_root.iterfind("ros2_control/joint") if j.find("command_interface")]
    assert commanded == [*ARM_JOINTS, GRIPPER_JOINT]


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode is 'sdf'"):
        urdf_xml("sdf")


def test_mujoco_and_pinocchio_agree_on_joints_and_limits(mujoco_model, pinocchio_model):
    mujoco_names = [mujoco_model.joint(i).name for i in range(mujoco_model.njnt)]
    assert mujoco_names == list(ALL_JOINTS)
    assert list(pinocchio_model.names[1:]) == list(ALL_JOINTS)
    assert np.allclose(mujoco_model.jnt_range[:, 0], pinocchio_model.lowerPositionLimit)
    assert np.allclose(mujoco_model.jnt_range[:, 1], pinocchio_model.upperPositionLimit)
    # The mimic finger follows the left one through an equality constraint.
    assert mujoco_model.neq == 1 and mujoco_model.eq_type[0] == mujoco.mjtEq.mjEQ_JOINT


def test_inertials_are_physical(pinocchio_model):
    for inertia in pinocchio_model.inertias[1:]:
        assert inertia.mass > 0
        moments = np.linalg.eigvalsh(inertia.inertia)
        assert np.all(moments > 0)
        assert moments[0] + moments[1] >= moments[2] - 1e-12  # triangle inequality of a real body


def test_mujoco_and_pinocchio_forward_kinematics_agree(mujoco_model):
    kinematics = ArmKinematics()
    data = mujoco.MjData(mujoco_model)
    rng = np.random.default_rng(0)
    for _ in range(50):
        q = rng.uniform(kinematics.limits.lower, kinematics.limits.upper)
        data.qpos[:] = 0.0
        data.qpos[: len(ARM_JOINTS)] = q
        mujoco.mj_kinematics(mujoco_model, data)
        position, quaternion = kinematics.forward(q)
        body = data.body("ee_link")
        assert np.linalg.norm(body.xpos - position) < 1e-3
        assert abs(np.dot(quaternion_from_matrix(body.xmat.reshape(3, 3)), quaternion)) > np.cos(1e-3 / 2)


def test_home_pose_points_the_gripper_down_over_the_table():
    home = home_positions()
    assert set(home) == set(ALL_JOINTS)
    position, quaternion = ArmKinematics().forward(np.array([home[name] for name in ARM_JOINTS]))
    assert np.all(position >= [0.2, -0.4, 0.01]) and np.all(position <= [0.7, 0.4, 0.5])
    tool_axis = pin.Quaternion(quaternion[3], *quaternion[:3]).toRotationMatrix()[:, 2]
    assert tool_axis == pytest.approx([0.0, 0.0, -1.0], abs=1e-6)


def test_scene_camera_looks_down_at_the_table_from_beside_the_shoulder():
    scene = cameras()["scene_camera"]
    assert scene.link == "scene_camera_link" and scene.optical_frame == "scene_camera_optical_frame"
    assert 0.5 < scene.horizontal_fov < 2.0 and scene.width > 0 and scene.height > 0
    model = pin.buildModelFromXML(urdf_xml("mujoco"))
    data = model.createData()
    pin.framesForwardKinematics(model, data, pin.neutral(model))
    optical = data.oMf[model.getFrameId(scene.optical_frame)]
    # Not in front of the base, off to the side of the arm's plane, and above the shoulder.
    assert optical.translation[0] <= 0 and abs(optical.translation[1]) > 0.3 and optical.translation[2] > 0.5
    # The optical axis (z) hits the table inside the reach box.
    axis = optical.rotation[:, 2]
    hit = optical.translation - axis * optical.translation[2] / axis[2]
    assert 0.2 < hit[0] < 0.7 and abs(hit[1]) < 0.4
