"""The one training loop: caches, batches, AdamW with warm-up and cosine decay, checkpoints, resume, DDP.

Single process: `rt2-ros train CONFIG`. Several: `torchrun --nproc_per_node N -m rt2_ros train CONFIG` runs
the same code; each process draws its own batches (seeded by its rank) and DistributedDataParallel averages
the gradients (gloo on CPU, nccl on CUDA). Rank 0 builds the caches, logs, and writes checkpoints.

A checkpoint (`<output>/checkpoint/`) is the model folder (config.json + model.safetensors) plus the
optimiser's state (optimizer.safetensors) and the step (trainer.json): safetensors only, nothing pickled.
`--resume` continues from it; the model folder alone is what policy_node loads.
"""

import json
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from rt2_ros.data.cache import build_bag_cache
from rt2_ros.data.scenes import build_scene_cache
from rt2_ros.policy.tiny.configuration_tiny import NUM_NUMBER_TOKENS, WEIGHTS_FILE, TinyVLAConfig
from rt2_ros.policy.tiny.modeling_tiny import TinyVLA, load_model
from rt2_ros.policy.tiny.processing_tiny import LanguageEncoder
from rt2_ros.training.batches import IGNORE, Batch, BatchMaker, TextBank, bank_texts
from rt2_ros.training.config import LossWeights, SpeedConfig, TrainConfig
from rt2_ros.training.rewording import rewordings

CHECKPOINT = "checkpoint"
OPTIMIZER_FILE = "optimizer.safetensors"
TRAINER_FILE = "trainer.json"


@dataclass
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_distributed(device: str) -> Distributed:
    """torchrun sets WORLD_SIZE, RANK and LOCAL_RANK; without them this is one process."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Distributed()
    backend = "nccl" if device.startswith("cuda") else "gloo"
    dist.init_process_group(backend)
    return Distributed(dist.get_rank(), world_size, int(os.environ.get("LOCAL_RANK", "0")))


def learning_rate(step: int, config: TrainConfig) -> float:
    optim = config.optim
    if step < optim.warmup:
        return optim.lr * (step + 1) / optim.warmup
    progress = min(1.0, (step - optim.warmup) / max(1, optim.steps - optim.warmup))
    return optim.min_lr + 0.5 * (optim.lr - optim.min_lr) * (1 + math.cos(math.pi * progress))


class Stopwatch:
    """Wall time per stage of training steps, for `rt2-ros bench training`: `lap(name)` ends a stage."""

    def __init__(self, device: torch.device) -> None:
        self.totals: dict[str, float] = {}
        self.device = device
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        now = time.perf_counter()
        self.totals[name] = self.totals.get(name, 0.0) + now - self._last
        self._last = now


def losses(
    model: TinyVLA, batch: Batch, weights: LossWeights, label_sigma: float, watch: Stopwatch | None = None
) -> dict[str, torch.Tensor]:
    """Every loss term (weighted, summed in 'total') of one batch; `watch` times the forward's stages."""
    prefix = model.encode_prefix(batch.images, batch.proprio, batch.text, batch.text_mask)
    if watch is not None:
        watch.lap("image encoder and pointers")
    logits = model(prefix, batch.decode_inputs).float()  # (B, T, V); fp32 for the losses under bf16 autocast
    if watch is not None:
        watch.lap("transformer")
    terms: dict[str, torch.Tensor] = {}
    acting, asking = batch.is_action, ~batch.is_action
    if acting.any():
        # Action bins are ordinal: the target is a Gaussian over the recorded bin's neighbours.
        number_logits = logits[acting][..., :NUM_NUMBER_TOKENS]  # (A, 8, 256)
        targets = batch.targets[acting]  # (A, 8)
        bins = torch.arange(NUM_NUMBER_TOKENS, device=targets.device)
        soft = torch.exp(-0.5 * ((bins - targets.unsqueeze(-1)) / max(label_sigma, 1e-3)) ** 2)
        soft = soft / soft.sum(-1, keepdim=True)
        terms["action"] = -(soft * number_logits.log_softmax(-1)).sum(-1).mean()
        terms["action_accuracy"] = (number_logits.argmax(-1) == targets).float().mean().detach()
    if asking.any():
        terms["answer"] = F.cross_entropy(
            logits[asking].flatten(0, 1), batch.targets[asking].flatten(), ignore_index=IGNORE
        )
    pointed = batch.pointer_cell != IGNORE  # (B, R)
    if pointed.any():
        pointing = prefix.pointing
        cell_logits, table_xyz = pointing.logits[pointed].float(), pointing.table_xyz[pointed].float()
        terms["pointer"] = F.cross_entropy(cell_logits, batch.pointer_cell[pointed])
        terms["pointer_error_cm"] = (table_xyz - batch.pointer_xyz[pointed]).norm(dim=-1).mean().detach() * 100
        terms["position"] = F.smooth_l1_loss(table_xyz * 100, batch.pointer_xyz[pointed] * 100)
        yaw = batch.pointer_yaw[pointed] * 4
        terms["yaw"] = F.mse_loss(pointing.yaw[pointed].float(), torch.stack([yaw.cos(), yaw.sin()], -1))
    labelled = batch.role_words.any(-1)  # (B, R)
    if labelled.any():
        read = (prefix.pointing.words.float() * batch.role_words).sum(-1)[labelled]  # (N,) attention on the words
        terms["roles"] = -read.clamp(min=1e-6).log().mean()
    terms["total"] = sum(getattr(weights, name) * terms[name] for name in ("action", "answer", "pointer", "position",
                                                                          "yaw", "roles") if name in terms)  # fmt: skip
    if watch is not None:
        watch.lap("losses")
    return terms


