"""relay_node: the benchmark's baseline, a plain subscribe → publish relay with no checks.

It runs exactly like safety_node (run_node, same QoS, same message type), so
the difference between the two in `rt2-ros bench safety` is what the safety checks add.
"""

import sys

from rclpy.node import Node

from rt2_ros.msg import EndEffectorDelta
from rt2_ros.ros.qos import ACTION
from rt2_ros.ros.runner import run_node

INPUT_TOPIC = "/bench/relay/input"
OUTPUT_TOPIC = "/bench/relay/output"


class RelayNode(Node):
    def __init__(self) -> None:
        super().__init__("relay_node")
        self._output = self.create_publisher(EndEffectorDelta, OUTPUT_TOPIC, ACTION)
        self.create_subscription(EndEffectorDelta, INPUT_TOPIC, self._output.publish, ACTION)


def main(args: list[str] | None = None) -> int:
    return run_node(RelayNode, args)  # as safety_node runs


if __name__ == "__main__":
    sys.exit(main())
