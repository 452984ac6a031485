"""The array cache of recorded bags and the questions generated from its ground truth."""

import numpy as np
import pytest

from rt2_ros.data.cache import COLOR_NAMES, OBJECT_KINDS, build_bag_cache
from rt2_ros.data.vqa import all_question_texts, ask
from rt2_ros.policy.tiny.configuration_tiny import TinyVLAConfig
from rt2_ros.policy.tiny.processing_tiny import answer_tokens, table_bins, table_position

CONFIG = TinyVLAConfig()


@pytest.fixture(scope="module")
def cache(recorded, tmp_path_factory):
    return build_bag_cache(recorded, tmp_path_factory.mktemp("cache") / "robot", CONFIG)


def test_the_cache_holds_every_step_with_its_labels(cache, recorded):
    steps = len(cache)
    assert cache.images.shape == (steps, 128, 128, 3) and steps > 8 * 10
    arrays = cache.arrays
    assert np.all(np.isfinite(arrays["action"])) and np.all(arrays["instruction"] >= 0)
    assert set(np.unique(arrays["episode"])) == set(range(8))
    valid = arrays["object_kind"] >= 0
    assert np.all(valid.sum(1) == 7)  # 3 blocks, 2 bowls, a ball and a can
    assert np.all((arrays["object_uv"][valid] > 0) & (arrays["object_uv"][valid] < 1))  # all in the crop
    assert np.all(arrays["task_object"] >= 0)


def test_the_cache_is_reused_until_the_bags_change(cache, recorded):
    images = cache.folder / "images.npy"
    stamp = images.stat().st_mtime_ns
    again = build_bag_cache(recorded, cache.folder, CONFIG)
    assert images.stat().st_mtime_ns == stamp and len(again) == len(cache)


def test_questions_are_answered_from_the_ground_truth(cache):
    rng = np.random.default_rng(0)
    texts = set(all_question_texts())
    arrays = cache.arrays
    for _ in range(300):
        step = int(rng.integers(len(cache)))
        row = {name: array[step] for name, array in arrays.items()}
        question = ask(rng, row, CONFIG, robot=True)
        assert question.text in texts  # the language encoder has embedded every question ahead of training
        tokens = answer_tokens(list(question.answer), CONFIG)
        assert tokens[-1] == CONFIG.special_id("<eos>")
        if question.text.startswith("where is the "):
            slot = question.pointers[0]
            name = question.text[len("where is the ") : -1].split()
            if name[0] in COLOR_NAMES:  # "where is the red block?" (else a relation: "where is the leftmost block?")
                assert [COLOR_NAMES[row["object_color"][slot]], OBJECT_KINDS[row["object_kind"][slot]]] == name
            position = table_position(np.array(question.answer), CONFIG)
            assert np.abs(position - row["object_position"][slot][:2]).max() < 0.002  # within a bin


def test_table_bins_round_trip_to_within_a_bin():
    xy = np.array([[0.3, -0.2], [0.6, 0.25]])
    assert np.abs(table_position(table_bins(xy, CONFIG), CONFIG) - xy).max() <= 0.72 / 256
    with pytest.raises(ValueError, match="numbers must be"):
        answer_tokens([300], CONFIG)
