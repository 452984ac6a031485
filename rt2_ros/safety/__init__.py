"""The safety gate between the policy and the arm, free of rclpy (see gate.py for the rules)."""

from rt2_ros.safety.config import SafetyConfig
from rt2_ros.safety.gate import Decision, GateStatus, SafetyGate

__all__ = ["Decision", "GateStatus", "SafetyConfig", "SafetyGate"]
