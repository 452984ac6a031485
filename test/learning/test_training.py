"""`rt2-ros train`: the smoke config trains for about a minute and its loss falls; --resume continues from the
checkpoint; the same loop runs under torchrun with 2 CPU processes (DDP over gloo)."""

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from rt2_ros.policy.tiny.modeling_tiny import load_model


def losses(lines: list[str]) -> list[float]:
    return [float(re.search(r" total ([0-9.]+)", line).group(1)) for line in lines if " total " in line]


def test_the_smoke_run_learns(smoke_run):
    totals = losses(smoke_run["log"])
    assert len(totals) >= 4
    assert totals[-1] < 0.6 * totals[0], totals  # the loss falls well below where it started
    model = load_model(smoke_run["model"])
    assert model.config.d_model == 64


def test_resume_continues_from_the_checkpoint(smoke_run):
    from rt2_ros.training.loop import train

    config = smoke_run["config"]
    more = replace(config, optim=replace(config.optim, steps=config.optim.steps + 10))
    lines: list[str] = []
    train(more, resume_run=True, log=lines.append, progress=False)
    assert any(line == f"resumed from step {config.optim.steps}" for line in lines)
    assert any(line.startswith(f"step {config.optim.steps + 10} ") for line in lines)


def test_resume_without_a_checkpoint_says_so(smoke_config, tmp_path):
    from rt2_ros.training.loop import train

    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train(replace(smoke_config, output=str(tmp_path / "fresh")), resume_run=True, progress=False)


def test_torchrun_with_two_cpu_processes(smoke_run, tmp_path):
    config = smoke_run["config"]
    path = tmp_path / "ddp.yaml"
    document = yaml.safe_load(Path(os.environ.get("RT2_SMOKE", "config/train/smoke.yaml")).read_text())
    document.update(output=str(tmp_path / "ddp"), threads=1, log_every=2, checkpoint_every=4)
    document["data"].update(robot=config.data.robot, cache=config.data.cache)  # the caches exist already
    document["optim"].update(steps=4, batch_size=4)
    path.write_text(yaml.safe_dump(document))
    torchrun = Path(sys.executable).with_name("torchrun")
    result = subprocess.run(
        [str(torchrun), "--nproc_per_node", "2", "--master_port", str(29500 + os.getpid() % 1000), "-m", "rt2_ros",
         "train", str(path), "--no-progress"],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "step 4 " in result.stdout and (tmp_path / "ddp" / "model" / "model.safetensors").is_file()


def test_a_bad_config_is_refused_with_its_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("optim: {stepz: 3}\n")
    result = subprocess.run([sys.executable, "-m", "rt2_ros", "train", str(path)], capture_output=True, text=True)
    assert result.returncode == 2 and "unknown keys ['optim.stepz']" in result.stderr


def test_a_negative_thread_count_is_refused():
    config = Path(__file__).resolve().parents[2] / "config" / "train" / "smoke.yaml"
    command = [sys.executable, "-m", "rt2_ros", "train", str(config), "--threads", "-1"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 2 and "threads >= 0" in result.stderr
