"""The whole chain over DDS in the sim: the scripted expert solves an episode.

(That sim_node, safety_node and arm_controller_node with default parameters form a chain is
test/robot/test_default_chain.py.)

camera → policy_node (scripted) → /rt2/action → safety_node → /rt2/safe_action →
arm_controller_node → /arm_controller/joint_trajectory → sim_node → camera.
"""

import time

import numpy as np
import pytest
from helpers import spin_until
from std_msgs.msg import String
from std_srvs.srv import Trigger

from rt2_ros.ros.qos import COMMAND, LATEST_STATE
from rt2_ros.sim.privileged import parse

pytestmark = pytest.mark.ros


@pytest.mark.slow
def test_scripted_expert_solves_an_episode_over_dds(ros_node, node_process):
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
    episode = parse(states[-1]).episode  # before the reset: the new episode's state may arrive with its reply
    future = reset.call_async(Trigger.Request())
    assert spin_until(ros_node, future.done, 10)
    assert spin_until(ros_node, lambda: parse(states[-1]).episode > episode, 10)
    command.publish(String(data=future.result().message))
    start = time.monotonic()
    solved = spin_until(ros_node, lambda: parse(states[-1]).success, 60)
    final = parse(states[-1])
    logs = "\n".join(f"--- {node.name}\n{node.output()[-1500:]}" for node in nodes)
    assert solved, f"not solved in {time.monotonic() - start:.0f} s: ee {final.ee_position}\n{logs}"
    assert np.asarray(final.objects[final.task.object].position)[2] > 0.06
    assert all(node.running() for node in nodes)
