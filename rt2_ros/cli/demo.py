"""`rt2-ros demo` (= `make demo`): the whole graph in the embedded MuJoCo sim, over real DDS.

Starts sim_node, policy_node (the scripted expert until a learned model exists), safety_node,
arm_controller_node and overlay_node as their own processes on a loopback DDS domain of their
own, then for each episode: picks the task on the sim (`task` parameter), resets it (/sim/reset),
sends its instruction on /rt2/command like a user would, and watches /sim/privileged_state until
the task's success check holds or the episode times out. Prints a success table and writes a
video of overlay_node's live view (/rt2/overlay: the camera with the instruction, the commanded
delta, the tokens and the safety state drawn on it) with each episode's verdict. Node logs go
next to the video (demo_logs/); a node that dies stops the demo with the tail of its log.
"""

import argparse
import threading
from collections.abc import Callable
from pathlib import Path

from rt2_ros.cli.outcome import EpisodeOutcome, success_table
from rt2_ros.viz.video import VideoWriter

HELP = "run the MuJoCo demo over DDS: sim, policy, safety, arm controller; success table and video"

TASK_ORDER = ("pick_up", "move_near", "put_in_bowl", "push")  # episodes cycle through these kinds
STARTUP_TIMEOUT = 90.0  # s for all nodes to come up (the first MuJoCo/pinocchio imports are slow)
OVERLAY_SCALE = 2  # the video is the camera at twice its size, so the text drawn on it stays legible


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--episodes", type=int, default=8, help="episodes to run, cycling the task kinds (default 8)")
    parser.add_argument("--seed", type=int, default=0, help="sim seed: the same seed replays the same scenes")
    parser.add_argument("--timeout", type=float, default=40.0, help="seconds an episode may take (default 40)")
    parser.add_argument("--control-rate", type=float, default=5.0, help="policy steps per second (default 5)")
    parser.add_argument("--image-size", type=int, default=224, help="camera width and height in px (default 224)")
    parser.add_argument("--backend", default="scripted", help="policy_node backend (default scripted)")
    parser.add_argument(
        "--policy-param", action="append", default=[], metavar="NAME=VALUE", help="extra policy_node parameter"
    )
    parser.add_argument("--output", type=Path, default=Path("output/demo.mp4"), help="video file (.mp4 or .gif)")
    parser.add_argument("--no-video", action="store_true", help="skip writing the video")


class NodeDied(RuntimeError):
    """A node of the demo exited; the message holds the tail of its log."""


def run(args: argparse.Namespace) -> int:
    if args.episodes < 1 or args.timeout <= 0 or args.control_rate <= 0:
        print("rt2-ros demo: --episodes must be >= 1, --timeout and --control-rate > 0")
        return 2
    from rt2_ros.local_dds import loopback_environment, use_loopback
    from rt2_ros.processes import NodeProcess

    domain = use_loopback()  # this process and every node: loopback only, a domain of their own
    environment = loopback_environment(domain)
    log_directory = args.output.parent / "demo_logs"
    log_directory.mkdir(parents=True, exist_ok=True)
    policy_parameters = {"backend": args.backend, "control_rate": args.control_rate}
    for item in args.policy_param:
        name, _, value = item.partition("=")
        policy_parameters[name] = _parameter_value(value)
    nodes = [
        NodeProcess(name, parameters, environment=environment, log_path=log_directory / f"{name}.log")
        for name, parameters in (
            ("sim_node", {"image_width": args.image_size, "image_height": args.image_size, "seed": args.seed}),
            ("safety_node", {}),
            ("arm_controller_node", {"control_period": 1.0 / args.control_rate}),
            ("policy_node", policy_parameters),
            ("overlay_node", {"width": OVERLAY_SCALE * args.image_size}),
        )
    ]
    print(f"rt2-ros demo: {args.episodes} episodes, policy backend {args.backend!r}, DDS domain {domain} (loopback)")
    for node in nodes:
        node.start()
    writer = None if args.no_video else VideoWriter(args.output, fps=10.0)
    try:
        outcomes = _run_episodes(args, nodes, writer)
    except (RuntimeError, TimeoutError) as error:  # NodeDied included: its message holds the log tail
        print(f"rt2-ros demo stopped: {error}\nnode logs: {log_directory}")
        return 1
    finally:
        if writer is not None:
            writer.close()
        for node in nodes:
            node.stop()
    print()
    print(success_table(outcomes))
    if writer is not None:
        print(f"\nvideo: {writer.path} ({writer.frames} frames)")
    print(f"node logs: {log_directory}")
    return 0


def _parameter_value(text: str) -> object:
    """A --policy-param value as YAML would type it (number, bool, string)."""
    import yaml

    return yaml.safe_load(text) if text else ""


def _run_episodes(args: argparse.Namespace, nodes: list, writer: VideoWriter | None) -> list[EpisodeOutcome]:
    import rclpy
    from tqdm import tqdm

    from rt2_ros.cli.demo_node import DemoClient

    rclpy.init()
    client = DemoClient()
    spinner = threading.Thread(target=rclpy.spin, args=(client,), daemon=True)
    spinner.start()
    try:
        alive = _alive_check(nodes)
        client.wait_ready(alive, STARTUP_TIMEOUT)
        outcomes = []
        progress = tqdm(range(args.episodes), desc="episodes", unit="ep")
        for index in progress:
            outcome = client.episode(TASK_ORDER[index % len(TASK_ORDER)], args.timeout, alive, writer, index + 1)
            outcomes.append(outcome)
            progress.set_postfix(solved=f"{sum(o.success for o in outcomes)}/{len(outcomes)}")
        progress.close()
        return outcomes
    finally:
        client.destroy_node()
        rclpy.try_shutdown()
        spinner.join(timeout=5)


def _alive_check(nodes: list) -> Callable[[], None]:
    def check() -> None:
        for node in nodes:
            if not node.running():
                tail = "\n".join(node.output().splitlines()[-25:])
                raise NodeDied(f"{node.name} exited with code {node.returncode}; its log ends:\n{tail}")

    return check
