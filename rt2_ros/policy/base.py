"""The interface every policy backend implements, and what flows through it."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

from rt2_ros.actions.action import Action


@dataclass
class Proprio:
    """What the arm knows of itself: /rt2/ee_pose and the gripper's joint in /joint_states (no ground truth)."""

    ee_position: np.ndarray  # (3,) m, base frame
    ee_quaternion: np.ndarray  # (4,) [x, y, z, w]
    gripper: float  # measured closure, 0 open .. 1 closed


@dataclass
class Observation:
    image: np.ndarray  # (H, W, 3) uint8 RGB, the camera frame as received
    instruction: str  # the current language command
    stamp: float  # seconds, capture time of the image (header.stamp)
    # Ground truth from the simulator (/sim/privileged_state), only for backends that ask for
    # it (the scripted expert); None everywhere else.
    privileged_state: dict[str, Any] | None = None
    # The arm's own state, for backends that ask for it (the tiny VLA); None until both have arrived.
    proprio: Proprio | None = None


# policy_node's default min_confidence (and `rt2-ros eval`'s): the highest threshold that cost the shipped tiny VLA
# nothing on its normal categories in docs/faults.md's sweep.
DEFAULT_MIN_CONFIDENCE = 0.7


@dataclass
class PolicyStep:
    tokens: list[int]  # raw action tokens in model output order
    action: Action  # what they decode to
    # Backends that know them: the probability the model gave each token, and where its pointers look, (R, G, G)
    # distributions over the cells of its feature map (the tiny VLA: object and target). None elsewhere.
    token_probabilities: list[float] | None = None
    pointers: np.ndarray | None = None
    # How sure the backend is of this step, 0..1 (backends that can say; None elsewhere): policy_node does not act
    # below its min_confidence.
    confidence: float | None = None
    doubt: str = ""  # why the confidence is low, when the backend can say ("" otherwise)


class Policy(ABC):
    """A closed-loop policy: reset() at each new command, then act() once per control step."""

    #: the tokenizer scheme of `PolicyStep.tokens` ('rt2' or 'openvla'), for ActionTokens.scheme
    token_scheme: str = "rt2"
    #: True for backends that read Observation.privileged_state (sim only)
    needs_privileged_state: bool = False
    #: True for backends that read Observation.proprio (/rt2/ee_pose and /joint_states)
    needs_proprio: bool = False
    #: backends whose steps carry PolicyStep.pointers: the roles of the maps, and the frame region they cover
    #: (top, left, height, width as fractions of the frame)
    pointer_roles: tuple[str, ...] = ()
    pointer_crop: tuple[float, float, float, float] | None = None

    def reset(self) -> None:  # noqa: B027 - stateless backends need nothing
        """Start a new episode (a new command): forget any per-episode state."""

    @abstractmethod
    def act(self, observation: Observation) -> PolicyStep:
        """One control step. Raises on failure; never returns a non-finite action silently."""
