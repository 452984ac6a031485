"""What arm_controller_node hands every backend besides itself: `Backend(node, settings)`.

The node declares the parameters (see arm_controller_node) and builds one `ArmSettings`; each
backend takes what it needs (frames and control period for all; joint names, velocity scale and
tracking tolerances for the builtin IK; the node itself for publishers, clients and any
backend-specific parameters). rclpy-free.
"""

from dataclasses import dataclass

from rt2_ros.robot.description import ARM_JOINTS, BASE_FRAME, EE_FRAME, GRIPPER_JOINT


@dataclass(frozen=True)
class ArmSettings:
    base_frame: str = BASE_FRAME  # frame of the deltas and of /rt2/ee_pose
    ee_frame: str = EE_FRAME  # the frame the deltas move (tool centre point)
    control_period: float = 0.2  # s, the policy's step (1 / control rate): the shortest time one delta takes
    arm_joints: tuple[str, ...] = ARM_JOINTS  # commanded joints, in trajectory order
    gripper_joint: str = GRIPPER_JOINT  # the one commanded finger joint (the other mimics it)
    velocity_scale: float = 0.5  # fraction of the URDF joint velocity limits a step may use
    tracking_translation: float = 0.05  # m; within this of the last target the next delta adds to that target
    tracking_rotation: float = 0.25  # rad; the same for orientation (see control/delta_to_joints.py)
    ee_pose_rate: float = 50.0  # Hz, most /rt2/ee_pose messages per second

    def __post_init__(self) -> None:
        if not self.base_frame or not self.ee_frame:
            raise ValueError(f"base_frame and ee_frame must be named; got {self.base_frame!r}, {self.ee_frame!r}")
        if self.base_frame == self.ee_frame:
            raise ValueError(f"base_frame and ee_frame must differ; both are {self.base_frame!r}")
        if not self.control_period > 0:
            raise ValueError(f"control_period must be > 0 s; got {self.control_period}")
        if not self.arm_joints or len(set(self.arm_joints)) != len(self.arm_joints):
            raise ValueError(f"arm_joints must be distinct names; got {list(self.arm_joints)}")
        if not 0 < self.velocity_scale <= 1:
            raise ValueError(f"velocity_scale must be in (0, 1]; got {self.velocity_scale}")
        if not (self.tracking_translation > 0 and self.tracking_rotation > 0):
            raise ValueError(
                f"tracking_translation and tracking_rotation must be > 0; got "
                f"{self.tracking_translation}, {self.tracking_rotation}"
            )
        if not self.ee_pose_rate > 0:
            raise ValueError(f"ee_pose_rate must be > 0 Hz; got {self.ee_pose_rate}")
