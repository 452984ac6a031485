"""What differs between ROS 2 distributions in the MoveIt and ros2_control interfaces rt2_ros drives.

MoveIt Servo was rewritten after Humble: Humble runs `servo_node_main` and is started with the
`~/start_servo` service (std_srvs/Trigger); Iron, Jazzy and later run `servo_node`, which is live from
the start but must be told which command type to follow with `~/switch_command_type`
(moveit_msgs/srv/ServoCommandType). MoveItPy.execute changed too: Humble takes
`execute(group_name, trajectory, blocking)`, later ones `execute(trajectory, controllers)`.
The distribution comes from ROS_DISTRO, which every ROS 2 setup script exports.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass

# Distributions with the pre-rewrite Servo and MoveItPy API (older ones have no moveit_py at all).
LEGACY_DISTROS = ("humble",)
# What an unset ROS_DISTRO (a plain venv, like this repository's tests) is taken to be: the current API.
DEFAULT_DISTRO = "jazzy"


@dataclass(frozen=True)
class DistroInterfaces:
    distro: str  # ROS_DISTRO value, lower case
    servo_executable: str  # moveit_servo executable that runs Servo as its own node
    servo_start_service: str  # service (relative to the Servo node) that makes Servo follow twists
    moveit_py_execute_takes_group: bool  # Humble: execute(group_name, trajectory, blocking)

    @property
    def legacy(self) -> bool:
        return self.distro in LEGACY_DISTROS

    def apt_package(self, name: str) -> str:
        """Debian package name of ROS package `name` on this distribution (ros-jazzy-moveit-py)."""
        return f"ros-{self.distro}-{name.replace('_', '-')}"


def distro_interfaces(environment: Mapping[str, str] | None = None) -> DistroInterfaces:
    """The interfaces of the distribution named by ROS_DISTRO (DEFAULT_DISTRO when unset)."""
    environment = os.environ if environment is None else environment
    distro = environment.get("ROS_DISTRO", "").strip().lower() or DEFAULT_DISTRO
    if distro in LEGACY_DISTROS:
        return DistroInterfaces(distro, "servo_node_main", "start_servo", moveit_py_execute_takes_group=True)
    return DistroInterfaces(distro, "servo_node", "switch_command_type", moveit_py_execute_takes_group=False)
