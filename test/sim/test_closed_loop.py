"""The whole chain over DDS in the sim: the nodes' defaults connect, and the scripted expert solves an episode.

camera → policy_node (scripted) → /rt2/action → safety_node → /rt2/safe_action →
arm_controller_node → /arm_controller/joint_trajectory → sim_node → camera.
"""

import importlib.util
import time

import numpy as np
import pytest
from geometry_msgs.msg import PoseStamped
from helpers import spin_until
from rt2_ros.msg import EndEffectorDelta
from std_msgs.msg import String
from std_srvs.srv import Trigger

from rt2_ros.ros.qos import ACTION, COMMAND, LATEST_STATE
from rt2_ros.sim.privileged import parse

pytestmark = pytest.mark.ros


def require_nodes(*names: str) -> None:
    missing = [name for name in names if importlib.util.find_spec(f"rt2_ros.nodes.{name}") is None]
    if missing:
        pytest.skip(f"node modules not written yet: {missing}")


def delta_message(node, dz: float) -> EndEffectorDelta:
    message = EndEffectorDelta()
    message.header.stamp = node.get_clock().now().to_msg()
    message.header.frame_id = "base_link"
    message.translation.z = dz
    return message


def test_sim_safety_and_arm_controller_with_default_parameters_form_a_chain(ros_node, node_process):
    require_nodes("safety_node", "arm_controller_node")
    for name in ("sim_node", "safety_node", "arm_controller_node"):
        node_process(name)
    poses: list[PoseStamped] = []
    ros_node.create_subscription(PoseStamped, "/rt2/ee_pose", poses.append, LATEST_STATE)
    actions = ros_node.create_publisher(EndEffectorDelta, "/rt2/action", ACTION)
    assert spin_until(ros_node, lambda: poses and actions.get_subscription_count() > 0, 60), "the chain never came up"
    start = poses[-1].pose.position.z
    for _ in range(5):  # 5 x 2 cm up, at 5 Hz
        actions.publish(delta_message(ros_node, 0.02))
        spin_until(ros_node, lambda: False, 0.2)
    assert spin_until(ros_node, lambda: poses[-1].pose.position.z > start + 0.08, 10), (start, poses[-1].pose.position)


@pytest.mark.slow
def test_scripted_expert_solves_an_episode_over_dds(ros_node, node_process):
    require_nodes("safety_node", "arm_controller_node", "policy_node")
    nodes = [
        node_process("sim_node", {"task": "pick_up", "seed": 1}),
        node_process("safety_node"),
        node_process("arm_controller_node", {"control_period": 0.2}),
        node_process("policy_node", {"backend": "scripted", "control_rate": 5.0}),
    ]
    states: list[str] = []
    ros_node.create_subscription(String, "/sim/privileged_state", lambda m: states.append(m.data), LATEST_STATE)
    command = ros_node.create_publisher(String, "/rt2/command", COMMAND)
    reset = ros_node.create_client(Trigger, "/sim/reset")
    ready = spin_until(
        ros_node, lambda: states and command.get_subscription_count() > 0 and reset.service_is_ready(), 90
    )
    assert ready, "\n".join(f"--- {node.name}\n{node.output()[-1500:]}" for node in nodes)
    future = reset.call_async(Trigger.Request())
    assert spin_until(ros_node, future.done, 10)
    episode = parse(states[-1]).episode
    assert spin_until(ros_node, lambda: parse(states[-1]).episode > episode, 10)
    command.publish(String(data=future.result().message))
    start = time.monotonic()
    solved = spin_until(ros_node, lambda: parse(states[-1]).success, 60)
    final = parse(states[-1])
    logs = "\n".join(f"--- {node.name}\n{node.output()[-1500:]}" for node in nodes)
    assert solved, f"not solved in {time.monotonic() - start:.0f} s: ee {final.ee_position}\n{logs}"
    assert np.asarray(final.objects[final.task.object].position)[2] > 0.06
    assert all(node.running() for node in nodes)
