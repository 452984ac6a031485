"""The one robot description, urdf/rt2_arm.urdf.xacro, expanded for each consumer.

Everybody loads the arm through `urdf_xml(mode)`: sim_node (MuJoCo) with "mujoco", the builtin
IK with any mode (the kinematic tree is the same), ros2_control's mock hardware and MoveIt with
"mock", Gazebo with "gz". Expansion uses the `xacro` package, which works without a ROS install;
on a ROS install, `xacro urdf/rt2_arm.urdf.xacro mode:=gz` gives the same text.
"""

import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import xacro

from rt2_ros.resources import resource_path

URDF_PATH = resource_path("urdf", "rt2_arm.urdf.xacro")
MODES = ("mujoco", "mock", "gz")

# Names fixed by docs/interfaces.md and the design of the arm.
ARM_JOINTS = ("joint_1", "joint_2", "joint_3", "joint_4", "joint_5", "joint_6")
GRIPPER_JOINT = "gripper_finger_left_joint"  # commanded; 0 open .. upper limit closed
GRIPPER_MIMIC_JOINT = "gripper_finger_right_joint"  # follows GRIPPER_JOINT (URDF <mimic>)
BASE_FRAME = "base_link"
EE_FRAME = "ee_link"
SCENE_CAMERA_FRAME = "scene_camera_link"
WRIST_CAMERA_FRAME = "wrist_camera_link"


@dataclass(frozen=True)
class CameraSpec:
    """A camera of the description, as its Gazebo sensor declares it."""

    name: str  # sensor name, e.g. "scene_camera"
    link: str  # REP-103 body frame (x forward), e.g. "scene_camera_link"
    optical_frame: str  # z forward, x right, y down
    horizontal_fov: float  # radians
    width: int
    height: int


@functools.cache
def urdf_xml(mode: str = "mujoco") -> str:
    """The URDF text of the arm for `mode` ("mujoco", "mock" or "gz")."""
    if mode not in MODES:
        raise ValueError(f"robot description mode is {mode!r}; expected one of {list(MODES)}")
    # The default of `controllers_file`, `$(find rt2_ros)/...`, needs a ROS install to resolve
    # (xacro evaluates it whenever the argument is not given), so it is always given here; the
    # file need not exist to expand the description.
    mappings = {"mode": mode, "controllers_file": str(resource_path("config") / "ros2_controllers.yaml")}
    document = xacro.process_file(str(URDF_PATH), mappings=mappings)
    return document.toprettyxml(indent="  ")


@functools.cache
def joint_range(joint: str) -> tuple[float, float]:
    """(lower, upper) limit of `joint` in the URDF."""
    element = ET.fromstring(urdf_xml("mock")).find(f"joint[@name='{joint}']/limit")
    if element is None:
        raise ValueError(f"joint {joint!r} has no <limit> in the URDF")
    return float(element.attrib["lower"]), float(element.attrib["upper"])


@functools.cache
def home_positions() -> dict[str, float]:
    """The ready pose (gripper down over the table) by joint name, from the ros2_control block."""
    root = ET.fromstring(urdf_xml("mock"))
    positions: dict[str, float] = {}
    for joint in root.iterfind("ros2_control/joint"):
        for parameter in joint.iterfind("state_interface[@name='position']/param[@name='initial_value']"):
            positions[joint.attrib["name"]] = float(parameter.text)
    return positions


@functools.cache
def cameras() -> dict[str, CameraSpec]:
    """Cameras by sensor name, read from the Gazebo sensor tags (one source for every simulator)."""
    root = ET.fromstring(urdf_xml("gz"))
    specs: dict[str, CameraSpec] = {}
    for gazebo in root.iterfind("gazebo[@reference]"):
        for sensor in gazebo.iterfind("sensor[@type='camera']"):
            camera = sensor.find("camera")
            specs[sensor.attrib["name"]] = CameraSpec(
                name=sensor.attrib["name"],
                link=gazebo.attrib["reference"],
                optical_frame=camera.findtext("optical_frame_id"),
                horizontal_fov=float(camera.findtext("horizontal_fov")),
                width=int(camera.findtext("image/width")),
                height=int(camera.findtext("image/height")),
            )
    return specs


def gripper_closure(names: list[str], positions: list[float]) -> float | None:
    """The commanded finger joint's travel in a joint state, 0 (open) .. 1 (closed); None without that joint."""
    if GRIPPER_JOINT not in names:
        return None
    low, high = joint_range(GRIPPER_JOINT)
    return min(1.0, max(0.0, (float(positions[names.index(GRIPPER_JOINT)]) - low) / (high - low)))
