"""`rt2-ros train CONFIG`: the training run's settings, from a YAML file in config/train/."""

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from rt2_ros.data.vqa import CONCEPTS, OPTIONAL_FAMILIES
from rt2_ros.policy.tiny.configuration_tiny import TinyVLAConfig


@dataclass
class DataConfig:
    robot: list[str] = field(default_factory=lambda: ["data/bags/training"])  # bag roots (rosbag2 folders under)
    scene_count: int = 0  # question-only scenes rendered into a cache of their own (0: none)
    scene_variation: str = "vqa_scenes"  # their variation in config/generalization.yaml
    scene_seed: int = 1
    cache: str = "data/cache"  # where decoded bags and scenes are cached
    question_share: float = 0.3  # of the robot steps in a batch, the share asked a question instead of acting
    scene_share: float = 0.2  # share of a batch drawn from the scenes (always questions)
    # Concept families of questions (rt2_ros.data.vqa.CONCEPTS), each the only teacher of an emergent evaluation
    # category; an ablation leaves some out; a family named n times is asked n times as often.
    concepts: list[str] = field(default_factory=lambda: list(CONCEPTS))
    # Question families asked only when named here (rt2_ros.data.vqa.OPTIONAL_FAMILIES: "can_put"), each as often
    # as a concept family.
    questions: list[str] = field(default_factory=list)
    # More commands per robot episode, drawn from the training phrasings for its task (rt2_ros/training/
    # rewording.py; 0: the recorded one only); a step says one of them or the recorded command, each as likely.
    rewordings: int = 0
    reword_sides: bool = True  # the new commands may say which side of the table an object lies on

    def __post_init__(self) -> None:
        if not self.robot:
            raise ValueError("data.robot: name at least one folder of bags")
        if self.scene_count < 0 or not 0 <= self.question_share <= 1 or not 0 <= self.scene_share < 1:
            raise ValueError("data: scene_count >= 0, question_share in [0, 1], scene_share in [0, 1)")
        if self.scene_share > 0 and self.scene_count == 0:
            raise ValueError("data.scene_share > 0 needs scene_count > 0")
        if self.rewordings < 0:
            raise ValueError("data.rewordings >= 0")
        if not set(self.concepts) <= set(CONCEPTS):
            raise ValueError(f"data.concepts {self.concepts}: each one of {CONCEPTS}")
        if not set(self.questions) <= set(OPTIONAL_FAMILIES):
            raise ValueError(f"data.questions {self.questions}: each one of {OPTIONAL_FAMILIES}")


@dataclass
class OptimConfig:
    steps: int = 20000  # optimiser steps in all
    batch_size: int = 64  # per process
    lr: float = 1e-3
    min_lr: float = 5e-5  # cosine decay ends here
    warmup: int = 500  # steps of linear warm-up
    weight_decay: float = 0.05
    grad_clip: float = 1.0
    label_sigma: float = 1.5  # bins: action targets are a Gaussian over neighbouring bins (they are ordinal)

    def __post_init__(self) -> None:
        if min(self.steps, self.batch_size) < 1 or not 0 < self.min_lr <= self.lr or self.warmup < 0:
            raise ValueError("optim: steps, batch_size >= 1; 0 < min_lr <= lr; warmup >= 0")
        if self.weight_decay < 0 or self.grad_clip <= 0 or self.label_sigma < 0:
            raise ValueError("optim: weight_decay >= 0, grad_clip > 0, label_sigma >= 0")


@dataclass
class LossWeights:
    action: float = 1.0
    answer: float = 1.0
    pointer: float = 0.5  # cell classification of each pointer role
    position: float = 0.5  # the pointer token's table position (per cm)
    yaw: float = 0.1
    # Each pointer role's query reading the words that name its object ("green block", "yellow bowl"): the mean
    # -log of the attention on them. 0 (off) in the recipes before it; see docs/tiny-vla.md#who-is-the-object.
    roles: float = 0.0


PRECISIONS = ("auto", "fp32", "bf16")


@dataclass
class SpeedConfig:
    """How a training step is computed; none of it changes what is computed beyond float rounding.

    `rt2-ros bench training` measures these settings against the plain path (fp32, NCHW, eager, batches made
    between steps) in one run; docs/benchmarks.md has the numbers.
    """

    # auto: bf16 autocast (fp32 master weights and optimiser) where the CPU multiplies bf16 natively (AMX or
    # AVX512-BF16) and on CUDA; fp32 elsewhere. bf16 / fp32 force one.
    precision: str = "auto"
    channels_last: bool = True  # conv features in NHWC, the layout oneDNN's convolutions work in
    compile: bool = False  # torch.compile the model (about 2 min of compiling on 2 cores: pays back in long runs)
    # Make the next batch on a thread while this one trains: for machines with cores to spare. On 2 cores it
    # takes a core from the step's threads (measured: 132 samples/s against 152 without it).
    prefetch: bool = False
    fused_optimizer: bool = True  # AdamW's fused kernel: one pass over the parameters instead of one per operation

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"speed.precision {self.precision!r}; expected one of {PRECISIONS}")


# The step as it was computed before the speed settings: the fast path's reference.
PLAIN_SPEED = SpeedConfig("fp32", channels_last=False, compile=False, prefetch=False, fused_optimizer=False)


@dataclass
class TrainConfig:
    name: str = "tiny_vla"
    output: str = "runs/tiny_vla"  # checkpoints and the exported model folder
    seed: int = 0
    device: str = "cpu"  # cpu | cuda (under torchrun: cuda:LOCAL_RANK)
    threads: int = 0  # torch CPU threads per process; 0 = the cores divided among the processes
    log_every: int = 50
    checkpoint_every: int = 500
    init: str = ""  # a model folder whose weights start the run (fine-tuning; "" = from scratch); same model config
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    loss: LossWeights = field(default_factory=LossWeights)
    speed: SpeedConfig = field(default_factory=SpeedConfig)
    model: dict[str, Any] = field(default_factory=dict)  # TinyVLAConfig fields that differ from the defaults

    def __post_init__(self) -> None:
        if self.log_every < 1 or self.checkpoint_every < 1 or self.threads < 0:
            raise ValueError("log_every and checkpoint_every must be >= 1, threads >= 0")
        if self.device.split(":")[0] not in ("cpu", "cuda"):
            raise ValueError(f"device {self.device!r}; expected cpu or cuda")
        self.model_config()  # a bad model field fails here, before any data is read

    def model_config(self) -> TinyVLAConfig:
        return TinyVLAConfig(**self.model)

    @classmethod
    def load(cls, path: Path) -> "TrainConfig":
        """From YAML; ValueError naming an unknown or bad key."""
        values = yaml.safe_load(Path(path).read_text()) or {}
        try:
            return _build(cls, values, "")
        except TypeError as error:
            raise ValueError(f"{path}: {error}") from error


def _build(kind: type, values: dict[str, Any], prefix: str) -> Any:
    known = {item.name: item for item in fields(kind)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"unknown keys {[prefix + name for name in unknown]}; expected some of {sorted(known)}")
    nested = {"data": DataConfig, "optim": OptimConfig, "loss": LossWeights, "speed": SpeedConfig}
    return kind(**{
        name: _build(nested[name], value or {}, f"{name}.") if name in nested and kind is TrainConfig else value
        for name, value in values.items()
    })  # fmt: skip
