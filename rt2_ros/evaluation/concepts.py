"""Commands of the emergent categories, and what they mean in the scene (RT-2's emergent skills in miniature).

No robot episode says any of these (a test checks the training phrasings); the concepts reach the model only
through questions (rt2_ros.data.vqa). Each command is made from the scene's ground truth when it is said, and
judged by what the sentence means, not by the sim's own task:

    matching   "put the red block in the bowl of the same colour": the red block rests in the red bowl
    different  "put the red block in the bowl of a different colour", on the same scenes (a red bowl and one
               other): the red block rests in the other bowl. Matching's contrast: a model that sends a block to
               its own colour's bowl whenever a command names no bowl colour scores on matching, not here
    relations  "pick up the block closest to the white bowl", "... the leftmost block", "... between the two
               bowls": the block that answers it (with a clear margin when said) is lifted
    symbols    "move the red block to the H", "... to the 3", "... to the sum of one plus two", "... next to the
               star" (move near's verbs, with a goal only the questions name): the block rests, let go, near that
               marker (within NEAR_DISTANCE of its centre, as move near is judged) and nearer it than any other
    languages  the four skills said in Spanish, French or German: the sim's own task succeeds
    impossible "pick up the purple block" with none on the table, "... the pink block" (a colour the sim never
               draws), a sentence that asks for nothing: done when the episode's time ran out with nothing lifted
               and nothing moved more than MOVED (judged at the end, not during the episode)
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from rt2_ros.data import languages
from rt2_ros.data.phrasing import PhrasingSplit, phrase
from rt2_ros.data.vqa import CLEAR, NUMBER_WORDS, symbol_names
from rt2_ros.sim.privileged import PrivilegedState, TaskState
from rt2_ros.sim.scene import BLOCK_COLORS, DIGITS
from rt2_ros.sim.tasks import NEAR_DISTANCE, draw_far, is_success, lifted, planar_distance, released, resting

MOVED = 0.03  # m an object may be nudged in an impossible command's episode (the arm passing by)
NEVER_DRAWN = ("pink", "brown", "grey", "cyan", "magenta")  # colours no scene has
NONSENSE = (
    "the moon is made of cheese",
    "sing me a song about the sea",
    "what time is it in Paris",
    "the sky is full of violins",
    "tell me a joke",
)
MATCHING = (
    "put the {object} in the bowl of the same colour",
    "place the {object} into the matching bowl",
    "put the {object} in the bowl that matches it",
    "drop the {object} into the bowl with the same colour as it",
)
DIFFERENT = (
    "put the {object} in the bowl of a different colour",
    "place the {object} into the bowl that does not match it",
    "put the {object} in the bowl whose colour is not its own",
    "drop the {object} into the bowl with a different colour from it",
)
RELATIONS = {
    "nearest": ("pick up the block closest to the {bowl}", "lift the block that is nearest the {bowl}"),
    "left": ("pick up the leftmost block", "grab the block furthest to the left"),
    "right": ("pick up the rightmost block", "lift the block furthest to the right"),
    "between": ("pick up the block between the two bowls", "grab the block that lies between the bowls"),
}
# Move near's verbs (the robot data's): the skill is one the robot knows, only its goal is new. Not "slide", a
# push's verb there, nor "put ... on", which asks for a placing no episode shows.
SYMBOLS = (
    "move the {object} to the {symbol}",
    "bring the {object} to the {symbol}",
    "put the {object} next to the {symbol}",
    "take the {object} over to the {symbol}",
)

Judge = Callable[[PrivilegedState], bool]


@dataclass
class Said:
    """A concept command: its text, the object it is about ('' for none), and when it counts as done: `done`
    during the episode (it ends it), or, for commands judged by what does not happen, `at_end` when time is up.
    `target`: where the object is to go, for commands that name a goal by the concept (matching's bowl, symbols'
    marker; '' otherwise): what a trace's target pointer should find."""

    command: str
    named: str
    done: Judge
    at_end: bool = False
    target: str = ""


def draw(rng: np.random.Generator, options) -> str:
    return str(options[int(rng.integers(len(options)))])


def matching(rng: np.random.Generator, state: PrivilegedState, phrasings: PhrasingSplit) -> Said:
    """The sim's put_in_bowl task, said by colour-matching."""
    return _into_bowl(rng, state, MATCHING, same=True)


def different(rng: np.random.Generator, state: PrivilegedState, phrasings: PhrasingSplit) -> Said:
    """The task's block into the one bowl whose colour is not the block's (matching's scenes)."""
    return _into_bowl(rng, state, DIFFERENT, same=False)


def _into_bowl(rng: np.random.Generator, state: PrivilegedState, templates: tuple[str, ...], same: bool) -> Said:
    obj = state.task.object
    color = state.objects[obj].color
    bowls = [name for name, item in state.objects.items() if item.kind == "bowl" and (item.color == color) == same]
    if len(bowls) != 1:
        raise ValueError(f"{obj}: the scene must hold one bowl of its colour and one other (matching's variation)")
    task = replace(state.task, kind="put_in_bowl", target=bowls[0], direction=None)
    return Said(
        draw(rng, templates).format(object=obj), obj, lambda now: is_success(replace(now, task=task)), target=bowls[0]
    )


