"""Vision-language questions from a step's ground truth, answered in the model's own tokens (RT-2's co-training).

"where is the red block?" is answered with two number tokens (its table x and y, binned like an action),
"which bowl is on the left?" with a colour word, "is the gripper holding the green block?" with yes or no.
A question also names what its pointers should look at, in the roles a command gives them (`pointers`:
object, target): "where is the red block?" points the object pointer at it, "which bowl matches the red
block?" the object pointer at the block and the target pointer at the matching bowl, as "put the red block in
the matching bowl" would; "where is the H?" points the target pointer at the H marker, as "move the red block
to the H" would, and "is the red block near the H?" both, in a command's order. So the grounding an action uses
is trained by every question, including about concepts no robot episode shows.

Those concepts come in families (`CONCEPTS`), each the only teacher of an emergent evaluation category:
matching (a bowl of the same colour as a block), relations (the block nearest a bowl, the leftmost and
rightmost block, the block between the bowls), symbols (markers with letters, digits and shapes; sums of two
numbers), languages (questions in Spanish, French and German). `ask` draws from the families it is given:
leaving one out is the ablation of that category. OPTIONAL_FAMILIES are asked only when a run names them: affordance
questions in a command's words (can_put) and matching's contrast, the bowl of a different colour (different).
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from rt2_ros.data import languages
from rt2_ros.data.cache import COLOR_NAMES, OBJECT_KINDS
from rt2_ros.policy.tiny.configuration_tiny import TinyVLAConfig
from rt2_ros.policy.tiny.processing_tiny import table_bins
from rt2_ros.sim.scene import DIGITS, SYMBOLS

CONCEPTS = ("matching", "relations", "symbols", "languages")
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
NEAR = 0.10  # m between centres: "near" (the sim's move_near success distance)
PAIRABLE = ("block", "bowl")  # what "is the ... near the ...?" asks about
CLEAR = 0.03  # m: a relation is asked only when the answer beats the runner-up by this much
WHERE_SYMBOL = ("where is the {name}?", "where is the {kind} {name}?")  # kind: letter, number, shape (omitted)
MATCHING = ("which bowl matches the {object}?", "which bowl has the same colour as the {object}?",
            "which bowl is the same colour as the {object}?")  # fmt: skip
NEAREST = ("which block is nearest the {bowl}?", "which block is closest to the {bowl}?")
EXTREMES = {"left": ("which block is leftmost?", "which block is furthest to the left?"),
            "right": ("which block is rightmost?", "which block is furthest to the right?")}  # fmt: skip
BETWEEN = ("which block is between the two bowls?",)
# The same relations as a referring expression, answered with where the block is (as "where is the red block?" is):
# "where is the block closest to the white bowl?" names the block the way a command would.
WHERE_RELATION = "where is the {referent}?"
REFERENTS = {"nearest": ("block nearest the {bowl}", "block closest to the {bowl}"),
             "left": ("leftmost block", "block furthest to the left"),
             "right": ("rightmost block", "block furthest to the right"),
             "between": ("block between the two bowls",)}  # fmt: skip
SUMS = ("what is {a} plus {b}?", "what is the sum of {a} and {b}?")
WHERE_SUM = ("where is {a} plus {b}?", "where is the sum of {a} and {b}?")
NEAREST_SYMBOL = ("which symbol is nearest the {object}?",)
IS_NEAR = ("is the {object} near the {other}?",)
# A block and a marker in a command's order (object, then target), as "move the red block to the H" names them.
NEAR_SYMBOL = ("is the {object} near the {symbol}?", "is the {object} next to the {symbol}?")
# Affordance questions in a command's own words (RoboVQA asks "can you ...?"): "can you put the green block in the
# green bowl?" points the pointers as the command would, for any block and bowl in view, a bowl of the block's own
# colour as often as any other (no robot episode pairs them: their commands point the target at another bowl). Not
# more often: a fine-tune that asked about that pair half the time it was in view learned to send a block to the
# bowl of its colour whatever the command said.
CAN_PUT = ("can you put the {object} in the {bowl}?", "could you place the {object} into the {bowl}?")
# Matching's contrast: the other bowl, where one bowl has the block's colour and one does not. Asked beside the
# matching questions, it makes "the same" and "a different" colour two answers to tell apart, where the matching
# questions alone teach an association (a bowl said without a colour is the bowl of the sentence's one colour)
# that sends a block to its own colour's bowl whichever of the two a command says.
DIFFERENT = ("which bowl has a different colour from the {object}?", "which bowl does not match the {object}?")
# Families a run asks only when its config names them (data.questions), so older recipes keep their mix.
OPTIONAL_FAMILIES = ("can_put", "different")


@dataclass(frozen=True)
class Question:
    text: str
    answer: tuple[str | int, ...]  # words and numbers, before <eos>
    pointers: tuple[int, int] = (-1, -1)  # object slots for the object and the target pointer (-1: none)


def symbol_kind(symbol: str) -> str:
    return "number" if symbol in DIGITS else ("letter" if len(symbol) == 1 else "shape")


def symbol_answer(symbol: str) -> str | int:
    """A symbol as an answer token: digits are number tokens, letters and shapes words."""
    return int(symbol) if symbol in DIGITS else symbol


def symbol_names(symbol: str) -> tuple[str, ...]:
    """How a question names a marker: 'H' or 'letter H', '3' or 'number 3', 'star'."""
    kind = symbol_kind(symbol)
    return (symbol,) if kind == "shape" else (symbol, f"{kind} {symbol}")


SUM_PAIRS = tuple((a, b) for a in range(1, 9) for b in range(1, 9) if a + b <= 9)  # sums a marker can show


def all_question_texts() -> Iterator[str]:
    """Every text `ask` can produce (the language encoder embeds them once, ahead of training)."""
    objects = [f"{color} {kind}" for color in COLOR_NAMES for kind in OBJECT_KINDS if kind != "marker"]
    pairable = [f"{color} {kind}" for color in COLOR_NAMES for kind in PAIRABLE]
    for color in COLOR_NAMES:
        yield f"is there a {color} block?"
        yield f"how many {color} objects are there?"
        yield f"is the gripper holding the {color} block?"
        for template in NEAREST:
            yield template.format(bowl=f"{color} bowl")
        for template in (*MATCHING, *DIFFERENT, *NEAREST_SYMBOL):
            yield template.format(object=f"{color} block")
        yield f"is there a bowl of the same colour as the {color} block?"
        for bowl in COLOR_NAMES:
            yield from (template.format(object=f"{color} block", bowl=f"{bowl} bowl") for template in CAN_PUT)
    for name in objects:
        yield f"where is the {name}?"
    for name in pairable:
        for other in pairable:
            yield IS_NEAR[0].format(object=name, other=other)
    for kind in OBJECT_KINDS[1:4]:
        yield f"what colour is the {kind}?"
    for side in ("left", "right"):
        yield f"which bowl is on the {side}?"
        yield from EXTREMES[side]
    yield from BETWEEN
    for relation, referents in REFERENTS.items():
        bowls = [f"{color} bowl" for color in COLOR_NAMES] if relation == "nearest" else [""]
        for referent in referents:
            yield from (WHERE_RELATION.format(referent=referent.format(bowl=bowl)) for bowl in bowls)
    yield "how many blocks are there?"
    for symbol in SYMBOLS:
        yield WHERE_SYMBOL[0].format(name=symbol)
        yield " ".join(WHERE_SYMBOL[1].format(kind=symbol_kind(symbol), name=symbol).split())
        for color in COLOR_NAMES:
            for name in symbol_names(symbol):
                for template in NEAR_SYMBOL:
                    yield template.format(object=f"{color} block", symbol=name)
    for a, b in SUM_PAIRS:
        for template in (*SUMS, *WHERE_SUM):
            yield template.format(a=NUMBER_WORDS[a], b=NUMBER_WORDS[b])
    for language in languages.LANGUAGES:
        for name in objects:
            yield languages.question(language, "where", object=name)
        for color in COLOR_NAMES:
            yield languages.question(language, "exists", indefinite=f"{color} block")
        for kind in OBJECT_KINDS[1:4]:
            yield languages.question(language, "color_of", kind=kind)
        for side in ("left", "right"):
            yield languages.question(language, "bowl_side", side=side)
        for name in pairable:
            for other in pairable:
                yield languages.question(language, "near", object=name, target=other)


class Scene:
    """One step's objects, from its cache row."""

    def __init__(self, row: dict[str, np.ndarray]) -> None:
        self.row = row
        kinds = np.asarray(row["object_kind"])
        self.slots = [int(slot) for slot in np.flatnonzero(kinds >= 0)]
        self.kind = {slot: OBJECT_KINDS[kinds[slot]] for slot in self.slots}
        self.color = {slot: COLOR_NAMES[row["object_color"][slot]] for slot in self.slots}
        symbols = row.get("object_symbol", np.full(len(kinds), -1))
        self.symbol = {slot: SYMBOLS[symbols[slot]] for slot in self.slots if symbols[slot] >= 0}
        self.position = {slot: np.asarray(row["object_position"][slot][:2], dtype=float) for slot in self.slots}
        self.blocks = [slot for slot in self.slots if self.kind[slot] == "block"]
        self.bowls = [slot for slot in self.slots if self.kind[slot] == "bowl"]
        self.markers = sorted(self.symbol)
        self.things = [slot for slot in self.slots if self.kind[slot] != "marker"]
        names = [self.name(slot) for slot in self.things]
        self.unique = [slot for slot, name in zip(self.things, names, strict=True) if names.count(name) == 1]

    def name(self, slot: int) -> str:
        return f"{self.color[slot]} {self.kind[slot]}"

    def distance(self, first: int, second: int) -> float:
        return float(np.linalg.norm(self.position[first] - self.position[second]))

    def clearly_first(self, slots: list[int], score) -> int | None:
        """The slot with the lowest score, when it beats the runner-up by CLEAR; None otherwise."""
        ranked = sorted(slots, key=score)
        if not ranked or (len(ranked) > 1 and score(ranked[1]) - score(ranked[0]) < CLEAR):
            return None
        return ranked[0]


