"""`rt2-ros export-onnx FOLDER`: write a tiny VLA checkpoint's model.onnx, its fast CPU path (ONNX Runtime)."""

import argparse
from pathlib import Path

HELP = "export a tiny VLA checkpoint's policy step to FOLDER/model.onnx for ONNX Runtime (policy_node's fast path)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, help="checkpoint folder (config.json, model.safetensors)")


def run(args: argparse.Namespace) -> int:
    import time

    from rt2_ros.policy.tiny.runtime_onnx import export_onnx

    started = time.perf_counter()
    try:
        path = export_onnx(args.folder)
    except (FileNotFoundError, ValueError) as error:
        print(f"rt2-ros export-onnx: {error}")
        return 2
    print(
        f"wrote {path} in {time.perf_counter() - started:.0f} s; policy_node's tiny backend runs it (tiny_runtime auto)"
    )
    return 0
