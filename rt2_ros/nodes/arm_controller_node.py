"""arm_controller_node: /rt2/safe_action → the arm, and the arm's pose → /rt2/ee_pose.

The `backend` parameter picks how deltas reach the arm (control/factory.py): `builtin` (IK from
the URDF → joint trajectory + gripper command, the default, what sim_node and a ros2_control arm
accept), `servo` (MoveIt Servo) or `moveit_py`. Each backend is built as `Backend(node,
ArmSettings)`. The node owns the two subscriptions: /joint_states goes to the backend, after which
the backend's current pose is published on /rt2/ee_pose (at most ee_pose_rate times a second,
stamped with the joint state's time); each safe action is checked (finite, base frame) and
applied, a terminate action holds the arm. A bad message is logged and dropped; the node keeps
running. All callbacks share the node's default (mutually exclusive) callback group, so the
backend never sees two messages at once.

Two guards do not trust the rest of the graph (docs/faults.md):
- Wiring: only `safety_node_name` may publish /rt2/safe_action. Each safe action must come from one of
  its writers, and while any other node publishes there (checked on each action and every
  WIRING_CHECK_PERIOD) the arm holds, every safe action is refused and the log names the other node
  (control/wiring.py).
- Silence: `hold_timeout` after the last applied safe action the node holds the arm by itself, so a
  dead safety node (whose own watchdog hold never comes) or a cut link leaves no motion running.
"""

import math
import sys
import time

from geometry_msgs.msg import PoseStamped
from rclpy.node import Node
from rclpy.subscription import MessageInfo
from sensor_msgs.msg import JointState

from rt2_ros.control.factory import BACKENDS, backend_class
from rt2_ros.control.settings import ArmSettings
from rt2_ros.control.wiring import Endpoint, SafeActionSource, Verdict, fully_qualified
from rt2_ros.msg import EndEffectorDelta
from rt2_ros.ros.conversions import action_from_message
from rt2_ros.ros.parameters import ParameterSpec, declare_parameters
from rt2_ros.ros.qos import ACTION, JOINT_STATES, LATEST_STATE
from rt2_ros.ros.runner import run_node
from rt2_ros.safety.watchdog import SilenceWatchdog

DEFAULTS = ArmSettings()
LOG_THROTTLE = 2.0  # s between repeats of the same log line
WIRING_CHECK_PERIOD = 0.5  # s between looks at who publishes /rt2/safe_action (also checked on each action)
PENDING_RECHECK = 0.02  # s between looks at the writer of a safe action that waits to be identified
PENDING_TIMEOUT = 0.5  # s a safe action may wait for its writer to be identified as the gate, then refused
SAFE_ACTION_TOPIC = "/rt2/safe_action"

PARAMETERS = (
    ParameterSpec("backend", "builtin", "How deltas reach the arm.", choices=tuple(BACKENDS), read_only=True),
    ParameterSpec("base_frame", DEFAULTS.base_frame, "Frame of the deltas and of /rt2/ee_pose.", read_only=True),
    ParameterSpec("ee_frame", DEFAULTS.ee_frame, "End-effector frame the deltas move.", read_only=True),
    ParameterSpec(
        "control_period",
        DEFAULTS.control_period,
        "Seconds; the policy's step (1 / its control rate), the shortest time one delta takes.",
        0.01,
        10.0,
    ),
    ParameterSpec(
        "velocity_scale",
        DEFAULTS.velocity_scale,
        "Fraction of the URDF joint velocity limits a step may use.",
        0.01,
        1.0,
        read_only=True,
    ),
    ParameterSpec(
        "tracking_translation",
        DEFAULTS.tracking_translation,
        "Metres; while the arm is this close to its last target, the next delta adds to that target.",
        0.001,
        1.0,
    ),
    ParameterSpec(
        "tracking_rotation",
        DEFAULTS.tracking_rotation,
        "Radians; the same tolerance for the orientation.",
        0.01,
        math.pi,
    ),
    ParameterSpec("ee_pose_rate", DEFAULTS.ee_pose_rate, "Hz; most /rt2/ee_pose messages per second.", 1.0, 1000.0),
    ParameterSpec(
        "safety_node_name",
        "/safety_node",
        "Fully qualified name of the only node allowed to publish /rt2/safe_action; while any other node "
        "publishes there the arm holds and refuses every safe action.",
        read_only=True,
    ),
    ParameterSpec(
        "hold_timeout",
        2.0,
        "Seconds without a safe action after which the node holds the arm by itself (the safety gate died or "
        "the link to it is down); keep it above safety_node's command_timeout.",
        0.05,
        60.0,
        read_only=True,
    ),
)


