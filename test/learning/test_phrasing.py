"""Instruction phrasings: the training grammar says each skill in many ways, and the held-out split's templates
and verbs never occur in training."""

import re

import numpy as np
import pytest

from rt2_ros.data.phrasing import load_phrasings, phrase
from rt2_ros.sim.privileged import TASK_KINDS, TaskState

TASKS = {
    "pick_up": TaskState("pick_up", "", "red block"),
    "move_near": TaskState("move_near", "", "red block", target="blue block"),
    "put_in_bowl": TaskState("put_in_bowl", "", "red block", target="white bowl"),
    "push": TaskState("push", "", "red block", direction="left"),
}


@pytest.fixture(scope="module")
def phrasings():
    return load_phrasings()


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


def test_no_training_wording_uses_a_held_out_word(phrasings):
    training = phrasings["training"]
    held_out = set(phrasings["held_out"].held_out_words)
    assert held_out
    texts = [text for kind in TASK_KINDS for text in training.templates[kind]]
    texts += [text for fillers in training.fillers.values() for text in fillers]
    for text in texts:
        assert not words(text) & held_out, (text, words(text) & held_out)
    # and every held-out template carries at least one of them or is a template training does not have
    for kind in TASK_KINDS:
        for template in phrasings["held_out"].templates[kind]:
            assert template not in training.templates[kind]


@pytest.mark.parametrize("kind", TASK_KINDS)
def test_the_training_grammar_says_each_skill_in_many_ways(phrasings, kind):
    rng = np.random.default_rng(0)
    said = {phrase(rng, TASKS[kind], phrasings["training"]) for _ in range(3000)}
    assert len(said) >= 300, len(said)
    assert all("{" not in text and "  " not in text and text == text.strip() for text in said)
    nouns = {word for text in said for word in words(text)} & {"block", "cube", "box"}
    assert nouns == {"block", "cube", "box"}


def test_a_template_with_an_unknown_slot_is_refused(tmp_path):
    path = tmp_path / "generalization.yaml"
    path.write_text("phrasings:\n  bad:\n" + "".join(f"    {kind}: ['do the {{thing}}']\n" for kind in TASK_KINDS))
    with pytest.raises(ValueError, match="unknown slot"):
        load_phrasings(path)
