"""`rt2-ros console`: the operator page for a running graph (console_node with its web server, in this process)."""

import argparse

HELP = "serve the operator console (live view, command box, e-stop) on http://127.0.0.1:8080 for a running graph"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_console_arguments(parser)
    parser.add_argument("--max-fps", type=float, default=10.0, help="most frames a second sent to the page (10)")


def add_console_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (127.0.0.1; any other needs the token printed at start)",
    )
    parser.add_argument("--port", type=int, default=8080, help="TCP port (default 8080)")


def run(args: argparse.Namespace) -> int:
    from rt2_ros.nodes.console_node import main

    # The graph's own DDS domain and discovery range (ROS_DOMAIN_ID, as `rt2-ros command` joins it).
    parameters = {"host": args.host, "port": args.port, "max_fps": args.max_fps}
    return main(["console_node", "--ros-args", *(item for name, value in parameters.items()
                                                   for item in ("-p", f"{name}:={value}"))])  # fmt: skip
