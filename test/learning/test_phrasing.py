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


def test_where_an_object_lies_is_said_only_when_given_and_only_as_its_own_side(phrasings):
    from rt2_ros.data.phrasing import SIDE_MARGIN, table_side

    assert table_side(SIDE_MARGIN + 0.01) == "left" and table_side(-SIDE_MARGIN - 0.01) == "right"  # REP 103: +y left
    assert table_side(SIDE_MARGIN / 2) is None and table_side(-SIDE_MARGIN / 2) is None
    training, task = phrasings["training"], TASKS["move_near"]
    rng = np.random.default_rng(3)
    plain = [phrase(rng, task, training) for _ in range(500)]
    assert not any(" on the left" in text or " on the right" in text for text in plain)
    # Without sides the same generator draws the same wordings as before sides existed (eval commands unchanged).
    rng = np.random.default_rng(3)
    assert plain == [phrase(rng, task, training, {}) for _ in range(500)]
    rng = np.random.default_rng(4)
    sided = [phrase(rng, task, training, {"red block": "left"}) for _ in range(500)]
    placed = [text for text in sided if re.search(r"(block|cube|box) (over )?on the left", text)]
    assert 0.3 < len(placed) / len(sided) < 0.8, len(placed)
    assert not any("on the right" in text for text in sided)  # the target was not given a side
    assert not any(words(text) & {"leftmost", "rightmost", "furthest", "nearest", "closest"} for text in sided)
    # The held-out split has no side fillers: its wordings never say where an object lies.
    rng = np.random.default_rng(5)
    assert not any("on the left" in phrase(rng, task, phrasings["held_out"], {"red block": "left"}) for _ in range(200))
