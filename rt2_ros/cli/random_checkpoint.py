"""`rt2-ros random-checkpoint DIR`: a tiny random OpenVLA-convention checkpoint for the `hf` backend."""

import argparse
from pathlib import Path

HELP = "write a small randomly initialised hf checkpoint (random actions) to try policy_node without weights"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, help="new or empty folder to write the checkpoint into")
    parser.add_argument("--image-size", type=int, default=224, help="square input size in pixels (default 224)")
    parser.add_argument("--patch-size", type=int, default=16, help="vision patch size in pixels (default 16)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")


def run(args: argparse.Namespace) -> int:
    from rt2_ros.policy.hf.random_checkpoint import STATISTICS_KEY, CheckpointShape, write_random_checkpoint

    try:
        shape = CheckpointShape(image_size=args.image_size, patch_size=args.patch_size)
        path = write_random_checkpoint(args.directory, shape, args.seed)
    except (ValueError, FileExistsError) as error:
        print(f"rt2-ros random-checkpoint: {error}")
        return 2
    print(f"wrote a random checkpoint ({shape.image_tokens} image tokens, random actions) to {path}")
    print(f"try it: policy_node --ros-args -p backend:=hf -p model_path:={path} -p unnorm_key:={STATISTICS_KEY}")
    return 0
