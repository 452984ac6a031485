"""The closed loop's options on the command line, shared by `rt2-ros demo` and `rt2-ros soak`
(the loop itself: rt2_ros/loop/processes.py).
"""

import argparse

from rt2_ros.loop.processes import LoopOptions


def add_loop_arguments(parser: argparse.ArgumentParser, backend: str = "scripted") -> None:
    """The closed loop's options on the command line (`rt2-ros demo`, `rt2-ros soak`); `backend`: the default."""
    parser.add_argument("--seed", type=int, default=0, help="sim seed: the same seed replays the same scenes")
    parser.add_argument("--control-rate", type=float, default=5.0, help="policy steps per second (default 5)")
    parser.add_argument("--image-size", type=int, default=224, help="camera width and height in px (default 224)")
    parser.add_argument("--backend", default=backend, help=f"policy_node backend (default {backend})")
    parser.add_argument(
        "--policy-param", action="append", default=[], metavar="NAME=VALUE", help="extra policy_node parameter"
    )


def loop_options(args: argparse.Namespace) -> LoopOptions:
    """The LoopOptions of add_loop_arguments' arguments."""
    import yaml

    policy_parameters = {"backend": args.backend}
    for item in args.policy_param:
        name, _, value = item.partition("=")
        policy_parameters[name] = yaml.safe_load(value) if value else ""  # typed as YAML would: number, bool...
    return LoopOptions(args.image_size, args.seed, args.control_rate, policy_parameters)
