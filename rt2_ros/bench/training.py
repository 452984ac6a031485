"""`rt2-ros bench training`: the tiny VLA's training throughput, the plain path and the fast path side by side.

Both paths run the real training step (rt2_ros.training.loop.TrainingStep: the model, its losses, AdamW) on
the real batch pipeline (BatchMaker: robot steps that act, steps and scenes that answer, augmentation) at
config/train/tiny_vla.yaml's model and batch size, one after the other in this process with the same thread
count. They differ only in config.speed:

    plain  fp32, NCHW convolutions, eager, each batch made between steps (the loop before speed settings)
    fast   config/train/tiny_vla.yaml's speed section (bf16 autocast where the CPU has native bf16, channels-last,
           torch.compile, the next batch made on a thread)

Each stage of a step is timed (data = making the batch, or waiting for the prefetched one; the forward's
stages; backward; optimiser); compiling is timed apart, in the warm-up steps. The data are a small recording
made in a temporary folder (or --data DIR, bags you recorded) and a few hundred question scenes. Numbers only.
"""

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from rt2_ros.bench import write_json
from rt2_ros.resources import resource_path

STAGES = ("data", "image encoder and pointers", "transformer", "losses", "backward", "optimiser")
WARMUP = 3  # steps before timing (the fast path compiles in them)
EPISODES = 16  # recorded for the bench when no --data is given
SCENES = 200


def run(args: argparse.Namespace) -> int:
    import torch

    from rt2_ros.training.config import PLAIN_SPEED, TrainConfig

    quick = bool(getattr(args, "quick", False))
    steps = getattr(args, "steps", 0) or (5 if quick else 30)
    base = TrainConfig.load(resource_path("config", "train", "tiny_vla.yaml"))
    fast_speed = base.speed if not (quick or getattr(args, "no_compile", False)) else replace(base.speed, compile=False)
    paths = {
        "plain": PLAIN_SPEED,
        "fast": fast_speed,
    }
    torch.set_num_threads(os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="rt2_bench_training_") as folder:
        config = replace(base, data=prepared_data(base, getattr(args, "data", None), Path(folder)))
        results = {"batch": config.optim.batch_size, "steps": steps, "threads": torch.get_num_threads()}
        for name, speed in paths.items():
            results[name] = time_path(replace(config, speed=speed), steps)
    results["speedup"] = results["fast"]["samples_per_s"] / results["plain"]["samples_per_s"]
    results["cpu"] = cpu_description()
    print_table(results)
    write_json(args, "training", results)
    return 0


def prepared_data(config, bags: Path | None, folder: Path):
    """The data section pointing at `bags` (or a small recording made in `folder`) with a cache in `folder`."""
    from rt2_ros.data.recording import CollectConfig, collect

    if bags is None:
        bags = folder / "bags"
        print(f"bench training: recording {EPISODES} expert episodes for the batches ...", flush=True)
        collect(CollectConfig(episodes=EPISODES, output=bags, episodes_per_bag=8, seed=0))
    return replace(config.data, robot=[str(bags)], cache=str(folder / "cache"), scene_count=SCENES)


def time_path(config, steps: int) -> dict:
    """Samples/s and ms per stage of `steps` training steps computed as config.speed says."""
    import torch

    from rt2_ros.policy.tiny.modeling_tiny import TinyVLA
    from rt2_ros.policy.tiny.processing_tiny import LanguageEncoder
    from rt2_ros.training.batches import BatchMaker, TextBank, bank_texts
    from rt2_ros.training.loop import Distributed, Prefetcher, Stopwatch, TrainingStep, make_optimizer, prepare_data

    model_config = config.model_config()
    robot, scenes = prepare_data(config, model_config, Distributed(), lambda line: None)
    bank = TextBank(LanguageEncoder(max_tokens=model_config.max_text_tokens), bank_texts([robot, scenes]))
    batches = BatchMaker(robot, scenes, bank, model_config, config.data.question_share, config.data.scene_share, 0)
    torch.manual_seed(config.seed)
    model = TinyVLA(model_config).train()
    optimizer = make_optimizer(model, config)
    step = TrainingStep(model, optimizer, config, Distributed())
    next_batch = Prefetcher(lambda: batches.make(config.optim.batch_size), config.speed.prefetch)
    try:
        started = time.perf_counter()
        for _ in range(WARMUP):
            step(next_batch(), config.optim.lr)
        warmup = time.perf_counter() - started
        watch = Stopwatch(step.device)
        for _ in range(steps):
            batch = next_batch()
            watch.lap("data")
            step(batch, config.optim.lr, watch)
    finally:
        next_batch.close()
    total = sum(watch.totals.values())
    return {
        "precision": step.precision,
        "channels_last": config.speed.channels_last,
        "compile": config.speed.compile,
        "prefetch": config.speed.prefetch,
        "fused_optimizer": config.speed.fused_optimizer,
        "warmup_s": warmup,
        "samples_per_s": steps * config.optim.batch_size / total,
        "step_ms": 1000 * total / steps,
        **{f"{stage}_ms": 1000 * watch.totals.get(stage, 0.0) / steps for stage in STAGES},
    }


def cpu_description() -> str:
    import platform

    import torch

    amx, bf16 = torch.cpu._is_amx_tile_supported(), torch.cpu._is_avx512_bf16_supported()
    native = ", ".join(name for name, present in (("AMX", amx), ("AVX512-BF16", bf16)) if present) or "none"
    capability = torch.backends.cpu.get_cpu_capability()
    return f"{platform.machine()}, {os.cpu_count()} cores, {capability} kernels, native bf16: {native}"


def print_table(results: dict) -> None:
    plain, fast = results["plain"], results["fast"]
    print(f"\ntraining step of the tiny VLA: batch {results['batch']}, {results['steps']} steps per path after "
          f"{WARMUP} warm-up steps, {results['threads']} torch threads, {results['cpu']}")  # fmt: skip
    for name, path in (("plain", plain), ("fast", fast)):
        print(f"  {name}: {path['precision']}, channels_last {path['channels_last']}, compile {path['compile']}, "
              f"fused_optimizer {path['fused_optimizer']}, "
              f"prefetch {path['prefetch']}; warm-up {path['warmup_s']:.1f} s")  # fmt: skip
    print(f"\n{'stage (ms per step)':30s} {'plain':>9s} {'fast':>9s}")
    for stage in STAGES:
        print(f"{stage:30s} {plain[f'{stage}_ms']:9.1f} {fast[f'{stage}_ms']:9.1f}")
    print(f"{'step':30s} {plain['step_ms']:9.1f} {fast['step_ms']:9.1f}")
    print(f"{'samples/s':30s} {plain['samples_per_s']:9.1f} {fast['samples_per_s']:9.1f}")
    print(f"\nfast / plain: {results['speedup']:.2f}x samples/s")
