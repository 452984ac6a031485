"""What an evaluation episode commands and what counts as done.

Usually the sim's task in the category's wording, done when the sim's own success check holds. A category
with `retarget` names another block of the scene instead ("pick up the green block" where the sim's task
is the red one) and is done when that block is lifted: a model that acted from a habit (the nearest block,
the most frequent colour) rather than from the words would fail it. A category with a `concept` says one of
the emergent commands of concepts.py, judged by what it means.
"""

from dataclasses import replace

import numpy as np

from rt2_ros.data.phrasing import PhrasingSplit, phrase
from rt2_ros.evaluation.categories import Category
from rt2_ros.evaluation.concepts import CONCEPT_COMMANDS, Judge
from rt2_ros.sim.privileged import PrivilegedState
from rt2_ros.sim.tasks import lifted


class EpisodeCommand:
    def __init__(self, category: Category, rng: np.random.Generator, phrasings: PhrasingSplit) -> None:
        self.category, self.rng, self.phrasings = category, rng, phrasings
        self.instruction = ""
        self.named = ""  # the object the command is about
        self.episode = -1  # the sim episode it was said in
        self.judge: Judge | None = None  # a concept command's success check

    def say(self, state: PrivilegedState) -> str:
        task = state.task
        self.episode = state.episode
        if self.category.concept:
            self.instruction, self.named, self.judge = CONCEPT_COMMANDS[self.category.concept](self.rng, state)
            return self.instruction
        if self.category.retarget:
            others = sorted(name for name, obj in state.objects.items() if obj.kind == "block" and name != task.object)
            task = replace(task, object=str(self.rng.choice(others)))
        self.named = task.object
        self.instruction = phrase(self.rng, task, self.phrasings)
        return self.instruction

    def done(self, state: PrivilegedState) -> bool:
        """Whether what was said in this episode is done (nothing is, before it is said)."""
        if state.episode != self.episode:
            return False
        if self.judge is not None:
            return self.judge(state)
        return lifted(state.objects[self.named]) if self.category.retarget else state.success

    def took_the_suggested_object(self, state: PrivilegedState) -> bool:
        """retarget: the sim's own task object was lifted instead of the named one."""
        return self.category.retarget and lifted(state.objects[state.task.object])
