"""The builtin arm backend: IK from the URDF → one-point JointTrajectory + gripper command.

It drives the same controllers a ros2_control arm exposes (and sim_node imitates): a
joint_trajectory_controller on /arm_controller/joint_trajectory, and the gripper through
control/gripper.py (by default a forward_command_controller for the left finger on
/gripper_controller/commands). The arithmetic is in delta_to_joints.py.
"""

from collections.abc import Sequence

import numpy as np
from builtin_interfaces.msg import Duration
from rclpy.node import Node
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

from rt2_ros.actions.action import Action
from rt2_ros.control.base import ArmBackend
from rt2_ros.control.delta_to_joints import DeltaToJoints, JointTarget, unreachable_reason
from rt2_ros.control.gripper import Gripper
from rt2_ros.control.settings import ArmSettings
from rt2_ros.robot.description import urdf_xml
from rt2_ros.robot.kinematics import ArmKinematics
from rt2_ros.ros.qos import ACTION

TRAJECTORY_TOPIC = "/arm_controller/joint_trajectory"
LOG_THROTTLE = 2.0  # s between repeats of the same warning


def duration_message(seconds: float) -> Duration:
    whole, nanoseconds = divmod(round(seconds * 1e9), 10**9)
    return Duration(sec=whole, nanosec=nanoseconds)


def trajectory_message(joint_names: Sequence[str], target: JointTarget) -> JointTrajectory:
    """One point reached at time_from_start with zero velocity; stamp zero = start now."""
    point = JointTrajectoryPoint(
        positions=[float(value) for value in target.positions],
        velocities=[0.0] * len(joint_names),
        time_from_start=duration_message(target.duration),
    )
    return JointTrajectory(joint_names=list(joint_names), points=[point])


class BuiltinBackend(ArmBackend):
    def __init__(self, node: Node, settings: ArmSettings) -> None:
        self._node = node
        self._settings = settings
        kinematics = ArmKinematics(urdf_xml("mujoco"), settings.base_frame, settings.ee_frame)
        self._kinematics = kinematics
        self._controller = DeltaToJoints(kinematics, settings)
        self._gripper = Gripper(node, settings)
        # Reliable (ACTION profile): a lost trajectory is a lost step.
        self._trajectory_publisher = node.create_publisher(JointTrajectory, TRAJECTORY_TOPIC, ACTION)

    def observe_joint_state(self, names: Sequence[str], positions: Sequence[float]) -> None:
        self._controller.observe(names, positions)

    def current_pose(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self._controller.current_pose()

    def apply(self, action: Action) -> None:
        target = self._controller.step(action.translation, action.rotation)  # ArmStateUnknown before any state
        if target is not None:
            if not target.reached:
                self._node.get_logger().warning(
                    unreachable_reason(self._kinematics, target), throttle_duration_sec=LOG_THROTTLE
                )
            self._trajectory_publisher.publish(trajectory_message(self._settings.arm_joints, target))
        self._gripper.command(action.gripper)

    def hold(self) -> None:
        self._trajectory_publisher.publish(trajectory_message(self._settings.arm_joints, self._controller.hold()))
