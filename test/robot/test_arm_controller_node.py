"""arm_controller_node (builtin backend) as its own process, driven over DDS.

The probe plays the arm: it publishes /joint_states, sends /rt2/safe_action and checks the joint
trajectory, gripper command and /rt2/ee_pose the node answers with.
"""

import numpy as np
import pytest
from geometry_msgs.msg import PoseStamped
from helpers import spin_for, spin_until
from rt2_ros.msg import EndEffectorDelta
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray
from trajectory_msgs.msg import JointTrajectory

from rt2_ros.geometry import apply_delta
from rt2_ros.robot.description import ARM_JOINTS, GRIPPER_JOINT, GRIPPER_MIMIC_JOINT, home_positions
from rt2_ros.robot.kinematics import ArmKinematics
from rt2_ros.ros.qos import ACTION, LATEST_STATE

pytestmark = pytest.mark.ros

HOME = np.array([home_positions()[name] for name in ARM_JOINTS])
FINGER_CLOSED = 0.04  # the finger joint's upper limit in the URDF


class ArmProbe:
    """Publishes the arm's joint state and the safe actions; records what the node sends back."""

    def __init__(self, node, joints: np.ndarray = HOME) -> None:
        self.node = node
        self.joints = np.asarray(joints, dtype=float)
        self.trajectories: list[JointTrajectory] = []
        self.gripper_commands: list[Float64MultiArray] = []
        self.poses: list[PoseStamped] = []
        self._joint_states = node.create_publisher(JointState, "/joint_states", 10)
        self._actions = node.create_publisher(EndEffectorDelta, "/rt2/safe_action", ACTION)
        subscribe = node.create_subscription
        subscribe(JointTrajectory, "/arm_controller/joint_trajectory", self.trajectories.append, ACTION)
        subscribe(Float64MultiArray, "/gripper_controller/commands", self.gripper_commands.append, ACTION)
        node.create_subscription(PoseStamped, "/rt2/ee_pose", self.poses.append, LATEST_STATE)

    def publish_joint_state(self) -> None:
        message = JointState()
        message.header.stamp = self.node.get_clock().now().to_msg()
        # Extra joints and a different order than the trajectory's, as a robot driver may send.
        message.name = [GRIPPER_JOINT, GRIPPER_MIMIC_JOINT, *reversed(ARM_JOINTS)]
        message.position = [0.0, 0.0, *(float(v) for v in self.joints[::-1])]
        self._joint_states.publish(message)

    def connected(self) -> bool:
        return self._actions.get_subscription_count() > 0 and self._joint_states.get_subscription_count() > 0

    def send(self, translation=(0.0, 0.0, 0.0), rotation=(0.0, 0.0, 0.0), gripper=0.0, terminate=False, frame=""):
        message = EndEffectorDelta()
        message.header.stamp = self.node.get_clock().now().to_msg()
        message.header.frame_id = frame
        message.translation.x, message.translation.y, message.translation.z = (float(v) for v in translation)
        message.rotation.x, message.rotation.y, message.rotation.z = (float(v) for v in rotation)
        message.gripper = float(gripper)
        message.terminate = terminate
        self._actions.publish(message)

    def streaming_until(self, condition, timeout: float = 10.0) -> bool:
        """Spin while publishing the joint state about every 50 ms, until `condition()`."""

        def step() -> bool:
            self.publish_joint_state()
            return condition()

        return spin_until(self.node, step, timeout)


@pytest.fixture
def controller(node_process, ros_node):
    # The probe stands in for safety_node: the controller takes safe actions from that node only.
    return node_process("arm_controller_node", {"safety_node_name": ros_node.get_fully_qualified_name()})


@pytest.fixture
def probe(ros_node, controller):
    probe = ArmProbe(ros_node)
    assert spin_until(ros_node, probe.connected, 30), f"arm_controller_node never subscribed:\n{controller.output()}"
    return probe


def test_delta_becomes_a_trajectory_to_the_target_pose(probe, controller):
    kinematics = ArmKinematics()
    assert probe.streaming_until(lambda: probe.poses, 15), f"no /rt2/ee_pose:\n{controller.output()}"
    pose = probe.poses[-1]
    home_position, home_quaternion = kinematics.forward(HOME)
    assert pose.header.frame_id == "base_link"
    position = pose.pose.position
    assert np.allclose([position.x, position.y, position.z], home_position, atol=1e-6)

    translation, rotation = (0.03, -0.02, -0.04), (0.0, 0.0, 0.2)
    probe.send(translation, rotation, gripper=0.5, frame="base_link")
    assert probe.streaming_until(lambda: probe.trajectories and probe.gripper_commands), controller.output()

    trajectory = probe.trajectories[-1]
    assert trajectory.joint_names == list(ARM_JOINTS)
    assert len(trajectory.points) == 1
    point = trajectory.points[0]
    reached_position, reached_quaternion = kinematics.forward(np.array(point.positions))
    target_position, target_quaternion = apply_delta(home_position, home_quaternion, translation, rotation)
    assert np.linalg.norm(reached_position - target_position) < 1e-3
    assert abs(np.dot(reached_quaternion, target_quaternion)) > np.cos(0.01 / 2)
    assert point.time_from_start.sec + point.time_from_start.nanosec * 1e-9 >= 0.2  # the default control period
    assert probe.gripper_commands[-1].data.tolist() == pytest.approx([0.5 * FINGER_CLOSED])


def test_terminate_holds_at_the_measured_joints(probe, controller):
    assert probe.streaming_until(lambda: probe.poses, 15), controller.output()
    probe.send(terminate=True, gripper=1.0)
    assert probe.streaming_until(lambda: probe.trajectories), controller.output()
    assert probe.trajectories[-1].points[0].positions.tolist() == pytest.approx(HOME.tolist())


def test_bad_actions_are_refused_and_the_node_keeps_running(probe, controller):
    # Before any joint state the arm's pose is unknown: refused, nothing published.
    probe.send(translation=(0.01, 0.0, 0.0))
    spin_for(probe.node, 1.0)
    assert not probe.trajectories
    assert "no /joint_states" in controller.output()

    assert probe.streaming_until(lambda: probe.poses, 15), controller.output()
    probe.send(translation=(float("nan"), 0.0, 0.0))
    probe.send(translation=(0.01, 0.0, 0.0), frame="ee_link")
    assert probe.streaming_until(lambda: "got frame 'ee_link'" in controller.output(), 10), controller.output()
    assert not probe.trajectories and not probe.gripper_commands
    assert "non-finite" in controller.output()

    # A NaN in the joint state is ignored with a warning; the last good state stays.
    probe.joints = np.array([np.nan, *HOME[1:]])
    assert probe.streaming_until(lambda: "non-finite arm positions" in controller.output(), 10)
    probe.joints = HOME

    probe.send(translation=(0.01, 0.0, 0.0))
    assert probe.streaming_until(lambda: probe.trajectories), controller.output()
    assert controller.running()


def test_unknown_backend_stops_the_node_with_a_message(node_process):
    process = node_process("arm_controller_node", {"backend": "teleport"})
    assert process.wait(timeout=30) == 1
    assert "parameter 'backend' is 'teleport'" in process.output()
