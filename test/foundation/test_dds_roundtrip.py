"""All three rt2_ros messages cross a real DDS link between two processes and come back intact."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from builtin_interfaces.msg import Time
from helpers import spin_until
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rt2_ros.msg import ActionTokens, EndEffectorDelta, SafetyStatus

pytestmark = pytest.mark.ros


def sample_messages() -> list:
    delta = EndEffectorDelta()
    delta.header.stamp = Time(sec=12, nanosec=345)
    delta.header.frame_id = "base_link"
    delta.translation.x, delta.translation.y, delta.translation.z = 0.01, -0.02, 0.003
    delta.rotation.x, delta.rotation.y, delta.rotation.z = 0.1, -0.2, 0.3
    delta.gripper = 0.75
    delta.terminate = True
    tokens = ActionTokens()
    tokens.header.stamp = Time(sec=12, nanosec=345)
    tokens.instruction = "put the strawberry into the correct bowl"
    tokens.tokens = [31999, 31744, 0, 255, 128, 7, 31872]
    tokens.scheme = "openvla"
    status = SafetyStatus()
    status.estop_active = True
    status.watchdog_tripped = True
    status.forwarded, status.clamped, status.rejected = 2**40, 7, 3
    status.last_reason = "translation.x clamped to 0.02"
    return [delta, tokens, status]


def test_messages_round_trip_between_processes(ros_node):
    echo = subprocess.Popen(
        [sys.executable, "-u", str(Path(__file__).with_name("echo_messages.py"))],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        received: dict[str, object] = {}
        publishers = {}
        for message in sample_messages():
            name = type(message).__name__
            publishers[name] = ros_node.create_publisher(type(message), f"/roundtrip/{name}", qos)
            ros_node.create_subscription(
                type(message), f"/roundtrip/{name}/echo", lambda msg, name=name: received.__setitem__(name, msg), qos
            )
        assert spin_until(ros_node, lambda: all(p.get_subscription_count() > 0 for p in publishers.values()), 20), (
            "echo process never subscribed"
        )
        # Wait for the echo's publishers to match ours too, then send each message once.
        assert spin_until(
            ros_node,
            lambda: all(ros_node.count_publishers(f"/roundtrip/{n}/echo") > 0 for n in publishers),
            20,
        )

        def resend_until_back() -> bool:
            for message in sample_messages():
                name = type(message).__name__
                if name not in received:
                    publishers[name].publish(message)
            return len(received) == 3

        assert spin_until(ros_node, resend_until_back, 20), f"only {sorted(received)} came back"
        for message in sample_messages():
            assert received[type(message).__name__] == message
    finally:
        os.killpg(echo.pid, signal.SIGINT)
        echo.wait(timeout=10)
