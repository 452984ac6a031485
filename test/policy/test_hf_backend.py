"""The hf backend on a real (tiny, random) checkpoint loaded through from_pretrained."""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from rt2_ros.policy.base import Observation
from rt2_ros.policy.hf.configuration_hf import HFPolicyConfig
from rt2_ros.policy.hf.modeling_hf import NUM_ACTION_TOKENS, HFPolicy
from rt2_ros.policy.hf.random_checkpoint import NUM_ACTION_TOKENS as NUM_BINS


@pytest.fixture(scope="module")
def policies(checkpoint: Path) -> dict[str, HFPolicy]:
    return {mode: HFPolicy(HFPolicyConfig(checkpoint, decoding=mode)) for mode in ("generate", "static", "parallel")}


def observations(count: int) -> list[Observation]:
    rng = np.random.default_rng(1)
    commands = ["pick up the red block", "Move the blue cube near the bowl", "push the block left"]
    return [
        Observation(rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8), commands[index % 3], float(index))
        for index in range(count)
    ]


def test_loads_through_from_pretrained_in_fp32_on_cpu(policies):
    policy = policies["static"]
    assert type(policy.model).__name__ == "LlavaForConditionalGeneration"
    assert policy.dtype == torch.float32
    assert policy.tokenizer.vocab_size == len(policy.processor.tokenizer)


def test_static_decoding_gives_exactly_the_tokens_of_generate(policies):
    for observation in observations(12):
        inputs = policies["generate"].preprocess(observation)
        assert policies["static"].infer(inputs) == policies["generate"].infer(inputs)


def test_action_tokens_are_the_vocabularys_last_256_ids(policies):
    vocab_size = len(policies["static"].processor.tokenizer)
    for mode, policy in policies.items():
        step = policy.act(observations(1)[0])
        assert len(step.tokens) == NUM_ACTION_TOKENS, mode
        assert all(vocab_size - NUM_BINS <= token < vocab_size for token in step.tokens), (mode, step.tokens)


def test_action_is_finite_and_inside_the_statistics_range(policies):
    for observation in observations(4):
        action = policies["static"].act(observation).action
        assert action.is_finite() and not action.terminate
        assert np.all(np.abs(action.translation) <= 0.05 + 1e-9)
        assert np.all(np.abs(action.rotation) <= 0.25 + 1e-9)
        assert 0.0 <= action.gripper <= 1.0


def test_prompt_follows_openvla_with_the_image_first(policies):
    policy = policies["static"]
    input_ids = policy.prompt_inputs("Pick Up The Block")["input_ids"][0].tolist()
    image_id = policy.model.config.image_token_id
    assert input_ids[0] == policy.processor.tokenizer.bos_token_id
    assert input_ids[1 : 1 + 16] == [image_id] * 16
    text = policy.processor.tokenizer.decode(input_ids[17:])
    assert text == "In: What action should the robot take to pick up the block?\nOut:"


def test_reset_keeps_results_identical(policies):
    policy, observation = policies["static"], observations(1)[0]
    first = policy.act(observation).tokens
    policy.reset()
    assert policy.act(observation).tokens == first


def _copy(checkpoint: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(checkpoint, copy)
    return copy


def test_missing_folder_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "absent"))):
        HFPolicy(HFPolicyConfig(tmp_path / "absent"))


@pytest.mark.parametrize("removed", ["config.json", "dataset_statistics.json"])
def test_missing_files_name_the_path(checkpoint, tmp_path, removed):
    copy = _copy(checkpoint, tmp_path)
    (copy / removed).unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(f"{copy} has no {removed}")):
        HFPolicy(HFPolicyConfig(copy))


def test_missing_weights_name_the_path(checkpoint, tmp_path):
    copy = _copy(checkpoint, tmp_path)
    (copy / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(f"{copy} holds no weights")):
        HFPolicy(HFPolicyConfig(copy))


def test_truncated_weights_are_reported_as_corrupt(checkpoint, tmp_path):
    copy = _copy(checkpoint, tmp_path)
    weights = copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1000])
    with pytest.raises(ValueError, match=re.escape(f"weights file {weights} is corrupt")):
        HFPolicy(HFPolicyConfig(copy))


def test_garbage_weights_are_reported_as_corrupt(checkpoint, tmp_path):
    copy = _copy(checkpoint, tmp_path)
    (copy / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ValueError, match="is corrupt"):
        HFPolicy(HFPolicyConfig(copy))


def test_pickle_weights_are_refused_unless_allowed(checkpoint, tmp_path):
    copy = _copy(checkpoint, tmp_path)
    (copy / "model.safetensors").rename(copy / "pytorch_model.bin")
    with pytest.raises(ValueError, match="only pickle weights"):
        HFPolicy(HFPolicyConfig(copy))


def test_unknown_unnorm_key_is_refused(checkpoint):
    with pytest.raises(ValueError, match="unnorm_key 'bridge_orig' is not in"):
        HFPolicy(HFPolicyConfig(checkpoint, unnorm_key="bridge_orig"))


def test_several_statistics_need_an_unnorm_key(checkpoint, tmp_path):
    copy = _copy(checkpoint, tmp_path)
    path = copy / "dataset_statistics.json"
    table = json.loads(path.read_text())
    table["other"] = table["rt2_sim"]
    path.write_text(json.dumps(table))
    with pytest.raises(ValueError, match="choose one with unnorm_key"):
        HFPolicy(HFPolicyConfig(copy))
    assert HFPolicy(HFPolicyConfig(copy, unnorm_key="other")).tokenizer.statistics.num_dimensions == 7


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_cuda_without_a_gpu_is_refused(checkpoint):
    with pytest.raises(RuntimeError, match="no CUDA device"):
        HFPolicy(HFPolicyConfig(checkpoint, device="cuda"))


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("device", "gpu", "expected cpu, cuda or cuda:N"),
        ("device", "cpu:1", "expected cpu, cuda or cuda:N"),
        ("decoding", "beam", "decoding 'beam'"),
        ("prompt", "What should I do?", "placeholder"),
        ("center_crop_scale", 0.0, "center_crop_scale"),
        ("action_vocab_size", 10, "smaller than num_bins"),
    ],
)
def test_config_rejects_bad_values(field, value, complaint):
    with pytest.raises(ValueError, match=complaint):
        HFPolicyConfig(Path("/nowhere"), **{field: value})


@pytest.mark.slow
def test_compiled_static_decoding_gives_the_same_tokens(checkpoint, policies):
    compiled = HFPolicy(HFPolicyConfig(checkpoint, decoding="static", compile=True))  # ~15 s of compiling on CPU
    assert compiled.model.model.vision_tower._compiled_call_impl is not None  # what nn.Module.compile() sets
    for observation in observations(4):
        inputs = policies["generate"].preprocess(observation)
        assert compiled.infer(inputs) == policies["generate"].infer(inputs)
