"""Follow joint trajectories the way ros2_control's joint_trajectory_controller does, without ROS.

A trajectory (joint names + points with positions and time_from_start) is checked as a whole
and refused with a `TrajectoryError` naming the problem: unknown, missing or repeated joint
names, non-finite or out-of-limit positions, times that do not increase. An accepted one
replaces the active trajectory at once; it starts from the current setpoint at its arrival
(a first point at time 0 jumps, as in the controller) and positions are interpolated linearly
in time between points; after the last point its positions are held.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


class TrajectoryError(ValueError):
    """A trajectory the arm must not follow; the message says why."""


@dataclass(frozen=True)
class JointLimits:
    names: tuple[str, ...]  # the controller's joints, in setpoint order
    lower: np.ndarray  # (J,) radians or metres
    upper: np.ndarray  # (J,)

    def __post_init__(self) -> None:
        if not (len(self.names) == len(self.lower) == len(self.upper)):
            raise ValueError("joint limits need one lower and one upper bound per joint name")


@dataclass(frozen=True)
class Trajectory:
    start_time: float  # seconds (sim clock) at which it was accepted
    times: np.ndarray  # (N + 1,) seconds from start_time; times[0] = 0 is the setpoint at arrival
    positions: np.ndarray  # (N + 1, J) in JointLimits.names order

    def sample(self, time: float) -> np.ndarray:
        """(J,) setpoint at absolute `time`: linear between the points around it, clamped at both ends."""
        elapsed = time - self.start_time
        after = int(np.searchsorted(self.times, elapsed, side="right"))
        if after == 0:
            return self.positions[0].copy()
        if after == len(self.times):
            return self.positions[-1].copy()
        before = after - 1
        fraction = (elapsed - self.times[before]) / (self.times[after] - self.times[before])
        return self.positions[before] + fraction * (self.positions[after] - self.positions[before])

    def finished(self, time: float) -> bool:
        return time - self.start_time >= self.times[-1]


def check_trajectory(
    limits: JointLimits,
    joint_names: Sequence[str],
    positions: Sequence[Sequence[float]],
    times_from_start: Sequence[float],
    tolerance: float = 1e-6,
) -> tuple[np.ndarray, np.ndarray]:
    """(times (N,), positions (N, J) in limits.names order) of a valid trajectory; TrajectoryError otherwise."""
    names = list(joint_names)
    unknown = sorted(set(names) - set(limits.names))
    if unknown:
        raise TrajectoryError(f"unknown joint names {unknown}; this arm has {list(limits.names)}")
    missing = [name for name in limits.names if name not in names]
    if missing:
        raise TrajectoryError(f"joint names {missing} are missing; give all of {list(limits.names)}")
    if len(set(names)) != len(names):
        raise TrajectoryError(f"repeated joint names in {names}")
    if not positions:
        raise TrajectoryError("a trajectory without points")
    if any(len(point) != len(names) for point in positions):
        raise TrajectoryError(f"every point needs {len(names)} positions, one per joint name")
    order = [names.index(name) for name in limits.names]
    table = np.asarray(positions, dtype=float)[:, order]  # (N, J)
    times = np.asarray(times_from_start, dtype=float)  # (N,)
    if not np.all(np.isfinite(table)):
        raise TrajectoryError("non-finite (NaN or inf) joint position in the trajectory")
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise TrajectoryError(f"time_from_start must be finite and >= 0; got {times.tolist()}")
    if np.any(np.diff(times) <= 0):
        raise TrajectoryError(f"time_from_start must strictly increase; got {times.tolist()}")
    below = table < limits.lower - tolerance
    above = table > limits.upper + tolerance
    if np.any(below | above):
        point, joint = np.argwhere(below | above)[0]
        raise TrajectoryError(
            f"{limits.names[joint]} = {table[point, joint]:.4f} at point {point} is outside its limits "
            f"[{limits.lower[joint]:.4f}, {limits.upper[joint]:.4f}]"
        )
    return times, table


def start_trajectory(now: float, setpoint: np.ndarray, times: np.ndarray, positions: np.ndarray) -> Trajectory:
    """The accepted trajectory, beginning at the current `setpoint` (J,) at time `now`."""
    if times[0] == 0.0:  # the controller jumps to a point due now
        return Trajectory(now, times, positions)
    return Trajectory(now, np.concatenate([[0.0], times]), np.vstack([setpoint, positions]))
