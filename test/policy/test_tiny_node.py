"""policy_node with the tiny backend over DDS: it waits for the arm's own state (/rt2/ee_pose, /joint_states),
then acts on the camera and the command with 8 RT-2 action tokens."""

import numpy as np
import pytest
from geometry_msgs.msg import PoseStamped
from sensor_msgs.msg import JointState
from test_policy_node import CameraAndUser

from rt2_ros.policy.tiny.configuration_tiny import TinyVLAConfig
from rt2_ros.policy.tiny.modeling_tiny import TinyVLA
from rt2_ros.ros.qos import JOINT_STATES, LATEST_STATE
from rt2_ros.training.loop import export_model

pytestmark = pytest.mark.ros


class ArmState:
    """The arm's own state as arm_controller_node and the driver publish it, with a camera frame each time."""

    def __init__(self, node, probe: CameraAndUser) -> None:
        self.probe = probe
        self.poses = node.create_publisher(PoseStamped, "/rt2/ee_pose", LATEST_STATE)
        self.joints = node.create_publisher(JointState, "/joint_states", JOINT_STATES)

    def publish(self) -> None:
        pose = PoseStamped()
        pose.header.stamp = self.probe.stamp()
        pose.pose.position.x, pose.pose.position.z, pose.pose.orientation.x = 0.4, 0.2, 1.0
        self.poses.publish(pose)
        self.joints.publish(JointState(name=["gripper_finger_left_joint"], position=[0.0]))
        self.probe.image()


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny") / "model"
    export_model(folder, TinyVLA(TinyVLAConfig(channels=(8, 8, 16), d_model=32, num_layers=2, num_heads=2)))
    return folder


def test_tiny_backend_acts_once_the_arms_state_arrives(ros_node, node_process, tiny_checkpoint):
    process = node_process("policy_node", {"backend": "tiny", "model_path": str(tiny_checkpoint), "control_rate": 20.0,
                                            "min_confidence": 0.0})  # fmt: skip
    probe = CameraAndUser(ros_node)
    probe.wait_ready(process)
    probe.command("pick up the red block")
    assert probe.stream_until(lambda: probe.saw_status("no_proprio:")), probe.statuses
    assert not probe.actions
    arm = ArmState(ros_node, probe)

    def state_and_frame() -> bool:
        arm.publish()
        return bool(probe.actions) and bool(probe.tokens)  # (random weights may terminate after one step)

    assert probe.wait_until(state_and_frame, 30.0), process.output()
    tokens = probe.tokens[-1]
    assert tokens.scheme == "rt2" and len(tokens.tokens) == 8 and all(0 <= t <= 255 for t in tokens.tokens)
    action = probe.actions[-1]
    assert np.all(np.abs([action.translation.x, action.translation.y, action.translation.z]) <= 0.05)


def test_a_step_the_model_is_unsure_of_is_not_acted_on(ros_node, node_process, tiny_checkpoint):
    """min_confidence above what a random model's pointer reaches: status `uncertain`, nothing published."""
    parameters = {"backend": "tiny", "model_path": str(tiny_checkpoint), "control_rate": 20.0, "min_confidence": 0.99}
    process = node_process("policy_node", parameters)
    probe = CameraAndUser(ros_node)
    probe.wait_ready(process)
    probe.command("pick up the pink block")
    arm = ArmState(ros_node, probe)

    def state_and_frame() -> bool:
        arm.publish()
        return probe.saw_status("uncertain:")

    assert probe.wait_until(state_and_frame, 30.0), (probe.statuses, process.output()[-2000:])
    assert not probe.actions and not probe.tokens
