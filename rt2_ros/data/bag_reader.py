"""Read rosbag2 recordings (MCAP or sqlite3, via `rosbags`) into episodes of aligned control steps.

A step is one camera frame with what the robot knew at its capture time: the standing instruction (the
last /rt2/command), the end-effector pose (last /rt2/ee_pose), the gripper closure (last /joint_states)
and, in simulated recordings, the ground truth with the same stamp (/sim/privileged_state). Its label is
the /rt2/action stamped with the frame's stamp. A recording without /rt2/action (a teleoperated real arm,
`ros2 bag record /camera/image_raw /rt2/command /rt2/ee_pose /joint_states`) gets each step's delta from
the next step's pose and gripper closure instead, and terminate on its last step.

Each /rt2/command starts an episode. /rt2/episode (written by `rt2-ros collect`) closes one with its record.
"""

import bisect
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rosbags.highlevel import AnyReader

from rt2_ros.actions.action import Action
from rt2_ros.data import bag_format
from rt2_ros.geometry import rotation_delta
from rt2_ros.robot.description import gripper_closure
from rt2_ros.sim.privileged import PrivilegedState, parse


@dataclass
class Step:
    stamp: float  # s, the camera frame's header stamp
    image: np.ndarray  # (H, W, 3) uint8 RGB
    ee_position: np.ndarray  # (3,) m, base frame
    ee_quaternion: np.ndarray  # (4,) [x, y, z, w]
    gripper: float  # measured closure, 0 open .. 1 closed
    action: Action  # recorded, or derived from the next step
    privileged: PrivilegedState | None = None  # simulated recordings only


@dataclass
class Episode:
    instruction: str
    steps: list[Step] = field(default_factory=list)
    record: dict[str, Any] | None = None  # /rt2/episode, when the recording has it
    derived_actions: bool = False  # True when the actions come from consecutive poses


def bag_folders(root: Path) -> list[Path]:
    """Every rosbag2 folder (holding metadata.yaml) at or under `root`, sorted."""
    root = Path(root)
    if (root / "metadata.yaml").is_file():
        return [root]
    folders = sorted(path.parent for path in root.rglob("metadata.yaml"))
    if not folders:
        raise FileNotFoundError(f"no rosbag2 recording (metadata.yaml) at or under {root}")
    return folders


def read_episodes(folder: Path) -> Iterator[Episode]:
    """The episodes of one rosbag2 folder, in time order."""
    with AnyReader([Path(folder)], default_typestore=bag_format.typestore()) as reader:
        topics = {connection.topic for connection in reader.connections if connection.msgcount}
        missing = [
            topic for topic in (bag_format.CAMERA, bag_format.COMMAND, bag_format.EE_POSE) if topic not in topics
        ]
        if missing:
            raise ValueError(f"{folder}: no {missing} in the recording; a training bag needs them")
        has_actions = bag_format.ACTION in topics
        episode: _EpisodeBuilder | None = None
        pose: tuple[float, np.ndarray, np.ndarray] | None = None  # the last one, carried into the next episode
        gripper: tuple[float, float] | None = None
        for connection, _, raw in reader.messages():
            topic = connection.topic
            message = reader.deserialize(raw, connection.msgtype)
            if topic == bag_format.COMMAND:
                if episode is not None and episode.frames:
                    yield episode.build(has_actions)
                episode = _EpisodeBuilder(message.data, pose, gripper)
            elif topic == bag_format.EE_POSE:
                position, orientation = message.pose.position, message.pose.orientation
                pose = (bag_format.stamp_seconds(message.header), np.array([position.x, position.y, position.z]),
                        np.array([orientation.x, orientation.y, orientation.z, orientation.w]))  # fmt: skip
                if episode is not None:
                    episode.poses.append(pose)
            elif topic == bag_format.JOINT_STATES:
                closure = gripper_closure(list(message.name), list(message.position))
                if closure is not None:
                    gripper = (bag_format.stamp_seconds(message.header), closure)
                    if episode is not None:
                        episode.grippers.append(gripper)
            elif episode is None:
                continue  # nothing before the first command belongs to an episode
            elif topic == bag_format.CAMERA:
                episode.frames.append((bag_format.stamp_seconds(message.header), image_array(message)))
            elif topic == bag_format.ACTION:
                episode.actions[_key(bag_format.stamp_seconds(message.header))] = bag_format.action_from_message(
                    message
                )
            elif topic == bag_format.PRIVILEGED:
                state = parse(message.data)
                episode.privileged[_key(state.stamp)] = state
            elif topic == bag_format.EPISODE:
                episode.record = json.loads(message.data)
        if episode is not None and episode.frames:
            yield episode.build(has_actions)