def relations(rng: np.random.Generator, state: PrivilegedState, phrasings: PhrasingSplit) -> Said:
    """A relation whose answer is clear in this scene (tried in random order), and its block lifted."""
    blocks = [name for name, item in state.objects.items() if item.kind == "block"]
    bowls = [name for name, item in state.objects.items() if item.kind == "bowl"]
    position = {name: np.asarray(state.objects[name].position[:2]) for name in blocks + bowls}
    for relation in rng.permutation(list(RELATIONS)):
        template = draw(rng, RELATIONS[str(relation)])
        bowl = str(rng.choice(bowls))
        if relation == "nearest":
            score = {name: float(np.linalg.norm(position[name] - position[bowl])) for name in blocks}
        elif relation in ("left", "right"):
            score = {name: (-1.0 if relation == "left" else 1.0) * float(position[name][1]) for name in blocks}
        else:
            middle = (position[bowls[0]] + position[bowls[1]]) / 2
            score = {name: float(np.linalg.norm(position[name] - middle)) for name in blocks}
        ranked = sorted(blocks, key=score.get)
        if score[ranked[1]] - score[ranked[0]] >= CLEAR:
            named = ranked[0]
            return Said(template.format(bowl=bowl), named, lambda now, named=named: lifted(now.objects[named]))
    raise ValueError("no relation has a clear answer in this scene")


def symbol_phrase(rng: np.random.Generator, symbol: str) -> str:
    """How a command names a marker: 'H', 'letter H', '3', 'number 3', 'sum of one plus two', 'star'."""
    options = list(symbol_names(symbol))
    if symbol in DIGITS and int(symbol) >= 2:
        first = int(rng.integers(1, int(symbol)))
        options.append(f"sum of {NUMBER_WORDS[first]} plus {NUMBER_WORDS[int(symbol) - first]}")
    return draw(rng, options)


def symbols(rng: np.random.Generator, state: PrivilegedState, phrasings: PhrasingSplit) -> Said:
    """The sim's task object moved near one of the markers: one not near it already (as move near's targets are
    drawn), else the farthest."""
    obj = state.task.object
    markers = sorted(name for name, item in state.objects.items() if item.kind == "marker")
    if not markers:
        raise ValueError("the symbols category needs a scene with markers (its variation puts them there)")
    marker = draw_far(rng, state.objects, obj, markers)
    command = draw(rng, SYMBOLS).format(object=obj, symbol=symbol_phrase(rng, state.objects[marker].symbol))

    def judge(now: PrivilegedState) -> bool:
        item = now.objects[obj]
        distance = {name: planar_distance(item, now.objects[name]) for name in markers}
        nearest = min(markers, key=distance.get)
        return nearest == marker and distance[marker] <= NEAR_DISTANCE and resting(item) and released(now)

    return Said(command, obj, judge, target=marker)


def other_language(rng: np.random.Generator, state: PrivilegedState, phrasings: PhrasingSplit) -> Said:
    """The sim's task said in Spanish, French or German."""
    task = state.task
    command = languages.command(rng, str(rng.choice(languages.LANGUAGES)), task.kind, task.object, task.target,
                                task.direction)  # fmt: skip
    return Said(command, task.object, is_success)


def impossible(rng: np.random.Generator, state: PrivilegedState, phrasings: PhrasingSplit) -> Said:
    """A command that cannot be done here, worded as the robot data words commands; done when, at the end, the
    arm has lifted nothing and moved nothing more than MOVED."""
    blocks = {item.color for item in state.objects.values() if item.kind == "block"}
    bowls = sorted(name for name, item in state.objects.items() if item.kind == "bowl")
    absent = [color for color in BLOCK_COLORS if color not in blocks]
    form = draw(rng, ["absent", "never_drawn", "nonsense"])
    if form == "nonsense":
        command = draw(rng, NONSENSE)
    else:
        color = draw(rng, absent if form == "absent" else NEVER_DRAWN)
        kind = draw(rng, ["pick_up", "put_in_bowl", "push"])
        task = TaskState(kind, "", f"{color} block", target=str(rng.choice(bowls)) if kind == "put_in_bowl" else None,
                         direction=draw(rng, ["left", "right"]) if kind == "push" else None)  # fmt: skip
        command = phrase(rng, task, phrasings)
    start = {name: np.asarray(item.position) for name, item in state.objects.items()}

    def still(now: PrivilegedState) -> bool:
        return all(not lifted(item) and float(np.linalg.norm(np.asarray(item.position[:2]) - start[name][:2])) <= MOVED
                   for name, item in now.objects.items())  # fmt: skip

    return Said(command, "", still, at_end=True)


CONCEPT_COMMANDS = {"matching": matching, "different": different, "relations": relations, "symbols": symbols,
                    "languages": other_language, "impossible": impossible}  # fmt: skip
