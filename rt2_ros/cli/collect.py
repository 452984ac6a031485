"""`rt2-ros collect`: record scripted-expert demonstrations from the in-process sim as rosbag2 MCAP."""

import argparse
import sys
from pathlib import Path

HELP = "record scripted-expert episodes from the in-process sim as rosbag2 MCAP (training data)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("output", type=Path, help="folder of the bags (a rerun completes what is missing)")
    parser.add_argument("--episodes", type=int, default=100, help="episodes in all (default 100)")
    parser.add_argument("--variation", default="training", help="scene variation (config/generalization.yaml)")
    parser.add_argument("--phrasings", default="training", help="phrasing split (config/generalization.yaml)")
    parser.add_argument("--seed", type=int, default=0, help="the same seed records the same episodes")
    parser.add_argument("--image-size", type=int, default=224, help="camera width and height in px (default 224)")
    parser.add_argument("--control-rate", type=float, default=5.0, help="expert steps per sim second (default 5)")
    parser.add_argument("--disturbed-share", type=float, default=0.5, help="episodes with injected noise (0.5)")
    parser.add_argument(
        "--max-frame-lag", type=float, default=0.0, help="s; each episode's observation age is drawn from [0, this]"
    )
    parser.add_argument("--episodes-per-bag", type=int, default=20, help="episodes per rosbag2 folder (20)")
    parser.add_argument("--workers", type=int, default=1, help="processes recording side by side (default 1)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from rt2_ros.data.recording import CollectConfig, collect

    try:
        config = CollectConfig(
            episodes=args.episodes, output=args.output, variation=args.variation, phrasings=args.phrasings,
            seed=args.seed, image_size=args.image_size, control_rate=args.control_rate,
            disturbed_share=args.disturbed_share, max_frame_lag=args.max_frame_lag,
            episodes_per_bag=args.episodes_per_bag, workers=args.workers,
        )  # fmt: skip
    except ValueError as error:
        print(f"rt2-ros collect: {error}", file=sys.stderr)
        return 2
    solved = recorded = 0
    with tqdm(total=config.episodes, unit="episode", desc="collect") as progress:

        def on_bag(records: list[dict]) -> None:
            nonlocal solved, recorded
            recorded += len(records)
            solved += sum(record["success"] for record in records)
            progress.update(len(records))
            progress.set_postfix(solved=f"{solved}/{recorded}")

        collect(config, on_bag)
    print(f"{recorded} episodes recorded ({solved} solved by the expert) into {config.output}")
    return 0
