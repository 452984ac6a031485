"""Talk to a running safety_node over DDS the way the policy, the arm and an operator do."""

from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PoseStamped
from helpers import spin_for, spin_until
from rclpy.node import Node
from rt2_ros.msg import EndEffectorDelta, SafetyStatus
from std_msgs.msg import Bool
from std_srvs.srv import Trigger

from rt2_ros.actions.action import Action
from rt2_ros.ros.conversions import message_from_action
from rt2_ros.ros.qos import ACTION, COMMAND, DIAGNOSTICS, LATCHED, LATEST_STATE


class SafetyProbe:
    def __init__(self, node: Node, process: object) -> None:
        self.node = node
        self.process = process
        self.safe_actions: list[EndEffectorDelta] = []
        self.statuses: list[SafetyStatus] = []
        self.diagnostics: list[DiagnosticArray] = []
        self.pose: tuple[tuple[float, float, float], str] | None = None  # the last one sent, re-sent by submit
        self.actions = node.create_publisher(EndEffectorDelta, "/rt2/action", ACTION)
        self.poses = node.create_publisher(PoseStamped, "/rt2/ee_pose", LATEST_STATE)
        self.estop = node.create_publisher(Bool, "/rt2/estop", COMMAND)
        self.reset_client = node.create_client(Trigger, "/rt2/safety/reset")
        node.create_subscription(EndEffectorDelta, "/rt2/safe_action", self.safe_actions.append, ACTION)
        node.create_subscription(SafetyStatus, "/rt2/safety_status", self.statuses.append, LATCHED)
        node.create_subscription(DiagnosticArray, "/diagnostics", self.diagnostics.append, DIAGNOSTICS)

    def logs(self) -> str:
        return self.process.output()[-3000:]

    def wait_connected(self) -> None:
        def connected() -> bool:
            return (
                all(p.get_subscription_count() > 0 for p in (self.actions, self.poses, self.estop))
                and self.node.count_publishers("/rt2/safe_action") > 0
                and bool(self.statuses)
                and self.reset_client.service_is_ready()
            )

        assert spin_until(self.node, connected, 30), f"safety_node never connected\n{self.logs()}"

    def now(self) -> Time:
        return self.node.get_clock().now().to_msg()

    def send(self, action: Action, stamp: Time | None = None, frame_id: str = "base_link") -> None:
        self.actions.publish(message_from_action(action, stamp or self.now(), frame_id))

    def send_pose(self, position: tuple[float, float, float], frame_id: str = "base_link") -> None:
        self.pose = (position, frame_id)
        pose = PoseStamped()
        pose.header.stamp = self.now()
        pose.header.frame_id = frame_id
        pose.pose.position.x, pose.pose.position.y, pose.pose.position.z = position
        pose.pose.orientation.w = 1.0
        self.poses.publish(pose)

    def status(self) -> SafetyStatus:
        return self.statuses[-1]

    def wait_status(self, condition, timeout: float = 10.0) -> SafetyStatus:
        """Spin until the latest SafetyStatus satisfies `condition`; return it."""
        assert spin_until(self.node, lambda: condition(self.status()), timeout), (
            f"status never matched; last: {self.status()}\n{self.logs()}"
        )
        return self.status()

    def reset(self) -> Trigger.Response:
        future = self.reset_client.call_async(Trigger.Request())
        assert spin_until(self.node, future.done, 10), f"no reply from /rt2/safety/reset\n{self.logs()}"
        return future.result()

    def processed(self) -> int:
        return self.status().forwarded + self.status().rejected

    def submit(self, action: Action, stamp: Time | None = None, frame_id: str = "base_link") -> EndEffectorDelta | None:
        """Send one action, wait until the node has judged it; what it forwarded, or None if rejected.

        Re-sends the last pose first with a fresh stamp, as the arm controller streams it (the gate
        rejects translations on a pose older than max_pose_age), then waits 50 ms, which also keeps
        actions sent one after another under the default max_rate.
        """
        if self.pose is not None:
            self.send_pose(*self.pose)
        spin_for(self.node, 0.05)
        before, forwarded, outputs = self.processed(), self.status().forwarded, len(self.safe_actions)
        self.send(action, stamp, frame_id)
        status = self.wait_status(lambda status: status.forwarded + status.rejected > before)
        if status.forwarded == forwarded:
            return None
        assert spin_until(self.node, lambda: len(self.safe_actions) > outputs, 10), self.logs()
        return self.safe_actions[-1]

    def diagnostic(self) -> dict[str, str]:
        """The key-values of the latest safety gate diagnostic, with its level and message."""
        status = self.diagnostics[-1].status[0]
        return {"level": status.level, "message": status.message, **{kv.key: kv.value for kv in status.values}}

    def wait_pose_known(self) -> None:
        assert spin_until(self.node, lambda: self.diagnostics and self.diagnostic()["pose_known"] == "True", 10), (
            f"safety_node never took the pose\n{self.logs()}"
        )
