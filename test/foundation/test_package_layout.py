"""The installed package is what the README promises: messages, executables, interface names."""

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_message_fields_match_interfaces():
    from rt2_ros.msg import ActionTokens, EndEffectorDelta, SafetyStatus

    assert set(EndEffectorDelta.get_fields_and_field_types()) >= {
        "header",
        "translation",
        "rotation",
        "gripper",
        "terminate",
    }
    assert ActionTokens.get_fields_and_field_types()["tokens"] == "sequence<int32>"
    assert set(SafetyStatus.get_fields_and_field_types()) >= {
        "header",
        "estop_active",
        "watchdog_tripped",
        "forwarded",
        "clamped",
        "rejected",
        "last_reason",
    }
    assert SafetyStatus.get_fields_and_field_types()["forwarded"] == "uint64"


@pytest.mark.parametrize(
    "executable", ["policy_node", "safety_node", "arm_controller_node", "sim_node", "overlay_node", "rt2-ros"]
)
def test_executables_on_path(executable):
    import sys

    assert shutil.which(executable, path=str(Path(sys.executable).parent)), f"{executable} not installed"


def test_package_xml_names_the_package():
    root = ET.parse(ROOT / "package.xml").getroot()
    assert root.findtext("name") == "rt2_ros"
    assert root.find("member_of_group").text == "rosidl_interface_packages"


def test_top_level_layout():
    for name in ("rt2_ros", "launch", "msg", "config", "urdf", "test", "package.xml", "setup.py"):
        assert (ROOT / name).exists(), name
