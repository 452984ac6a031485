"""The closed loop as `rt2-ros demo`, `rt2-ros soak` and `rt2-ros eval` run it: sim_node, safety_node,
arm_controller_node and policy_node (and any extra nodes), each its own process logging to a folder, on a
loopback DDS domain of their own; a client node in the calling process that drives episodes (client.py);
a node that dies stops the run with the tail of its log.

`loop_processes` only builds the processes (no rclpy); `running_loop` starts them and the client, and is
the one place that imports rclpy.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rt2_ros.processes import NodeProcess

if TYPE_CHECKING:
    from rt2_ros.loop.client import LoopClient

TASK_ORDER = ("pick_up", "move_near", "put_in_bowl", "push")  # episodes cycle through these kinds
STARTUP_TIMEOUT = 90.0  # s for all nodes to come up (the first MuJoCo/pinocchio imports are slow)
OVERLAY_SCALE = 2  # overlay_node draws the camera at twice its size, so the text on it stays legible


@dataclass
class LoopOptions:
    image_size: int = 224  # camera width and height, px
    seed: int = 0  # sim seed: the same seed replays the same scenes
    control_rate: float = 5.0  # policy steps per second (the arm controller's control period follows)
    policy_parameters: dict[str, Any] = field(default_factory=lambda: {"backend": "scripted"})


class NodeDied(RuntimeError):
    """A node of the loop exited; the message holds the tail of its log."""


def loop_processes(
    options: LoopOptions, log_directory: Path, extra: Sequence[tuple[str, dict[str, Any]]] = ()
) -> tuple[int, list[NodeProcess]]:
    """(DDS domain, the node processes, not started yet); this process joins the same loopback domain."""
    from rt2_ros.local_dds import loopback_environment, use_loopback

    domain = use_loopback()  # this process and every node: loopback only, a domain of their own
    environment = loopback_environment(domain)
    log_directory.mkdir(parents=True, exist_ok=True)
    size = options.image_size
    nodes = [
        NodeProcess(name, parameters, environment=environment, log_path=log_directory / f"{name}.log")
        for name, parameters in (
            ("sim_node", {"image_width": size, "image_height": size, "seed": options.seed}),
            ("safety_node", {}),
            ("arm_controller_node", {"control_period": 1.0 / options.control_rate}),
            ("policy_node", {"control_rate": options.control_rate, **options.policy_parameters}),
            *extra,
        )
    ]
    return domain, nodes


def alive_check(nodes: Sequence[NodeProcess]) -> Callable[[], None]:
    """A function that raises NodeDied, with the log's tail, when one of `nodes` has exited."""

    def check() -> None:
        for node in nodes:
            if not node.running():
                tail = "\n".join(node.output().splitlines()[-25:])
                raise NodeDied(f"{node.name} exited with code {node.returncode}; its log ends:\n{tail}")

    return check


@contextmanager
def running_loop(nodes: Sequence[NodeProcess]) -> Iterator[tuple["LoopClient", Callable[[], None]]]:
    """Start `nodes` and a LoopClient spun on a thread; yield (client, alive check) once every node answers.

    Everything is stopped on the way out. rclpy is initialised here (the default context), so further
    nodes of the caller can be made inside the block.
    """
    import rclpy

    from rt2_ros.loop.client import LoopClient

    for node in nodes:
        node.start()
    rclpy.init()
    client = LoopClient()
    spinner = threading.Thread(target=rclpy.spin, args=(client,), daemon=True)
    spinner.start()
    try:
        alive = alive_check(nodes)
        client.wait_ready(alive, STARTUP_TIMEOUT)
        yield client, alive
    finally:
        client.destroy_node()
        rclpy.try_shutdown()
        spinner.join(timeout=5)
        for node in nodes:
            node.stop()
