"""Fixtures of the fault tests (the loop itself: closed_loop.py) and the fault table printed after the run."""

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The remote backend's test server lives with the policy tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "policy"))

from closed_loop import RAW_POSE, RESULTS, SIM_CAMERA, Graph, Loop, Probe


def pytest_terminal_summary(terminalreporter) -> None:
    if not RESULTS:
        return
    terminalreporter.section("fault table: fault | what the arm did | hold after | still after")
    for row in RESULTS:
        hold, still = ("-" if row[key] is None else f"{row[key]:.3f} s" for key in ("hold_s", "still_s"))
        terminalreporter.write_line(f"{row['fault']} | {row['arm']} | {hold} | {still}")
    if os.environ.get("RT2_FAULT_RESULTS"):
        Path(os.environ["RT2_FAULT_RESULTS"]).write_text(json.dumps(RESULTS, indent=2))


@pytest.fixture(scope="module")
def loop_graph() -> Iterator[Loop]:
    from policy_server import PolicyServer

    from rt2_ros.processes import NodeProcess

    specs = {
        "sim_node": (
            {"image_width": 64, "image_height": 64, "task": "pick_up", "seed": 3, "camera_noise": 2.0},
            ["-r", f"/camera/image_raw:={SIM_CAMERA}"],
        ),
        "safety_node": ({}, []),
        "arm_controller_node": ({"control_period": 0.2}, ["-r", f"/rt2/ee_pose:={RAW_POSE}"]),
    }
    probe = Probe()
    with PolicyServer("circle") as server:
        specs["policy_node"] = (
            {
                "backend": "remote",
                "server_url": server.url,
                "control_rate": 5.0,
                "server_timeout": 2.0,
                "max_frozen_time": 1.0,
            },  # a noisy camera (sim_node camera_noise), so pixels are compared as on a real one
            [],
        )
        graph = Graph(
            specs, lambda name, parameters, ros_args: NodeProcess(name, parameters, extra_ros_args=ros_args).start()
        )
        try:
            yield Loop(graph, probe, server)
        finally:
            graph.stop()
            probe.close()


@pytest.fixture
def loop(loop_graph: Loop) -> Loop:
    loop_graph.heal()
    return loop_graph
