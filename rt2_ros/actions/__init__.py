"""Actions: the end-effector delta a policy emits, and its tokenisation (RT-2, OpenVLA)."""

from rt2_ros.actions.action import ACTION_DIMENSIONS, Action
from rt2_ros.actions.statistics import ActionStatistics, load_dataset_statistics
from rt2_ros.actions.tokenizer import (
    OPENVLA_DIMENSIONS,
    ActionTokenizer,
    OpenVLAActionTokenizer,
    RT2ActionTokenizer,
    make_tokenizer,
)

__all__ = [
    "ACTION_DIMENSIONS",
    "OPENVLA_DIMENSIONS",
    "Action",
    "ActionStatistics",
    "ActionTokenizer",
    "OpenVLAActionTokenizer",
    "RT2ActionTokenizer",
    "load_dataset_statistics",
    "make_tokenizer",
]