def ask(
    rng: np.random.Generator,
    row: dict[str, np.ndarray],
    config: TinyVLAConfig,
    robot: bool,
    concepts: tuple[str, ...] = CONCEPTS,
    optional: tuple[str, ...] = (),
) -> Question:
    """A random question about one step's ground truth (`row`: the cache arrays at that step).

    `robot`: the step comes from an episode (the gripper may hold something), not from a single scene.
    `concepts`: the concept families that may be asked (CONCEPTS; the ablation leaves some out); a family named
    n times is drawn n times as often. `optional`: OPTIONAL_FAMILIES to ask too, each as often as a concept.
    """
    scene = Scene(row)
    families = ["where", "where", "exists", "count_color", "color_of", "count_blocks", "is_near"]
    families += ["bowl_side"] if len(scene.bowls) == 2 else []
    families += ["holding", "holding"] if robot and row["task_object"] >= 0 else []
    families += [
        family for family in (*CONCEPTS, *OPTIONAL_FAMILIES) for _ in range(2 * (concepts + optional).count(family))
    ]
    for _ in range(8):  # a concept a scene cannot answer (no marker, no clear relation) is drawn again
        question = FAMILIES[str(rng.choice(families))](rng, scene, config)
        if question is not None:
            return question
    return _where(rng, scene, config)


