"""Evaluation categories (config/generalization.yaml): a scene variation and a phrasing split each."""

from dataclasses import dataclass
from pathlib import Path

import yaml

from rt2_ros.data.phrasing import load_phrasings
from rt2_ros.evaluation.concepts import CONCEPT_COMMANDS
from rt2_ros.resources import resource_path
from rt2_ros.sim.variation import GENERALIZATION_FILE, load_variations


@dataclass(frozen=True)
class Category:
    name: str
    variation: str  # a variation of config/generalization.yaml (what the sim draws)
    phrasings: str  # a phrasing split (how the command is worded)
    retarget: bool = False  # pick_up only: the command names another block than the sim's task (commands.py)
    concept: str = ""  # an emergent category's concept (concepts.py): its commands, judged by their meaning


def load_categories(path: Path | None = None) -> dict[str, Category]:
    """The categories, in file order; ValueError naming one that refers to an unknown variation or split."""
    path = path or resource_path("config", GENERALIZATION_FILE)
    document = yaml.safe_load(Path(path).read_text()) or {}
    variations, phrasings = load_variations(path), load_phrasings(path)
    categories = {}
    for name, values in (document.get("categories") or {}).items():
        category = Category(name, str(values.get("variation", "")), str(values.get("phrasings", "")),
                            bool(values.get("retarget", False)), str(values.get("concept", "")))  # fmt: skip
        if category.concept and category.concept not in CONCEPT_COMMANDS:
            known = sorted(CONCEPT_COMMANDS)
            raise ValueError(f"{path}: category {name!r} names concept {category.concept!r}; known: {known}")
        if category.variation not in variations or category.phrasings not in phrasings:
            raise ValueError(
                f"{path}: category {name!r} names variation {category.variation!r} and phrasings "
                f"{category.phrasings!r}; known: {sorted(variations)}, {sorted(phrasings)}"
            )
        categories[name] = category
    return categories
