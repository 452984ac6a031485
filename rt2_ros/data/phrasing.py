"""Instruction phrasings: a small grammar per task kind, a training split and held-out splits
(config/generalization.yaml, `phrasings`).

A split has templates per task kind and fillers. A template is a sentence with slots: {object}, {target},
{direction} (the task's names, the object's kind said with one of the split's synonyms: "red cube", "red box"),
{opener} and {closer} (politeness and framing: "could you ", " please"). One template drawn per command and
every slot filled at random gives thousands of wordings per skill from a few dozen templates: imperative and
goal-first sentences, statements of the wanted result, object-first ones. Where the recorder says which side of
the table an object lies on (`sides`), a split's `side` fillers may add it to the object's name ("the red block on
the left"): an absolute place, true of that object alone, never a comparison with the others (leftmost, nearest:
the relations concept, which only questions teach). Without it a model read "left" and "right" as push's
directions: told "pick up the leftmost block" the shipped second generation closed its gripper to push (measured,
docs/tiny-vla.md). A held-out split lists the words it
holds out (`held_out_words`): no training template or filler may use them (a test checks), so evaluation
wordings differ from training in whole templates and verbs, not only in sentences.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter

import numpy as np
import yaml

from rt2_ros.resources import resource_path
from rt2_ros.sim.privileged import TASK_KINDS, TaskState
from rt2_ros.sim.variation import GENERALIZATION_FILE

SLOTS = ("object", "target", "direction", "opener", "closer")
SIDE_MARGIN = 0.08  # m off the table's centre line (y = 0) before an object is said to lie on the left or right


@dataclass(frozen=True)
class PhrasingSplit:
    templates: dict[str, list[str]]  # task kind -> templates
    fillers: dict[str, list[str]] = field(default_factory=dict)  # opener, closer, and noun synonyms per kind
    held_out_words: tuple[str, ...] = ()  # words (lower case) no training wording may contain

    def nouns(self, kind: str) -> list[str]:
        """Ways to say an object kind ("block": block, cube, box); the kind itself when none are listed."""
        return self.fillers.get(kind) or [kind]


Phrasings = dict[str, PhrasingSplit]  # split name -> split


def load_phrasings(path: Path | None = None) -> Phrasings:
    """The `phrasings` section: every split names templates for every task kind, with known slots only."""
    path = path or resource_path("config", GENERALIZATION_FILE)
    with open(path) as stream:
        splits = (yaml.safe_load(stream) or {}).get("phrasings") or {}
    result = {}
    for name, values in splits.items():
        values = dict(values or {})
        fillers = {key: [str(word) for word in words] for key, words in (values.pop("fillers", None) or {}).items()}
        held_out = tuple(str(word).lower() for word in values.pop("held_out_words", None) or ())
        missing = [kind for kind in TASK_KINDS if not values.get(kind)]
        unknown = sorted(set(values) - set(TASK_KINDS))
        if missing or unknown:
            raise ValueError(f"{path}: phrasings {name!r}: no templates for {missing}, unknown keys {unknown}")
        templates = {kind: [str(text) for text in values[kind]] for kind in TASK_KINDS}
        for kind, texts in templates.items():
            for text in texts:
                slots = {slot for _, slot, _, _ in Formatter().parse(text) if slot is not None}
                if not slots <= set(SLOTS):
                    raise ValueError(f"{path}: phrasings {name!r}, {kind}: unknown slot in {text!r}")
        result[name] = PhrasingSplit(templates, fillers, held_out)
    return result


def table_side(y: float) -> str | None:
    """Which side of the table a position (base frame, m) lies on, as the robot sees it (REP 103: +y is left);
    None near the centre line."""
    if abs(y) <= SIDE_MARGIN:
        return None
    return "left" if y > 0 else "right"


def spoken(rng: np.random.Generator, name: str, split: PhrasingSplit, side: str | None = None) -> str:
    """An object's name as a command says it: its colour and one of the split's words for its kind, and, given the
    side of the table it lies on and a split with `side` fillers, maybe where it is ("red cube on the left")."""
    color, _, kind = name.partition(" ")
    nouns = split.nouns(kind)
    text = f"{color} {nouns[int(rng.integers(len(nouns)))]}"
    places = split.fillers.get("side")
    if side is not None and places:
        text += places[int(rng.integers(len(places)))].format(side=side)
    return text


def phrase(
    rng: np.random.Generator, task: TaskState, split: PhrasingSplit, sides: Mapping[str, str] | None = None
) -> str:
    """One of the task kind's templates, drawn by `rng`, its slots filled at random. `sides`: object name -> the
    side of the table it lies on (table_side), for the split's `side` fillers; without it nothing is drawn for them
    (the same wording as before for the same `rng`)."""
    return phrase_with_template(rng, task, split, sides)[0]


def phrase_with_template(
    rng: np.random.Generator, task: TaskState, split: PhrasingSplit, sides: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """phrase(), and the template the wording was drawn from (evaluation reports success per template)."""
    sides = sides or {}
    options = split.templates[task.kind]
    template = options[int(rng.integers(len(options)))]

    def choose(slot: str) -> str:
        words = split.fillers.get(slot) or [""]
        return words[int(rng.integers(len(words)))]

    text = template.format(
        object=spoken(rng, task.object, split, sides.get(task.object)),
        target=spoken(rng, task.target, split, sides.get(task.target)) if task.target else "",
        direction=task.direction or "",
        opener=choose("opener"),
        closer=choose("closer"),
    )
    return " ".join(text.split()), template
