"""The interface arm_controller_node drives; one implementation per backend."""

from abc import ABC, abstractmethod

import numpy as np

from rt2_ros.actions.action import Action


class ArmBackend(ABC):
    """Built by arm_controller_node with the node itself (to make publishers, clients...)."""

    @abstractmethod
    def apply(self, action: Action) -> None:
        """Move by one safe delta (base frame) and set the gripper target."""

    @abstractmethod
    def hold(self) -> None:
        """Stop moving: keep the current pose (a zero delta for streaming backends)."""

    @abstractmethod
    def current_pose(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(position (3,), quaternion [x, y, z, w]) of ee_frame in base_frame, None while unknown."""
