"""The tiny backend's two runtimes: ONNX Runtime (the shipped checkpoint's model.onnx) gives the eager torch
path's tokens on recorded frames; a model.onnx that is missing, stale or corrupt is not used: `auto` falls back
to torch and says why, `onnx` refuses to start."""

import shutil

import numpy as np
import pytest
from safetensors.torch import load_file, save_file

from rt2_ros.data.bag_reader import bag_folders, read_episodes
from rt2_ros.policy.base import Proprio
from rt2_ros.policy.tiny.modeling_tiny import SHIPPED_CHECKPOINT
from rt2_ros.policy.tiny.policy_tiny import TinyPolicy
from rt2_ros.policy.tiny.runtime_onnx import ONNX_FILE

EVERY = 4  # recorded frames: every 4th step of every recorded episode


@pytest.fixture(scope="module")
def policies() -> dict[str, TinyPolicy]:
    return {runtime: TinyPolicy(runtime=runtime) for runtime in ("onnx", "torch")}


def test_the_shipped_checkpoint_runs_on_onnx_runtime_by_default():
    policy = TinyPolicy()
    assert policy.runtime == "onnx" and policy.runtime_note == ""


def test_onnx_runtime_gives_the_tokens_of_torch_on_recorded_frames(recorded, policies):
    frames = 0
    for bag in bag_folders(recorded):
        for episode in read_episodes(bag):
            for step in episode.steps[::EVERY]:
                proprio = Proprio(step.ee_position, step.ee_quaternion, step.gripper)
                inputs = policies["torch"].inputs(step.image, episode.instruction, proprio)
                onnx, torch = policies["onnx"].run(inputs), policies["torch"].run(inputs)
                assert onnx[0].tolist() == torch[0].tolist(), (episode.instruction, onnx[0], torch[0])
                np.testing.assert_allclose(onnx[1], torch[1], atol=1e-4)  # token probabilities
                np.testing.assert_allclose(onnx[2], torch[2], atol=1e-4)  # where the pointers look
                frames += 1
    assert frames >= 30


@pytest.fixture
def checkpoint(tmp_path):
    folder = tmp_path / "checkpoint"
    shutil.copytree(SHIPPED_CHECKPOINT, folder)
    return folder


def test_a_missing_onnx_file_falls_back_to_torch_and_says_why(checkpoint):
    (checkpoint / ONNX_FILE).unlink()
    policy = TinyPolicy(checkpoint)
    assert policy.runtime == "torch" and "rt2-ros export-onnx" in policy.runtime_note
    with pytest.raises(ValueError, match=r"no model\.onnx"):
        TinyPolicy(checkpoint, runtime="onnx")


def test_an_onnx_file_of_other_weights_is_not_used(checkpoint):
    weights = load_file(checkpoint / "model.safetensors")
    weights["stem.bias"] = weights["stem.bias"] + 1.0  # retrained, say, without exporting again
    save_file(weights, checkpoint / "model.safetensors")
    policy = TinyPolicy(checkpoint)
    assert policy.runtime == "torch" and "was not exported from this model.safetensors" in policy.runtime_note
    with pytest.raises(ValueError, match=r"was not exported from this model\.safetensors"):
        TinyPolicy(checkpoint, runtime="onnx")


def test_a_corrupt_onnx_file_is_not_used_and_named(checkpoint):
    data = (checkpoint / ONNX_FILE).read_bytes()
    (checkpoint / ONNX_FILE).write_bytes(data[: len(data) // 3])
    assert "not a readable ONNX model" in TinyPolicy(checkpoint).runtime_note
    with pytest.raises(ValueError, match="not a readable ONNX model"):
        TinyPolicy(checkpoint, runtime="onnx")


def test_an_unknown_runtime_is_refused():
    with pytest.raises(ValueError, match="tiny runtime 'tensorrt'"):
        TinyPolicy(runtime="tensorrt")
