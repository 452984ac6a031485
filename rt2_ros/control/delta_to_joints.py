"""Safe end-effector deltas → joint targets for a joint trajectory controller. No rclpy here.

Each delta moves the end effector from a base pose: target = base ⊕ delta (base frame, as in
`geometry.apply_delta`). Which base? The measured pose alone loses motion while the arm is
still travelling towards the previous target (a policy at a few Hz sends the next delta before
the last one is finished, and the steps would shrink); the last commanded target alone winds up
when the arm cannot follow (blocked by an object, or a target out of reach), and the arm would
jump once it is free. So: while the measured pose is within `tracking_translation` /
`tracking_rotation` of the last commanded target, the delta adds to that target; otherwise it
adds to the measured pose (re-anchoring). Windup is bounded by the tolerance, and a steady
stream of deltas is followed exactly.

IK starts from the last commanded joints (or the measured ones after re-anchoring), so the arm
stays on one branch. An unreachable target gives the closest configuration within the joint
limits; the commanded target then becomes the pose actually reachable (its forward kinematics),
so nothing accumulates at the edge of the reach either.

Timing: the trajectory point's time_from_start is the slowest joint's |Δq| / v_max (the URDF
velocity limit × velocity_scale), and at least one control period.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rt2_ros.control.settings import ArmSettings
from rt2_ros.geometry import apply_delta
from rt2_ros.robot.kinematics import ArmKinematics, IkOptions, IkResult


class ArmStateUnknown(RuntimeError):
    """No joint state of the arm has been received yet, so no delta can be applied."""


@dataclass(frozen=True)
class JointTarget:
    positions: np.ndarray  # (n,) joint positions in ArmSettings.arm_joints order
    duration: float  # s, time_from_start of the trajectory point
    target_position: np.ndarray  # (3,) m, end-effector position asked for (base frame)
    target_quaternion: np.ndarray  # (4,) [x, y, z, w] asked for
    ik: IkResult | None  # None for a hold (no IK solved)

    @property
    def reached(self) -> bool:
        return self.ik is None or self.ik.converged


def step_duration(start: np.ndarray, goal: np.ndarray, velocity_limits: np.ndarray, minimum: float) -> float:
    """Seconds for the move start → goal (n,) when no joint exceeds its velocity limit (n,)."""
    joint_times = np.abs(np.asarray(goal, dtype=float) - np.asarray(start, dtype=float)) / velocity_limits
    return max(float(np.max(joint_times)), minimum)


def finger_position(gripper: float, lower: float, upper: float) -> float:
    """The commanded finger joint position for a gripper target 0 (open) .. 1 (closed), clamped."""
    return lower + float(np.clip(gripper, 0.0, 1.0)) * (upper - lower)


def rotation_angle(quaternion_a: np.ndarray, quaternion_b: np.ndarray) -> float:
    """Angle in [0, π] of the rotation between two orientations [x, y, z, w]."""
    a = np.asarray(quaternion_a, dtype=float) / np.linalg.norm(quaternion_a)
    b = np.asarray(quaternion_b, dtype=float) / np.linalg.norm(quaternion_b)
    return 2.0 * float(np.arccos(np.clip(abs(np.dot(a, b)), 0.0, 1.0)))


def unreachable_reason(kinematics: ArmKinematics, target: JointTarget) -> str:
    """Why IK missed `target`: distance left and the joints stopped at a limit."""
    assert target.ik is not None
    limits = kinematics.limits
    at_limit = [
        name
        for name, value, lower, upper in zip(limits.names, target.positions, limits.lower, limits.upper, strict=True)
        if value <= lower + 1e-6 or value >= upper - 1e-6
    ]
    return (
        f"target position {np.round(target.target_position, 3).tolist()} m is out of reach: the closest pose "
        f"is {target.ik.position_error * 1000:.1f} mm and {target.ik.rotation_error:.3f} rad away"
        + (f" (joints at their limits: {', '.join(at_limit)})" if at_limit else " (workspace boundary)")
    )


class DeltaToJoints:
    """Keeps the measured and the commanded arm state; turns each delta into a JointTarget."""

    def __init__(self, kinematics: ArmKinematics, settings: ArmSettings, ik_options: IkOptions | None = None) -> None:
        if tuple(settings.arm_joints) != kinematics.joint_names:
            urdf_joints = list(kinematics.joint_names)
            raise ValueError(f"arm_joints {list(settings.arm_joints)} differ from the URDF's arm joints {urdf_joints}")
        self.kinematics = kinematics
        self.settings = settings
        self.ik_options = ik_options or IkOptions()
        self.velocity_limits = kinematics.limits.velocity * settings.velocity_scale  # (n,)
        self._joint_names = tuple(settings.arm_joints)
        self._measured: np.ndarray | None = None  # (n,)
        self._commanded: np.ndarray | None = None  # (n,) joints of the last commanded target
        self._commanded_pose: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def measured(self) -> np.ndarray | None:
        return None if self._measured is None else self._measured.copy()

    def observe(self, names: Sequence[str], positions: Sequence[float]) -> None:
        """Take a joint state message's arm joints (any order, extra joints ignored).

        Raises ValueError when an arm joint is missing or a position is not finite; the last
        good state is kept.
        """
        if len(names) != len(positions):
            raise ValueError(f"joint state has {len(names)} names but {len(positions)} positions")
        by_name = dict(zip(names, positions, strict=True))
        missing = [name for name in self._joint_names if name not in by_name]
        if missing:
            raise ValueError(f"joint state lacks arm joints {missing}")
        measured = np.array([by_name[name] for name in self._joint_names], dtype=float)
        if not np.all(np.isfinite(measured)):
            raise ValueError(f"joint state has non-finite arm positions {measured.tolist()}")
        self._measured = measured

    def current_pose(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Measured (position (3,), quaternion [x, y, z, w]) of the end effector, None before any state."""
        return None if self._measured is None else self.kinematics.forward(self._measured)

    def _require_measured(self) -> np.ndarray:
        if self._measured is None:
            raise ArmStateUnknown("no /joint_states with the arm joints received yet; the delta is refused")
        return self._measured

    def _anchor(self, measured: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
        """(base pose, IK seed): the last target while the arm is tracking it, else the measured state."""
        measured_pose = self.kinematics.forward(measured)
        if self._commanded_pose is not None and self._commanded is not None:
            position, quaternion = self._commanded_pose
            translation_gap = float(np.linalg.norm(position - measured_pose[0]))
            rotation_gap = rotation_angle(measured_pose[1], quaternion)
            if (
                translation_gap <= self.settings.tracking_translation
                and rotation_gap <= self.settings.tracking_rotation
            ):
                return self._commanded_pose, self._commanded
        return measured_pose, measured

    def step(self, translation: np.ndarray, rotation_rpy: np.ndarray) -> JointTarget | None:
        """The joint target for one delta; None for a zero delta (keep going where the arm goes)."""
        translation = np.asarray(translation, dtype=float).reshape(3)
        rotation_rpy = np.asarray(rotation_rpy, dtype=float).reshape(3)
        if not (np.all(np.isfinite(translation)) and np.all(np.isfinite(rotation_rpy))):
            raise ValueError(f"non-finite delta {translation.tolist()} {rotation_rpy.tolist()} refused")
        measured = self._require_measured()
        if not np.any(translation) and not np.any(rotation_rpy):
            return None
        (base_position, base_quaternion), seed = self._anchor(measured)
        target_position, target_quaternion = apply_delta(base_position, base_quaternion, translation, rotation_rpy)
        ik = self.kinematics.inverse(target_position, target_quaternion, seed, self.ik_options)
        # What the arm will reach: the target itself, or the closest reachable pose.
        self._commanded_pose = (
            (target_position, target_quaternion) if ik.converged else self.kinematics.forward(ik.positions)
        )
        self._commanded = ik.positions
        duration = step_duration(measured, ik.positions, self.velocity_limits, self.settings.control_period)
        return JointTarget(ik.positions, duration, target_position, target_quaternion, ik)

    def hold(self) -> JointTarget:
        """Stop where the arm is now: a target at the measured joints; forget the commanded target."""
        measured = self._require_measured()
        self._commanded = None
        self._commanded_pose = None
        position, quaternion = self.kinematics.forward(measured)
        return JointTarget(measured.copy(), self.settings.control_period, position, quaternion, None)
