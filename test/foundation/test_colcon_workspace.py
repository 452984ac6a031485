"""The package builds the way a ROS 2 user builds it: `colcon build` in a workspace.

This machine has only the ROS 2 core wheels (no apt ROS), so the workspace overlays the
.venv prefix; on Humble/Jazzy/Kilted the same CMakeLists.txt overlays /opt/ros/<distro>.
What this checks: the ament_cmake package configures, generates the messages, installs the
Python modules beside them, the node executables where `ros2 run` looks, and launch/config/urdf
where `ros2 launch` and FindPackageShare look.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    workspace = tmp_path_factory.mktemp("ws")
    source = workspace / "src" / "rt2_ros"
    tracked = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True)
    files = tracked.stdout.split() if tracked.returncode == 0 else []
    if not files:
        pytest.skip("not a git checkout: cannot tell the package's files")
    for name in files:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    environment = dict(os.environ, AMENT_PREFIX_PATH=str(VENV), CMAKE_PREFIX_PATH=str(VENV))
    environment["PATH"] = f"{VENV / 'bin'}:{environment['PATH']}"
    result = subprocess.run(
        [str(VENV / "bin" / "colcon"), "build", "--event-handlers", "console_direct-"],
        cwd=workspace,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return workspace / "install" / "rt2_ros"


def test_executables_where_ros2_run_looks(workspace):
    for name in ("policy_node", "safety_node", "arm_controller_node", "sim_node"):
        executable = workspace / "lib" / "rt2_ros" / name
        assert executable.is_file() and os.access(executable, os.X_OK), executable
        assert f"rt2_ros.nodes.{name}" in executable.read_text()


def test_share_holds_launch_config_urdf_and_index(workspace):
    share = workspace / "share"
    assert (share / "ament_index" / "resource_index" / "packages" / "rt2_ros").exists()
    assert (share / "rt2_ros" / "package.xml").exists()
    for folder in ("launch", "config", "urdf"):
        assert (share / "rt2_ros" / folder).is_dir(), folder


def test_install_space_serves_modules_and_messages_together(workspace):
    site_packages = next(workspace.glob("lib/python3*/site-packages"))
    probe = (
        "import rt2_ros, rt2_ros.geometry; from rt2_ros.msg import EndEffectorDelta, ActionTokens, SafetyStatus; "
        "print(rt2_ros.__file__); print(rt2_ros.geometry.__file__); print(EndEffectorDelta.__module__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=dict(os.environ, PYTHONPATH=str(site_packages)),
        cwd=workspace,  # not the checkout: `python -c` puts the working directory first on sys.path
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    package_file, module_file, _ = result.stdout.split()
    assert package_file.startswith(str(site_packages)), package_file
    assert module_file.startswith(str(site_packages)), module_file
