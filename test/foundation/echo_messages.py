"""A separate process for the DDS round-trip test: echoes each rt2_ros message back.

Subscribes /roundtrip/<type> and republishes what it gets on /roundtrip/<type>/echo.
"""

import sys

import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rt2_ros.msg import ActionTokens, EndEffectorDelta, SafetyStatus


def main() -> int:
    rclpy.init()
    node = rclpy.create_node("roundtrip_echo")
    qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    keep = []
    for message_type in (EndEffectorDelta, ActionTokens, SafetyStatus):
        topic = f"/roundtrip/{message_type.__name__}"
        publisher = node.create_publisher(message_type, f"{topic}/echo", qos)
        keep.append(node.create_subscription(message_type, topic, publisher.publish, qos))
    print("echo ready", flush=True)
    try:
        rclpy.spin(node)
    except KeyboardInterrupt:
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
