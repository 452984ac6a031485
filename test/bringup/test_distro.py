"""Humble/Jazzy differences are chosen from ROS_DISTRO."""

import pytest

from rt2_ros.control.distro import DEFAULT_DISTRO, distro_interfaces


def test_humble_uses_the_legacy_servo_and_execute():
    interfaces = distro_interfaces({"ROS_DISTRO": "humble"})
    assert interfaces.legacy
    assert interfaces.servo_executable == "servo_node_main"
    assert interfaces.servo_start_service == "start_servo"
    assert interfaces.moveit_py_execute_takes_group


@pytest.mark.parametrize("distro", ["iron", "jazzy", "kilted", "rolling", "Jazzy "])
def test_later_distros_use_servo_node_and_switch_command_type(distro):
    interfaces = distro_interfaces({"ROS_DISTRO": distro})
    assert not interfaces.legacy
    assert interfaces.servo_executable == "servo_node"
    assert interfaces.servo_start_service == "switch_command_type"
    assert not interfaces.moveit_py_execute_takes_group


def test_unset_ros_distro_means_the_current_api():
    assert distro_interfaces({}).distro == DEFAULT_DISTRO
    assert not distro_interfaces({"ROS_DISTRO": ""}).legacy


def test_apt_package_names_follow_the_distro():
    assert distro_interfaces({"ROS_DISTRO": "humble"}).apt_package("moveit_py") == "ros-humble-moveit-py"
    assert distro_interfaces({"ROS_DISTRO": "jazzy"}).apt_package("control_msgs") == "ros-jazzy-control-msgs"
