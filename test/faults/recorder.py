"""What reached the arm, recorded for the fault tests; in the test's own process or as a process of its own.

`Recorder(node)` subscribes to the loop's outputs and appends one event per message, each with `t`, the
wall-clock receive time (time.time(): one clock for every process and network namespace of this machine,
so a test can compare it with the moment it injected a fault):

    safe_action  what safety_node let through: stamp, action (8 values, Action.to_vector order)
    action       what policy_node published on /rt2/action: stamp, action
    joints       the arm as sim_node reports it: stamp, position, velocity (the arm joints)
    safety       /rt2/safety_status: forwarded, clamped, rejected, watchdog, reason
    policy       /rt2/policy_status: text

It also plays the operator: whenever /rt2/policy_status says `no_command` (a fresh or restarted
policy_node), it publishes the sim's current instruction (/sim/instruction) on /rt2/command.

As a process (`python recorder.py EVENTS.jsonl`, what the two-host test runs inside a network namespace)
it spins until SIGINT and appends each event to EVENTS.jsonl as one JSON line.
"""

import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from rclpy.node import Node
from rt2_ros.msg import EndEffectorDelta, SafetyStatus
from sensor_msgs.msg import JointState
from std_msgs.msg import String

from rt2_ros.robot.description import ARM_JOINTS
from rt2_ros.ros.conversions import action_from_message, seconds
from rt2_ros.ros.qos import ACTION, COMMAND, JOINT_STATES, LATCHED

Event = dict[str, Any]
OPERATOR_PERIOD = 0.5  # s between the operator's looks at the policy's status


class Recorder:
    def __init__(self, node: Node, sink: Callable[[Event], None] | None = None) -> None:
        """Events go to `self.events`, and to `sink` as well when given."""
        self.node = node
        self.events: list[Event] = []
        self._sink = sink
        self._lock = threading.Lock()
        self.instruction = ""
        self.policy_status = ""
        self.commands_sent = 0
        subscribe = node.create_subscription
        subscribe(EndEffectorDelta, "/rt2/safe_action", lambda m: self._delta("safe_action", m), ACTION)
        subscribe(EndEffectorDelta, "/rt2/action", lambda m: self._delta("action", m), ACTION)
        subscribe(JointState, "/joint_states", self._on_joints, JOINT_STATES)
        subscribe(SafetyStatus, "/rt2/safety_status", self._on_safety, LATCHED)
        subscribe(String, "/rt2/policy_status", self._on_policy, LATCHED)
        subscribe(String, "/sim/instruction", self._on_instruction, LATCHED)
        self.command = node.create_publisher(String, "/rt2/command", COMMAND)
        node.create_timer(OPERATOR_PERIOD, self._operate)

    def _add(self, event: Event) -> None:
        event["t"] = time.time()
        with self._lock:
            self.events.append(event)
        if self._sink is not None:
            self._sink(event)

    def snapshot(self) -> list[Event]:
        with self._lock:
            return list(self.events)

    def _delta(self, kind: str, message: EndEffectorDelta) -> None:
        vector = action_from_message(message).to_vector().tolist()
        self._add({"kind": kind, "stamp": seconds(message.header.stamp), "action": vector})

    def _on_joints(self, message: JointState) -> None:
        index = {name: i for i, name in enumerate(message.name)}
        if not all(name in index for name in ARM_JOINTS):
            return
        velocity = [message.velocity[index[name]] for name in ARM_JOINTS] if message.velocity else []
        position = [message.position[index[name]] for name in ARM_JOINTS]
        self._add(
            {"kind": "joints", "stamp": seconds(message.header.stamp), "position": position, "velocity": velocity}
        )

    def _on_safety(self, message: SafetyStatus) -> None:
        self._add(
            {
                "kind": "safety",
                "forwarded": message.forwarded,
                "clamped": message.clamped,
                "rejected": message.rejected,
                "watchdog": message.watchdog_tripped,
                "reason": message.last_reason,
            }
        )

    def _on_policy(self, message: String) -> None:
        self.policy_status = message.data
        self._add({"kind": "policy", "text": message.data})

    def _on_instruction(self, message: String) -> None:
        self.instruction = message.data

    def _operate(self) -> None:
        if self.policy_status.startswith("no_command") and self.instruction:
            self.command.publish(String(data=self.instruction))
            self.commands_sent += 1


def main(path: str) -> int:
    import rclpy
    from rclpy.executors import ExternalShutdownException

    rclpy.init()
    node = rclpy.create_node("fault_recorder")
    # Line-buffered: the test reads the file while it grows. SIGINT (NodeProcess.stop) ends the spin.
    with (
        open(path, "a", buffering=1, encoding="utf-8") as stream,
        contextlib.suppress(KeyboardInterrupt, ExternalShutdownException),
    ):
        Recorder(node, sink=lambda event: stream.write(json.dumps(event) + "\n"))
        rclpy.spin(node)
    rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
