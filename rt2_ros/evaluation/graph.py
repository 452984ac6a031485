"""Closed-loop evaluation through the real node graph: sim_node, policy_node, safety_node and
arm_controller_node as their own processes over DDS (loopback), driven like `rt2-ros demo`.

For each category the sim's `variation` parameter selects what its resets draw, and the command sent on
/rt2/command is the task worded in the category's phrasings. Success is the sim's own check, watched on
/sim/privileged_state (the policy never sees it). Time is wall time at the sim's real-time pace.
"""

from collections.abc import Callable
from pathlib import Path

import numpy as np

from rt2_ros.data.phrasing import load_phrasings
from rt2_ros.evaluation.categories import Category
from rt2_ros.evaluation.commands import EpisodeCommand
from rt2_ros.evaluation.in_process import kinds_for
from rt2_ros.evaluation.results import EpisodeResult
from rt2_ros.loop.processes import OVERLAY_SCALE, LoopOptions, loop_processes, running_loop
from rt2_ros.viz.video import VideoWriter


def evaluate_graph(
    options: LoopOptions,
    categories: list[Category],
    episodes: int,
    timeout: float,
    log_directory: Path,
    video: Path | None = None,
    on_episode: Callable[[EpisodeResult], None] | None = None,
) -> list[EpisodeResult]:
    """`episodes` per category through the graph; a video of overlay_node's view when `video` is given."""
    extra = [("overlay_node", {"width": OVERLAY_SCALE * options.image_size})] if video is not None else []
    _, nodes = loop_processes(options, log_directory, extra=extra)
    writer = VideoWriter(video, fps=10.0) if video is not None else None
    phrasings = load_phrasings()
    rng = np.random.default_rng(options.seed)
    results = []
    try:
        with running_loop(nodes) as (client, alive):
            if writer is not None:
                client.wait_for_overlay(alive, 90.0)
            number = 0
            for category in categories:
                command = EpisodeCommand(category, rng, phrasings[category.phrasings])
                for kind in kinds_for(category, episodes):
                    number += 1
                    outcome = client.episode(kind, timeout, alive, writer, number, category.variation, command)
                    result = command.result(kind, client.latest_state(), outcome.success, outcome.seconds,
                                            outcome.actions)  # fmt: skip
                    results.append(result)
                    if on_episode is not None:
                        on_episode(result)
    finally:
        if writer is not None:
            writer.close()
    return results
