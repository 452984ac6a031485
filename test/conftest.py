"""Fixtures shared by the whole suite.

Every test run keeps DDS on loopback with its own ROS_DOMAIN_ID (set before any rclpy
import can initialise a context), so CI, a developer's tests and a running demo never hear
each other, and nothing leaves the machine.
"""

import os
import sys
import tempfile
from collections.abc import Callable, Iterator

import pytest

from rt2_ros.local_dds import use_loopback

# pid-derived so two runs side by side differ; 1..100 (see local_dds).
DOMAIN_ID = use_loopback(1 + os.getpid() % 100)
os.environ.setdefault("MUJOCO_GL", "egl")

# torch.compile's C++ cache, one per ATEN_CPU_CAPABILITY: inductor reuses a precompiled header built for one
# capability under another (measured with torch 2.13: a run with `default` after one with `avx512` failed to
# compile, `'at::vec' has not been declared`; with its own folder it passed).
os.environ.setdefault(
    "TORCHINDUCTOR_CACHE_DIR",
    os.path.join(
        tempfile.gettempdir(), f"torchinductor_rt2_{os.getuid()}_{os.environ.get('ATEN_CPU_CAPABILITY', 'auto')}"
    ),
)


# torch's intra-op threads for every test: fixed, so a test's numbers do not depend on the machine's core count
# (torch's default) or on which test ran before it (the tiny backend sets the process-wide count for
# policy_node). Training tests set theirs from their config (config/train/smoke.yaml).
TEST_TORCH_THREADS = 2


def fix_torch_threads() -> None:
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != TEST_TORCH_THREADS:
        torch.set_num_threads(TEST_TORCH_THREADS)


@pytest.fixture(autouse=True)
def torch_threads() -> Iterator[None]:
    fix_torch_threads()
    yield
    fix_torch_threads()  # a test may be the first to import torch


@pytest.fixture
def ros_node() -> Iterator["object"]:
    """A plain rclpy node in its own context, for talking to nodes under test over DDS."""
    import rclpy
    from rclpy.context import Context

    context = Context()
    rclpy.init(context=context)
    node = rclpy.create_node(f"test_probe_{os.getpid()}", context=context)
    try:
        yield node
    finally:
        node.destroy_node()
        rclpy.shutdown(context=context)


@pytest.fixture
def node_process() -> Iterator[Callable[..., "object"]]:
    """Factory: start an rt2_ros node as its own process; all are stopped at teardown."""
    from rt2_ros.processes import NodeProcess

    started: list[NodeProcess] = []

    def start(name: str, parameters: dict | None = None, **kwargs: object) -> NodeProcess:
        process = NodeProcess(name, parameters, **kwargs).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