class LossModule(torch.nn.Module):
    """The model with its losses as forward(): what DistributedDataParallel wraps, so its gradient hooks see it all."""

    def __init__(self, model: TinyVLA, weights: LossWeights, label_sigma: float) -> None:
        super().__init__()
        self.model, self.weights, self.label_sigma = model, weights, label_sigma

    def forward(self, batch: Batch, watch: Stopwatch | None = None) -> dict[str, torch.Tensor]:
        return losses(self.model, batch, self.weights, self.label_sigma, watch)


def native_bf16(device: torch.device) -> bool:
    """Whether bf16 matrix work is done natively here: CUDA, or a CPU with AMX tiles or AVX512-BF16 (oneDNN uses
    them under autocast). Elsewhere bf16 would be emulated, slower than fp32."""
    if device.type == "cuda":
        return True
    return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())


def autocast_dtype(speed: SpeedConfig, device: torch.device) -> torch.dtype | None:
    """bf16 when the step runs under autocast, None for plain fp32."""
    if speed.precision == "bf16" or (speed.precision == "auto" and native_bf16(device)):
        return torch.bfloat16
    return None


def make_optimizer(model: TinyVLA, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW with weight decay on the matrices only (not norms, biases, embeddings, positions); its fused kernel
    when config.speed says (the same update, to float rounding)."""
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "pos" not in n and "embedding" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "pos" not in n and "embedding" not in n)]
    groups = [{"params": decay, "weight_decay": config.optim.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.optim.lr, betas=(0.9, 0.95), fused=config.speed.fused_optimizer)


class TrainingStep:
    """One optimiser step of the tiny VLA, computed as config.speed says (autocast, memory layout, compiled model);
    the loop and `rt2-ros bench training` run the same object."""

    def __init__(self, model: TinyVLA, optimizer: torch.optim.Optimizer, config: TrainConfig, world: Distributed):
        self.model, self.optimizer, self.config = model, optimizer, config
        self.device = next(model.parameters()).device
        self.dtype = autocast_dtype(config.speed, self.device)
        self.channels_last = config.speed.channels_last
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
        if config.speed.compile:
            # Methods, not the module: the state dict keeps its names. dynamic: the batch's text length varies.
            model.encode_prefix = torch.compile(model.encode_prefix, dynamic=True)
            model.forward = torch.compile(model.forward, dynamic=True)
        self.trained: torch.nn.Module = LossModule(model, config.loss, config.optim.label_sigma)
        if world.world_size > 1:
            self.trained = torch.nn.parallel.DistributedDataParallel(self.trained, find_unused_parameters=True)

    @property
    def precision(self) -> str:
        return "bf16 autocast" if self.dtype is not None else "fp32"

    def __call__(self, batch: Batch, lr: float, watch: Stopwatch | None = None) -> dict[str, torch.Tensor]:
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        batch = batch.to(self.device)
        if self.channels_last:
            batch.images = batch.images.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=self.dtype or torch.bfloat16, enabled=self.dtype is not None):
            terms = self.trained(batch, watch)
        self.optimizer.zero_grad(set_to_none=True)
        terms["total"].backward()
        if watch is not None:
            watch.lap("backward")
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.optim.grad_clip)
        self.optimizer.step()
        if watch is not None:
            watch.lap("optimiser")
        return terms


class Prefetcher:
    """Makes the next batch on a thread while the current one trains (numpy and torch release the GIL for most
    of the work); `enabled=False` makes each batch when it is asked for."""

    def __init__(self, make: Callable[[], Batch], enabled: bool) -> None:
        self._make = make
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="batches") if enabled else None
        self._next = self._pool.submit(make) if self._pool else None

    def __call__(self) -> Batch:
        if self._pool is None:
            return self._make()
        batch = self._next.result()
        self._next = self._pool.submit(self._make)
        return batch

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def save_checkpoint(
    folder: Path, model: TinyVLA, optimizer: torch.optim.Optimizer, step: int, config: TrainConfig
) -> None:
    """Write to a temporary folder, then swap it in: an interrupted save never leaves half a checkpoint."""
    staging = folder.with_name(folder.name + ".tmp")
    staging.mkdir(parents=True, exist_ok=True)
    export_model(staging, model)
    state = optimizer.state_dict()
    tensors = {
        f"{index}.{name}": value.contiguous()
        for index, values in state["state"].items()
        for name, value in values.items()
        if isinstance(value, torch.Tensor)
    }
    save_file(tensors, staging / OPTIMIZER_FILE)
    (staging / TRAINER_FILE).write_text(json.dumps({"step": step, "config": asdict(config)}, indent=1))
    if folder.exists():
        old = folder.with_name(folder.name + ".old")
        folder.rename(old)
        staging.rename(folder)
        for path in old.iterdir():
            path.unlink()
        old.rmdir()
    else:
        staging.rename(folder)


def export_model(folder: Path, model: TinyVLA) -> None:
    """The model folder policy_node loads: config.json and model.safetensors."""
    folder.mkdir(parents=True, exist_ok=True)
    model.config.save(folder)
    weights = {name: tensor.detach().contiguous().cpu() for name, tensor in model.state_dict().items()}
    weights.pop("head.weight", None)  # tied to token_embedding.weight
    save_file(weights, folder / WEIGHTS_FILE)


def load_optimizer(folder: Path, optimizer: torch.optim.Optimizer) -> int:
    """Load a checkpoint's optimiser state; the step to continue from."""
    stored = load_file(folder / OPTIMIZER_FILE)
    state = optimizer.state_dict()
    for key, tensor in stored.items():
        index, name = key.split(".", 1)
        state["state"].setdefault(int(index), {})[name] = tensor
    optimizer.load_state_dict(state)
    return int(json.loads((folder / TRAINER_FILE).read_text())["step"])


def train(
    config: TrainConfig, resume_run: bool = False, log: Callable[[str], None] = print, progress: bool = True
) -> dict[str, float]:
    """Run (or resume) the training; the last logged loss terms."""
    world = setup_distributed(config.device)
    device = torch.device(f"cuda:{world.local_rank}" if config.device.startswith("cuda") else "cpu")
    torch.set_num_threads(config.threads or max(1, (os.cpu_count() or 1) // world.world_size))
    torch.manual_seed(config.seed)
    model_config = config.model_config()
    output = Path(config.output)
    robot, scenes = prepare_data(config, model_config, world, log)
    data = config.data
    reworded = {}
    if data.rewordings:  # the same sentences in every process and on --resume: seeded by the config alone
        reworded = rewordings(robot, data.rewordings, seed=config.seed, sides=data.reword_sides)
        log(f"rewordings: {data.rewordings} more commands for each of {len(reworded)} episodes")
    bank = TextBank(
        LanguageEncoder(max_tokens=model_config.max_text_tokens),
        bank_texts([robot] + ([scenes] if scenes else []), reworded),
    )
    checkpoint = output / CHECKPOINT
    if resume_run and not (checkpoint / TRAINER_FILE).is_file():
        raise FileNotFoundError(f"--resume: no checkpoint in {checkpoint}")
    if resume_run:
        model = load_model(checkpoint, str(device)).train()
    elif config.init:
        model = initial_model(Path(config.init), model_config, device)
        log(f"weights from {config.init}")
    else:
        model = TinyVLA(model_config).to(device)
    optimizer = make_optimizer(model, config)
    start = 0
    if resume_run:
        start = load_optimizer(checkpoint, optimizer)
        log(f"resumed from step {start}")
    train_step = TrainingStep(model, optimizer, config, world)
    if world.main:
        speed = config.speed
        log(f"speed: {train_step.precision}, channels_last {speed.channels_last}, compile {speed.compile}, "
            f"prefetch {speed.prefetch}, {torch.get_num_threads()} threads")  # fmt: skip
    batches = BatchMaker(robot, scenes, bank, model_config, data.question_share, data.scene_share,
                         seed=config.seed * 1000 + world.rank + start, concepts=tuple(data.concepts),
                         rewordings=reworded, questions=tuple(data.questions))  # fmt: skip
    next_batch = Prefetcher(lambda: batches.make(config.optim.batch_size), config.speed.prefetch)
    bar = None
    if world.main and progress:
        from tqdm import tqdm

        bar = tqdm(total=config.optim.steps, initial=start, unit="step", desc="train")
    running: dict[str, list[float]] = {}
    last: dict[str, float] = {}
    started = time.perf_counter()
    for step in range(start, config.optim.steps):
        terms = train_step(next_batch(), learning_rate(step, config))
        for name, value in terms.items():
            running.setdefault(name, []).append(float(value.detach()))
        if bar is not None:
            bar.update(1)
        if (step + 1) % config.log_every == 0 or step + 1 == config.optim.steps:
            last = {name: float(np.mean(values)) for name, values in running.items()}
            running = {}
            if world.main:
                rate = (step + 1 - start) * config.optim.batch_size * world.world_size / (time.perf_counter() - started)
                text = " ".join(f"{name} {value:.4f}" for name, value in sorted(last.items()))
                log(f"step {step + 1} lr {learning_rate(step, config):.2e} {rate:.0f} samples/s {text}")
                if bar is not None:
                    bar.set_postfix(loss=f"{last['total']:.3f}")
        if world.main and ((step + 1) % config.checkpoint_every == 0 or step + 1 == config.optim.steps):
            save_checkpoint(checkpoint, model, optimizer, step + 1, config)
    next_batch.close()
    if bar is not None:
        bar.close()
    if world.world_size > 1:
        difference = rank_spread(model)  # every rank must end with rank 0's weights
        if world.main:
            log(f"ranks: {world.world_size} processes, largest parameter difference from rank 0: {difference:.3g}")
        dist.destroy_process_group()
        if difference > 0:
            raise RuntimeError(f"DDP ranks diverged: parameters differ by up to {difference:.3g}")
    if world.main:
        export_model(output / "model", model)
        log(f"model folder: {output / 'model'}")
    return last


# Config fields a fine-tune may change from its `init` (all else must be the same).
CHANGEABLE = ("film_condition",)


def initial_model(folder: Path, model_config: TinyVLAConfig, device: torch.device) -> TinyVLA:
    """A trained model to fine-tune (`init`): refused, with the fields that differ, unless its config is this run's
    but for CHANGEABLE fields. A change of what FiLM reads keeps every weight but FiLM's input layer's, which keeps
    the columns of what both read (carry_film_input)."""
    model = load_model(folder, str(device))
    differ = sorted(name for name, value in vars(model_config).items() if getattr(model.config, name) != value)
    if set(differ) - set(CHANGEABLE):
        raise ValueError(f"init {folder}: its model differs from this run's in {differ}; fine-tuning needs the same")
    if differ:
        fresh = TinyVLA(model_config).to(device)
        weights = {name: value for name, value in model.state_dict().items() if not name.startswith("sentence.")}
        fresh.load_state_dict(weights, strict=False)
        carry_film_input(model, fresh)
        model = fresh
    return model.train()


@torch.no_grad()
def carry_film_input(trained: TinyVLA, fresh: TinyVLA) -> None:
    """FiLM's input layer across a change of `film_condition`: the columns of the parts both models read are
    copied, with the bias, and a new part's columns start at zero, so "sentence" -> "both" starts as the trained
    model and learns to use the roles. With no part in common the layer keeps this run's seeded draw."""
    old_parts, new_parts = trained.film_columns, fresh.film_columns
    shared = old_parts.keys() & new_parts.keys()
    if not shared:
        return
    old_layer, new_layer = trained.sentence[0], fresh.sentence[0]
    new_layer.weight.zero_()
    new_layer.bias.copy_(old_layer.bias)
    for part in shared:
        new_layer.weight[:, new_parts[part]] = old_layer.weight[:, old_parts[part]]


def rank_spread(model: torch.nn.Module) -> float:
    """The largest difference between any rank's parameters and rank 0's (0.0 when DDP kept them in step)."""
    flat = torch.cat([parameter.detach().flatten().float() for parameter in model.parameters()])  # (N,), on its device
    reference = flat.clone()
    dist.broadcast(reference, src=0)
    spread = (flat - reference).abs().max()
    dist.all_reduce(spread, op=dist.ReduceOp.MAX)
    return float(spread)


def prepare_data(config: TrainConfig, model_config: TinyVLAConfig, world: Distributed, log: Callable[[str], None]):
    """(robot cache, scene cache or None). Rank 0 builds what is missing while the others wait."""
    cache_root = Path(config.data.cache)
    robot_roots = [Path(root) for root in config.data.robot]
    if len(robot_roots) != 1:
        raise ValueError("data.robot: one folder of bags (put several recordings under one folder)")
    robot_folder = cache_root / f"robot_{robot_roots[0].name}_{model_config.image_size}"
    scene_folder = (
        cache_root / f"scenes_{config.data.scene_variation}_{config.data.scene_count}_{model_config.image_size}"
    )

    def build() -> tuple:
        robot = build_bag_cache(robot_roots[0], robot_folder, model_config)
        scenes = None
        if config.data.scene_count:
            scenes = build_scene_cache(scene_folder, model_config, config.data.scene_count,
                                       config.data.scene_variation, config.data.scene_seed)  # fmt: skip
        return robot, scenes

    if world.main:
        robot, scenes = build()
        log(f"data: {len(robot)} robot steps" + (f", {len(scenes)} scenes" if scenes else ""))
    if world.world_size > 1:
        dist.barrier()
        if not world.main:
            robot, scenes = build()  # up to date now: only loaded
    return robot, scenes
