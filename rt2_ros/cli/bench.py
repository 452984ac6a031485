"""`rt2-ros bench <target>`: benchmarks that print numbers (never asserts on time)."""

import argparse
import importlib
from pathlib import Path

HELP = "run a benchmark and print its table: safety, policy, sim, kinematics, training, or all"

# target -> module in rt2_ros.bench; each defines run(args) -> int
TARGETS = {"safety": "safety", "policy": "policy", "sim": "sim", "kinematics": "kinematics", "training": "training"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", choices=[*TARGETS, "all"])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke run)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--gpu", action="store_true", help="policy: the OpenVLA-7B-shaped GPU comparison")
    parser.add_argument("--tiny", action="store_true", help="policy --gpu: tiny shapes (a smoke run, CPU is fine)")
    parser.add_argument("--backend", choices=("hf", "tiny"), default="hf", help="policy: whose step to time (hf)")
    parser.add_argument("--model-path", default="", help="policy --backend tiny: checkpoint (default: the shipped one)")
    parser.add_argument("--steps", type=int, default=0, help="training: timed steps per path (default 30, 5 quick)")
    parser.add_argument("--data", type=Path, help="training: a folder of bags (default: record a few episodes)")
    parser.add_argument("--no-compile", action="store_true", help="training: the fast path without torch.compile")


def run(args: argparse.Namespace) -> int:
    targets = list(TARGETS) if args.target == "all" else [args.target]
    status = 0
    for target in targets:
        module = importlib.import_module(f"rt2_ros.bench.{TARGETS[target]}")
        status |= int(module.run(args) or 0)
    return status