class ArmControllerNode(Node):
    def __init__(self) -> None:
        super().__init__("arm_controller_node")
        values = declare_parameters(self, PARAMETERS)
        backend_name = values.pop("backend")
        self._source = SafeActionSource(values.pop("safety_node_name"))
        hold_timeout = values.pop("hold_timeout")
        self.settings = ArmSettings(**values)
        self.backend = backend_class(backend_name)(self, self.settings)
        self._ee_pose = self.create_publisher(PoseStamped, "/rt2/ee_pose", LATEST_STATE)
        self._last_pose_time = -math.inf  # time.monotonic() of the last /rt2/ee_pose
        self._wiring_problem = ""  # what the last wiring check found ('' = only the gate publishes)
        self._silence = SilenceWatchdog(hold_timeout, self._now(), tripped=True)  # armed by the first action
        # The newest safe action waiting for its writer to be identified: (message, writer gid, arrival time).
        self._pending: tuple[EndEffectorDelta, bytes | None, float] | None = None
        # Reliable, depth 10 (ACTION): every safe action counts, in order.
        self.create_subscription(EndEffectorDelta, SAFE_ACTION_TOPIC, self._on_action, ACTION)
        # Default QoS (reliable, depth 10), as joint_state_broadcaster publishes.
        self.create_subscription(JointState, "/joint_states", self._on_joint_state, JOINT_STATES)
        self.create_timer(WIRING_CHECK_PERIOD, self._on_wiring_timer)
        self._pending_timer = self.create_timer(PENDING_RECHECK, self._on_pending_timer)
        self._pending_timer.cancel()  # runs only while an action waits
        # Fires hold_timeout after the last applied action (each one restarts it), then every hold_timeout.
        self._hold_timer = self.create_timer(hold_timeout, self._on_hold_timer)
        self.get_logger().info(
            f"arm controller up: backend {backend_name}, {self.settings.ee_frame} in {self.settings.base_frame}, "
            f"control period {self.settings.control_period} s, velocity scale {self.settings.velocity_scale}, "
            f"safe actions only from {self._source.gate_node}, hold after {hold_timeout} s without one"
        )

    def _now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _safe_action_publishers(self) -> list[Endpoint]:
        return [
            Endpoint(fully_qualified(info.node_namespace, info.node_name), bytes(info.endpoint_gid))
            for info in self.get_publishers_info_by_topic(SAFE_ACTION_TOPIC)
        ]

    def _hold(self, why: str) -> None:
        """Stop the arm (a hold never raises out of a callback: with no arm state there is nothing to stop)."""
        try:
            self.backend.hold()
        except (ValueError, RuntimeError) as error:
            self.get_logger().warning(f"hold ({why}) not sent: {error}", throttle_duration_sec=LOG_THROTTLE)

    def _on_wiring_timer(self) -> None:
        self._note_wiring(self._source.problem(self._safe_action_publishers(), self._now()))

    def _note_wiring(self, problem: str) -> None:
        """Hold and report when a wiring problem appears, report when it is gone."""
        if problem and problem != self._wiring_problem:
            self.get_logger().error(problem)
            self._hold("wiring")
        elif self._wiring_problem and not problem:
            self.get_logger().info(
                f"only {self._source.gate_node} publishes /rt2/safe_action again: the next safe action moves the arm"
            )
        self._wiring_problem = problem

    def _on_hold_timer(self) -> None:
        if self._silence.expired(self._now()):
            self.get_logger().warning(
                f"no safe action for {self._silence.timeout} s (is safety_node running?): holding the arm"
            )
            self._hold("silence")

    def _on_joint_state(self, message: JointState) -> None:
        try:
            self.backend.observe_joint_state(list(message.name), list(message.position))
        except ValueError as error:
            self.get_logger().warning(f"joint state ignored: {error}", throttle_duration_sec=LOG_THROTTLE)
            return
        now = time.monotonic()
        if now - self._last_pose_time < 1.0 / self.settings.ee_pose_rate:
            return
        pose = self.backend.current_pose()
        if pose is None:
            return
        self._last_pose_time = now
        position, quaternion = pose
        out = PoseStamped()
        out.header.stamp = message.header.stamp
        out.header.frame_id = self.settings.base_frame
        out.pose.position.x, out.pose.position.y, out.pose.position.z = (float(v) for v in position)
        orientation = out.pose.orientation
        orientation.x, orientation.y, orientation.z, orientation.w = (float(v) for v in quaternion)
        self._ee_pose.publish(out)

    def _on_action(self, message: EndEffectorDelta, info: MessageInfo) -> None:
        sender = info["publisher_gid"]
        self._judge(message, None if sender is None else bytes(sender["data"]), self._now())

    def _on_pending_timer(self) -> None:
        if self._pending is None:
            self._pending_timer.cancel()
        else:
            self._judge(*self._pending)

    def _judge(self, message: EndEffectorDelta, sender: bytes | None, arrived: float) -> None:
        """Apply, keep aside (writer not identified yet) or refuse a safe action; a newer one replaces a waiting one."""
        publishers, now = self._safe_action_publishers(), self._now()
        verdict, reason = self._source.judge(publishers, sender, now)
        if verdict is Verdict.WAIT and now - arrived < PENDING_TIMEOUT:
            self._pending = (message, sender, arrived)
            self._pending_timer.reset()
            return
        self._pending = None
        self._pending_timer.cancel()
        if verdict is not Verdict.APPLY:
            self._note_wiring(self._source.problem(publishers, now))
            self.get_logger().error(f"safe action refused: {reason}", throttle_duration_sec=LOG_THROTTLE)
            return
        self._apply(message)

    def _apply(self, message: EndEffectorDelta) -> None:
        action = action_from_message(message)
        frame = message.header.frame_id
        if not action.is_finite():
            self.get_logger().error(f"safe action refused: non-finite values {action.to_vector().tolist()}")
            return
        if frame and frame != self.settings.base_frame:
            self.get_logger().error(
                f"safe action refused: deltas must be in {self.settings.base_frame!r}, got frame {frame!r}"
            )
            return
        try:
            if action.terminate:
                self.backend.hold()
            else:
                self.backend.apply(action)
            self._silence.feed(self._now())
            self._hold_timer.reset()
        except (ValueError, RuntimeError) as error:
            self.get_logger().error(f"safe action refused: {error}", throttle_duration_sec=LOG_THROTTLE)


def main(args: list[str] | None = None) -> int:
    return run_node(ArmControllerNode, args)


if __name__ == "__main__":
    sys.exit(main())
