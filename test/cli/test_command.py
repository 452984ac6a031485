"""`rt2-ros command` publishes a language command on /rt2/command like `ros2 topic pub --once`."""

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import spin_until
from rclpy.qos import QoSProfile
from std_msgs.msg import String

pytestmark = pytest.mark.ros

RT2_ROS = str(Path(sys.executable).with_name("rt2-ros"))


def test_command_reaches_a_subscriber(ros_node):
    received: list[str] = []
    # what policy_node subscribes with: reliable, volatile
    ros_node.create_subscription(String, "/rt2/command", lambda m: received.append(m.data), QoSProfile(depth=10))
    process = subprocess.Popen(
        [RT2_ROS, "command", "  pick up   the red block ", "--wait", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert spin_until(ros_node, lambda: bool(received), 30), process.communicate(timeout=30)[0]
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert received == ["pick up the red block"]
    assert "1 subscriber" in output


@pytest.mark.parametrize("instruction, complaint", [("   ", "empty instruction"), ("x" * 600, "at most 512")])
def test_bad_command_is_refused_before_anything_is_sent(instruction, complaint):
    result = subprocess.run([RT2_ROS, "command", instruction], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert complaint in result.stderr and "Traceback" not in result.stderr
