"""`rt2-ros eval`: closed-loop success of a policy per generalisation category, with episode counts and a plot."""

import argparse
import sys
import time
from pathlib import Path

from rt2_ros.policy.base import DEFAULT_MIN_CONFIDENCE

HELP = "evaluate the tiny VLA closed-loop per category (seen, unseen ...) through the node graph; table + plot"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--episodes", type=int, default=10, help="episodes per category (default 10)")
    parser.add_argument("--categories", nargs="+", help="categories of config/generalization.yaml (default: all)")
    parser.add_argument("--model-path", default="", help="tiny VLA checkpoint folder (default: the shipped one)")
    parser.add_argument("--timeout", type=float, default=24.0, help="seconds an episode may take (default 24)")
    parser.add_argument("--seed", type=int, default=1000, help="scene and wording seed (default 1000, unlike training)")
    parser.add_argument("--control-rate", type=float, default=5.0, help="policy steps per second (default 5)")
    parser.add_argument("--in-process", action="store_true", help="no DDS: the same policy and sim code, faster")
    parser.add_argument(
        "--frame-lag",
        type=float,
        default=0.0,
        metavar="S",
        help="in process: the policy observes frame and arm state S seconds before acting (the graph's latency; 0)",
    )
    parser.add_argument("--output", type=Path, default=Path("output/eval"), help="folder of eval.json, eval.png")
    parser.add_argument("--video", action="store_true", help="graph mode: also write <output>/eval.mp4")
    parser.add_argument(
        "--min-confidence",
        type=float,
        default=DEFAULT_MIN_CONFIDENCE,
        help=f"policy_node's min_confidence: less sure steps are not acted on (default {DEFAULT_MIN_CONFIDENCE})",
    )
    parser.add_argument(
        "--confidence-sweep", type=float, nargs="+", metavar="T", help="in process: each min_confidence T; sweep.png"
    )


def run(args: argparse.Namespace) -> int:
    from rt2_ros.evaluation.categories import load_categories
    from rt2_ros.evaluation.results import table, template_failures, write

    categories = load_categories()
    chosen = args.categories or list(categories)
    unknown = [name for name in chosen if name not in categories]
    if unknown or args.episodes < 1 or args.timeout <= 0 or args.control_rate <= 0:
        print(f"rt2-ros eval: unknown categories {unknown} (known: {list(categories)})" if unknown
              else "rt2-ros eval: --episodes >= 1, --timeout and --control-rate > 0", file=sys.stderr)  # fmt: skip
        return 2
    if args.frame_lag and not (args.in_process and 0 < args.frame_lag < 1 / args.control_rate):
        print("rt2-ros eval: --frame-lag is for --in-process, 0 <= S < 1 / --control-rate", file=sys.stderr)
        return 2
    selected = [categories[name] for name in chosen]
    if args.confidence_sweep:
        return run_sweep(args, selected)
    mode = "in process" if args.in_process else "node graph over DDS"
    print(f"rt2-ros eval: {args.episodes} episodes x {len(selected)} categories, {mode}")
    started = time.monotonic()
    from tqdm import tqdm

    progress = tqdm(total=args.episodes * len(selected), unit="ep", desc="eval")
    solved = 0

    def on_episode(result) -> None:
        nonlocal solved
        solved += result.success
        progress.update(1)
        progress.set_postfix(solved=f"{solved}/{progress.n}", category=result.category)

    try:
        if args.in_process:
            from rt2_ros.evaluation.in_process import evaluate_in_process
            from rt2_ros.policy.tiny.policy_tiny import TinyPolicy

            policy = TinyPolicy(args.model_path or None)
            results = evaluate_in_process(policy, selected, args.episodes, args.seed, args.control_rate, args.timeout,
                                          on_episode=on_episode, min_confidence=args.min_confidence,
                                          frame_lag=args.frame_lag)  # fmt: skip
        else:
            from rt2_ros.evaluation.graph import evaluate_graph
            from rt2_ros.loop.processes import LoopOptions

            policy_parameters = {"backend": "tiny", "model_path": args.model_path, "max_image_age": 0.5,
                                 "min_confidence": args.min_confidence}  # fmt: skip
            options = LoopOptions(224, args.seed, args.control_rate, policy_parameters)
            video = args.output / "eval.mp4" if args.video else None
            results = evaluate_graph(options, selected, args.episodes, args.timeout, args.output / "logs", video,
                                     on_episode)  # fmt: skip
    except (RuntimeError, TimeoutError, FileNotFoundError, ValueError) as error:
        print(f"rt2-ros eval stopped: {error}", file=sys.stderr)
        return 1
    finally:
        progress.close()
    minutes = (time.monotonic() - started) / 60
    settings = {name: str(value) if isinstance(value, Path) else value
                for name, value in vars(args).items() if not callable(value)}  # fmt: skip
    settings.update(mode=mode, wall_minutes=round(minutes, 1))
    title = f"tiny VLA closed-loop success ({mode}, {args.episodes} episodes per category, seed {args.seed})"
    json_path, plot_path = write(results, args.output, title, settings)
    print()
    print(table(results))
    failures = template_failures(results)
    if failures:
        print(f"\n{failures}")
    print(f"\n{len(results)} episodes in {minutes:.1f} min; {json_path}, {plot_path}")
    return 0


def run_sweep(args: argparse.Namespace, selected: list) -> int:
    """--confidence-sweep: the same episodes at each threshold, in process; a table and sweep.png."""
    from tqdm import tqdm

    from rt2_ros.evaluation.sweep import confidence_sweep, sweep_table, write_sweep
    from rt2_ros.policy.tiny.policy_tiny import TinyPolicy

    if not all(0 <= threshold <= 1 for threshold in args.confidence_sweep):
        print("rt2-ros eval: --confidence-sweep thresholds are 0..1", file=sys.stderr)
        return 2
    started = time.monotonic()
    progress = tqdm(total=args.episodes * len(selected) * len(args.confidence_sweep), unit="ep", desc="sweep")
    try:
        policy = TinyPolicy(args.model_path or None)
        sweep = confidence_sweep(policy, selected, args.episodes, args.confidence_sweep, args.seed, args.control_rate,
                                 args.timeout, on_episode=lambda _: progress.update(1))  # fmt: skip
    finally:
        progress.close()
    minutes = (time.monotonic() - started) / 60
    settings = {"episodes": args.episodes, "seed": args.seed, "categories": [c.name for c in selected],
                "model_path": args.model_path, "wall_minutes": round(minutes, 1)}  # fmt: skip
    json_path, plot_path = write_sweep(sweep, args.output, settings)
    print()
    print(sweep_table(sweep))
    print(f"\n{minutes:.1f} min; {json_path}, {plot_path}")
    return 0
