"""What an evaluation episode commands and what counts as done.

Usually the sim's task in the category's wording, done when the sim's own success check holds. A category
with `retarget` names another block of the scene instead ("pick up the green block" where the sim's task
is the red one) and is done when that block is lifted: a model that acted from a habit (the nearest block,
the most frequent colour) rather than from the words would fail it.
"""

from dataclasses import replace

import numpy as np

from rt2_ros.data.phrasing import PhrasingSplit, phrase
from rt2_ros.evaluation.categories import Category
from rt2_ros.sim.privileged import PrivilegedState
from rt2_ros.sim.tasks import LIFT_HEIGHT


def lifted(state: PrivilegedState, name: str) -> bool:
    obj = state.objects[name]
    return bool(obj.position[2] >= obj.half_size[2] + LIFT_HEIGHT)


class EpisodeCommand:
    def __init__(self, category: Category, rng: np.random.Generator, phrasings: PhrasingSplit) -> None:
        self.category, self.rng, self.phrasings = category, rng, phrasings
        self.instruction = ""
        self.named = ""  # the object the command is about
        self.episode = -1  # the sim episode it was said in

    def say(self, state: PrivilegedState) -> str:
        task = state.task
        if self.category.retarget:
            others = sorted(name for name, obj in state.objects.items() if obj.kind == "block" and name != task.object)
            task = replace(task, object=str(self.rng.choice(others)))
        self.named, self.episode = task.object, state.episode
        self.instruction = phrase(self.rng, task, self.phrasings)
        return self.instruction

    def done(self, state: PrivilegedState) -> bool:
        """Whether what was said in this episode is done (nothing is, before it is said)."""
        if state.episode != self.episode:
            return False
        return lifted(state, self.named) if self.category.retarget else state.success

    def took_the_suggested_object(self, state: PrivilegedState) -> bool:
        """retarget: the sim's own task object was lifted instead of the named one."""
        return self.category.retarget and lifted(state, state.task.object)