def _where(rng, scene: Scene, config) -> Question:
    slot = int(rng.choice(scene.unique))
    return Question(f"where is the {scene.name(slot)}?", _bins(scene, slot, config), (slot, -1))


def _bins(scene: Scene, slot: int, config) -> tuple[int, int]:
    x_bin, y_bin = table_bins(scene.position[slot], config)
    return int(x_bin), int(y_bin)


def _exists(rng, scene: Scene, config) -> Question:
    color = str(rng.choice(COLOR_NAMES))
    present = [slot for slot in scene.blocks if scene.color[slot] == color]
    return Question(f"is there a {color} block?", ("yes" if present else "no",), (present[0] if present else -1, -1))


def _count_color(rng, scene: Scene, config) -> Question:
    things = scene.things
    color = scene.color[int(rng.choice(things))] if rng.random() < 0.8 else str(rng.choice(COLOR_NAMES))
    return Question(f"how many {color} objects are there?", (sum(scene.color[slot] == color for slot in things),))


def _color_of(rng, scene: Scene, config) -> Question | None:
    single = [kind for kind in ("ball", "can") if sum(scene.kind[slot] == kind for slot in scene.slots) == 1]
    if not single:
        return None
    kind = str(rng.choice(single))
    slot = next(slot for slot in scene.slots if scene.kind[slot] == kind)
    return Question(f"what colour is the {kind}?", (scene.color[slot],), (slot, -1))


def _count_blocks(rng, scene: Scene, config) -> Question:
    return Question("how many blocks are there?", (len(scene.blocks),))


def _is_near(rng, scene: Scene, config) -> Question | None:
    pairable = [slot for slot in scene.unique if scene.kind[slot] in PAIRABLE]
    first, second = (int(slot) for slot in rng.choice(pairable, size=2, replace=False))
    near = scene.distance(first, second) < NEAR
    if not near and rng.random() < 0.5:  # about as many yes as no: ask about the nearest other instead
        second = min((slot for slot in pairable if slot != first), key=lambda slot: scene.distance(first, slot))
        near = scene.distance(first, second) < NEAR
    text = IS_NEAR[0].format(object=scene.name(first), other=scene.name(second))
    return Question(text, ("yes" if near else "no",), (first, second))


