"""The rosbag2 layout of rt2_ros robot data: topics and types, as the nodes publish them.

`rt2-ros collect` writes these topics, and `ros2 bag record` of the same topics on a real arm gives the
same layout. Messages are (de)serialised with the `rosbags` type store (CDR, no ROS install needed); the
package's own messages are registered from msg/*.msg.
"""

import functools
import json
from typing import Any

import numpy as np
from rosbags.typesys import Stores, get_types_from_msg, get_typestore

from rt2_ros.actions.action import Action
from rt2_ros.resources import resource_path

CAMERA = "/camera/image_raw"  # sensor_msgs/Image, rgb8
COMMAND = "/rt2/command"  # std_msgs/String: an instruction starts an episode
ACTION = "/rt2/action"  # rt2_ros/EndEffectorDelta, stamped with the image it answers
JOINT_STATES = "/joint_states"  # sensor_msgs/JointState (the gripper's finger joint among them)
EE_POSE = "/rt2/ee_pose"  # geometry_msgs/PoseStamped, ee_link in the base frame
EPISODE = "/rt2/episode"  # std_msgs/String, JSON: one per recorded episode, at its end (sim recordings)
PRIVILEGED = "/sim/privileged_state"  # std_msgs/String, JSON ground truth (sim recordings only)

TOPIC_TYPES = {
    CAMERA: "sensor_msgs/msg/Image",
    COMMAND: "std_msgs/msg/String",
    ACTION: "rt2_ros/msg/EndEffectorDelta",
    JOINT_STATES: "sensor_msgs/msg/JointState",
    EE_POSE: "geometry_msgs/msg/PoseStamped",
    EPISODE: "std_msgs/msg/String",
    PRIVILEGED: "std_msgs/msg/String",
}


@functools.cache
def typestore() -> Any:
    """ROS 2 Kilted's standard types plus rt2_ros/msg/*."""
    store = get_typestore(Stores.ROS2_KILTED)
    types = {}
    for path in sorted(resource_path("msg").glob("*.msg")):
        types.update(get_types_from_msg(path.read_text(), f"rt2_ros/msg/{path.stem}"))
    store.register(types)
    return store


def time_message(stamp: float) -> Any:
    nanoseconds = round(stamp * 1e9)
    return typestore().types["builtin_interfaces/msg/Time"](sec=nanoseconds // 10**9, nanosec=nanoseconds % 10**9)


def header(stamp: float, frame_id: str) -> Any:
    return typestore().types["std_msgs/msg/Header"](stamp=time_message(stamp), frame_id=frame_id)


def stamp_seconds(message_header: Any) -> float:
    return message_header.stamp.sec + message_header.stamp.nanosec * 1e-9


def image_message(image: np.ndarray, stamp: float, frame_id: str) -> Any:
    """(H, W, 3) uint8 RGB -> sensor_msgs/Image rgb8."""
    height, width = image.shape[:2]
    return typestore().types["sensor_msgs/msg/Image"](
        header=header(stamp, frame_id), height=height, width=width, encoding="rgb8", is_bigendian=0,
        step=width * 3, data=np.ascontiguousarray(image, dtype=np.uint8).reshape(-1),
    )  # fmt: skip


def string_message(text: str) -> Any:
    return typestore().types["std_msgs/msg/String"](data=text)


def json_message(value: dict[str, Any]) -> Any:
    return string_message(json.dumps(value, separators=(",", ":")))


def vector3(values: np.ndarray) -> Any:
    x, y, z = (float(value) for value in values)
    return typestore().types["geometry_msgs/msg/Vector3"](x=x, y=y, z=z)


def action_message(action: Action, stamp: float, frame_id: str) -> Any:
    return typestore().types["rt2_ros/msg/EndEffectorDelta"](
        header=header(stamp, frame_id), translation=vector3(action.translation), rotation=vector3(action.rotation),
        gripper=float(action.gripper), terminate=bool(action.terminate),
    )  # fmt: skip


def action_from_message(message: Any) -> Action:
    def values(vector: Any) -> list[float]:
        return [vector.x, vector.y, vector.z]

    return Action(values(message.translation), values(message.rotation), message.gripper, message.terminate)


def pose_message(position: np.ndarray, quaternion: np.ndarray, stamp: float, frame_id: str) -> Any:
    """Position (3,) and quaternion [x, y, z, w] -> geometry_msgs/PoseStamped."""
    types = typestore().types
    x, y, z, w = (float(value) for value in quaternion)
    pose = types["geometry_msgs/msg/Pose"](
        position=types["geometry_msgs/msg/Point"](x=float(position[0]), y=float(position[1]), z=float(position[2])),
        orientation=types["geometry_msgs/msg/Quaternion"](x=x, y=y, z=z, w=w),
    )
    return types["geometry_msgs/msg/PoseStamped"](header=header(stamp, frame_id), pose=pose)


def joint_state_message(names: list[str], positions: np.ndarray, stamp: float) -> Any:
    positions = np.asarray(positions, dtype=np.float64)
    return typestore().types["sensor_msgs/msg/JointState"](
        header=header(stamp, ""), name=list(names), position=positions, velocity=np.zeros_like(positions),
        effort=np.zeros_like(positions),
    )  # fmt: skip
