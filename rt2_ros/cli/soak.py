"""`rt2-ros soak --minutes M`: the closed loop (sim, policy, safety, arm controller; the scripted expert by
default) for M minutes of episodes, as `rt2-ros demo` runs it. Every --sample-period it samples each node
process's RSS and the safety gate's counters; at the end it prints actions processed, clamped, rejected,
watchdog holds, episodes solved and RSS growth after the warm-up, and writes soak.json and soak.png (the
plot needs matplotlib) next to the node logs. The last episode runs to its end, so a soak takes up to one
--timeout longer than asked. A node that dies stops the soak (exit 1): a soak restarts nothing.
"""

import argparse
import shlex
import threading
import time
from pathlib import Path

from rt2_ros.cli.closed_loop import add_loop_arguments, loop_options
from rt2_ros.loop.processes import TASK_ORDER, loop_processes, running_loop

HELP = "run the closed loop for a long time: actions, clamps, rejections, watchdog holds, episodes, RSS over time"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=60.0, help="how long to run episodes (default 60)")
    parser.add_argument("--timeout", type=float, default=40.0, help="seconds an episode may take (default 40)")
    parser.add_argument("--sample-period", type=float, default=10.0, help="seconds between samples (default 10)")
    parser.add_argument(
        "--warmup", type=float, help="seconds not counted for RSS growth (default: a fifth of the run, at most 300)"
    )
    add_loop_arguments(parser)
    parser.add_argument(
        "--output", type=Path, default=Path("output/soak"), help="folder for soak.json, soak.png and the node logs"
    )


def run(args: argparse.Namespace) -> int:
    if args.minutes <= 0 or args.timeout <= 0 or args.sample_period <= 0 or args.control_rate <= 0:
        print("rt2-ros soak: --minutes, --timeout, --sample-period and --control-rate must be > 0")
        return 2
    from rt2_ros.soak.report import SoakReport, plot, write_json

    warmup = args.warmup if args.warmup is not None else min(args.minutes * 60.0 / 5.0, 300.0)
    options = [f"--{name} {value}" for name, value in (("seed", args.seed), ("image-size", args.image_size))]
    options += [f"--policy-param {shlex.quote(item)}" for item in args.policy_param]
    command = (
        f"rt2-ros soak --minutes {args.minutes:g} --control-rate {args.control_rate:g} --backend {args.backend} "
        + " ".join(options)
    )
    report = SoakReport(args.minutes, warmup, command)
    domain, nodes = loop_processes(loop_options(args), args.output / "logs")
    print(f"rt2-ros soak: {args.minutes} min, policy backend {args.backend!r}, DDS domain {domain} (loopback)")
    try:
        _soak(args, nodes, report)
    except (RuntimeError, TimeoutError) as error:  # NodeDied included: its message holds the log tail
        report.stopped_by = str(error)
    args.output.mkdir(parents=True, exist_ok=True)
    write_json(report, args.output / "soak.json")
    plotted = plot(report, args.output / "soak.png")
    print(report.table())
    print(f"report: {args.output / 'soak.json'}" + (f", {args.output / 'soak.png'}" if plotted else " (no matplotlib)"))
    print(f"node logs: {args.output / 'logs'}")
    return 1 if report.stopped_by else 0


def _soak(args: argparse.Namespace, nodes: list, report) -> None:
    """Episodes until the time is up, sampled on a thread of its own; fills `report` as it goes."""
    from rclpy.executors import SingleThreadedExecutor

    from rt2_ros.soak.counters_node import SafetyCounters
    from rt2_ros.soak.report import Sample, rss_bytes

    with running_loop(nodes) as (client, alive):
        counters = SafetyCounters()
        executor = SingleThreadedExecutor()
        executor.add_node(counters)
        spinner = threading.Thread(target=executor.spin, daemon=True)
        spinner.start()
        start, stop = time.monotonic(), threading.Event()

        def sample() -> None:
            rss = {node.name: rss_bytes(node.pid) for node in nodes}
            report.samples.append(Sample(time.monotonic() - start, rss, counters.counters()))

        def sampler() -> None:
            while not stop.wait(args.sample_period):
                sample()

        sample()
        sampling = threading.Thread(target=sampler, daemon=True)
        sampling.start()
        try:
            deadline = start + args.minutes * 60.0
            while time.monotonic() < deadline:
                index = len(report.outcomes)
                kind = TASK_ORDER[index % len(TASK_ORDER)]
                report.outcomes.append(client.episode(kind, args.timeout, alive, None, index + 1))
        finally:
            stop.set()
            sampling.join(timeout=5)
            sample()
            executor.shutdown()
            counters.destroy_node()
            spinner.join(timeout=5)
        alive()
