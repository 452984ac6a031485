"""OpenVLA scheme: q01/q99 normalisation, linspace(-1, 1, 256) edges, token = vocab_size - bin."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from rt2_ros.actions import Action, ActionStatistics, OpenVLAActionTokenizer, make_tokenizer

VOCAB_SIZE = 32000  # Llama-2's 32064 padded embedding minus pad_to_multiple_of 64, as in OpenVLA-7B
# Bridge-like statistics: six normalised motion dimensions, the gripper (1 = open) left as is.
Q01 = np.array([-0.03, -0.04, -0.03, -0.08, -0.09, -0.15, 0.0])
Q99 = np.array([0.03, 0.04, 0.04, 0.09, 0.08, 0.16, 1.0])
MASK = np.array([True] * 6 + [False])


@pytest.fixture(scope="module")
def statistics() -> ActionStatistics:
    return ActionStatistics(Q01, Q99, MASK)


@pytest.fixture(scope="module")
def tokenizer(statistics) -> OpenVLAActionTokenizer:
    return OpenVLAActionTokenizer(VOCAB_SIZE, statistics)


def centre(index: int) -> float:
    """Centre of interval `index` of np.linspace(-1, 1, 256): 255 intervals of width 2/255."""
    return -1.0 + (index + 0.5) * 2.0 / 255


def expected_decode(token: int) -> np.ndarray:
    """OpenVLA's predict_action written out: interval clip(V - id - 1, 0, 254), centre, un-normalise where masked."""
    normalized = centre(int(np.clip(VOCAB_SIZE - token - 1, 0, 254)))
    dataset = np.where(MASK, 0.5 * (normalized + 1) * (Q99 - Q01) + Q01, normalized)
    dataset[6] = np.clip(1.0 - dataset[6], 0.0, 1.0)  # rt2_ros gripper: 0 open .. 1 closed
    return dataset


def test_token_range_is_the_vocabulary_end(tokenizer):
    assert tokenizer.token_range == (VOCAB_SIZE - 256, VOCAB_SIZE - 1)
    assert tokenizer.scheme == "openvla" and tokenizer.num_dimensions == 7


@pytest.mark.parametrize(
    "token", [VOCAB_SIZE - 256, VOCAB_SIZE - 255, VOCAB_SIZE - 128, VOCAB_SIZE - 2, VOCAB_SIZE - 1]
)
def test_decode_matches_openvla_predict_action(tokenizer, token):
    np.testing.assert_allclose(tokenizer.decode([token] * 7), expected_decode(token), atol=1e-12)


def test_the_two_top_tokens_decode_alike(tokenizer):
    # digitize gives bins 1..256 over 255 intervals: bin 256 (exactly +1) folds onto the last centre
    np.testing.assert_array_equal(tokenizer.decode([VOCAB_SIZE - 256] * 7), tokenizer.decode([VOCAB_SIZE - 255] * 7))


def test_encode_digitises_against_the_edges(tokenizer):
    # a value 30 % into interval k of the normalised range is bin k + 1, token V - k - 1
    for k in (0, 1, 100, 254):
        normalized = -1.0 + (k + 0.3) * 2.0 / 255
        motion = 0.5 * (normalized + 1) * (Q99[:6] - Q01[:6]) + Q01[:6]
        gripper = 1.0 - normalized if 0.0 <= normalized <= 1.0 else 0.5  # dataset 1 = open
        tokens = tokenizer.encode(np.append(motion, gripper))
        assert tokens[:6].tolist() == [VOCAB_SIZE - k - 1] * 6


def test_range_ends_and_clipping(tokenizer):
    assert tokenizer.encode(np.append(Q01[:6], 0.0))[:6].tolist() == [VOCAB_SIZE - 1] * 6
    assert tokenizer.encode(np.append(Q99[:6] + 5.0, 0.0)).tolist() == [VOCAB_SIZE - 256] * 7  # open = dataset 1
    assert tokenizer.encode(np.append(Q01[:6] - 5.0, 0.0))[:6].tolist() == [VOCAB_SIZE - 1] * 6


def test_closed_gripper_encodes_to_the_middle_bin(tokenizer):
    # rt2_ros closed (1) -> dataset 0 -> normalised 0 (unmasked) -> bin 128 of 256
    assert tokenizer.encode(np.append(np.zeros(6), 1.0))[6] == VOCAB_SIZE - 128


def test_gripper_convention_option(statistics):
    open_is_zero = OpenVLAActionTokenizer(VOCAB_SIZE, statistics, gripper_open_is_one=False)
    open_is_one = OpenVLAActionTokenizer(VOCAB_SIZE, statistics, gripper_open_is_one=True)
    action = np.append(np.zeros(6), 1.0)  # fully closed
    assert open_is_zero.encode(action)[6] == VOCAB_SIZE - 256  # dataset value 1
    assert open_is_one.encode(action)[6] == VOCAB_SIZE - 128  # dataset value 0
    token = [VOCAB_SIZE - 200] * 7  # a dataset gripper value in (0, 1)
    assert open_is_zero.decode(token)[6] == pytest.approx(1.0 - open_is_one.decode(token)[6])


def test_representable_range(tokenizer):
    np.testing.assert_allclose(tokenizer.action_low, np.append(Q01[:6], 0.0))
    np.testing.assert_allclose(tokenizer.action_high, np.append(Q99[:6], 1.0))
    np.testing.assert_allclose(tokenizer.bin_widths, np.append((Q99 - Q01)[:6], 2.0) / 255)


