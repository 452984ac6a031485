"""Vision-language questions from a step's ground truth, answered in the model's own tokens (RT-2's co-training).

"where is the red block?" is answered with two number tokens (its table x and y, binned like an action),
"which bowl is on the left?" with a colour word, "is the gripper holding the green block?" with yes or no.
A question about one object also names it for the pointer (`pointer_slot`), so the same grounding that finds
"the red block" for an action is trained by every question about it, including about colours no robot
episode shows.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from rt2_ros.data.cache import COLOR_NAMES, OBJECT_KINDS
from rt2_ros.policy.tiny.configuration_tiny import TinyVLAConfig
from rt2_ros.policy.tiny.processing_tiny import table_bins

QUESTION_KINDS = ("where", "exists", "count_color", "color_of", "bowl_side", "nearest", "holding", "count_blocks")


@dataclass(frozen=True)
class Question:
    text: str
    answer: tuple[str | int, ...]  # words and numbers, before <eos>
    pointer_slot: int = -1  # object slot the question is about (-1: none)


def all_question_texts() -> Iterator[str]:
    """Every text `ask` can produce (the language encoder embeds them once, ahead of training)."""
    for color in COLOR_NAMES:
        for kind in OBJECT_KINDS:
            yield f"where is the {color} {kind}?"
        yield f"is there a {color} block?"
        yield f"how many {color} objects are there?"
        yield f"which block is nearest the {color} bowl?"
        yield f"is the gripper holding the {color} block?"
    for kind in OBJECT_KINDS:
        yield f"what colour is the {kind}?"
    for side in ("left", "right"):
        yield f"which bowl is on the {side}?"
    yield "how many blocks are there?"


def ask(rng: np.random.Generator, row: dict[str, np.ndarray], config: TinyVLAConfig, robot: bool) -> Question:
    """A random question about one step's ground truth (`row`: the cache arrays at that step).

    `robot`: the step comes from an episode (the gripper may hold something), not from a single scene.
    """
    kinds = np.asarray(row["object_kind"])
    colors = np.asarray(row["object_color"])
    slots = np.flatnonzero(kinds >= 0)
    names = [(COLOR_NAMES[colors[slot]], OBJECT_KINDS[kinds[slot]]) for slot in slots]
    unique = [slot for slot, name in zip(slots, names, strict=True) if names.count(name) == 1]
    blocks = [slot for slot in slots if OBJECT_KINDS[kinds[slot]] == "block"]
    bowls = [slot for slot in slots if OBJECT_KINDS[kinds[slot]] == "bowl"]
    choices = ["where", "where", "exists", "count_color", "color_of", "nearest", "count_blocks"]
    choices += ["bowl_side"] if len(bowls) == 2 else []
    choices += ["holding", "holding"] if robot and row["task_object"] >= 0 else []
    question = str(rng.choice(choices))
    if question == "where" or (question == "color_of" and not _single_kinds(kinds, ("ball", "can"))):
        slot = int(rng.choice(unique))
        color, kind = COLOR_NAMES[colors[slot]], OBJECT_KINDS[kinds[slot]]
        x_bin, y_bin = table_bins(np.asarray(row["object_position"][slot][:2]), config)
        return Question(f"where is the {color} {kind}?", (int(x_bin), int(y_bin)), slot)
    if question == "color_of":
        kind = str(rng.choice(_single_kinds(kinds, ("ball", "can"))))
        slot = int(next(s for s in slots if OBJECT_KINDS[kinds[s]] == kind))
        return Question(f"what colour is the {kind}?", (COLOR_NAMES[colors[slot]],), slot)
    if question == "exists":
        color = str(rng.choice(COLOR_NAMES))
        present = [slot for slot in blocks if COLOR_NAMES[colors[slot]] == color]
        return Question(f"is there a {color} block?", ("yes" if present else "no",), present[0] if present else -1)
    if question == "count_color":
        color = COLOR_NAMES[colors[int(rng.choice(slots))]] if rng.random() < 0.8 else str(rng.choice(COLOR_NAMES))
        count = int(sum(COLOR_NAMES[colors[slot]] == color for slot in slots))
        return Question(f"how many {color} objects are there?", (count,))
    if question == "nearest":
        bowl = int(rng.choice(bowls))
        distances = [
            np.linalg.norm(row["object_position"][slot][:2] - row["object_position"][bowl][:2]) for slot in blocks
        ]
        nearest = blocks[int(np.argmin(distances))]
        return Question(
            f"which block is nearest the {COLOR_NAMES[colors[bowl]]} bowl?", (COLOR_NAMES[colors[nearest]],)
        )
    if question == "bowl_side":
        side = str(rng.choice(["left", "right"]))
        ys = [row["object_position"][slot][1] for slot in bowls]  # REP 103: +y is the robot's left
        slot = bowls[int(np.argmax(ys) if side == "left" else np.argmin(ys))]
        return Question(f"which bowl is on the {side}?", (COLOR_NAMES[colors[slot]],), slot)
    if question == "holding":
        task_object = int(row["task_object"])
        slot = task_object if rng.random() < 0.6 else int(rng.choice(blocks))
        held = bool(row["holding"]) and slot == task_object
        return Question(
            f"is the gripper holding the {COLOR_NAMES[colors[slot]]} block?", ("yes" if held else "no",), slot
        )
    return Question("how many blocks are there?", (len(blocks),))


def _single_kinds(kinds: np.ndarray, wanted: tuple[str, ...]) -> list[str]:
    """The kinds of `wanted` that appear exactly once."""
    return [kind for kind in wanted if int(np.sum(kinds == OBJECT_KINDS.index(kind))) == 1]
