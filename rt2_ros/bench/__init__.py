"""Benchmarks run by `rt2-ros bench`; each prints a table."""

import argparse
import json
from typing import Any


def write_json(args: argparse.Namespace, target: str, results: dict[str, Any]) -> None:
    """Write `{target: results}` to the path given with --json, if one was."""
    path = getattr(args, "json", None)
    if path:
        with open(path, "w", encoding="utf-8") as stream:
            json.dump({target: results}, stream, indent=2)
