"""rt2_ros messages ↔ the rclpy-free dataclasses the logic works on."""

from rt2_ros.actions.action import Action
from rt2_ros.msg import EndEffectorDelta


def action_from_message(message: EndEffectorDelta) -> Action:
    """The delta, gripper and terminate of an EndEffectorDelta (its header is the caller's business)."""
    return Action(
        (message.translation.x, message.translation.y, message.translation.z),
        (message.rotation.x, message.rotation.y, message.rotation.z),
        message.gripper,
        message.terminate,
    )
