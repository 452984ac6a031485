"""RT-2 scheme: 8 dimensions, 256 uniform bins over the robot's ranges, optional vocabulary offset."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from rt2_ros.actions import ACTION_DIMENSIONS, Action, RT2ActionTokenizer, make_tokenizer

LOW = np.array([0.0, -0.05, -0.05, -0.05, -0.25, -0.25, -0.25, 0.0])
HIGH = np.array([1.0, 0.05, 0.05, 0.05, 0.25, 0.25, 0.25, 1.0])


@pytest.fixture(scope="module")
def tokenizer() -> RT2ActionTokenizer:
    return RT2ActionTokenizer.from_config()


def batches(leading: int):
    """(leading dims..., 8) actions reaching up to twice past each range, to exercise clipping."""
    span = HIGH - LOW
    unit = arrays(
        np.float64,
        array_shapes(min_dims=leading, max_dims=leading, min_side=1, max_side=6).map(lambda shape: (*shape, 8)),
        elements=st.floats(-0.5, 1.5, allow_nan=False),
    )
    return unit.map(lambda fraction: LOW + fraction * span)


def assert_within_half_bin(tokenizer: RT2ActionTokenizer, actions: np.ndarray) -> None:
    decoded = tokenizer.decode(tokenizer.encode(actions))
    error = np.abs(decoded - np.clip(actions, tokenizer.low, tokenizer.high))
    assert np.all(error <= tokenizer.bin_widths / 2 * (1 + 1e-9))


def test_default_ranges_come_from_config(tokenizer):
    np.testing.assert_allclose(tokenizer.low, LOW)
    np.testing.assert_allclose(tokenizer.high, HIGH)
    assert tokenizer.num_bins == 256
    assert tokenizer.token_range == (0, 255)
    assert tokenizer.scheme == "rt2" and tokenizer.num_dimensions == 8


@given(batches(leading=2))
def test_round_trip_within_half_a_bin_n_by_d(actions):
    assert_within_half_bin(RT2ActionTokenizer(LOW, HIGH), actions)


@given(batches(leading=3))
def test_round_trip_within_half_a_bin_b_t_d(actions):
    tokenizer = RT2ActionTokenizer(LOW, HIGH, token_offset=31744)
    tokens = tokenizer.encode(actions)
    assert tokens.shape == actions.shape and tokens.dtype == np.int64
    assert tokens.min() >= 31744 and tokens.max() <= 31999
    assert_within_half_bin(tokenizer, actions)


def test_exact_range_ends_land_in_the_edge_bins(tokenizer):
    assert tokenizer.encode(LOW).tolist() == [0] * 8
    assert tokenizer.encode(HIGH).tolist() == [255] * 8


def test_out_of_range_values_are_clipped_to_the_edge_bins(tokenizer):
    assert tokenizer.encode(LOW - 10.0).tolist() == [0] * 8
    assert tokenizer.encode(HIGH + 10.0).tolist() == [255] * 8


def test_decode_gives_bin_centres(tokenizer):
    decoded = tokenizer.decode([[0] * 8, [255] * 8])
    width = (HIGH - LOW) / 256
    np.testing.assert_allclose(decoded[0], LOW + width / 2)
    np.testing.assert_allclose(decoded[1], HIGH - width / 2)


def test_offset_places_tokens_at_the_end_of_the_vocabulary():
    vocab_size = 32000
    plain = RT2ActionTokenizer(LOW, HIGH)
    shifted = RT2ActionTokenizer(LOW, HIGH, token_offset=vocab_size - 256)
    actions = np.random.default_rng(0).uniform(LOW, HIGH, size=(50, 8))
    np.testing.assert_array_equal(shifted.encode(actions), plain.encode(actions) + vocab_size - 256)
    assert shifted.encode(HIGH).tolist() == [vocab_size - 1] * 8
    np.testing.assert_allclose(shifted.decode(shifted.encode(actions)), plain.decode(plain.encode(actions)))


def test_action_round_trip_keeps_terminate_and_gripper(tokenizer):
    action = Action(translation=[0.01, -0.02, 0.049], rotation=[0.1, -0.2, 0.0], gripper=1.0, terminate=True)
    tokens = tokenizer.encode_action(action)
    assert len(tokens) == 8 and all(type(token) is int for token in tokens)
    decoded = tokenizer.decode_action(tokens)
    assert decoded.terminate is True
    np.testing.assert_allclose(decoded.translation, action.translation, atol=0.1 / 512)
    np.testing.assert_allclose(decoded.rotation, action.rotation, atol=0.5 / 512)
    assert decoded.gripper == pytest.approx(1.0, abs=1 / 512)
    assert tokenizer.decode_action(tokenizer.encode_action(Action())).terminate is False


def test_ranges_are_the_robots_not_hard_coded(tmp_path):
    config = tmp_path / "space.yaml"
    ranges = {name: [-1.0, 1.0] for name in ACTION_DIMENSIONS}
    ranges["dx"] = [-0.2, 0.1]
    lines = ["action_space:", "  num_bins: 128", "  ranges:"] + [f"    {k}: {v}" for k, v in ranges.items()]
    config.write_text("\n".join(lines) + "\n")
    tokenizer = RT2ActionTokenizer.from_config(config, token_offset=5)
    assert tokenizer.num_bins == 128 and tokenizer.token_range == (5, 132)
    assert tokenizer.low[1] == -0.2 and tokenizer.high[1] == 0.1


def test_make_tokenizer_builds_rt2_from_config():
    tokenizer = make_tokenizer("rt2", token_offset=100)
    assert isinstance(tokenizer, RT2ActionTokenizer) and tokenizer.token_range == (100, 355)


def test_make_tokenizer_rejects_unknown_scheme():
    with pytest.raises(ValueError, match="unknown action token scheme 'fast'"):
        make_tokenizer("fast")


# --- bad input -------------------------------------------------------------------------------


def test_nan_action_names_the_dimension(tokenizer):
    actions = np.zeros((2, 8))
    actions[1, 3] = np.nan
    with pytest.raises(ValueError, match=r"position \(1, 3\) \(dimension 'dz'\) is nan"):
        tokenizer.encode(actions)


def test_infinite_action_is_rejected(tokenizer):
    with pytest.raises(ValueError, match=r"position 7 \(dimension 'gripper'\) is inf"):
        tokenizer.encode([0, 0, 0, 0, 0, 0, 0, np.inf])


@pytest.mark.parametrize("count", [7, 9])
def test_wrong_token_count(tokenizer, count):
    with pytest.raises(ValueError, match=f"takes 8 tokens per action .*got {count} per action"):
        tokenizer.decode([0] * count)


def test_wrong_action_count(tokenizer):
    with pytest.raises(ValueError, match="takes 8 values per action"):
        tokenizer.encode(np.zeros((3, 7)))


def test_scalar_tokens_are_rejected(tokenizer):
    with pytest.raises(ValueError, match="got a scalar"):
        tokenizer.decode(5)


@pytest.mark.parametrize(("bad", "shown"), [(256, "256"), (-1, "-1")])
def test_out_of_range_token_names_position_and_value(tokenizer, bad, shown):
    tokens = [[0] * 8, [0, 0, 0, 0, 0, bad, 0, 0]]
    with pytest.raises(ValueError, match=rf"position \(1, 5\) \(dimension 'dpitch'\) is {shown}, outside .*\[0, 255\]"):
        tokenizer.decode(tokens)


def test_token_below_offset_is_out_of_range():
    tokenizer = RT2ActionTokenizer(LOW, HIGH, token_offset=31744)
    with pytest.raises(ValueError, match=r"position 0 \(dimension 'terminate'\) is 31743, outside"):
        tokenizer.decode([31743] + [31744] * 7)


def test_non_integer_float_token(tokenizer):
    with pytest.raises(ValueError, match=r"position 2 \(dimension 'dy'\) is 3\.5, not an integer"):
        tokenizer.decode([0, 0, 3.5, 0, 0, 0, 0, 0])


def test_nan_token(tokenizer):
    with pytest.raises(ValueError, match=r"position 4 .* is nan, not an integer"):
        tokenizer.decode([0, 0, 0, 0, np.nan, 0, 0, 0])


@pytest.mark.parametrize("bad", ["7", None, True])
def test_non_number_token(tokenizer, bad):
    with pytest.raises(ValueError, match=r"position 6 \(dimension 'dyaw'\) is .*, not an integer"):
        tokenizer.decode([0, 0, 0, 0, 0, 0, bad, 0])


def test_integral_float_tokens_are_accepted(tokenizer):
    np.testing.assert_array_equal(tokenizer.decode([1.0] * 8), tokenizer.decode([1] * 8))


def test_decode_action_needs_exactly_one_action(tokenizer):
    with pytest.raises(ValueError, match="one action's 8 tokens"):
        tokenizer.decode_action([[0] * 8, [0] * 8])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"low": LOW[:7]}, "one value per dimension"),
        ({"high": np.where(np.arange(8) == 2, -0.05, HIGH)}, "range of 'dy' is"),
        ({"num_bins": 1}, "num_bins must be an integer >= 2"),
        ({"num_bins": 2.5}, "num_bins must be an integer"),
        ({"token_offset": -1}, "token_offset must be an integer >= 0"),
    ],
)
def test_bad_constructor_arguments(kwargs, message):
    arguments = {"low": LOW, "high": HIGH} | kwargs
    with pytest.raises(ValueError, match=message):
        RT2ActionTokenizer(**arguments)


def test_missing_config_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nowhere\.yaml"):
        RT2ActionTokenizer.from_config(tmp_path / "nowhere.yaml")


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ("{dx: [-1, 1]}", r"missing \['terminate', 'dy'"),
        ("{" + ", ".join(f"{name}: [0, 1]" for name in (*ACTION_DIMENSIONS, "dw")) + "}", r"unknown \['dw'\]"),
        ("{" + ", ".join(f"{name}: [0, 1]" for name in ACTION_DIMENSIONS[:-1]) + ", gripper: 1}", "gripper must be"),
        ("{" + ", ".join(f"{name}: [1, 0]" for name in ACTION_DIMENSIONS) + "}", "range of 'terminate'"),
    ],
)
def test_bad_config_files(tmp_path, ranges, message):
    config = tmp_path / "space.yaml"
    config.write_text(f"action_space:\n  ranges: {ranges}\n")
    with pytest.raises(ValueError, match=message):
        RT2ActionTokenizer.from_config(config)


def test_config_that_is_not_yaml(tmp_path):
    config = tmp_path / "space.yaml"
    config.write_text("action_space: [unclosed\n")
    with pytest.raises(ValueError, match="is not valid YAML"):
        RT2ActionTokenizer.from_config(config)


def test_config_without_action_space(tmp_path):
    config = tmp_path / "space.yaml"
    config.write_text("something_else: 1\n")
    with pytest.raises(ValueError, match="needs an 'action_space:' mapping"):
        RT2ActionTokenizer.from_config(config)
