"""More wordings per recorded episode: the task read back from the cache is the one the recorder phrased, and
training says the new commands as often as the recorded one, from the training grammar only."""

import re

import numpy as np
import pytest

from rt2_ros.data.cache import build_bag_cache
from rt2_ros.data.phrasing import load_phrasings, phrase, spoken
from rt2_ros.data.recording import episode_seed
from rt2_ros.policy.tiny.configuration_tiny import TinyVLAConfig
from rt2_ros.sim.privileged import TaskState
from rt2_ros.training.batches import BatchMaker, bank_texts
from rt2_ros.training.config import DataConfig
from rt2_ros.training.rewording import episode_tasks, placeable, rewordings

CONFIG = TinyVLAConfig()
RECORDED_SEED = 5  # the `recorded` fixture's collect seed


@pytest.fixture(scope="module")
def cache(recorded, tmp_path_factory):
    return build_bag_cache(recorded, tmp_path_factory.mktemp("cache") / "robot", CONFIG)


def test_the_task_read_from_the_cache_is_the_one_the_recorder_phrased(cache):
    tasks = episode_tasks(cache)
    assert len(tasks) >= 7  # of 8 (a push that barely moved its object is left out)
    split = load_phrasings()["training"]
    for episode, (task, sides) in tasks.items():
        # The recorder's draws for that episode: one for `disturbed`, then the command.
        rng = np.random.default_rng(episode_seed(RECORDED_SEED, episode))
        rng.random()
        recorded = cache.instructions[cache.arrays["instruction"][cache.arrays["episode"] == episode][0]]
        assert phrase(rng, task, split, sides) == recorded, (task, sides)
    assert any(task.kind == "push" for task, _ in tasks.values())  # the direction came from the object's motion


def test_rewordings_come_from_the_training_grammar_and_say_the_same_task(cache):
    reworded = rewordings(cache, 6, seed=0)
    assert reworded == rewordings(cache, 6, seed=0) and reworded != rewordings(cache, 6, seed=1)
    held_out = load_phrasings()["training"].held_out_words
    for episode, (task, _) in episode_tasks(cache).items():
        texts = reworded[episode]
        assert len(texts) == 6 and len(set(texts)) >= 4
        for text in texts:
            assert not set(re.findall(r"[a-z']+", text.lower())) & set(held_out), text
            assert task.object.split()[0] in text  # the object's colour
            if task.target:
                assert task.target.split()[0] in text
            if task.direction:
                assert task.direction in text
    plain = rewordings(cache, 20, seed=0, sides=False)
    assert not any(" side" in text or " on the left" in text for texts in plain.values() for text in texts)


def test_a_robot_step_says_its_recorded_command_or_a_rewording_each_as_often(cache):
    reworded = rewordings(cache, 3, seed=0)
    maker = BatchMaker(cache, None, None, CONFIG, question_share=0.0, scene_share=0.0, seed=0, rewordings=reworded)
    said = {"recorded": 0, "reworded": 0}
    for step in np.random.default_rng(0).integers(len(cache), size=800):
        episode = int(cache.arrays["episode"][step])
        text = maker._command(cache, int(step))
        if text == cache.instructions[cache.arrays["instruction"][step]]:
            said["recorded"] += 1
        else:
            assert text in reworded[episode]
            said["reworded"] += 1
    assert 0.15 < said["recorded"] / 800 < 0.35, said  # 1 in 4
    assert set(bank_texts([cache], reworded)) >= {text for texts in reworded.values() for text in texts}
    unchanged = BatchMaker(cache, None, None, CONFIG, question_share=0.0, scene_share=0.0, seed=0)
    assert unchanged._command(cache, 0) == cache.instructions[cache.arrays["instruction"][0]]


def test_a_negative_rewording_count_is_refused():
    with pytest.raises(ValueError, match="rewordings"):
        DataConfig(rewordings=-1, scene_share=0.0)
    with pytest.raises(ValueError, match="reword_target_by_place"):
        DataConfig(reword_target_by_place=1.5, scene_share=0.0)


def test_a_target_named_by_its_place_is_the_only_one_of_its_kind_there(cache):
    """ "put the red block in the bowl on the left": the target without its colour, where no other bowl lies on
    that side; the object keeps its colour; a share of 0 leaves the rewordings as they were."""
    task = TaskState("put_in_bowl", "", "red block", target="white bowl")
    assert placeable(task, {"white bowl": "left", "blue bowl": "right", "red block": "left"}) == "left"
    assert placeable(task, {"white bowl": "left", "blue bowl": "left"}) is None  # two bowls there
    assert placeable(task, {"blue bowl": "right"}) is None  # near the centre line: no side to say
    split = load_phrasings()["training"]
    rng = np.random.default_rng(0)
    for _ in range(50):
        text = phrase(rng, task, split, target_by_place="left")
        assert "white" not in text and "red" in text and " left" in text, text
    with pytest.raises(ValueError, match="side"):
        spoken(rng, "white bowl", split, None, colour=False)
    assert rewordings(cache, 6, seed=0, target_by_place=0.0) == rewordings(cache, 6, seed=0)
    by_place = rewordings(cache, 20, seed=0, target_by_place=0.5)
    named = 0
    for episode, (task, sides) in episode_tasks(cache).items():
        side = placeable(task, sides)
        for text in by_place[episode]:
            if task.target and task.target.split()[0] not in text:
                assert side is not None and f" {side}" in text, (task, sides, text)
                named += 1
    assert named > 0
