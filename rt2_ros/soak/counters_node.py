"""The safety gate's cumulative counters as `rt2-ros soak` samples them (the rclpy side of the soak)."""

import threading

from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node

from rt2_ros.msg import SafetyStatus
from rt2_ros.ros.qos import DIAGNOSTICS, LATCHED
from rt2_ros.soak.report import Counters

GATE_DIAGNOSTIC = "safety_node: safety gate"  # the DiagnosticStatus name safety_node publishes


class SafetyCounters(Node):
    """forwarded, clamped, rejected from /rt2/safety_status; the watchdog's holds from /diagnostics."""

    def __init__(self) -> None:
        super().__init__("rt2_soak_counters")
        self._lock = threading.Lock()
        self._counters = Counters()
        # The same profiles safety_node publishes with: latched status, diagnostic_updater's /diagnostics.
        self.create_subscription(SafetyStatus, "/rt2/safety_status", self._on_status, LATCHED)
        self.create_subscription(DiagnosticArray, "/diagnostics", self._on_diagnostics, DIAGNOSTICS)

    def _on_status(self, message: SafetyStatus) -> None:
        with self._lock:
            self._counters.forwarded = message.forwarded
            self._counters.clamped = message.clamped
            self._counters.rejected = message.rejected

    def _on_diagnostics(self, message: DiagnosticArray) -> None:
        for status in message.status:
            holds = {item.key: item.value for item in status.values}.get("holds", "")
            if status.name == GATE_DIAGNOSTIC and holds.isdigit():
                with self._lock:
                    self._counters.holds = int(holds)

    def counters(self) -> Counters:
        with self._lock:
            return Counters(**vars(self._counters))
