"""rt2_ros messages ↔ the rclpy-free dataclasses the logic works on."""

from builtin_interfaces.msg import Duration, Time

from rt2_ros.actions.action import Action
from rt2_ros.msg import EndEffectorDelta


def seconds(time: Time | Duration) -> float:
    """A builtin_interfaces Time (a stamp) or Duration in seconds."""
    return time.sec + time.nanosec * 1e-9


def action_from_message(message: EndEffectorDelta) -> Action:
    """The delta, gripper and terminate of an EndEffectorDelta (its header is the caller's business)."""
    return Action(
        (message.translation.x, message.translation.y, message.translation.z),
        (message.rotation.x, message.rotation.y, message.rotation.z),
        message.gripper,
        message.terminate,
    )


def message_from_action(action: Action, stamp: Time, frame_id: str) -> EndEffectorDelta:
    """An EndEffectorDelta carrying `action`, stamped `stamp` (the image's capture time) in `frame_id`."""
    message = EndEffectorDelta()
    message.header.stamp = stamp
    message.header.frame_id = frame_id
    message.translation.x, message.translation.y, message.translation.z = action.translation.tolist()
    message.rotation.x, message.rotation.y, message.rotation.z = action.rotation.tolist()
    message.gripper = float(action.gripper)
    message.terminate = bool(action.terminate)
    return message
