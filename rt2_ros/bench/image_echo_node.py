"""image_echo_node: the policy benchmark's baseline, answering each camera frame with a zero action at once.

It subscribes to images and publishes an EndEffectorDelta stamped like each one from the subscription
callback, with policy_node's QoS, on a single-threaded executor (run_node). No conversion, no policy, no
status, no thread handoff: the least any rclpy node between a camera and /rt2/action costs, so
`rt2-ros bench policy` can show, measured beside policy_node in the same run, how much of policy_node's
overhead is this machine's DDS round trip.
"""

import sys

from rclpy.node import Node
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from rt2_ros.msg import EndEffectorDelta
from rt2_ros.ros.qos import ACTION, SENSOR_DATA
from rt2_ros.ros.runner import run_node

IMAGE_TOPIC = "/bench/echo/camera/image_raw"
ACTION_TOPIC = "/bench/echo/rt2/action"


class ImageEchoNode(Node):
    def __init__(self) -> None:
        super().__init__("image_echo_node")
        self._actions = self.create_publisher(EndEffectorDelta, ACTION_TOPIC, ACTION)
        self.create_subscription(Image, IMAGE_TOPIC, self.on_image, SENSOR_DATA)

    def on_image(self, image: Image) -> None:
        self._actions.publish(EndEffectorDelta(header=Header(stamp=image.header.stamp)))


def main(args: list[str] | None = None) -> int:
    return run_node(ImageEchoNode, args)


if __name__ == "__main__":
    sys.exit(main())
