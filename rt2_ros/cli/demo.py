"""`rt2-ros demo` (= `make demo`): the whole graph in the embedded MuJoCo sim, over real DDS.

Starts sim_node, policy_node (the scripted expert until a learned model exists), safety_node
and arm_controller_node as their own processes on a loopback DDS domain of their own, then
for each episode: picks the task on the sim (`task` parameter), resets it (/sim/reset), sends
its instruction on /rt2/command like a user would, and watches /sim/privileged_state until the
task's success check holds or the episode times out. Prints a success table and writes a video
of the camera with the instruction and the policy's commanded delta drawn on it. Node logs go
next to the video (demo_logs/); a node that dies stops the demo with the tail of its log.
"""

import argparse
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rt2_ros.actions.action import Action

HELP = "run the MuJoCo demo over DDS: sim, policy, safety, arm controller; success table and video"

TASK_ORDER = ("pick_up", "move_near", "put_in_bowl", "push")  # episodes cycle through these kinds
STARTUP_TIMEOUT = 90.0  # s for all nodes to come up (the first MuJoCo/pinocchio imports are slow)
VIDEO_SCALE = 2  # the 224 px camera is drawn at 448 px so the text stays legible


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


@dataclass
class EpisodeOutcome:
    kind: str
    instruction: str
    success: bool
    seconds: float  # wall time from the command to success or timeout
    actions: int  # actions the policy published


def success_table(outcomes: Sequence[EpisodeOutcome]) -> str:
    """Per-episode lines, then one row per task kind and the total."""
    lines = [f"{'#':>2}  {'task':<12} {'result':<8} {'time':>6} {'actions':>7}  instruction"]
    for index, outcome in enumerate(outcomes, 1):
        result = "success" if outcome.success else "timeout"
        lines.append(
            f"{index:>2}  {outcome.kind:<12} {result:<8} {outcome.seconds:>5.1f}s {outcome.actions:>7}  "
            f"{outcome.instruction}"
        )
    lines.append("")
    lines.append(f"{'task':<12} {'success':>9} {'rate':>6}")
    kinds = [kind for kind in TASK_ORDER if any(o.kind == kind for o in outcomes)]
    for kind in [*kinds, "all"]:
        chosen = [o for o in outcomes if kind in ("all", o.kind)]
        solved = sum(o.success for o in chosen)
        lines.append(f"{kind:<12} {solved:>4} / {len(chosen):<2} {100 * solved / max(len(chosen), 1):>5.0f}%")
    return "\n".join(lines)


def annotate(frame: np.ndarray, header: str, action: Action | None, status: str = "") -> np.ndarray:
    """The camera frame (H, W, 3) RGB, enlarged, with the instruction on top and the delta below."""
    import cv2

    image = cv2.resize(frame, None, fx=VIDEO_SCALE, fy=VIDEO_SCALE, interpolation=cv2.INTER_LINEAR)
    height, width = image.shape[:2]
    font, white = cv2.FONT_HERSHEY_SIMPLEX, (255, 255, 255)
    cv2.rectangle(image, (0, 0), (width, 26), (0, 0, 0), thickness=-1)
    cv2.putText(image, header, (6, 18), font, 0.45, white, 1, cv2.LINE_AA)
    cv2.rectangle(image, (0, height - 40), (width, height), (0, 0, 0), thickness=-1)
    if action is not None:
        translation = " ".join(f"{value * 100:+.1f}" for value in action.translation)
        rotation = " ".join(f"{value:+.2f}" for value in action.rotation)
        cv2.putText(image, f"dxyz [{translation}] cm", (6, height - 24), font, 0.42, white, 1, cv2.LINE_AA)
        cv2.putText(
            image, f"drpy [{rotation}] rad  grip {action.gripper:.2f}", (6, height - 8), font, 0.42, white, 1,
            cv2.LINE_AA,
        )  # fmt: skip
    if status:
        color = (60, 220, 60) if status == "success" else (230, 60, 60)
        cv2.putText(image, status.upper(), (width - 110, 52), font, 0.7, color, 2, cv2.LINE_AA)
    return image


class VideoWriter:
    """Annotated frames → an MP4 (imageio-ffmpeg) or GIF file, written as they come."""

    def __init__(self, path: Path, fps: float) -> None:
        import imageio.v2 as imageio

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        if path.suffix.lower() == ".gif":
            self._writer = imageio.get_writer(path, mode="I", duration=1.0 / fps, loop=0)
        else:
            self._writer = imageio.get_writer(path, fps=fps, codec="libx264", quality=7, macro_block_size=8)
        self.frames = 0

    def add(self, image: np.ndarray) -> None:
        self._writer.append_data(image)
        self.frames += 1

    def close(self) -> None:
        self._writer.close()


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
