"""`rt2-ros demo` (= `make demo`): the whole graph in the embedded MuJoCo sim, over real DDS.

Starts sim_node, policy_node (the tiny VLA shipped in the package; `--backend scripted` for the sim's
expert), safety_node, arm_controller_node and overlay_node as their own processes on a loopback DDS
domain of their own, then for each episode: picks the task on the sim (`task` parameter), resets it (/sim/reset),
sends its instruction on /rt2/command like a user would, and watches /sim/privileged_state until
the task's success check holds or the episode times out. Prints a success table and writes a
video of overlay_node's live view (/rt2/overlay: the camera with the instruction, the commanded
delta, the tokens and the safety state drawn on it) with each episode's verdict. Node logs go
next to the video (demo_logs/); a node that dies stops the demo with the tail of its log.
"""

import argparse
from pathlib import Path

from rt2_ros.cli.closed_loop import add_loop_arguments, loop_options
from rt2_ros.cli.console import add_console_arguments
from rt2_ros.loop.outcome import EpisodeOutcome, success_table
from rt2_ros.loop.processes import OVERLAY_SCALE, STARTUP_TIMEOUT, TASK_ORDER, loop_processes, running_loop
from rt2_ros.viz.video import VideoWriter

HELP = "run the MuJoCo demo over DDS: sim, policy, safety, arm controller; success table and video"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--episodes", type=int, default=8, help="episodes to run, cycling the task kinds (default 8)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds an episode may take (default 30)")
    add_loop_arguments(parser, backend="tiny")
    parser.add_argument("--output", type=Path, default=Path("output/demo.mp4"), help="video file (.mp4 or .gif)")
    parser.add_argument("--no-video", action="store_true", help="skip writing the video")
    parser.add_argument(
        "--console", action="store_true", help="no scripted episodes: keep the graph up, command it from the console"
    )
    add_console_arguments(parser)


def run(args: argparse.Namespace) -> int:
    if args.episodes < 1 or args.timeout <= 0 or args.control_rate <= 0:
        print("rt2-ros demo: --episodes must be >= 1, --timeout and --control-rate > 0")
        return 2
    log_directory = args.output.parent / "demo_logs"
    extra = [("overlay_node", {"width": OVERLAY_SCALE * args.image_size})]
    if args.console:
        extra.append(("console_node", {"host": args.host, "port": args.port}))
    domain, nodes = loop_processes(loop_options(args), log_directory, extra=extra)
    if args.console:
        return _serve_console(nodes, log_directory)
    print(f"rt2-ros demo: {args.episodes} episodes, policy backend {args.backend!r}, DDS domain {domain} (loopback)")
    writer = None if args.no_video else VideoWriter(args.output, fps=10.0)
    try:
        outcomes = _run_episodes(args, nodes, writer)
    except (RuntimeError, TimeoutError) as error:  # NodeDied included: its message holds the log tail
        print(f"rt2-ros demo stopped: {error}\nnode logs: {log_directory}")
        return 1
    finally:
        if writer is not None:
            writer.close()
    print()
    print(success_table(outcomes))
    if writer is not None:
        print(f"\nvideo: {writer.path} ({writer.frames} frames)")
    print(f"node logs: {log_directory}")
    return 0


def _serve_console(nodes: list, log_directory: Path) -> int:
    """The graph with the console until Ctrl-C (or until a node dies): the user commands it from the page."""
    import time

    console = next(node for node in nodes if node.name == "console_node")
    try:
        with running_loop(nodes) as (_client, alive):
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while "console: http" not in console.output():
                alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the console did not start in {STARTUP_TIMEOUT} s")
                time.sleep(0.2)
            address = console.output().split("console: ", 1)[1].split()[0]
            print(f"rt2-ros demo --console: the graph runs; open {address}\n  type a command (e.g. 'pick up the "
                  "red block'); STOP latches the safety gate; Ctrl-C ends it", flush=True)  # fmt: skip
            while True:
                alive()
                time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"rt2-ros demo stopped: {error}\nnode logs: {log_directory}")
        return 1


def _run_episodes(args: argparse.Namespace, nodes: list, writer: VideoWriter | None) -> list[EpisodeOutcome]:
    from tqdm import tqdm

    with running_loop(nodes) as (client, alive):
        client.wait_for_overlay(alive, STARTUP_TIMEOUT)
        outcomes = []
        progress = tqdm(range(args.episodes), desc="episodes", unit="ep")
        for index in progress:
            outcome = client.episode(TASK_ORDER[index % len(TASK_ORDER)], args.timeout, alive, writer, index + 1)
            outcomes.append(outcome)
            progress.set_postfix(solved=f"{sum(o.success for o in outcomes)}/{len(outcomes)}")
        progress.close()
        return outcomes
