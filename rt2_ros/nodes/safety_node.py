"""safety_node: the single gate between the policy and the arm.

/rt2/action ──► SafetyGate (rt2_ros.safety) ──► /rt2/safe_action; nothing else publishes there.
The node only converts messages and clocks for the gate and publishes what it decides:
/rt2/ee_pose feeds the workspace check, /rt2/estop (true) latches the e-stop, /rt2/safety/reset
clears it, a watchdog timer publishes one hold action after command_timeout of silence, and the
gate's state goes out on /rt2/safety_status (latched, on every change and at 1 Hz) and /diagnostics.

Every call into the gate holds one lock: actions, pose and e-stop arrive in one callback group, the
watchdog and status timers in another, and the lock keeps the gate's state and the order of what is
published consistent between them under a MultiThreadedExecutor. main() spins a single-threaded
executor (measured faster, see main()); the design does not depend on it. An unexpected exception
ends the process (fail-stop: nothing reaches the arm) rather than leaving a gate in an unknown state.
"""

import sys
import threading

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs.msg import PoseStamped
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.node import Node
from std_msgs.msg import Bool
from std_srvs.srv import Trigger

from rt2_ros.msg import EndEffectorDelta, SafetyStatus
from rt2_ros.ros.conversions import action_from_message, message_from_action, seconds
from rt2_ros.ros.parameters import ParameterSpec, declare_parameters
from rt2_ros.ros.qos import ACTION, COMMAND, DIAGNOSTICS, LATCHED, LATEST_STATE
from rt2_ros.ros.runner import run_node
from rt2_ros.safety import GateStatus, SafetyConfig, SafetyGate
from rt2_ros.safety.config import PARAMETER_BOUNDS

DEFAULTS = SafetyConfig()


def _limit(name: str, description: str, length: int | None = None) -> ParameterSpec:
    low, high = PARAMETER_BOUNDS[name]
    return ParameterSpec(name, getattr(DEFAULTS, name), description, low, high, length=length, read_only=True)


PARAMETERS = (
    _limit("max_translation_step", "Metres; each axis of an action's translation is clamped to ±this."),
    _limit("max_rotation_step", "Radians; each rotation axis is wrapped to [-pi, pi), then clamped to ±this."),
    _limit("workspace_min", "[x, y, z] metres, base frame: lower corner of the end effector's box.", length=3),
    _limit("workspace_max", "[x, y, z] metres, base frame: upper corner of the end effector's box.", length=3),
    _limit("max_action_age", "Seconds; an action whose header.stamp is older than this is rejected."),
    _limit(
        "max_pose_age",
        "Seconds; a translation is rejected while the newest /rt2/ee_pose is older than this (by header.stamp).",
    ),
    _limit("max_future_stamp", "Seconds; an action stamped further than this in the future is rejected."),
    _limit("command_timeout", "Seconds without a valid action before one zero-motion hold action is published."),
    _limit("max_rate", "Hz; an action arriving sooner than 1/max_rate after the last forwarded one is rejected."),
    ParameterSpec(
        "base_frame",
        DEFAULTS.base_frame,
        "Frame of the workspace box, /rt2/ee_pose and the deltas; other frames are rejected.",
        read_only=True,
    ),
)

STATUS_PERIOD = 0.5  # s: the status goes out at >= 1 Hz even with timer jitter


def diagnostic_status(status: GateStatus, config: SafetyConfig) -> DiagnosticStatus:
    """ERROR while the e-stop is latched, WARN while the watchdog is tripped or the pose unknown."""
    if status.estop_active:
        level, summary = DiagnosticStatus.ERROR, "e-stop latched: nothing is forwarded"
    elif status.watchdog_tripped:
        level, summary = DiagnosticStatus.WARN, f"watchdog: no valid action for {config.command_timeout} s"
    elif not status.pose_known:
        level, summary = DiagnosticStatus.WARN, "end-effector pose unknown: translations rejected"
    else:
        level, summary = DiagnosticStatus.OK, "forwarding"
    values = {
        "estop_active": status.estop_active,
        "estop_pressed": status.estop_pressed,
        "watchdog_tripped": status.watchdog_tripped,
        "pose_known": status.pose_known,
        "forwarded": status.forwarded,
        "clamped": status.clamped,
        "rejected": status.rejected,
        "holds": status.holds,
        "last_reason": status.last_reason,
        "max_translation_step": config.max_translation_step,
        "max_rotation_step": config.max_rotation_step,
        "workspace_min": list(config.workspace_min),
        "workspace_max": list(config.workspace_max),
        "max_action_age": config.max_action_age,
        "max_pose_age": config.max_pose_age,
        "command_timeout": config.command_timeout,
        "max_rate": config.max_rate,
    }
    return DiagnosticStatus(
        level=level,
        name="safety_node: safety gate",
        message=summary,
        hardware_id="rt2_ros",
        values=[KeyValue(key=key, value=str(value)) for key, value in values.items()],
    )


