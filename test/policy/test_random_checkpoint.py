"""`rt2-ros random-checkpoint`: a complete OpenVLA-convention folder, made offline."""

import json

import pytest

from rt2_ros.cli import main
from rt2_ros.policy.hf.random_checkpoint import CheckpointShape, build_tokenizer


def test_cli_writes_a_complete_checkpoint(tmp_path, capsys):
    target = tmp_path / "checkpoint"
    assert main(["random-checkpoint", str(target), "--image-size", "32", "--patch-size", "8"]) == 0
    names = {path.name for path in target.iterdir()}
    assert {"config.json", "model.safetensors", "dataset_statistics.json", "tokenizer.json"} <= names
    assert not any(name.endswith(".bin") for name in names)
    statistics = json.loads((target / "dataset_statistics.json").read_text())
    assert len(statistics["rt2_sim"]["action"]["q01"]) == 7
    assert "random actions" in capsys.readouterr().out


def test_cli_refuses_a_non_empty_folder(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["random-checkpoint", str(tmp_path)]) == 2
    assert "is not empty" in capsys.readouterr().out
    assert [path.name for path in tmp_path.iterdir()] == ["keep.txt"]


def test_tokenizer_ends_with_the_256_action_tokens():
    tokenizer = build_tokenizer()
    size = len(tokenizer)
    assert tokenizer.convert_ids_to_tokens([size - 256, size - 1]) == ["<action_0>", "<action_255>"]
    text = "In: What action should the robot take to pick up the block?\nOut:"
    assert tokenizer.decode(tokenizer(text).input_ids, skip_special_tokens=True) == text


def test_shape_checks_divisibility():
    with pytest.raises(ValueError, match="not a multiple of patch_size"):
        CheckpointShape(image_size=30, patch_size=8)
