"""More wordings of each robot episode's command, drawn from the training grammar (instruction augmentation).

An episode is recorded with one command, so 5,000 episodes teach each skill in 5,000 sentences although the
grammar (rt2_ros/data/phrasing.py) has far more. The task itself is in the cache's ground truth: the task kind,
the object and target slots, where the objects lay at the first frame (the side of the table a command may say),
and, for a push, which way the object went. From it, `rewordings` draws more commands per episode from the same
phrasing split the recorder used: the same skills and labels said in more ways, without recording again and
without a word the split does not have (held-out templates and verbs stay held out). Seeded: the same config
gives the same sentences.
"""

import numpy as np

from rt2_ros.data.cache import Cache
from rt2_ros.data.phrasing import PhrasingSplit, load_phrasings, phrase, table_side
from rt2_ros.data.vqa import Scene
from rt2_ros.sim.privileged import TASK_KINDS, TaskState
from rt2_ros.sim.tasks import PUSH_DISTANCE


def episode_tasks(cache: Cache) -> dict[int, tuple[TaskState, dict[str, str]]]:
    """Per robot episode of `cache`: its task as its ground truth shows it, and the sides of the table its objects
    lay on at the first frame (object name -> 'left' / 'right'). Episodes without a task, and pushes whose object
    did not go half a push's distance either way (no direction to tell), are left out."""
    arrays = cache.arrays
    episodes = arrays["episode"]  # (N,)
    names, first = np.unique(episodes, return_index=True)
    last = len(episodes) - 1 - np.unique(episodes[::-1], return_index=True)[1]  # same order as `names`
    tasks = {}
    for episode, start, end in zip(names.tolist(), first.tolist(), last.tolist(), strict=True):
        kind, slot, target = (int(arrays[key][start]) for key in ("kind", "task_object", "task_target"))
        if kind < 0 or slot < 0:
            continue
        scene = Scene({key: array[start] for key, array in arrays.items()})
        direction = None
        if TASK_KINDS[kind] == "push":
            moved = float(arrays["object_position"][end, slot, 1] - arrays["object_position"][start, slot, 1])
            if abs(moved) < PUSH_DISTANCE / 2:
                continue
            direction = "left" if moved > 0 else "right"  # REP 103: +y is the robot's left
        task = TaskState(TASK_KINDS[kind], "", scene.name(slot), scene.name(target) if target >= 0 else None,
                         direction)  # fmt: skip
        sides = {scene.name(other): side for other in scene.things if (side := table_side(scene.position[other][1]))}
        tasks[episode] = (task, sides)
    return tasks


def rewordings(
    cache: Cache, count: int, seed: int, sides: bool = True, split: PhrasingSplit | None = None
) -> dict[int, list[str]]:
    """`count` more commands per episode of `cache` (episode -> commands), drawn from `split` (default: the training
    phrasings, which `rt2-ros collect` records with); `sides`: whether they may say where an object lies, as the
    recorded commands may."""
    split = split or load_phrasings()["training"]
    rng = np.random.default_rng(seed)
    return {
        episode: [phrase(rng, task, split, where if sides else None) for _ in range(count)]
        for episode, (task, where) in episode_tasks(cache).items()
    }