def image_array(message: Any) -> np.ndarray:
    """sensor_msgs/Image (rgb8 or bgr8) -> (H, W, 3) uint8 RGB."""
    if message.encoding not in ("rgb8", "bgr8"):
        raise ValueError(f"camera encoding {message.encoding!r}; training reads rgb8 or bgr8")
    rows = np.asarray(message.data, dtype=np.uint8).reshape(message.height, message.step)
    image = rows[:, : message.width * 3].reshape(message.height, message.width, 3)
    return image[..., ::-1].copy() if message.encoding == "bgr8" else image.copy()


def _key(stamp: float) -> int:
    return round(stamp * 1e6)  # µs: stamps written and read back as ns agree to far better than this


class _EpisodeBuilder:
    def __init__(self, instruction: str, pose: tuple | None, gripper: tuple[float, float] | None) -> None:
        self.instruction = instruction
        self.frames: list[tuple[float, np.ndarray]] = []  # (stamp, image)
        self.poses: list[tuple[float, np.ndarray, np.ndarray]] = [pose] if pose is not None else []
        self.grippers: list[tuple[float, float]] = [gripper] if gripper is not None else []
        self.actions: dict[int, Action] = {}
        self.privileged: dict[int, PrivilegedState] = {}
        self.record: dict[str, Any] | None = None

    def build(self, has_actions: bool) -> Episode:
        """Steps of the frames that have a pose at or before their stamp (and a label, when actions are recorded)."""
        pose_stamps = [_key(stamp) for stamp, _, _ in self.poses]
        gripper_stamps = [_key(stamp) for stamp, _ in self.grippers]
        states = []  # (stamp, image, position, quaternion, closure)
        for stamp, image in self.frames:
            pose_index = bisect.bisect_right(pose_stamps, _key(stamp)) - 1
            if pose_index < 0:
                continue  # no pose known yet at this frame
            gripper_index = bisect.bisect_right(gripper_stamps, _key(stamp)) - 1
            closure = self.grippers[gripper_index][1] if gripper_index >= 0 else 0.0
            states.append((stamp, image, self.poses[pose_index][1], self.poses[pose_index][2], closure))
        steps = []
        for index, (stamp, image, position, quaternion, closure) in enumerate(states):
            if has_actions:
                action = self.actions.get(_key(stamp))
                if action is None:
                    continue  # a frame the policy did not act on (e.g. a stale one): no label
            else:
                action = derived_action(states, index)
            steps.append(Step(stamp, image, position, quaternion, closure, action, self.privileged.get(_key(stamp))))
        return Episode(self.instruction, steps, self.record, derived_actions=not has_actions)


def derived_action(states: list[tuple], index: int) -> Action:
    """The delta from step `index` to the next (translation, rpy increment, next closure); the last terminates."""
    _, _, position, quaternion, gripper = states[index]
    if index + 1 == len(states):
        return Action(gripper=gripper, terminate=True)
    _, _, next_position, next_quaternion, next_gripper = states[index + 1]
    return Action(next_position - position, rotation_delta(quaternion, next_quaternion), next_gripper)
