"""The demo's pure parts: the success table, the video file, its arguments; a dead node stops it."""

import argparse

import imageio.v2 as imageio
import numpy as np
import pytest

from rt2_ros.cli.demo import add_arguments
from rt2_ros.loop.outcome import EpisodeOutcome, success_table
from rt2_ros.viz.video import VideoWriter


def test_success_table_counts_per_task_and_in_total():
    outcomes = [
        EpisodeOutcome("pick_up", "pick up the red block", True, 4.2, 21),
        EpisodeOutcome("push", "push the blue block to the left", False, 40.0, 200),
        EpisodeOutcome("pick_up", "pick up the green block", True, 3.9, 20),
    ]
    table = success_table(outcomes)
    assert "pick up the red block" in table and "timeout" in table
    rows = {line.split()[0]: line.split() for line in table.splitlines()[-3:]}
    assert rows["pick_up"][1:4] == ["2", "/", "2"] and rows["pick_up"][-1] == "100%"
    assert rows["push"][1:4] == ["0", "/", "1"] and rows["all"][-1] == "67%"


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_video_writer_writes_a_readable_file(tmp_path, suffix):
    path = tmp_path / "nested" / f"demo{suffix}"
    writer = VideoWriter(path, fps=10.0)
    for value in range(0, 250, 25):
        writer.add(np.full((64, 64, 3), value, np.uint8))
    writer.close()
    with imageio.get_reader(path, format="FFMPEG" if suffix == ".mp4" else "GIF") as reader:
        frames = [frame for frame in reader]  # not list(): the ffmpeg reader's length is inf
    assert writer.frames == 10 and len(frames) == 10 and frames[0].shape[:2] == (64, 64)


def test_demo_arguments_default_to_the_shipped_tiny_vla():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([])
    assert args.backend == "tiny" and args.episodes >= 4 and str(args.output).endswith("demo.mp4")
    assert not any(item.startswith("model_path=") for item in args.policy_param)  # the checkpoint in the package


@pytest.mark.ros
def test_a_node_that_dies_stops_the_demo_with_its_log_tail(node_process):
    from rt2_ros.loop.processes import NodeDied, alive_check

    sim = node_process("sim_node", {"image_width": 5})  # below the 32 px minimum: exits at start
    assert sim.wait(30) == 1
    with pytest.raises(NodeDied, match=r"sim_node exited with code 1(.|\n)*image_width"):
        alive_check([sim])()


@pytest.mark.ros
def test_the_demo_waits_for_policy_node_itself_on_the_command_topic():
    """overlay_node subscribes /rt2/command too; a command sent while only it listens never reaches the policy."""
    import rclpy
    from helpers import spin_for, spin_until
    from rclpy.context import Context
    from std_msgs.msg import String

    from rt2_ros.loop.client import LoopClient
    from rt2_ros.ros.qos import COMMAND

    context = Context()
    rclpy.init(context=context)
    try:
        client = LoopClient(context=context)
        overlay = rclpy.create_node("overlay_node", context=context)
        overlay.create_subscription(String, "/rt2/command", lambda message: None, COMMAND)
        assert spin_until(client, lambda: client.command.get_subscription_count() == 1, timeout=10.0)
        spin_for(client, 0.5)
        assert not client.policy_listening()
        policy = rclpy.create_node("policy_node", context=context)
        policy.create_subscription(String, "/rt2/command", lambda message: None, COMMAND)
        assert spin_until(client, client.policy_listening, timeout=10.0)
        for node in (client, overlay, policy):
            node.destroy_node()
    finally:
        rclpy.shutdown(context=context)
