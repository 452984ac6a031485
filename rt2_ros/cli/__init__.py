"""`rt2-ros`: the one user-facing command. Each subcommand lives in its own module here.

A subcommand module defines HELP (one line), `add_arguments(parser)` and `run(args) -> int`.
"""

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand name -> module in rt2_ros.cli
SUBCOMMANDS = {
    "demo": "demo",
    "command": "command",
    "bench": "bench",
    "random-checkpoint": "random_checkpoint",
    "soak": "soak",
    "collect": "collect",
    "train": "train",
    "eval": "eval",
    "export-onnx": "export_onnx",
    "console": "console",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rt2-ros", description="RT-2-style VLA policy in a ROS 2 control loop.")
    subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
    for name, module_name in SUBCOMMANDS.items():
        module = importlib.import_module(f"rt2_ros.cli.{module_name}")
        subparser = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(subparser)
        subparser.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
