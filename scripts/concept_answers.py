"""Does a tiny VLA answer its questions on scenes it was not trained on? Per question family, answers and pointers.

An emergent category can fail in two places: the concept is not learned even as a question, or it is learned and
not carried into a command. This renders fresh scenes (a seed the training scenes do not use), asks each question
family of rt2_ros/data/vqa.py about each scene as training asks it, and prints per family and answer kind: how
often the answer is right (a word or a count: exactly; a table position: within --tolerance cm of the object's
centre) and how often each pointer the question trains peaks on the object it should (the object whose image
position is nearest the peak cell). docs/tiny-vla.md quotes its output.

    .venv/bin/python scripts/concept_answers.py --scenes 100 [--model-path runs/tiny_vla/model]
"""

import argparse
import collections
import tempfile
from pathlib import Path

import numpy as np

from rt2_ros.data.scenes import build_scene_cache
from rt2_ros.data.vqa import CONCEPTS, FAMILIES, Scene
from rt2_ros.policy.tiny.policy_tiny import TinyPolicy
from rt2_ros.policy.tiny.processing_tiny import pointer_peak, table_position

ROLES = ("object", "target")


def is_position(answer: tuple) -> bool:
    """Whether an answer is a table position (two number tokens) rather than a word or a count."""
    return len(answer) == 2 and all(isinstance(item, int) for item in answer)


def answer_kind(family: str, answer: tuple) -> str:
    """A family's answers split by kind: 'symbols: position' and 'symbols: word' fail for different reasons."""
    if is_position(answer):
        return f"{family}: position"
    return f"{family}: {'count' if isinstance(answer[0], int) else 'word'}"


def answer_right(said: str, answer: tuple, row: dict, slots: tuple[int, int], config, tolerance: float) -> bool:
    """A position answer within `tolerance` m of the object its pointers name; any other answer exactly."""
    if is_position(answer):
        try:
            bins = np.array([int(word) for word in said.split()])
        except ValueError:  # a word where a number belongs
            return False
        if bins.shape != (2,):
            return False
        where = row["object_position"][max(slots)][:2]
        return float(np.linalg.norm(table_position(bins, config) - where)) <= tolerance
    return said == " ".join(str(item) for item in answer)


def peak_on(pointer: np.ndarray, row: dict, slot: int) -> bool:
    """(G, G) pointer: whether its peak cell is nearer the slot's object than any other object's image position."""
    present = np.flatnonzero(row["object_kind"] >= 0)
    distances = np.linalg.norm(row["object_uv"][present] - pointer_peak(pointer), axis=1)
    return int(present[int(np.argmin(distances))]) == slot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=100)
    parser.add_argument("--model-path", type=Path, default=None)
    parser.add_argument("--variation", default="concept_scenes")
    parser.add_argument("--seed", type=int, default=2000, help="the scenes' seed (training's scenes use 1)")
    parser.add_argument("--families", nargs="+", default=["where", "is_near", *CONCEPTS], choices=sorted(FAMILIES))
    parser.add_argument("--tolerance", type=float, default=3.0, help="cm: a position answer this close is right")
    args = parser.parse_args()
    policy = TinyPolicy(args.model_path)
    config, rng = policy.config, np.random.default_rng(args.seed)
    tally: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    with tempfile.TemporaryDirectory() as folder:
        cache = build_scene_cache(Path(folder), config, args.scenes, args.variation, seed=args.seed)
        for index in range(len(cache)):
            row = {name: array[index] for name, array in cache.arrays.items()}
            for family in args.families:
                question = FAMILIES[family](rng, Scene(row), config)
                if question is None:  # the scene cannot answer it (no marker, no clear relation)
                    continue
                # a copy: the cache's images are a read-only memory map, torch wants a writable array
                inputs = policy.crop_inputs(np.array(cache.images[index]), question.text, row["proprio"])
                said, pointers = policy.reply(inputs)
                counts = tally[answer_kind(family, question.answer)]
                counts["asked"] += 1
                counts["right"] += answer_right(said, question.answer, row, question.pointers, config,
                                                args.tolerance / 100)  # fmt: skip
                for role, pointer, slot in zip(ROLES, pointers, question.pointers, strict=True):
                    if slot >= 0:
                        counts[role, "asked"] += 1
                        counts[role, "right"] += peak_on(pointer, row, slot)
    print(f"{args.scenes} scenes of {args.variation}, seed {args.seed}; position answers right within "
          f"{args.tolerance:g} cm; a pointer right when its peak is nearest the object the question names")  # fmt: skip
    print(f"{'family: answer':<24} {'asked':>6} {'answer right':>13} {'object pointer':>15} {'target pointer':>15}")
    for kind, counts in sorted(tally.items()):
        cells = [f"{counts['right']}/{counts['asked']} {counts['right'] / counts['asked']:.0%}"]
        for role in ROLES:
            asked = counts[role, "asked"]
            cells.append(f"{counts[role, 'right']}/{asked} {counts[role, 'right'] / asked:.0%}" if asked else "-")
        print(f"{kind:<24} {counts['asked']:>6} {cells[0]:>13} {cells[1]:>15} {cells[2]:>15}")


if __name__ == "__main__":
    main()
