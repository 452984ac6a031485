"""The interface arm_controller_node drives; one implementation per backend."""

from abc import ABC, abstractmethod
from collections.abc import Sequence

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

    def observe_joint_state(self, names: Sequence[str], positions: Sequence[float]) -> None:  # noqa: B027
        """A /joint_states message (arm_controller_node subscribes once for every backend).

        Raises ValueError for a state the backend cannot use. Backends that follow the arm by
        other means (MoveIt's state monitor) keep this default, which ignores it.
        """

    @abstractmethod
    def current_pose(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(position (3,), quaternion [x, y, z, w]) of ee_frame in base_frame, None while unknown."""
