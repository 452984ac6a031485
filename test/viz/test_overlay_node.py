"""overlay_node over DDS: a camera frame in, the same frame with the loop's state drawn on it out.

The node runs as its own process; this test plays camera, user, policy and safety gate.
"""

import numpy as np
import pytest
from helpers import spin_until, wait_for_links
from rt2_ros.msg import ActionTokens, EndEffectorDelta, SafetyStatus
from sensor_msgs.msg import Image
from std_msgs.msg import String

from rt2_ros.ros.image_conversion import image_to_rgb, rgb_to_image
from rt2_ros.ros.qos import ACTION, COMMAND, LATCHED, SENSOR_DATA, VIEWER_IMAGE
from rt2_ros.viz.overlay import BOTTOM_BAND, RED, TOP_BAND

pytestmark = pytest.mark.ros

WIDTH = 320  # the 80 px test frame is drawn 4x larger
INPUTS = ["/camera/image_raw", "/rt2/command", "/rt2/action", "/rt2/action_tokens", "/rt2/safety_status"]


def test_the_overlay_carries_the_frame_stamp_and_the_loop_state(ros_node, node_process):
    overlay = node_process("overlay_node", {"width": WIDTH})
    received: list[Image] = []
    ros_node.create_subscription(Image, "/rt2/overlay", received.append, VIEWER_IMAGE)
    camera = ros_node.create_publisher(Image, "/camera/image_raw", SENSOR_DATA)
    command = ros_node.create_publisher(String, "/rt2/command", COMMAND)
    action = ros_node.create_publisher(EndEffectorDelta, "/rt2/action", ACTION)
    tokens = ros_node.create_publisher(ActionTokens, "/rt2/action_tokens", ACTION)
    safety = ros_node.create_publisher(SafetyStatus, "/rt2/safety_status", LATCHED)
    assert wait_for_links(ros_node, [*INPUTS, "/rt2/overlay"], 60), overlay.output()

    frame = np.full((64, 80, 3), 128, np.uint8)  # (H, W, 3) grey

    def send_frame(stamp) -> None:
        message = rgb_to_image(frame)
        message.header.stamp, message.header.frame_id = stamp, "scene_camera_optical_frame"
        camera.publish(message)

    def overlay_of(stamp, condition=lambda image: True) -> np.ndarray | None:
        """Send the frame until an overlay with this stamp (and `condition`) arrives; that overlay, or None."""

        def arrived() -> bool:
            send_frame(stamp)
            return any(m.header.stamp == stamp and condition(image_to_rgb(m)) for m in received)

        if not spin_until(ros_node, arrived, 30):
            return None
        message = next(m for m in reversed(received) if m.header.stamp == stamp)
        assert message.encoding == "rgb8" and message.header.frame_id == "scene_camera_optical_frame"
        return image_to_rgb(message)

    idle = overlay_of(ros_node.get_clock().now().to_msg())
    assert idle is not None, overlay.output()
    assert idle.shape == (256, WIDTH, 3)
    assert (idle[:TOP_BAND] != 128).any() and (idle[-BOTTOM_BAND:] != 128).any()  # bands drawn on the frame

    stamp = ros_node.get_clock().now().to_msg()
    command.publish(String(data="pick up the red block"))
    safety.publish(SafetyStatus(estop_active=True, forwarded=3, rejected=1))
    step = EndEffectorDelta(gripper=1.0)
    step.header.stamp, step.header.frame_id = stamp, "base_link"
    step.translation.x, step.rotation.z = 0.02, 0.1
    action.publish(step)
    step_tokens = ActionTokens(instruction="pick up the red block", tokens=[0, 140, 127, 127, 127, 127, 136, 255])
    step_tokens.header, step_tokens.scheme = step.header, "rt2"
    tokens.publish(step_tokens)

    def shows_the_step(image: np.ndarray) -> bool:
        estop_drawn = (image[:TOP_BAND] == RED).all(axis=-1).any()
        return bool(estop_drawn and (image[-BOTTOM_BAND:] != idle[-BOTTOM_BAND:]).any())

    acting = overlay_of(stamp, shows_the_step)
    assert acting is not None, f"no overlay showed the e-stop and the action\n{overlay.output()}"
    assert (acting[:TOP_BAND] != idle[:TOP_BAND]).any()
    assert overlay.running()