def _bowl_side(rng, scene: Scene, config) -> Question:
    side = str(rng.choice(["left", "right"]))
    ys = [scene.position[slot][1] for slot in scene.bowls]  # REP 103: +y is the robot's left
    slot = scene.bowls[int(np.argmax(ys) if side == "left" else np.argmin(ys))]
    return Question(f"which bowl is on the {side}?", (scene.color[slot],), (slot, -1))


def _holding(rng, scene: Scene, config) -> Question:
    task_object = int(scene.row["task_object"])
    slot = task_object if rng.random() < 0.6 else int(rng.choice(scene.blocks))
    held = bool(scene.row["holding"]) and slot == task_object
    return Question(f"is the gripper holding the {scene.color[slot]} block?", ("yes" if held else "no",), (slot, -1))


def _matching(rng, scene: Scene, config) -> Question:
    block = int(rng.choice(scene.blocks))
    color = scene.color[block]
    bowl = next((slot for slot in scene.bowls if scene.color[slot] == color), None)
    if bowl is None or rng.random() < 0.25:
        text = f"is there a bowl of the same colour as the {color} block?"
        return Question(text, ("yes" if bowl is not None else "no",), (block, -1 if bowl is None else bowl))
    template = MATCHING[int(rng.integers(len(MATCHING)))]
    return Question(template.format(object=f"{color} block"), (color,), (block, bowl))


def _can_put(rng, scene: Scene, config) -> Question | None:
    """Whether a block can go into a bowl: yes when both are in view (pointers on both), no when the bowl is not.
    The bowl is drawn uniformly: its colour says nothing about the block's."""
    blocks = [slot for slot in scene.blocks if slot in scene.unique]
    bowls = [slot for slot in scene.bowls if slot in scene.unique]
    if not blocks or not bowls:
        return None
    block = int(rng.choice(blocks))
    template = CAN_PUT[int(rng.integers(len(CAN_PUT)))].format(object=scene.name(block), bowl="{bowl}")
    absent = [color for color in COLOR_NAMES if all(scene.color[slot] != color for slot in scene.bowls)]
    if absent and rng.random() < 0.25:
        return Question(template.format(bowl=f"{rng.choice(absent)} bowl"), ("no",), (block, -1))
    bowl = int(rng.choice(bowls))
    return Question(template.format(bowl=scene.name(bowl)), ("yes",), (block, bowl))


def _different(rng, scene: Scene, config) -> Question | None:
    """The bowl of another colour than a block's, for a block whose own colour's bowl is in view beside exactly
    one other (so the answer is one bowl); the matching question on the same scene names the first."""
    if len(scene.bowls) != 2:
        return None
    pairs = []
    for block in (slot for slot in scene.blocks if slot in scene.unique):
        others = [slot for slot in scene.bowls if scene.color[slot] != scene.color[block]]
        if len(others) == 1:
            pairs.append((block, others[0]))
    if not pairs:
        return None
    block, bowl = pairs[int(rng.integers(len(pairs)))]
    template = DIFFERENT[int(rng.integers(len(DIFFERENT)))]
    return Question(template.format(object=f"{scene.color[block]} block"), (scene.color[bowl],), (block, bowl))


def _relations(rng, scene: Scene, config) -> Question | None:
    relation = str(rng.choice(["nearest", "left", "right", "between"]))
    if relation == "nearest":
        bowl = int(rng.choice(scene.bowls))
        block = scene.clearly_first(scene.blocks, lambda slot: scene.distance(slot, bowl))
        template = NEAREST[int(rng.integers(len(NEAREST)))]
        text = template.format(bowl=scene.name(bowl))
    elif relation in ("left", "right"):
        sign = -1.0 if relation == "left" else 1.0  # leftmost: the largest y
        block = scene.clearly_first(scene.blocks, lambda slot: sign * scene.position[slot][1])
        text = str(rng.choice(EXTREMES[relation]))
    else:
        if len(scene.bowls) != 2:
            return None
        middle = (scene.position[scene.bowls[0]] + scene.position[scene.bowls[1]]) / 2
        block = scene.clearly_first(scene.blocks, lambda slot: float(np.linalg.norm(scene.position[slot] - middle)))
        text = BETWEEN[0]
    if block is None:
        return None
    if rng.random() < 0.5:  # as a referring expression: where the block is, as a command names it
        referents = REFERENTS[relation]
        referent = referents[int(rng.integers(len(referents)))]
        if relation == "nearest":
            referent = referent.format(bowl=scene.name(bowl))
        return Question(WHERE_RELATION.format(referent=referent), _bins(scene, block, config), (block, -1))
    return Question(text, (scene.color[block],), (block, -1))


