"""The tiny VLA: shapes, decoding with its KV cache, the checkpoint's checks, and the policy backend."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from rt2_ros.policy.base import Observation, Proprio
from rt2_ros.policy.tiny.configuration_tiny import NUM_ACTION_TOKENS, TinyVLAConfig
from rt2_ros.policy.tiny.modeling_tiny import TinyVLA, load_model
from rt2_ros.policy.tiny.policy_tiny import TinyPolicy
from rt2_ros.policy.tiny.processing_tiny import pointer_peak
from rt2_ros.training.loop import export_model

SMALL = TinyVLAConfig(channels=(8, 8, 16), d_model=32, num_layers=2, num_heads=2)


def inputs(batch: int = 2, config: TinyVLAConfig = SMALL):
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (batch, 3, config.image_size, config.image_size), generator=generator)
    text_mask = torch.ones(batch, config.max_text_tokens, dtype=torch.bool)
    text_mask[:, 9:] = False
    return (
        images,
        torch.randn(batch, 8, generator=generator),
        torch.randn(batch, config.max_text_tokens, 384),
        text_mask,
    )


@pytest.mark.parametrize("film_condition", ["sentence", "roles", "both"])
def test_cached_decoding_gives_the_teacher_forced_tokens(film_condition):
    torch.manual_seed(0)
    model = TinyVLA(replace(SMALL, film_condition=film_condition)).eval()
    prefix = model.encode_prefix(*inputs())
    tokens, chances = model.generate_action(prefix)  # (B, 8) each
    assert torch.all((chances > 0) & (chances <= 1))
    assert tokens.shape == (2, NUM_ACTION_TOKENS) and int(tokens.min()) >= 0 and int(tokens.max()) <= 255
    decode = torch.cat([torch.full((2, 1), SMALL.special_id("<act>")), tokens[:, :-1]], dim=1)
    with torch.no_grad():
        logits = model(prefix, decode)[..., :256]  # (B, 8, 256) teacher-forced
    # Each cached step chose a token the full forward scores highest, up to float noise: the two paths sum in
    # another order, so on a random model a near-tie may flip between CPUs and thread counts; a wrong cache
    # (a shifted position, a missing key) misses by the logits' own scale (~0.1 here), not by 1e-4.
    chosen = logits.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)  # (B, 8)
    assert torch.all(logits.max(-1).values - chosen <= 1e-4), logits.max(-1).values - chosen


def test_a_pointer_cell_is_the_cell_training_labels_it_with():
    """The model's cell centres and the training labels (batches.py: row-major cells, u across, v down) agree:
    a pointer on cell index h means the same (u, v) in both."""
    model = TinyVLA(SMALL).eval()
    grid = SMALL.feature_grid
    with torch.no_grad():
        pointing = model.encode_prefix(*inputs()).pointing
    assert pointing.logits.shape == (2, 2, grid * grid) and pointing.uv.shape == (2, 2, 2)
    for u, v in [(0.03, 0.97), (0.5, 0.2), (0.81, 0.44)]:
        cell = int(v * grid) * grid + int(u * grid)  # how BatchMaker labels an object at (u, v)
        centre = model.cell_uv[cell].numpy()
        np.testing.assert_allclose(centre, [(int(u * grid) + 0.5) / grid, (int(v * grid) + 0.5) / grid])
        assert np.all(np.abs(centre - [u, v]) <= 0.5 / grid + 1e-9)  # the object lies in that cell
        # a pointer peaked on that cell is read back (the traces, the question probe) as that cell's centre
        pointer = np.zeros(grid * grid)
        pointer[cell] = 1.0
        np.testing.assert_allclose(pointer_peak(pointer.reshape(grid, grid)), centre)


def test_a_bad_config_names_the_field():
    with pytest.raises(ValueError, match="image_size 100"):
        TinyVLAConfig(image_size=100)
    with pytest.raises(ValueError, match="crop"):
        TinyVLAConfig(crop=(0.5, 0.5, 0.6, 0.2))
    with pytest.raises(ValueError, match="film_condition 'verbs'"):
        TinyVLAConfig(film_condition="verbs")


@pytest.fixture
def checkpoint(tmp_path):
    folder = tmp_path / "model"
    export_model(folder, TinyVLA(SMALL))
    return folder


def test_a_checkpoint_round_trips(checkpoint):
    model = load_model(checkpoint)
    assert model.config == SMALL and not model.training
    assert all(path.suffix in (".json", ".safetensors") for path in checkpoint.iterdir())  # nothing pickled


def test_missing_or_corrupt_weights_are_refused_with_the_reason(checkpoint, tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        load_model(tmp_path / "nowhere")
    weights = checkpoint / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])  # a truncated copy
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        load_model(checkpoint)
    save_file({"stem.weight": torch.zeros(3)}, weights)  # readable, but not this model's tensors
    with pytest.raises(ValueError, match=r"does not fit its config\.json"):
        load_model(checkpoint)
    weights.unlink()
    with pytest.raises(FileNotFoundError, match=r"has no model\.safetensors"):
        load_model(checkpoint)
    (checkpoint / "config.json").write_text(json.dumps({"d_model": 32, "num_heads": 5}))
    with pytest.raises(ValueError, match="d_model 32"):
        load_model(checkpoint)


def observation(proprio: Proprio | None) -> Observation:
    return Observation(np.zeros((224, 224, 3), np.uint8), "pick up the red block", 0.0, None, proprio)


def test_the_policy_acts_from_the_frame_the_command_and_the_arms_state(checkpoint):
    policy = TinyPolicy(checkpoint)
    proprio = Proprio(np.array([0.4, 0.0, 0.2]), np.array([1.0, 0.0, 0.0, 0.0]), 0.0)
    step = policy.act(observation(proprio))
    assert len(step.tokens) == NUM_ACTION_TOKENS and step.action.is_finite()
    assert np.all(np.abs(step.action.translation) <= 0.05) and 0 <= step.action.gripper <= 1
    assert isinstance(policy.answer(np.zeros((224, 224, 3), np.uint8), "is there a red block?", proprio), str)
    # asked a question, the pointers look where they would for the same words said as a command
    inputs = policy.inputs(np.full((224, 224, 3), 90, np.uint8), "where is the red block?", proprio)
    said, pointers = policy.reply(inputs)
    assert isinstance(said, str) and pointers.shape == (2, policy.config.feature_grid, policy.config.feature_grid)
    np.testing.assert_allclose(pointers, policy.run(inputs)[2], atol=1e-5)
    np.testing.assert_allclose(pointers.sum(axis=(1, 2)), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="needs the arm's state"):
        policy.act(observation(None))
    with pytest.raises(ValueError, match="must be finite"):
        policy.act(observation(Proprio(np.array([np.nan, 0.0, 0.2]), np.array([1.0, 0.0, 0.0, 0.0]), 0.0)))
    with pytest.raises(ValueError, match="uint8 RGB image"):
        policy.act(Observation(np.zeros((224, 224), np.uint8), "pick up the red block", 0.0, None, proprio))
