"""The MoveIt backends of arm_controller_node over DDS: what they need, and Servo's twist stream.

MoveIt, tf2_ros and control_msgs are not installable without a ROS 2 install, so here the servo and
moveit_py backends must stop the node at start with a message saying what to install. The stream
test needs tf2_ros and runs on a ROS 2 install; its probe is a test double of Servo's topic contract
only: it serves /servo_node/start_servo (std_srvs/Trigger, Humble) and records what arrives on
/servo_node/delta_twist_cmds. It does not pretend to move an arm.
"""

import importlib.util
import os

import numpy as np
import pytest
from geometry_msgs.msg import TwistStamped
from helpers import spin_for, spin_until
from rclpy.parameter import Parameter
from rt2_ros.msg import EndEffectorDelta
from std_msgs.msg import Float64MultiArray
from std_srvs.srv import Trigger

from rt2_ros.control.gripper import Gripper
from rt2_ros.control.settings import ArmSettings
from rt2_ros.local_dds import loopback_environment
from rt2_ros.ros.qos import ACTION

pytestmark = pytest.mark.ros

MISSING = {name: importlib.util.find_spec(name) is None for name in ("tf2_ros", "moveit", "control_msgs")}


def environment(distro: str) -> dict[str, str]:
    """This test run's loopback DDS domain, with ROS_DISTRO set as a ROS 2 setup script would."""
    return {**loopback_environment(int(os.environ["ROS_DOMAIN_ID"])), "ROS_DISTRO": distro}


@pytest.mark.parametrize(
    ("backend", "missing", "install"),
    [
        pytest.param(
            "servo",
            "tf2_ros",
            "sudo apt install ros-{distro}-tf2-ros ros-{distro}-moveit-servo",
            marks=pytest.mark.skipif(not MISSING["tf2_ros"], reason="tf2_ros is installed: the servo backend starts"),
        ),
        pytest.param(
            "moveit_py",
            "moveit",
            "sudo apt install ros-{distro}-moveit-py",
            marks=pytest.mark.skipif(not MISSING["moveit"], reason="moveit_py is installed: the backend starts"),
        ),
    ],
)
@pytest.mark.parametrize("distro", ["humble", "jazzy"])
def test_backend_without_its_library_stops_with_what_to_install(node_process, backend, missing, install, distro):
    process = node_process("arm_controller_node", {"backend": backend}, environment=environment(distro))
    assert process.wait(timeout=30) == 1
    output = process.output()
    assert "cannot start" in output and f"No module named '{missing}'" in output
    assert install.format(distro=distro) in output


def gripper_node(ros_node, interface: str):
    """A node of the probe's context with gripper_interface set, as arm_controller_node would get it."""
    from rclpy.node import Node

    return Node(
        "gripper_test",
        context=ros_node.context,
        parameter_overrides=[Parameter("gripper_interface", Parameter.Type.STRING, interface)],
    )


@pytest.mark.skipif(not MISSING["control_msgs"], reason="control_msgs is installed")
def test_gripper_action_without_control_msgs_says_what_to_install(ros_node, monkeypatch):
    monkeypatch.setenv("ROS_DISTRO", "jazzy")
    node = gripper_node(ros_node, "action")
    try:
        with pytest.raises(ImportError, match="sudo apt install ros-jazzy-control-msgs"):
            Gripper(node, ArmSettings())
    finally:
        node.destroy_node()


def test_gripper_topic_sends_the_finger_position(ros_node):
    received: list[Float64MultiArray] = []
    ros_node.create_subscription(Float64MultiArray, "/gripper_controller/commands", received.append, ACTION)
    node = gripper_node(ros_node, "topic")
    try:
        gripper = Gripper(node, ArmSettings())
        assert spin_until(ros_node, lambda: node.count_subscribers("/gripper_controller/commands") > 0, 10)
        for value in (0.5, 2.0, -1.0):  # half closed, then clamped to closed and to open
            gripper.command(value)
        assert spin_until(ros_node, lambda: len(received) == 3, 10)
        assert [value for message in received for value in message.data] == pytest.approx([0.02, 0.04, 0.0])
    finally:
        node.destroy_node()


class ServoContractProbe:
    """Test double of MoveIt Servo's topic contract (Humble): start service + twist subscriber."""

    def __init__(self, node) -> None:
        self.node = node
        self.started = 0
        self.twists: list[TwistStamped] = []
        node.create_service(Trigger, "/servo_node/start_servo", self._start)
        node.create_subscription(TwistStamped, "/servo_node/delta_twist_cmds", self.twists.append, 10)
        self.actions = node.create_publisher(EndEffectorDelta, "/rt2/safe_action", ACTION)

    def _start(self, request, response):
        self.started += 1
        response.success = True
        return response

    def send(self, translation=(0.0, 0.0, 0.0), terminate=False) -> None:
        message = EndEffectorDelta()
        message.header.stamp = self.node.get_clock().now().to_msg()
        message.header.frame_id = "base_link"
        message.translation.x, message.translation.y, message.translation.z = translation
        message.terminate = terminate
        self.actions.publish(message)


def linear(message: TwistStamped) -> np.ndarray:
    return np.array([message.twist.linear.x, message.twist.linear.y, message.twist.linear.z])


@pytest.mark.skipif(MISSING["tf2_ros"], reason="tf2_ros is not installable without a ROS 2 install")
def test_servo_backend_starts_servo_and_streams_the_delta(ros_node, node_process):
    probe = ServoContractProbe(ros_node)
    controller = node_process(
        "arm_controller_node",
        {
            "backend": "servo",
            "control_period": 0.2,
            "servo_publish_period": 0.02,
            "safety_node_name": ros_node.get_fully_qualified_name(),  # the probe sends the safe actions
        },
        environment=environment("humble"),
    )
    assert spin_until(ros_node, lambda: probe.started == 1, 30), controller.output()
    assert spin_until(ros_node, lambda: probe.actions.get_subscription_count() > 0, 30)
    probe.send(translation=(0.01, 0.0, -0.02))
    assert spin_until(ros_node, lambda: any(linear(m).any() for m in probe.twists), 10)
    spin_for(ros_node, 0.6)  # the 0.2 s window, the halt messages, then silence
    moving = [m for m in probe.twists if linear(m).any()]
    assert all(m.header.frame_id == "base_link" for m in probe.twists)
    np.testing.assert_allclose(linear(moving[0]), [0.05, 0.0, -0.1], atol=1e-9)  # delta / control_period
    travelled = sum(linear(m) for m in moving) * 0.02  # each twist holds until the next, 0.02 s later
    np.testing.assert_allclose(travelled, [0.01, 0.0, -0.02], rtol=0.15)  # timer jitter shifts the last one
    assert not linear(probe.twists[-1]).any()  # ends with a zero twist
    count = len(probe.twists)
    spin_for(ros_node, 0.3)
    assert len(probe.twists) == count  # idle: nothing more is sent
    probe.send(terminate=True)  # hold: zero twists at once
    assert spin_until(ros_node, lambda: len(probe.twists) > count, 10)
    assert not linear(probe.twists[count]).any()