def _symbols(rng, scene: Scene, config) -> Question | None:
    if not scene.markers:
        return None
    form = str(rng.choice(["where", "where", "nearest", "near", "sum", "where_sum"]))
    if form == "sum":
        a, b = SUM_PAIRS[int(rng.integers(len(SUM_PAIRS)))]
        template = SUMS[int(rng.integers(len(SUMS)))]
        return Question(template.format(a=NUMBER_WORDS[a], b=NUMBER_WORDS[b]), (a + b,))
    if form == "where_sum":
        digits = [slot for slot in scene.markers if scene.symbol[slot] in DIGITS and int(scene.symbol[slot]) >= 2]
        if not digits:
            return None
        marker = int(rng.choice(digits))
        total = int(scene.symbol[marker])
        a = int(rng.integers(1, total))
        template = WHERE_SUM[int(rng.integers(len(WHERE_SUM)))]
        text = template.format(a=NUMBER_WORDS[a], b=NUMBER_WORDS[total - a])
        return Question(text, _bins(scene, marker, config), (-1, marker))
    if form == "near":
        block = int(rng.choice(scene.blocks))
        marker = int(rng.choice(scene.markers))
        if rng.random() < 0.5:  # about as many yes as no: often the marker nearest the block
            marker = min(scene.markers, key=lambda slot: scene.distance(slot, block))
        names = symbol_names(scene.symbol[marker])
        text = NEAR_SYMBOL[int(rng.integers(len(NEAR_SYMBOL)))].format(
            object=scene.name(block), symbol=names[int(rng.integers(len(names)))]
        )
        return Question(text, ("yes" if scene.distance(block, marker) < NEAR else "no",), (block, marker))
    if form == "nearest":
        block = int(rng.choice(scene.blocks))
        marker = scene.clearly_first(scene.markers, lambda slot: scene.distance(slot, block))
        if marker is None:
            return None
        text = NEAREST_SYMBOL[0].format(object=scene.name(block))
        return Question(text, (symbol_answer(scene.symbol[marker]),), (block, marker))
    marker = int(rng.choice(scene.markers))
    symbol = scene.symbol[marker]
    template = WHERE_SYMBOL[int(rng.integers(len(WHERE_SYMBOL)))]
    text = " ".join(template.format(kind=symbol_kind(symbol), name=symbol).split())
    return Question(text, _bins(scene, marker, config), (-1, marker))


def _languages(rng, scene: Scene, config) -> Question | None:
    language = str(rng.choice(languages.LANGUAGES))
    form = str(rng.choice(["where", "where", "exists", "color_of", "bowl_side", "near"]))
    if form == "where":
        slot = int(rng.choice(scene.unique))
        return Question(languages.question(language, "where", object=scene.name(slot)), _bins(scene, slot, config),
                        (slot, -1))  # fmt: skip
    if form == "near":  # two objects in a command's order, as "pon el bloque rojo cerca del bloque azul" says them
        english = _is_near(rng, scene, config)
        first, second = english.pointers
        text = languages.question(language, "near", object=scene.name(first), target=scene.name(second))
        return Question(text, english.answer, english.pointers)
    if form == "exists":
        english = _exists(rng, scene, config)
        color = english.text.split()[3]
        return Question(languages.question(language, "exists", indefinite=f"{color} block"), english.answer,
                        english.pointers)  # fmt: skip
    if form == "color_of":
        english = _color_of(rng, scene, config)
        if english is None:
            return None
        kind = english.text.split()[-1].rstrip("?")
        return Question(languages.question(language, "color_of", kind=kind), english.answer, english.pointers)
    if len(scene.bowls) != 2:
        return None
    english = _bowl_side(rng, scene, config)
    side = english.text.split()[-1].rstrip("?")
    return Question(languages.question(language, "bowl_side", side=side), english.answer, english.pointers)


FAMILIES = {
    "where": _where, "exists": _exists, "count_color": _count_color, "color_of": _color_of,
    "count_blocks": _count_blocks, "is_near": _is_near, "bowl_side": _bowl_side, "holding": _holding,
    "matching": _matching, "relations": _relations, "symbols": _symbols, "languages": _languages,
    "can_put": _can_put, "different": _different,
}  # fmt: skip
