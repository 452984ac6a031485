"""Forward and inverse kinematics of the arm with pinocchio, from the one URDF.

The gripper fingers are locked (open) in a reduced model, so the model's configuration is
exactly the arm joints joint_1..joint_6 in order. Poses are (position (3,), quaternion
[x, y, z, w]) of a frame in the base frame, as everywhere in rt2_ros.

IK is closed-loop inverse kinematics with damped least squares (Levenberg-Marquardt style):
each iteration takes the 6-D error log6(current⁻¹ · target) in the end-effector frame, solves
(J Jᵀ + λ I) x = e for a joint step, limits the step, and clamps to the joint limits. It
starts from a seed (the arm's current joints), so successive solutions stay on the same
branch and joints do not jump. When the target cannot be reached it returns the best
configuration found (smallest error), flagged as not converged.
"""

from dataclasses import dataclass

import numpy as np
import pinocchio as pin

from rt2_ros.geometry import matrix_from_quaternion, quaternion_from_matrix
from rt2_ros.robot.description import ARM_JOINTS, BASE_FRAME, EE_FRAME, urdf_xml


@dataclass(frozen=True)
class JointLimits:
    names: tuple[str, ...]
    lower: np.ndarray  # (n,) rad or m
    upper: np.ndarray  # (n,)
    velocity: np.ndarray  # (n,) rad/s or m/s
    effort: np.ndarray  # (n,) N m or N


@dataclass(frozen=True)
class IkResult:
    positions: np.ndarray  # (n,) joint positions, within the limits
    converged: bool  # both errors within tolerance
    position_error: float  # m, distance between reached and target position
    rotation_error: float  # rad, angle between reached and target orientation
    iterations: int


@dataclass(frozen=True)
class IkOptions:
    max_iterations: int = 100
    position_tolerance: float = 1e-4  # m
    rotation_tolerance: float = 1e-3  # rad
    damping: float = 1e-4  # λ of the damped least squares, keeps steps bounded near singularities
    max_step: float = 0.3  # rad, largest joint change per iteration (keeps the linearisation valid)

    def __post_init__(self) -> None:
        if self.max_iterations < 1:
            raise ValueError(f"max_iterations must be >= 1; got {self.max_iterations}")
        for name in ("position_tolerance", "rotation_tolerance", "damping", "max_step"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0; got {getattr(self, name)}")


def _limits(model: pin.Model, names: tuple[str, ...]) -> JointLimits:
    indices = [model.joints[model.getJointId(name)].idx_q for name in names]
    return JointLimits(
        names=names,
        lower=model.lowerPositionLimit[indices].copy(),
        upper=model.upperPositionLimit[indices].copy(),
        velocity=model.velocityLimit[indices].copy(),
        effort=model.effortLimit[indices].copy(),
    )


class ArmKinematics:
    """FK/IK of `ee_frame` relative to `base_frame` over the arm joints of a URDF."""

    def __init__(self, urdf: str | None = None, base_frame: str = BASE_FRAME, ee_frame: str = EE_FRAME) -> None:
        full_model = pin.buildModelFromXML(urdf if urdf is not None else urdf_xml("mujoco"))
        missing = [name for name in ARM_JOINTS if not full_model.existJointName(name)]
        if missing:
            raise ValueError(f"the URDF lacks arm joints {missing}")
        for frame in (base_frame, ee_frame):
            if not full_model.existFrame(frame):
                raise ValueError(f"frame {frame!r} is not in the URDF")
        # Lock every joint that is not an arm joint (the fingers) at its neutral (open) position.
        locked = [joint_id for joint_id in range(1, full_model.njoints) if full_model.names[joint_id] not in ARM_JOINTS]
        self.model = pin.buildReducedModel(full_model, locked, pin.neutral(full_model))
        self.data = self.model.createData()
        self.joint_names = tuple(self.model.names[1:])
        if self.joint_names != ARM_JOINTS or self.model.nq != len(ARM_JOINTS):
            raise ValueError(f"expected revolute arm joints {ARM_JOINTS}; the model has {self.joint_names}")
        self._base_id = self.model.getFrameId(base_frame)
        self._ee_id = self.model.getFrameId(ee_frame)
        if self.model.frames[self._base_id].parentJoint != 0:
            raise ValueError(f"base_frame {base_frame!r} moves with the arm; it must be fixed to the base")
        self.base_frame = base_frame
        self.ee_frame = ee_frame
        self.limits = _limits(self.model, self.joint_names)
        self._full_model = full_model

    def full_limits(self, names: tuple[str, ...]) -> JointLimits:
        """Limits of any joints of the URDF, e.g. the gripper finger."""
        return _limits(self._full_model, names)

    def _placement(self, positions: np.ndarray) -> pin.SE3:
        """ee_frame in base_frame at `positions` (n,)."""
        q = np.asarray(positions, dtype=float).reshape(self.model.nq)
        pin.framesForwardKinematics(self.model, self.data, q)
        return self.data.oMf[self._base_id].actInv(self.data.oMf[self._ee_id])

    def forward(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position (3,), quaternion [x, y, z, w]) of ee_frame in base_frame."""
        placement = self._placement(positions)
        return placement.translation.copy(), quaternion_from_matrix(placement.rotation)

    def clamp(self, positions: np.ndarray) -> np.ndarray:
        return np.clip(np.asarray(positions, dtype=float), self.limits.lower, self.limits.upper)

    def inverse(
        self,
        position: np.ndarray,
        quaternion: np.ndarray,
        seed: np.ndarray,
        options: IkOptions = IkOptions(),  # frozen, so one shared default is safe
    ) -> IkResult:
        """Joints that put ee_frame at the target pose, starting from `seed` (n,)."""
        target = pin.SE3(matrix_from_quaternion(quaternion), np.asarray(position, dtype=float).reshape(3))
        q = self.clamp(seed)
        best: IkResult | None = None
        identity = np.eye(6)
        for iteration in range(options.max_iterations + 1):
            current = self._placement(q)
            current_to_target = current.actInv(target)
            error = pin.log6(current_to_target).vector  # (6,) [linear, angular] in the ee frame
            position_error = float(np.linalg.norm(target.translation - current.translation))
            rotation_error = float(np.linalg.norm(error[3:]))
            converged = position_error < options.position_tolerance and rotation_error < options.rotation_tolerance
            if best is None or _cost(position_error, rotation_error) < _cost(best.position_error, best.rotation_error):
                best = IkResult(q.copy(), converged, position_error, rotation_error, iteration)
            if converged or iteration == options.max_iterations:
                break
            # d error / d q = -Jlog6(target⁻¹·current) · J, J the frame Jacobian in the end effector's
            # LOCAL frame; the Gauss-Newton step drives the error to zero along +Jlog6 · J.
            jacobian = pin.computeFrameJacobian(self.model, self.data, q, self._ee_id, pin.LOCAL)  # (6, n)
            jacobian = pin.Jlog6(current_to_target.inverse()) @ jacobian
            step = jacobian.T @ np.linalg.solve(jacobian @ jacobian.T + options.damping * identity, error)  # (n,)
            largest = float(np.max(np.abs(step)))
            if largest > options.max_step:
                step *= options.max_step / largest
            q = self.clamp(q + step)
        assert best is not None
        return IkResult(best.positions, best.converged, best.position_error, best.rotation_error, iteration)


def _cost(position_error: float, rotation_error: float) -> float:
    """Scalar error for picking the best iterate: 1 cm counts like 0.1 rad."""
    return position_error + 0.1 * rotation_error
