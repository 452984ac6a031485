"""More wordings per recorded episode: the task read back from the cache is the one the recorder phrased, and
training says the new commands as often as the recorded one, from the training grammar only."""

import re

import numpy as np
import pytest

from rt2_ros.data.cache import build_bag_cache
from rt2_ros.data.phrasing import load_phrasings, phrase
from rt2_ros.data.recording import episode_seed
from rt2_ros.policy.tiny.configuration_tiny import TinyVLAConfig
from rt2_ros.training.batches import BatchMaker, bank_texts
from rt2_ros.training.config import DataConfig
from rt2_ros.training.rewording import episode_tasks, rewordings

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