class SafetyNode(Node):
    def __init__(self) -> None:
        super().__init__("safety_node")
        values = declare_parameters(self, PARAMETERS)
        self.config = SafetyConfig(**values)
        self._lock = threading.Lock()
        self._clock = self.get_clock()  # the node's clock (ROS time: follows /clock with use_sim_time)
        self._gate = SafetyGate(self.config, self._now())
        self._published_status: GateStatus | None = None

        inputs = MutuallyExclusiveCallbackGroup()  # in order, one at a time: actions keep their order
        timers = MutuallyExclusiveCallbackGroup()  # multi-threaded: never waits behind a burst of actions
        self._safe_action = self.create_publisher(EndEffectorDelta, "/rt2/safe_action", ACTION)
        self._status = self.create_publisher(SafetyStatus, "/rt2/safety_status", LATCHED)
        self._diagnostics = self.create_publisher(DiagnosticArray, "/diagnostics", DIAGNOSTICS)
        self.create_subscription(EndEffectorDelta, "/rt2/action", self._on_action, ACTION, callback_group=inputs)
        self.create_subscription(PoseStamped, "/rt2/ee_pose", self._on_pose, LATEST_STATE, callback_group=inputs)
        self.create_subscription(Bool, "/rt2/estop", self._on_estop, COMMAND, callback_group=inputs)
        self.create_service(Trigger, "/rt2/safety/reset", self._on_reset, callback_group=inputs)
        # Fires command_timeout after the last forwarded action (each one restarts it), then every
        # command_timeout: the hold goes out on time without polling the gate at a high rate.
        self._watchdog = self.create_timer(self.config.command_timeout, self._on_watchdog, callback_group=timers)
        self.create_timer(STATUS_PERIOD, self._on_status_timer, callback_group=timers)
        with self._lock:
            self._publish_status(force=True)
        self.get_logger().info(
            f"safety gate up: step ±{self.config.max_translation_step} m / ±{self.config.max_rotation_step} rad, "
            f"box {list(self.config.workspace_min)}..{list(self.config.workspace_max)} m, "
            f"max age {self.config.max_action_age} s, max pose age {self.config.max_pose_age} s, "
            f"timeout {self.config.command_timeout} s, "
            f"max rate {self.config.max_rate} Hz"
        )

    def _now(self) -> float:
        return self._clock.now().nanoseconds * 1e-9

    def _on_action(self, message: EndEffectorDelta) -> None:
        stamp = seconds(message.header.stamp)
        action = action_from_message(message)
        with self._lock:
            decision = self._gate.process(action, stamp, message.header.frame_id, self._now())
            if decision.action is not None:
                self._safe_action.publish(
                    message_from_action(decision.action, message.header.stamp, self.config.base_frame)
                )
                self._watchdog.reset()
            self._publish_status()
        # One call site per severity: rclpy refuses a severity change between calls from one line.
        if decision.rejected:
            self.get_logger().warning(decision.reason, throttle_duration_sec=1.0)
        elif decision.clamped:
            self.get_logger().info(decision.reason, throttle_duration_sec=1.0)

    def _on_pose(self, message: PoseStamped) -> None:
        position = message.pose.position
        with self._lock:
            problem = self._gate.set_pose(
                (position.x, position.y, position.z), message.header.frame_id, seconds(message.header.stamp)
            )
            self._publish_status()
        if problem:
            self.get_logger().warning(problem, throttle_duration_sec=1.0)

    def _on_estop(self, message: Bool) -> None:
        with self._lock:
            engaged = self._gate.set_estop(message.data)
            self._publish_status()
        if engaged:
            self.get_logger().error("e-stop engaged: nothing is forwarded until /rt2/safety/reset")

    def _on_reset(self, request: Trigger.Request, response: Trigger.Response) -> Trigger.Response:
        with self._lock:
            response.success, response.message = self._gate.reset()
            self._publish_status()
        if response.success:
            self.get_logger().info(f"reset: {response.message}")
        else:
            self.get_logger().warning(f"reset refused: {response.message}")
        return response

    def _on_watchdog(self) -> None:
        with self._lock:
            hold = self._gate.watchdog(self._now())
            if hold is not None:
                self._safe_action.publish(message_from_action(hold, self._clock.now().to_msg(), self.config.base_frame))
            self._publish_status()
        if hold is not None:
            self.get_logger().warning(
                f"watchdog: no valid action for {self.config.command_timeout} s; "
                f"published one hold (zero motion, gripper {hold.gripper:.3g})"
            )

    def _on_status_timer(self) -> None:
        with self._lock:
            self._publish_status(force=True)

    def _publish_status(self, force: bool = False) -> None:
        """Publish SafetyStatus when the gate's state changed (or `force`); caller holds the lock.

        /diagnostics goes out with the periodic status and whenever its level could have changed.
        """
        status = self._gate.status()
        previous = self._published_status
        if not force and status == previous:
            return
        self._published_status = status
        stamp = self._clock.now().to_msg()
        message = SafetyStatus(
            estop_active=status.estop_active,
            watchdog_tripped=status.watchdog_tripped,
            forwarded=status.forwarded,
            clamped=status.clamped,
            rejected=status.rejected,
            last_reason=status.last_reason,
        )
        message.header.stamp = stamp
        self._status.publish(message)
        level_inputs = (status.estop_active, status.watchdog_tripped, status.pose_known)
        if (
            force
            or previous is None
            or level_inputs
            != (
                previous.estop_active,
                previous.watchdog_tripped,
                previous.pose_known,
            )
        ):
            diagnostics = DiagnosticArray(status=[diagnostic_status(status, self.config)])
            diagnostics.header.stamp = stamp
            self._diagnostics.publish(diagnostics)


def main(args: list[str] | None = None) -> int:
    # Every callback here is short (~0.1 ms), so one thread serves them all without delaying the
    # watchdog; the MultiThreadedExecutor's per-message thread handoff cost ~3x the CPU and a much
    # longer latency tail (rt2-ros bench safety). The callback groups and the lock keep the node
    # correct under a MultiThreadedExecutor too (e.g. in a component container).
    return run_node(SafetyNode, args)


if __name__ == "__main__":
    sys.exit(main())
