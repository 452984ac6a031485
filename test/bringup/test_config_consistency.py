"""The one URDF and every MoveIt / ros2_control / Servo file in config/ name the same joints and links."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from rt2_ros.robot.description import ARM_JOINTS, GRIPPER_JOINT, GRIPPER_MIMIC_JOINT, home_positions, urdf_xml

CONFIG = Path(__file__).resolve().parents[2] / "config"


def load(name: str) -> dict:
    return yaml.safe_load((CONFIG / name).read_text())


@pytest.fixture(scope="module")
def urdf() -> ET.Element:
    return ET.fromstring(urdf_xml("mock"))


@pytest.fixture(scope="module")
def joints(urdf) -> dict[str, ET.Element]:
    return {joint.attrib["name"]: joint for joint in urdf.iterfind("joint")}


@pytest.fixture(scope="module")
def links(urdf) -> set[str]:
    return {link.attrib["name"] for link in urdf.iterfind("link")}


@pytest.fixture(scope="module")
def srdf() -> ET.Element:
    return ET.parse(CONFIG / "rt2_arm.srdf").getroot()


def joint_type(joints: dict[str, ET.Element], name: str) -> str:
    assert name in joints, f"joint {name!r} is not in the URDF"
    return joints[name].attrib["type"]


def chain_joints(joints: dict[str, ET.Element], base: str, tip: str) -> list[str]:
    """Joints from `base` down to `tip` in the URDF tree, in order."""
    parent_joint = {joint.find("child").attrib["link"]: joint for joint in joints.values()}
    names, link = [], tip
    while link != base:
        assert link in parent_joint, f"{tip!r} is not below {base!r} in the URDF"
        joint = parent_joint[link]
        names.append(joint.attrib["name"])
        link = joint.find("parent").attrib["link"]
    return names[::-1]


@pytest.mark.parametrize("mode", ["mock", "gz"])
def test_description_expands_with_ros2_control_for_each_mode(mode):
    root = ET.fromstring(urdf_xml(mode))
    plugin = root.findtext("ros2_control/hardware/plugin")
    assert plugin == {"mock": "mock_components/GenericSystem", "gz": "gz_ros2_control/GazeboSimSystem"}[mode]
    joints = root.iterfind("ros2_control/joint")
    commanded = {joint.attrib["name"] for joint in joints if joint.find("command_interface") is not None}
    assert commanded == {*ARM_JOINTS, GRIPPER_JOINT}


def test_gazebo_plugin_reads_this_controllers_file():
    root = ET.fromstring(urdf_xml("gz"))
    plugin = root.find("gazebo/plugin[@filename='gz_ros2_control-system']")
    assert plugin is not None and plugin.attrib["name"] == "gz_ros2_control::GazeboSimROS2ControlPlugin"
    assert Path(plugin.findtext("parameters")).resolve() == (CONFIG / "ros2_controllers.yaml").resolve()


def test_controllers_command_urdf_joints_of_the_right_type(joints):
    controllers = load("ros2_controllers.yaml")
    declared = controllers["controller_manager"]["ros__parameters"]
    arm = controllers["arm_controller"]["ros__parameters"]
    assert declared["arm_controller"]["type"] == "joint_trajectory_controller/JointTrajectoryController"
    assert tuple(arm["joints"]) == ARM_JOINTS
    assert all(joint_type(joints, name) == "revolute" for name in arm["joints"])
    gripper = controllers["gripper_controller"]["ros__parameters"]
    assert declared["gripper_controller"]["type"] == "forward_command_controller/ForwardCommandController"
    assert gripper["joints"] == [GRIPPER_JOINT] and gripper["interface_name"] == "position"
    assert joint_type(joints, GRIPPER_JOINT) == "prismatic"
    assert controllers["gripper_action_controller"]["ros__parameters"]["joint"] == GRIPPER_JOINT
    for name, section in declared.items():
        if isinstance(section, dict) and section.get("type", "").endswith("Controller"):
            assert name in controllers, f"controller {name} is declared without parameters"


def test_controller_interfaces_exist_in_ros2_control(urdf):
    arm = load("ros2_controllers.yaml")["arm_controller"]["ros__parameters"]
    for joint in urdf.iterfind("ros2_control/joint"):
        if joint.attrib["name"] in arm["joints"]:
            assert {c.attrib["name"] for c in joint.iterfind("command_interface")} >= set(arm["command_interfaces"])
            assert {s.attrib["name"] for s in joint.iterfind("state_interface")} >= set(arm["state_interfaces"])


def test_moveit_controllers_match_the_arm_controller():
    moveit = load("moveit_controllers.yaml")["moveit_simple_controller_manager"]
    arm = load("ros2_controllers.yaml")["arm_controller"]["ros__parameters"]
    assert moveit["controller_names"] == ["arm_controller"]
    assert moveit["arm_controller"]["joints"] == arm["joints"]
    assert moveit["arm_controller"]["type"] == "FollowJointTrajectory"


def test_joint_limits_name_urdf_joints_with_the_urdf_velocities(joints):
    limits = load("joint_limits.yaml")["joint_limits"]
    for name, limit in limits.items():
        joint_type(joints, name)
        assert limit["max_velocity"] == pytest.approx(float(joints[name].find("limit").attrib["velocity"])), name
        assert limit["has_acceleration_limits"] and limit["max_acceleration"] > 0, name
    assert set(limits) == {*ARM_JOINTS, GRIPPER_JOINT}


def test_srdf_names_the_urdf_robot(srdf, urdf):
    assert srdf.attrib["name"] == urdf.attrib["name"]


def test_srdf_arm_chain_moves_exactly_the_arm_joints(srdf, joints, links):
    chain = srdf.find("group[@name='arm']/chain")
    assert chain.attrib["base_link"] in links and chain.attrib["tip_link"] in links
    moving = [name for name in chain_joints(joints, chain.attrib["base_link"], chain.attrib["tip_link"])]
    assert [name for name in moving if joint_type(joints, name) != "fixed"] == list(ARM_JOINTS)
    assert all(joint_type(joints, name) == "revolute" for name in ARM_JOINTS)


def test_srdf_hand_group_is_the_prismatic_fingers(srdf, joints):
    hand = [joint.attrib["name"] for joint in srdf.iterfind("group[@name='hand']/joint")]
    assert hand == [GRIPPER_JOINT, GRIPPER_MIMIC_JOINT]
    assert all(joint_type(joints, name) == "prismatic" for name in hand)
    assert joints[GRIPPER_MIMIC_JOINT].find("mimic").attrib["joint"] == GRIPPER_JOINT


def test_srdf_named_states_are_inside_the_urdf_limits(srdf, joints):
    for state in srdf.iterfind("group_state"):
        for joint in state.iterfind("joint"):
            limit = joints[joint.attrib["name"]].find("limit")
            value = float(joint.attrib["value"])
            assert float(limit.attrib["lower"]) <= value <= float(limit.attrib["upper"]), joint.attrib["name"]


def test_srdf_home_is_the_urdf_home(srdf):
    home = {j.attrib["name"]: float(j.attrib["value"]) for j in srdf.iterfind("group_state[@name='home']/joint")}
    expected = home_positions()
    assert home == pytest.approx({name: expected[name] for name in ARM_JOINTS})


def test_srdf_links_exist(srdf, links):
    for pair in srdf.iterfind("disable_collisions"):
        assert {pair.attrib["link1"], pair.attrib["link2"]} <= links, pair.attrib
    for effector in srdf.iterfind("end_effector"):
        assert effector.attrib["parent_link"] in links
        assert srdf.find(f"group[@name='{effector.attrib['group']}']") is not None
        assert srdf.find(f"group[@name='{effector.attrib['parent_group']}']") is not None


def test_kinematics_and_servo_name_srdf_groups_and_urdf_links(srdf, links):
    groups = {group.attrib["name"] for group in srdf.iterfind("group")}
    assert set(load("kinematics.yaml")) <= groups
    servo = load("servo.yaml")["servo_node"]["ros__parameters"]["moveit_servo"]
    assert servo["move_group_name"] in groups
    assert {servo["planning_frame"], servo["ee_frame_name"], servo["robot_link_command_frame"]} <= links


def test_servo_feeds_the_arm_trajectory_controller():
    servo = load("servo.yaml")["servo_node"]["ros__parameters"]["moveit_servo"]
    assert servo["command_in_type"] == "speed_units"
    assert servo["command_out_type"] == "trajectory_msgs/JointTrajectory"
    assert servo["command_out_topic"] == "/arm_controller/joint_trajectory"
    assert servo["cartesian_command_in_topic"] == "~/delta_twist_cmds"


def test_moveit_py_config_plans_with_a_loaded_pipeline():
    moveit_py = load("moveit_py.yaml")
    assert moveit_py["plan_request_params"]["planning_pipeline"] in moveit_py["planning_pipelines"]["pipeline_names"]
    assert moveit_py["planning_scene_monitor_options"]["joint_state_topic"] == "/joint_states"


def test_servo_backend_defaults_fit_servo_yaml():
    """arm_controller_node's servo_* defaults: twists faster than Servo's timeout, within its speed scale."""
    from rt2_ros.control.servo import PARAMETERS
    from rt2_ros.control.settings import ArmSettings
    from rt2_ros.control.twist import StreamConfig

    servo = load("servo.yaml")["servo_node"]["ros__parameters"]["moveit_servo"]
    defaults = {spec.name: spec.default for spec in PARAMETERS}
    assert defaults["servo_command_timeout"] == servo["incoming_command_timeout"]
    assert defaults["servo_max_linear_speed"] <= servo["scale"]["linear"]
    assert defaults["servo_max_angular_speed"] <= servo["scale"]["rotational"]
    StreamConfig(  # raises when the publish period is too slow for the timeout
        control_period=ArmSettings().control_period,
        publish_period=defaults["servo_publish_period"],
        incoming_command_timeout=servo["incoming_command_timeout"],
        max_linear_speed=defaults["servo_max_linear_speed"],
        max_angular_speed=defaults["servo_max_angular_speed"],
    )
