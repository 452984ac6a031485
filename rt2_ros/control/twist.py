"""End-effector deltas as MoveIt Servo twists, and when to (re)send them. No rclpy here.

A policy step is a pose delta meant to be reached within one control period. MoveIt Servo follows
velocities (`command_in_type: speed_units`: m/s and rad/s), and it halts when no command has arrived
for `incoming_command_timeout`. So each delta becomes a constant twist held for a motion window:
linear = dp / T, angular = θ / T (θ the rotation vector of R(droll, dpitch, dyaw), about base-frame
axes through the end effector, matching `geometry.apply_delta`). When that would exceed Servo's
speed limits (`scale.linear`, `scale.rotational`) the window T is stretched instead, so the full,
already safety-checked delta is still travelled, only slower. The twist is re-sent every
`publish_period` (well inside Servo's timeout) until the window ends; the message covering the end of
the window is scaled by the fraction of its period still inside the window, so the sum of
twist × publish_period is exactly the delta. After the window a few zero twists make Servo halt
(messages can be lost), then nothing is sent until the next action.
"""

from dataclasses import dataclass, field

import numpy as np

from rt2_ros.geometry import quaternion_from_rpy


@dataclass(frozen=True)
class StreamConfig:
    control_period: float  # s, time one policy delta should take (1 / the policy's control rate)
    publish_period: float  # s, interval between twist messages to Servo
    incoming_command_timeout: float  # s, Servo's: it halts when no command arrived for this long
    max_linear_speed: float  # m/s, Servo's scale.linear in speed_units
    max_angular_speed: float  # rad/s, Servo's scale.rotational in speed_units
    halt_messages: int = 4  # zero twists sent after a window ends or on hold (a lost one must not matter)

    def __post_init__(self) -> None:
        for name in ("control_period", "publish_period", "incoming_command_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0 s; got {getattr(self, name)}")
        for name in ("max_linear_speed", "max_angular_speed"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0; got {getattr(self, name)}")
        # Two messages per timeout: losing one still does not let Servo time out mid-motion.
        if not self.publish_period <= self.incoming_command_timeout / 2:
            raise ValueError(
                f"publish_period {self.publish_period} s must be at most half of Servo's incoming_command_timeout "
                f"{self.incoming_command_timeout} s, or Servo halts between twist messages"
            )
        if self.halt_messages < 1:
            raise ValueError(f"halt_messages must be >= 1; got {self.halt_messages}")


@dataclass(frozen=True)
class Twist:
    linear: np.ndarray = field(default_factory=lambda: np.zeros(3))  # (3,) m/s, base frame
    angular: np.ndarray = field(default_factory=lambda: np.zeros(3))  # (3,) rad/s, base-frame axes

    def scaled(self, factor: float) -> "Twist":
        return Twist(self.linear * factor, self.angular * factor)

    def is_zero(self) -> bool:
        return not (np.any(self.linear) or np.any(self.angular))


def rotation_vector(rotation_rpy: np.ndarray) -> np.ndarray:
    """(3,) axis × angle of the rotation R(roll, pitch, yaw) ('sxyz'), angle in [0, π]."""
    x, y, z, w = quaternion_from_rpy(*np.asarray(rotation_rpy, dtype=float))
    vector = np.array([x, y, z])
    sine = np.linalg.norm(vector)
    if sine < 1e-12:
        return 2.0 * vector  # small-angle limit
    if w < 0:  # the same rotation, the short way round
        vector, w = -vector, -w
    return vector / sine * 2.0 * np.arctan2(sine, w)


def twist_for_delta(translation: np.ndarray, rotation_rpy: np.ndarray, config: StreamConfig) -> tuple[Twist, float]:
    """(twist, window in s) that moves the end effector by the delta within the speed limits."""
    translation = np.asarray(translation, dtype=float).reshape(3)
    angular_step = rotation_vector(rotation_rpy)
    window = max(
        config.control_period,
        float(np.linalg.norm(translation)) / config.max_linear_speed,
        float(np.linalg.norm(angular_step)) / config.max_angular_speed,
    )
    return Twist(translation / window, angular_step / window), window


class TwistStream:
    """Decides, at each publish tick, which twist to send to Servo (None: send nothing)."""

    def __init__(self, config: StreamConfig) -> None:
        self.config = config
        self._twist = Twist()
        self._window_end = -np.inf  # s, clock time the current motion window ends
        self._halts_left = 0

    def command(self, twist: Twist, window: float, now: float) -> None:
        """Start moving with `twist` for `window` s from `now` (replaces any motion in progress)."""
        self._twist = twist
        self._window_end = now + window
        self._halts_left = self.config.halt_messages

    def hold(self) -> None:
        """Stop at once: the next ticks send zero twists."""
        self._window_end = -np.inf
        self._halts_left = self.config.halt_messages

    def moving(self, now: float) -> bool:
        return now < self._window_end

    def tick(self, now: float) -> Twist | None:
        """The twist to send at `now`, assuming it stays in force for one publish period."""
        remaining = self._window_end - now
        if remaining > 0:
            return self._twist.scaled(min(1.0, remaining / self.config.publish_period))
        if self._halts_left > 0:
            self._halts_left -= 1
            return Twist()
        return None
