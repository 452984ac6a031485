"""Actions: the end-effector delta a policy emits, and its tokenisation (RT-2, OpenVLA)."""

from rt2_ros.actions.action import ACTION_DIMENSIONS, Action

__all__ = ["ACTION_DIMENSIONS", "Action"]
