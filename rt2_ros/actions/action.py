"""One policy action: an end-effector delta in the arm's base frame plus gripper and terminate."""

from dataclasses import dataclass, field

import numpy as np

# RT-2's order of the 8 action dimensions.
ACTION_DIMENSIONS = ("terminate", "dx", "dy", "dz", "droll", "dpitch", "dyaw", "gripper")


@dataclass
class Action:
    translation: np.ndarray = field(default_factory=lambda: np.zeros(3))  # (3,) metres, base frame
    rotation: np.ndarray = field(default_factory=lambda: np.zeros(3))  # (3,) roll, pitch, yaw increments, rad
    gripper: float = 0.0  # absolute target: 0 open .. 1 closed
    terminate: bool = False  # the policy judges the episode complete

    def __post_init__(self) -> None:
        self.translation = np.asarray(self.translation, dtype=float).reshape(3)
        self.rotation = np.asarray(self.rotation, dtype=float).reshape(3)
        self.gripper = float(self.gripper)
        self.terminate = bool(self.terminate)

    def to_vector(self) -> np.ndarray:
        """(8,) in ACTION_DIMENSIONS order."""
        return np.concatenate([[float(self.terminate)], self.translation, self.rotation, [self.gripper]])

    @classmethod
    def from_vector(cls, vector: np.ndarray) -> "Action":
        vector = np.asarray(vector, dtype=float)
        if vector.shape != (8,):
            raise ValueError(f"an action vector has 8 values {ACTION_DIMENSIONS}; got shape {vector.shape}")
        return cls(vector[1:4], vector[4:7], vector[7], vector[0] >= 0.5)

    def is_finite(self) -> bool:
        return bool(np.all(np.isfinite(self.to_vector())))

    @classmethod
    def hold(cls, gripper: float) -> "Action":
        """Zero motion, gripper kept where it is."""
        return cls(gripper=gripper)
