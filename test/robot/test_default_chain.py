"""INTERFACES.md: sim_node, safety_node and arm_controller_node started with no parameters form a
working chain: actions on /rt2/action move the simulated arm by those deltas."""

import numpy as np
import pytest
from geometry_msgs.msg import PoseStamped
from helpers import spin_for, spin_until, wait_for_links
from rt2_ros.msg import EndEffectorDelta

from rt2_ros.ros.qos import ACTION, LATEST_STATE

pytestmark = pytest.mark.ros

STEP = np.array([0.02, -0.01, -0.01])  # m per action, inside the safety limits
STEPS = 8


def test_actions_move_the_simulated_arm(ros_node, node_process):
    processes = [node_process(name) for name in ("sim_node", "safety_node", "arm_controller_node")]
    poses: list[PoseStamped] = []
    ros_node.create_subscription(PoseStamped, "/rt2/ee_pose", poses.append, LATEST_STATE)
    actions = ros_node.create_publisher(EndEffectorDelta, "/rt2/action", ACTION)

    def logs() -> str:
        return "\n".join(process.output()[-1500:] for process in processes)

    assert spin_until(ros_node, lambda: poses and actions.get_subscription_count() > 0, 60), logs()
    chain = ["/rt2/safe_action", "/rt2/ee_pose", "/joint_states", "/arm_controller/joint_trajectory"]
    assert wait_for_links(ros_node, chain, 60), logs()
    spin_for(ros_node, 1.0)  # the arm settles at home; the links found above match pairwise meanwhile
    start = poses[-1].pose.position

    def moved() -> np.ndarray:
        end = poses[-1].pose.position
        return np.array([end.x - start.x, end.y - start.y, end.z - start.z])

    # One action at a time, the next once the arm has followed the last: the builtin backend adds a
    # delta to its last target only while the arm tracks it (see control/delta_to_joints.py), so on
    # a loaded machine where the sim lags, a burst would rightly be re-anchored on the measured pose.
    for step in range(1, STEPS + 1):
        message = EndEffectorDelta()
        message.header.stamp = ros_node.get_clock().now().to_msg()
        message.header.frame_id = "base_link"
        message.translation.x, message.translation.y, message.translation.z = (float(v) for v in STEP)
        actions.publish(message)
        followed = spin_until(ros_node, lambda step=step: np.linalg.norm(moved() - step * STEP) < 0.005, 15)
        assert followed, f"step {step}: moved {moved()}, expected {step * STEP}\n{logs()}"
    assert all(process.running() for process in processes)
