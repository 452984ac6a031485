"""dataset_statistics.json loading and q01/q99 normalisation."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rt2_ros.actions import ActionStatistics, load_dataset_statistics

Q01 = [-0.03, -0.04, -0.03, -0.08, -0.09, -0.15, 0.0]
Q99 = [0.03, 0.04, 0.04, 0.09, 0.08, 0.16, 1.0]
MASK = [True] * 6 + [False]


def write(tmp_path, table) -> str:
    path = tmp_path / "dataset_statistics.json"
    path.write_text(json.dumps(table) if not isinstance(table, str) else table)
    return path


def entry(**overrides):
    action = {"q01": Q01, "q99": Q99, "mask": MASK, "mean": [0.0] * 7} | overrides
    return {"action": action, "num_transitions": 10}


def test_single_dataset_loads_without_a_key(tmp_path):
    statistics = load_dataset_statistics(write(tmp_path, {"bridge_orig": entry()}), None)
    np.testing.assert_array_equal(statistics.q01, Q01)
    np.testing.assert_array_equal(statistics.q99, Q99)
    np.testing.assert_array_equal(statistics.mask, MASK)


def test_key_selects_the_dataset(tmp_path):
    path = write(tmp_path, {"bridge_orig": entry(), "fractal": entry(q01=[-1.0] * 7)})
    assert load_dataset_statistics(path, "fractal").q01.tolist() == [-1.0] * 7


def test_missing_mask_means_every_dimension_is_normalised(tmp_path):
    action = {"q01": Q01, "q99": Q99}
    assert load_dataset_statistics(write(tmp_path, {"only": {"action": action}})).mask.all()


def test_several_datasets_need_a_key(tmp_path):
    path = write(tmp_path, {"bridge_orig": entry(), "fractal": entry()})
    with pytest.raises(ValueError, match=r"holds 2 datasets; choose one with unnorm_key: \['bridge_orig', 'fractal'\]"):
        load_dataset_statistics(path, None)


def test_wrong_key_lists_the_keys(tmp_path):
    path = write(tmp_path, {"bridge_orig": entry(), "fractal": entry()})
    with pytest.raises(ValueError, match=r"unnorm_key 'libero' is not in .*available: \['bridge_orig', 'fractal'\]"):
        load_dataset_statistics(path, "libero")


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "absent.json")):
        load_dataset_statistics(tmp_path / "absent.json", None)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ({}, "holds none"),
        ({"bridge": {"proprio": {}}}, "has no 'action' statistics"),
        ({"bridge": {"action": {"q01": Q01}}}, r"lacks \['q99'\]"),
        ({"bridge": entry(q99=Q99[:6])}, "one shape"),
        ({"bridge": entry(q01=["a"] * 7)}, "could not convert"),
        ({"bridge": entry(mask=[1] * 7)}, "mask must be booleans"),
        ({"bridge": entry(q01=[None] * 7)}, r"q01 must be finite"),
    ],
)
def test_bad_statistics_files(tmp_path, content, message):
    with pytest.raises(ValueError, match=message):
        load_dataset_statistics(write(tmp_path, content), "bridge" if isinstance(content, dict) and content else None)


def test_q01_above_q99_is_rejected_where_masked():
    q01 = list(Q01)
    q01[1] = 0.5
    with pytest.raises(ValueError, match=r"dimension 1: q01 0\.5 > q99 0\.04"):
        ActionStatistics(q01, Q99, MASK)


def test_q01_above_q99_is_allowed_where_unmasked():
    q01 = list(Q01)
    q01[6] = 2.0
    ActionStatistics(q01, Q99, MASK)


def test_normalize_leaves_unmasked_dimensions_alone():
    statistics = ActionStatistics(Q01, Q99, MASK)
    normalized = statistics.normalize([[*Q99[:6], 0.7]])
    np.testing.assert_allclose(normalized, [[1.0] * 6 + [0.7]])


@given(arrays(np.float64, (5, 7), elements=st.floats(-1.0, 1.0)))
def test_unnormalize_inverts_normalize(normalized):
    statistics = ActionStatistics(Q01, Q99, MASK)
    np.testing.assert_allclose(statistics.normalize(statistics.unnormalize(normalized)), normalized, atol=1e-9)
