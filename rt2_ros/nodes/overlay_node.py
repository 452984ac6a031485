"""overlay_node: the live view, the camera frame with what the loop is doing drawn on it.

Subscribes /camera/image_raw, /rt2/command, /rt2/action, /rt2/action_tokens, /rt2/attention and
/rt2/safety_status, and for every camera frame publishes /rt2/overlay (sensor_msgs/Image, rgb8, the frame's own
header) with the instruction, the commanded delta, the decoded tokens, where the model looks (backends that
publish /rt2/attention: the tiny VLA's object and target pointers) and the safety state drawn on it
(rt2_ros.viz.overlay, the same drawing as the demo's video). Watch it with rqt_image_view, RViz or
Foxglove. It only observes: it publishes nothing the loop reads.
"""

import sys

import numpy as np
from rclpy.node import Node
from sensor_msgs.msg import Image
from std_msgs.msg import String

from rt2_ros.msg import ActionTokens, EndEffectorDelta, PolicyAttention, SafetyStatus
from rt2_ros.ros.conversions import action_from_message, seconds
from rt2_ros.ros.image_conversion import ImageConversionError, image_to_rgb, rgb_to_image
from rt2_ros.ros.parameters import ParameterSpec, declare_parameters
from rt2_ros.ros.qos import ACTION, COMMAND, LATCHED, SENSOR_DATA, VIEWER_IMAGE
from rt2_ros.ros.runner import run_node
from rt2_ros.viz.overlay import Attention, OverlayState, SafetyView, draw_overlay

PARAMETERS = (
    ParameterSpec(
        "width",
        448,
        "Width in px of /rt2/overlay: the frame is resized to it (aspect kept) so the text has room; 0 keeps it.",
        0,
        4096,
        read_only=True,
    ),
    ParameterSpec(
        "max_action_age",
        1.0,
        "s: an action computed from a frame more than this older than the frame drawn is not shown.",
        0.0,
        60.0,
        read_only=True,
    ),
)

LOG_THROTTLE = 5.0  # s between repeats of a bad-image warning


class OverlayNode(Node):
    def __init__(self) -> None:
        super().__init__("overlay_node")
        self.params = declare_parameters(self, PARAMETERS)
        self.state = OverlayState()  # replaced whole by each callback (single-threaded executor)
        self.publisher = self.create_publisher(Image, "/rt2/overlay", VIEWER_IMAGE)
        # The same profiles the loop's own nodes use, so the overlay sees what they see.
        self.create_subscription(Image, "/camera/image_raw", self.on_image, SENSOR_DATA)
        self.create_subscription(String, "/rt2/command", self.on_command, COMMAND)
        self.create_subscription(EndEffectorDelta, "/rt2/action", self.on_action, ACTION)
        self.create_subscription(ActionTokens, "/rt2/action_tokens", self.on_tokens, ACTION)
        self.create_subscription(PolicyAttention, "/rt2/attention", self.on_attention, ACTION)
        self.create_subscription(SafetyStatus, "/rt2/safety_status", self.on_safety, LATCHED)
        self.get_logger().info(f"overlay_node ready: /camera/image_raw -> /rt2/overlay, {self.params['width']} px")

    def on_image(self, message: Image) -> None:
        try:
            frame = image_to_rgb(message)
        except ImageConversionError as error:
            self.get_logger().warning(f"camera frame not drawn: {error}", throttle_duration_sec=LOG_THROTTLE)
            return
        state = self.state.fresh(seconds(message.header.stamp), self.params["max_action_age"])
        self.publisher.publish(rgb_to_image(draw_overlay(frame, state, self.params["width"]), message.header))

    def on_command(self, message: String) -> None:
        self.state = self.state.with_instruction(message.data)

    def on_action(self, message: EndEffectorDelta) -> None:
        self.state = self.state.with_action(action_from_message(message), seconds(message.header.stamp))

    def on_tokens(self, message: ActionTokens) -> None:
        stamp = seconds(message.header.stamp)
        self.state = self.state.with_tokens(tuple(message.tokens), message.scheme, stamp, message.instruction)

    def on_attention(self, message: PolicyAttention) -> None:
        grid, roles = int(message.grid), tuple(message.roles)
        maps = np.asarray(message.probabilities, dtype=np.float32)
        if grid < 1 or maps.size != len(roles) * grid * grid or not np.all(np.isfinite(maps)):
            self.get_logger().warning("malformed /rt2/attention not drawn", throttle_duration_sec=LOG_THROTTLE)
            return
        attention = Attention(roles, maps.reshape(len(roles), grid, grid), tuple(float(v) for v in message.crop),
                              seconds(message.header.stamp))  # fmt: skip
        self.state = self.state.with_attention(attention)

    def on_safety(self, message: SafetyStatus) -> None:
        safety = SafetyView(
            message.estop_active, message.watchdog_tripped, message.forwarded, message.clamped, message.rejected
        )
        self.state = self.state.with_safety(safety)


def main(args: list[str] | None = None) -> int:
    return run_node(OverlayNode, args)


if __name__ == "__main__":
    sys.exit(main())
