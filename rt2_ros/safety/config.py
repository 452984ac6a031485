"""The safety gate's limits: one typed, validated configuration (defaults = the documented limits).

The defaults are tight on purpose and suit the project's arm (docs/interfaces.md): a user who
sets nothing gets these limits, never "no limit". A configuration that cannot be meant (min >= max,
a non-positive step, a non-positive timeout) raises a ValueError naming the parameter, so the node
stops at start instead of running with limits that silently do nothing.
"""

import math
from dataclasses import dataclass

# Hard bounds on the parameters themselves: a value past these is a typo (mm vs m, deg vs rad), not
# a configuration. The node declares them as the parameters' ranges.
PARAMETER_BOUNDS: dict[str, tuple[float, float]] = {
    "max_translation_step": (0.0, 0.2),  # m per axis per action
    "max_rotation_step": (0.0, 1.0),  # rad per axis per action
    "workspace_min": (-5.0, 5.0),  # m, each coordinate
    "workspace_max": (-5.0, 5.0),
    "max_action_age": (0.0, 10.0),  # s
    "max_pose_age": (0.0, 10.0),  # s
    "max_future_stamp": (0.0, 1.0),  # s
    "command_timeout": (0.0, 60.0),  # s
    "max_rate": (0.0, 1000.0),  # Hz
}


@dataclass(frozen=True)
class SafetyConfig:
    # Each axis of an action's translation is clamped to ±this (m). 0.05 m is the policy's own
    # per-step action scale, so a well-behaved policy is never clamped.
    max_translation_step: float = 0.05
    # Each axis of an action's rotation (roll, pitch, yaw increments) is wrapped to [-π, π) and then
    # clamped to ±this (rad).
    max_rotation_step: float = 0.25
    # Box in the base frame that the end effector's position may not leave (m): the arm's reach over
    # the table, z = 0.01 m keeps the fingertips off the table surface.
    workspace_min: tuple[float, float, float] = (0.20, -0.40, 0.01)
    workspace_max: tuple[float, float, float] = (0.70, 0.40, 0.50)
    # An action whose header.stamp (the capture time of its camera image) is older than this (s) is
    # rejected: it describes a scene that has moved on.
    max_action_age: float = 1.0
    # A translation is rejected while the newest /rt2/ee_pose is older than this (s, by its header.stamp):
    # the workspace check would judge the motion from where the arm was, not where it is. The arm
    # controller publishes the pose at up to 50 Hz from each joint state, so 0.5 s is many missed poses.
    max_pose_age: float = 0.5
    # An action stamped more than this (s) in the future is rejected: a clock out of sync or a
    # forged stamp, either way its age cannot be trusted.
    max_future_stamp: float = 0.05
    # With no valid action for this long (s), one zero-motion hold action is published.
    command_timeout: float = 1.0
    # Actions arriving faster than this (Hz, measured from the last forwarded one) are rejected.
    # 30 Hz leaves a 20 Hz policy room for jitter and bounds the commanded end-effector speed to
    # max_translation_step * max_rate = 1.5 m/s per axis.
    max_rate: float = 30.0
    # The frame of the workspace box, of /rt2/ee_pose and of the deltas; an action or pose in
    # another (non-empty) frame is not used.
    base_frame: str = "base_link"

    def __post_init__(self) -> None:
        object.__setattr__(self, "workspace_min", tuple(float(v) for v in self.workspace_min))
        object.__setattr__(self, "workspace_max", tuple(float(v) for v in self.workspace_max))
        for name in ("workspace_min", "workspace_max"):
            value = getattr(self, name)
            if len(value) != 3:
                raise ValueError(f"parameter '{name}' has {len(value)} values; expected 3 ([x, y, z] in metres)")
        for name, (low, high) in PARAMETER_BOUNDS.items():
            value = getattr(self, name)
            elements = value if isinstance(value, tuple) else (value,)
            if not all(math.isfinite(v) and low <= v <= high for v in elements):
                raise ValueError(f"parameter '{name}' is {value!r}; must be finite and in [{low}, {high}]")
        for name in (
            "max_translation_step",
            "max_rotation_step",
            "max_action_age",
            "max_pose_age",
            "command_timeout",
            "max_rate",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"parameter '{name}' is {getattr(self, name)!r}; must be > 0")
        for axis, low, high in zip("xyz", self.workspace_min, self.workspace_max, strict=True):
            if low >= high:
                raise ValueError(
                    f"parameter 'workspace_min' ({list(self.workspace_min)}) must be below 'workspace_max' "
                    f"({list(self.workspace_max)}) on every axis; {axis}: {low} >= {high}"
                )
        if self.command_timeout <= 1.0 / self.max_rate:
            raise ValueError(
                f"parameter 'command_timeout' is {self.command_timeout} s; must exceed 1/max_rate = "
                f"{1.0 / self.max_rate:.3g} s, or the watchdog trips between actions sent at the allowed rate"
            )
        if not self.base_frame:
            raise ValueError("parameter 'base_frame' is empty; name the arm's base frame (e.g. 'base_link')")

    @property
    def min_interval(self) -> float:
        """Smallest allowed time between two forwarded actions (s)."""
        return 1.0 / self.max_rate
