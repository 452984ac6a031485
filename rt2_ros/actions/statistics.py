"""Per-dimension action statistics of an OpenVLA-style checkpoint (its `dataset_statistics.json`).

OpenVLA normalises each action dimension with the dataset's 1st and 99th percentiles,
n = 2 (a - q01) / (q99 - q01) - 1, clipped to [-1, 1], and un-normalises with the inverse,
a = 0.5 (n + 1) (q99 - q01) + q01. Dimensions whose `mask` entry is False (the gripper in the
released checkpoints) are passed through untouched in both directions.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class ActionStatistics:
    q01: np.ndarray  # (D,) 1st percentile per action dimension, dataset units
    q99: np.ndarray  # (D,) 99th percentile per action dimension, dataset units
    # (D,) bool: True = normalise this dimension with q01/q99; False = leave it as is. None: all True
    # (what OpenVLA assumes when a statistics file has no mask).
    mask: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        self.q01 = np.asarray(self.q01, dtype=float)
        self.q99 = np.asarray(self.q99, dtype=float)
        self.mask = np.ones(self.q01.shape, dtype=bool) if self.mask is None else np.asarray(self.mask)
        if self.q01.ndim != 1 or self.q01.shape != self.q99.shape or self.q01.shape != self.mask.shape:
            raise ValueError(
                f"action statistics need q01, q99 and mask of one shape (D,); got q01 {self.q01.shape}, "
                f"q99 {self.q99.shape}, mask {self.mask.shape}"
            )
        if self.mask.dtype != bool:
            raise ValueError(f"action statistics mask must be booleans; got {self.mask.tolist()}")
        for name, values in (("q01", self.q01), ("q99", self.q99)):
            if not np.all(np.isfinite(values)):
                raise ValueError(f"action statistics {name} must be finite; got {values.tolist()}")
        inverted = self.mask & (self.q01 > self.q99)
        if inverted.any():
            index = int(np.flatnonzero(inverted)[0])
            raise ValueError(
                f"action statistics dimension {index}: q01 {self.q01[index]} > q99 {self.q99[index]} "
                "(q01 must not exceed q99 where the mask normalises)"
            )

    @property
    def num_dimensions(self) -> int:
        return int(self.q01.shape[0])

    def normalize(self, actions: np.ndarray) -> np.ndarray:
        """(..., D) dataset units -> (..., D), masked dimensions in [-1, 1] (clipped), the rest unchanged.

        A dimension with q01 == q99 (constant in the data) normalises to 0, which un-normalises to q01.
        """
        actions = np.asarray(actions, dtype=float)
        span = self.q99 - self.q01  # (D,)
        safe_span = np.where(span > 0, span, 1.0)
        scaled = np.where(span > 0, 2.0 * (actions - self.q01) / safe_span - 1.0, 0.0)
        return np.where(self.mask, np.clip(scaled, -1.0, 1.0), actions)

    def unnormalize(self, normalized: np.ndarray) -> np.ndarray:
        """(..., D) normalised -> (..., D) dataset units; OpenVLA's predict_action formula."""
        normalized = np.asarray(normalized, dtype=float)
        return np.where(self.mask, 0.5 * (normalized + 1.0) * (self.q99 - self.q01) + self.q01, normalized)


def load_dataset_statistics(path: str | Path, unnorm_key: str | None = None) -> ActionStatistics:
    """The action statistics stored under `unnorm_key` in an OpenVLA `dataset_statistics.json`.

    The file maps dataset names to {"action": {"q01": [...], "q99": [...], "mask": [...], ...}, ...}.
    `unnorm_key` None is allowed only when the file holds exactly one dataset.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"dataset statistics file {path} not found")
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"dataset statistics file {path} is not valid JSON: {error}") from error
    if not isinstance(table, dict) or not table:
        raise ValueError(f"dataset statistics file {path} must map dataset names to statistics; it holds none")
    keys = sorted(table)
    if unnorm_key is None:
        if len(keys) != 1:
            raise ValueError(
                f"dataset statistics file {path} holds {len(keys)} datasets; choose one with unnorm_key: {keys}"
            )
        unnorm_key = keys[0]
    elif unnorm_key not in table:
        raise ValueError(f"unnorm_key {unnorm_key!r} is not in {path}; available: {keys}")
    entry = table[unnorm_key]
    action = entry.get("action") if isinstance(entry, dict) else None
    if not isinstance(action, dict):
        raise ValueError(f"dataset statistics {path} [{unnorm_key!r}] has no 'action' statistics")
    missing = [name for name in ("q01", "q99") if name not in action]
    if missing:
        raise ValueError(f"dataset statistics {path} [{unnorm_key!r}]['action'] lacks {missing}")
    try:
        return ActionStatistics(action["q01"], action["q99"], action.get("mask"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"dataset statistics {path} [{unnorm_key!r}]: {error}") from error
