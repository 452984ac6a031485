"""Instruction phrasings: templates per task kind, a training set and a held-out set (config/generalization.yaml)."""

from pathlib import Path

import numpy as np
import yaml

from rt2_ros.resources import resource_path
from rt2_ros.sim.privileged import TASK_KINDS, TaskState
from rt2_ros.sim.variation import GENERALIZATION_FILE

Phrasings = dict[str, dict[str, list[str]]]  # split -> task kind -> templates


def load_phrasings(path: Path | None = None) -> Phrasings:
    """The `phrasings` section: every split names templates for every task kind; ValueError otherwise."""
    path = path or resource_path("config", GENERALIZATION_FILE)
    with open(path) as stream:
        splits = (yaml.safe_load(stream) or {}).get("phrasings") or {}
    for split, kinds in splits.items():
        missing = [kind for kind in TASK_KINDS if not (kinds or {}).get(kind)]
        if missing:
            raise ValueError(f"{path}: phrasings {split!r} has no templates for {missing}")
    return splits


def fill(template: str, task: TaskState) -> str:
    """The template with the task's object, target and direction names."""
    return template.format(object=task.object, target=task.target or "", direction=task.direction or "")


def phrase(rng: np.random.Generator, task: TaskState, templates: dict[str, list[str]]) -> str:
    """One of the task kind's templates, drawn by `rng`, filled in."""
    options = templates[task.kind]
    return fill(options[int(rng.integers(len(options)))], task)