def actions(leading: int):
    """(leading dims..., 7) actions reaching past the representable range, to exercise clipping."""
    low, high = np.append(Q01[:6], 0.0), np.append(Q99[:6], 1.0)
    fractions = arrays(
        np.float64,
        array_shapes(min_dims=leading, max_dims=leading, min_side=1, max_side=6).map(lambda shape: (*shape, 7)),
        elements=st.floats(-0.5, 1.5, allow_nan=False),
    )
    return fractions.map(lambda fraction: low + fraction * (high - low))


def assert_within_half_bin(tokenizer: OpenVLAActionTokenizer, values: np.ndarray) -> None:
    decoded = tokenizer.decode(tokenizer.encode(values))
    error = np.abs(decoded - np.clip(values, tokenizer.action_low, tokenizer.action_high))
    assert np.all(error <= tokenizer.bin_widths / 2 * (1 + 1e-9) + 1e-15)


@given(actions(leading=2))
def test_round_trip_within_half_a_bin_n_by_d(values):
    assert_within_half_bin(OpenVLAActionTokenizer(VOCAB_SIZE, ActionStatistics(Q01, Q99, MASK)), values)


@given(actions(leading=3), st.booleans())
def test_round_trip_within_half_a_bin_b_t_d(values, gripper_open_is_one):
    statistics = ActionStatistics(Q01, Q99, MASK)
    tokenizer = OpenVLAActionTokenizer(VOCAB_SIZE, statistics, gripper_open_is_one=gripper_open_is_one)
    tokens = tokenizer.encode(values)
    assert tokens.shape == values.shape and tokens.dtype == np.int64
    assert_within_half_bin(tokenizer, values)


def test_action_round_trip_has_no_terminate(tokenizer):
    action = Action(translation=[0.01, -0.02, 0.03], rotation=[0.05, -0.05, 0.1], gripper=1.0, terminate=True)
    tokens = tokenizer.encode_action(action)
    assert len(tokens) == 7 and all(type(token) is int for token in tokens)
    decoded = tokenizer.decode_action(tokens)
    assert decoded.terminate is False
    np.testing.assert_allclose(decoded.translation, action.translation, atol=0.08 / 510)
    np.testing.assert_allclose(decoded.rotation, action.rotation, atol=0.31 / 510)
    assert decoded.gripper == pytest.approx(1.0, abs=1 / 255)


def test_constant_dimension_decodes_to_its_value():
    q01, q99 = Q01.copy(), Q99.copy()
    q01[2] = q99[2] = 0.01  # dz never moved in the data
    tokenizer = OpenVLAActionTokenizer(VOCAB_SIZE, ActionStatistics(q01, q99, MASK))
    decoded = tokenizer.decode(tokenizer.encode(np.array([0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0])))
    assert decoded[2] == pytest.approx(0.01)


def test_make_tokenizer_builds_openvla_from_a_statistics_file(tmp_path):
    path = tmp_path / "dataset_statistics.json"
    action = {"q01": Q01.tolist(), "q99": Q99.tolist(), "mask": MASK.tolist()}
    path.write_text(json.dumps({"bridge_orig": {"action": action}}))
    tokenizer = make_tokenizer("openvla", path=path, vocab_size=VOCAB_SIZE, unnorm_key="bridge_orig")
    assert isinstance(tokenizer, OpenVLAActionTokenizer)
    np.testing.assert_allclose(tokenizer.decode([VOCAB_SIZE - 7] * 7), expected_decode(VOCAB_SIZE - 7))


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [VOCAB_SIZE, VOCAB_SIZE - 257, 5])
def test_out_of_range_token(tokenizer, token):
    with pytest.raises(ValueError, match=rf"position 3 \(dimension 'droll'\) is {token}, outside .*\[31744, 31999\]"):
        tokenizer.decode([VOCAB_SIZE - 1] * 3 + [token] + [VOCAB_SIZE - 1] * 3)


def test_eight_tokens_are_the_wrong_count(tokenizer):
    with pytest.raises(ValueError, match=r"takes 7 tokens per action .*got 8 per action"):
        tokenizer.decode([VOCAB_SIZE - 1] * 8)


def test_non_integer_token(tokenizer):
    with pytest.raises(ValueError, match=r"position 6 \(dimension 'gripper'\) is 31990\.5, not an integer"):
        tokenizer.decode(np.array([VOCAB_SIZE - 1] * 6 + [31990.5]))


def test_nan_action_names_the_dimension(tokenizer):
    values = np.zeros((2, 3, 7))
    values[1, 2, 4] = np.nan
    with pytest.raises(ValueError, match=r"position \(1, 2, 4\) \(dimension 'dpitch'\) is nan"):
        tokenizer.encode(values)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"vocab_size": 100}, "vocab_size must be an integer >= num_bins"),
        ({"num_bins": 2}, "num_bins must be an integer >= 3"),
        ({"statistics": ActionStatistics(Q01[:6], Q99[:6], MASK[:6])}, "7 dimensions"),
    ],
)
def test_bad_constructor_arguments(statistics, arguments, message):
    with pytest.raises(ValueError, match=message):
        OpenVLAActionTokenizer(**({"vocab_size": VOCAB_SIZE, "statistics": statistics} | arguments))
