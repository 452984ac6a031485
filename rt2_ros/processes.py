"""Start rt2_ros nodes as their own processes (demo, tests, benchmarks) without launch_ros.

On a full ROS 2 install the launch files in launch/ do this; here a node runs as
`python -m rt2_ros.nodes.<name>` with its parameters in a temporary yaml file, in an
environment that keeps DDS on loopback (see local_dds).
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from rt2_ros.local_dds import loopback_environment

NODE_NAMES = ("policy_node", "safety_node", "arm_controller_node", "sim_node", "overlay_node", "console_node")


class NodeProcess:
    """One node in its own process; a context manager that always stops it."""

    def __init__(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        environment: dict[str, str] | None = None,
        log_path: Path | None = None,
        extra_ros_args: list[str] | None = None,
        module: str | None = None,
    ) -> None:
        """`module`: run this module instead of rt2_ros.nodes.<name> (the benchmarks' baseline nodes)."""
        if module is None and name not in NODE_NAMES:
            raise ValueError(f"unknown node {name!r}; expected one of {NODE_NAMES}")
        self.name = name
        self.module = module or f"rt2_ros.nodes.{name}"
        self.parameters = dict(parameters or {})
        if environment is None:
            # Same domain as this process (tests and the demo set one with use_loopback), so the
            # node hears its peers; a random one only when none is set.
            current_domain = os.environ.get("ROS_DOMAIN_ID", "")
            environment = loopback_environment(int(current_domain) if current_domain.isdigit() else None)
        self.environment = environment
        self._own_log = log_path is None
        self.log_path = log_path or Path(tempfile.mkstemp(prefix=f"rt2_{name}_", suffix=".log")[1])
        self.extra_ros_args = list(extra_ros_args or [])
        self._process: subprocess.Popen | None = None
        self._params_file: Path | None = None

    def command(self) -> list[str]:
        command = [sys.executable, "-u", "-m", self.module, "--ros-args"]
        if self.parameters:
            handle, path = tempfile.mkstemp(prefix=f"rt2_{self.name}_", suffix=".yaml")
            with os.fdopen(handle, "w") as stream:
                yaml.safe_dump({"/**": {"ros__parameters": self.parameters}}, stream)
            self._params_file = Path(path)
            command += ["--params-file", path]
        return command + self.extra_ros_args

    def start(self) -> "NodeProcess":
        log = open(self.log_path, "wb")  # noqa: SIM115 - handed to the child, closed in stop()
        self._log = log
        self._process = subprocess.Popen(
            self.command(), env=self.environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def wait(self, timeout: float) -> int | None:
        """Wait up to `timeout` s for the process to end by itself; its exit code or None."""
        assert self._process is not None
        try:
            return self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGINT (a clean rclpy shutdown), then SIGKILL after `timeout` s."""
        if self._process is None:
            return None
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGINT)
            deadline = time.monotonic() + timeout
            while self._process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if self._process.poll() is None:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._log.close()
        if self._params_file is not None:
            self._params_file.unlink(missing_ok=True)
        return self._process.returncode

    def __enter__(self) -> "NodeProcess":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        if self._own_log and exc_info[0] is None:
            self.log_path.unlink(missing_ok=True)
