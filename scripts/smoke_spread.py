"""How far the smoke training run's end point moves with what differs between machines.

Runs config/train/smoke.yaml (as `make test` does) under every combination of torch CPU kernels
(ATEN_CPU_CAPABILITY), torch thread counts, precisions (the plain fp32 path, and bf16 autocast with channels-last
convolutions: the fast path) and recorded data seeds, each in its own process, and prints each
logged term's first and last value per run plus the spread of the ratios the learning test asserts on
(test/learning/test_training.py quotes the result). Slow: about a minute per run on 2 cores.

    .venv/bin/python scripts/smoke_spread.py --output /tmp/smoke_spread [--seeds 5 6 7] [--json spread.json]
"""

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "config" / "train" / "smoke.yaml"
LINE = re.compile(r"^step (\d+) lr \S+ \d+ samples/s (.*)$")


def terms(line: str) -> dict[str, float] | None:
    match = LINE.match(line)
    if not match:
        return None
    words = match.group(2).split()
    return {"step": int(match.group(1)), **{words[i]: float(words[i + 1]) for i in range(0, len(words), 2)}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[5, 6, 7], help="collection seeds (test: 5)")
    parser.add_argument("--capabilities", nargs="+", default=["default", "avx2", "avx512"])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from rt2_ros.data.recording import CollectConfig, collect

    runs = []
    for seed in args.seeds:
        bags = args.output / f"bags_{seed}"
        collect(CollectConfig(episodes=8, output=bags, episodes_per_bag=4, seed=seed))  # the fixture's recording
        for capability, threads, precision in itertools.product(args.capabilities, args.threads, args.precisions):
            name = f"seed{seed}_{capability}_t{threads}_{precision}"
            document = yaml.safe_load(SMOKE.read_text())
            document.update(output=str(args.output / name), threads=threads)
            fast = precision != "fp32"
            document["speed"] = {"precision": precision, "channels_last": fast, "prefetch": fast, "compile": False}
            document["data"].update(robot=[str(bags)], cache=str(args.output / f"cache_{seed}"))
            config = args.output / f"{name}.yaml"
            config.write_text(yaml.safe_dump(document))
            environment = {**os.environ, "ATEN_CPU_CAPABILITY": capability}
            result = subprocess.run(
                [sys.executable, "-m", "rt2_ros", "train", str(config), "--no-progress"],
                capture_output=True, text=True, env=environment, cwd=ROOT,
            )  # fmt: skip
            if result.returncode:
                print(result.stderr[-2000:], file=sys.stderr)
                return 1
            logged = [row for row in map(terms, result.stdout.splitlines()) if row]
            settings = {"seed": seed, "capability": capability, "threads": threads, "precision": precision}
            runs.append({"name": name, **settings, "first": logged[0], "last": logged[-1], "log": logged})
            first, last = logged[0], logged[-1]
            print(name, " ".join(f"{key} {first[key]:.3f}->{last[key]:.3f}" for key in sorted(last) if key != "step"),
                  flush=True)  # fmt: skip
    print("\nratio last/first over all runs (min .. max):")
    for key in sorted(runs[0]["last"]):
        if key == "step":
            continue
        ratios = [run["last"][key] / run["first"][key] for run in runs if run["first"].get(key)]
        values = [run["last"][key] for run in runs]
        spread = f"last {min(values):8.4f} .. {max(values):8.4f}   ratio {min(ratios):.3f} .. {max(ratios):.3f}"
        print(f"  {key:18s} {spread}")
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
