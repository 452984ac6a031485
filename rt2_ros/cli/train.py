"""`rt2-ros train CONFIG`: train the tiny VLA (also under `torchrun --nproc_per_node N -m rt2_ros train CONFIG`)."""

import argparse
import sys
from pathlib import Path

HELP = "train the tiny VLA from a YAML config (config/train/); --resume continues from its checkpoint"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="training config, e.g. config/train/tiny_vla.yaml")
    parser.add_argument("--resume", action="store_true", help="continue from <output>/checkpoint")
    parser.add_argument("--device", help="cpu or cuda (overrides the config)")
    parser.add_argument("--steps", type=int, help="optimiser steps in all (overrides the config)")
    parser.add_argument("--output", help="run folder (overrides the config)")
    parser.add_argument("--threads", type=int, help="torch CPU threads per process (overrides the config)")
    parser.add_argument("--no-progress", action="store_true", help="log lines only, no progress bar")
    parser.add_argument(
        "--plain", action="store_true", help="the plain fp32 path (no autocast, NCHW, eager, batches made in turn)"
    )


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from rt2_ros.training.config import PLAIN_SPEED, TrainConfig
    from rt2_ros.training.loop import train

    try:
        config = TrainConfig.load(args.config)
        if args.device:
            config = replace(config, device=args.device)
        if args.steps:
            config.optim.steps = args.steps
        if args.output:
            config = replace(config, output=args.output)
        if args.threads is not None:
            config = replace(config, threads=args.threads)
        if args.plain:
            config = replace(config, speed=PLAIN_SPEED)
    except (OSError, ValueError) as error:
        print(f"rt2-ros train: {error}", file=sys.stderr)
        return 2
    try:
        train(config, resume_run=args.resume, progress=not args.no_progress, log=lambda line: print(line, flush=True))
    except (FileNotFoundError, ValueError) as error:
        print(f"rt2-ros train: {error}", file=sys.stderr)
        return 1
    return 0
