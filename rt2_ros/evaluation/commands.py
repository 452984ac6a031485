"""What an evaluation episode commands and what counts as done.

Usually the sim's task in the category's wording, done when the sim's own success check holds. A category
with `retarget` names another block of the scene instead ("pick up the green block" where the sim's task
is the red one) and is done when that block is lifted: a model that acted from a habit (the nearest block,
the most frequent colour) rather than from the words would fail it. A category with a `concept` says one of
the emergent commands of concepts.py, judged by what it means.
"""

from dataclasses import replace

import numpy as np

from rt2_ros.data.phrasing import PhrasingSplit, phrase_with_template
from rt2_ros.evaluation.categories import Category
from rt2_ros.evaluation.concepts import CONCEPT_COMMANDS, Said
from rt2_ros.evaluation.results import EpisodeResult
from rt2_ros.sim.privileged import PrivilegedState
from rt2_ros.sim.tasks import lifted


class EpisodeCommand:
    def __init__(self, category: Category, rng: np.random.Generator, phrasings: PhrasingSplit) -> None:
        self.category, self.rng, self.phrasings = category, rng, phrasings
        self.instruction = ""
        self.template = ""  # the phrasing template the instruction was drawn from ("" for a concept command)
        self.named = ""  # the object the command is about
        self.episode = -1  # the sim episode it was said in
        self.said: Said | None = None  # a concept command, and its success check

    def say(self, state: PrivilegedState) -> str:
        task = state.task
        self.episode = state.episode
        self.said = None
        self.template = ""
        if self.category.concept:
            self.said = CONCEPT_COMMANDS[self.category.concept](self.rng, state, self.phrasings)
            self.instruction, self.named = self.said.command, self.said.named
            return self.instruction
        if self.category.retarget:
            others = sorted(name for name, obj in state.objects.items() if obj.kind == "block" and name != task.object)
            task = replace(task, object=str(self.rng.choice(others)))
        self.named = task.object
        self.instruction, self.template = phrase_with_template(self.rng, task, self.phrasings)
        return self.instruction

    def done(self, state: PrivilegedState) -> bool:
        """Whether what was said in this episode is done (nothing is, before it is said)."""
        if state.episode != self.episode:
            return False
        if self.said is not None:
            return not self.said.at_end and self.said.done(state)
        return lifted(state.objects[self.named]) if self.category.retarget else state.success

    def result(
        self, kind: str, final: PrivilegedState, done_during: bool, seconds: float, actions: int
    ) -> EpisodeResult:
        """The episode's record, from its last state (the verdict, and whether the suggested object was taken)."""
        return EpisodeResult(self.category.name, kind, self.instruction, self.succeeded(final, done_during), seconds,
                             actions, self.took_the_suggested_object(final), self.template)  # fmt: skip

    def succeeded(self, state: PrivilegedState, done_during: bool) -> bool:
        """The episode's verdict from its last state: what was done during it, or, for a command judged by what
        does not happen (impossible ones), the judgment at the end."""
        if self.said is not None and self.said.at_end:
            return state.episode == self.episode and self.said.done(state)
        return done_during

    def took_the_suggested_object(self, state: PrivilegedState) -> bool:
        """retarget: the sim's own task object was lifted instead of the named one."""
        return self.category.retarget and lifted(state.objects[state.task.object])
