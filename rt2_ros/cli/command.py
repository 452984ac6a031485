"""`rt2-ros command "pick up the red block"`: send a language command on /rt2/command.

The same as `ros2 topic pub --once /rt2/command std_msgs/msg/String "{data: '...'}"`, for
machines without ros2cli. It waits until a subscriber (policy_node) is matched, so the
command is not published into the void.
"""

import argparse
import sys
import time

HELP = "publish a language command on /rt2/command (like ros2 topic pub --once)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("instruction", help="what the robot should do, e.g. 'put the strawberry into the bowl'")
    parser.add_argument("--wait", type=float, default=5.0, help="seconds to wait for a subscriber (default 5)")


def run(args: argparse.Namespace) -> int:
    import rclpy
    from std_msgs.msg import String

    from rt2_ros.policy.instructions import validate_instruction
    from rt2_ros.ros.qos import COMMAND

    try:
        instruction = validate_instruction(args.instruction)
    except ValueError as error:
        print(f"rt2-ros command: {error}", file=sys.stderr)
        return 2
    rclpy.init()
    try:
        node = rclpy.create_node("rt2_command")
        publisher = node.create_publisher(String, "/rt2/command", COMMAND)
        deadline = time.monotonic() + args.wait
        while publisher.get_subscription_count() == 0 and time.monotonic() < deadline:
            rclpy.spin_once(node, timeout_sec=0.05)
        subscribers = publisher.get_subscription_count()
        publisher.publish(String(data=instruction))
        # Let the reliable writer deliver before the process goes.
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            rclpy.spin_once(node, timeout_sec=0.05)
        print(f"published to /rt2/command ({subscribers} subscriber(s)): {instruction!r}")
        node.destroy_node()
        return 0 if subscribers else 2
    finally:
        rclpy.try_shutdown()
