"""Helpers for tests that talk to nodes over DDS (import as `from helpers import ...`)."""

import time
from collections.abc import Callable

from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node


def spin_until(node: Node, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Spin `node` until `condition()` holds or `timeout` s pass; return whether it held."""
    executor = SingleThreadedExecutor(context=node.context)
    executor.add_node(node)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            executor.spin_once(timeout_sec=0.05)
        return condition()
    finally:
        executor.remove_node(node)


def spin_for(node: Node, seconds: float) -> None:
    """Spin `node` for `seconds`, e.g. to collect what arrives in a window."""
    spin_until(node, lambda: False, timeout=seconds)


def wait_for_links(node: Node, topics: list[str], timeout: float = 60.0) -> bool:
    """Wait until each topic has a publisher and a subscriber in the graph `node` sees.

    Nodes started as processes discover each other pairwise and in their own time; a reliable,
    volatile message sent before its writer matched a reader is lost. A chain test waits for every
    link of the chain, not only for the first one it talks to.
    """
    return spin_until(
        node,
        lambda: all(node.count_publishers(topic) > 0 and node.count_subscribers(topic) > 0 for topic in topics),
        timeout,
    )
