"""End-effector pose arithmetic shared by the safety gate, controllers, sim expert and servo.

Conventions (the same as docs/interfaces.md): positions in metres in the arm's base
frame; rotations as roll, pitch, yaw about the base frame's fixed x, y, z axes ('sxyz',
ROS's convention); quaternions in ROS order [x, y, z, w]. A delta is applied in the base
frame: p' = p + dp, R' = R(droll, dpitch, dyaw) @ R.

Uses ROS's tf_transformations when it is importable (a full ROS install) and otherwise
transforms3d, the library tf_transformations wraps. `PinholeCamera` projects base-frame points into
a camera image.
"""

from dataclasses import dataclass

import numpy as np

try:  # pragma: no cover - depends on the install
    import tf_transformations as _tf

    def quaternion_from_rpy(roll: float, pitch: float, yaw: float) -> np.ndarray:
        return np.asarray(_tf.quaternion_from_euler(roll, pitch, yaw, axes="sxyz"), dtype=float)

    def rpy_from_quaternion(quaternion: np.ndarray) -> np.ndarray:
        return np.asarray(_tf.euler_from_quaternion(np.asarray(quaternion, dtype=float), axes="sxyz"))

except ImportError:
    from transforms3d.euler import euler2quat, quat2euler

    def quaternion_from_rpy(roll: float, pitch: float, yaw: float) -> np.ndarray:
        w, x, y, z = euler2quat(roll, pitch, yaw, axes="sxyz")
        return np.array([x, y, z, w])

    def rpy_from_quaternion(quaternion: np.ndarray) -> np.ndarray:
        x, y, z, w = np.asarray(quaternion, dtype=float)
        return np.asarray(quat2euler([w, x, y, z], axes="sxyz"))


def matrix_from_quaternion(quaternion: np.ndarray) -> np.ndarray:
    """3x3 rotation matrix of a unit quaternion [x, y, z, w]."""
    x, y, z, w = np.asarray(quaternion, dtype=float) / np.linalg.norm(quaternion)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def quaternion_from_matrix(matrix: np.ndarray) -> np.ndarray:
    """Unit quaternion [x, y, z, w] (w >= 0) of a 3x3 rotation matrix."""
    m = np.asarray(matrix, dtype=float)
    trace = m[0, 0] + m[1, 1] + m[2, 2]
    if trace > 0:
        s = 2.0 * np.sqrt(trace + 1.0)
        q = np.array([(m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, 0.25 * s])
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k])
        q = np.empty(4)
        q[i] = 0.25 * s
        q[j] = (m[j, i] + m[i, j]) / s
        q[k] = (m[k, i] + m[i, k]) / s
        q[3] = (m[k, j] - m[j, k]) / s
    q /= np.linalg.norm(q)
    return q if q[3] >= 0 else -q


def matrix_from_rpy(rpy: np.ndarray) -> np.ndarray:
    return matrix_from_quaternion(quaternion_from_rpy(*np.asarray(rpy, dtype=float)))


def apply_delta(
    position: np.ndarray, quaternion: np.ndarray, translation: np.ndarray, rotation_rpy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pose ⊕ delta, both in the base frame: returns (position', quaternion')."""
    new_position = np.asarray(position, dtype=float) + np.asarray(translation, dtype=float)
    new_rotation = matrix_from_rpy(rotation_rpy) @ matrix_from_quaternion(quaternion)
    return new_position, quaternion_from_matrix(new_rotation)


def rotation_delta(from_quaternion: np.ndarray, to_quaternion: np.ndarray) -> np.ndarray:
    """The base-frame roll, pitch, yaw increment that turns `from` into `to` (inverse of apply_delta)."""
    relative = matrix_from_quaternion(to_quaternion) @ matrix_from_quaternion(from_quaternion).T
    return rpy_from_quaternion(quaternion_from_matrix(relative))


def wrap_angle(angle: np.ndarray | float) -> np.ndarray | float:
    """Wrap angles to [-pi, pi)."""
    return (np.asarray(angle) + np.pi) % (2 * np.pi) - np.pi


@dataclass(frozen=True)
class PinholeCamera:
    """A camera's pose in the base frame and its intrinsics, as MuJoCo defines a camera: it looks along
    its -z axis with +y up (rotation's columns are the camera's x, y, z axes in the base frame)."""

    position: tuple[float, float, float]  # m, base frame
    rotation: tuple[tuple[float, ...], ...]  # (3, 3) row-major
    fovy: float  # rad, vertical field of view
    width: int  # px
    height: int  # px

    def project(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) points in the base frame -> (..., 2) pixel coordinates (u right, v down) of the image."""
        in_camera = (np.asarray(points, dtype=float) - np.asarray(self.position)) @ np.asarray(self.rotation)
        depth = np.maximum(-in_camera[..., 2], 1e-6)  # (...,) distance along the viewing axis
        focal = (self.height / 2) / np.tan(self.fovy / 2)
        u = self.width / 2 + focal * in_camera[..., 0] / depth
        v = self.height / 2 - focal * in_camera[..., 1] / depth
        return np.stack([u, v], axis=-1)

    def to_dict(self) -> dict:
        return {"position": list(self.position), "rotation": [list(row) for row in self.rotation],
                "fovy": self.fovy, "width": self.width, "height": self.height}  # fmt: skip

    @classmethod
    def from_dict(cls, values: dict) -> "PinholeCamera":
        return cls(tuple(values["position"]), tuple(tuple(row) for row in values["rotation"]), float(values["fovy"]),
                   int(values["width"]), int(values["height"]))  # fmt: skip
