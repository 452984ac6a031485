"""Shared learning fixtures: a few recorded episodes and a smoke-trained tiny VLA, made once per test session."""

from dataclasses import replace
from pathlib import Path

import pytest

from rt2_ros.data.recording import CollectConfig, collect
from rt2_ros.training.config import TrainConfig

SMOKE_CONFIG = Path(__file__).resolve().parents[2] / "config" / "train" / "smoke.yaml"


@pytest.fixture(scope="session")
def recorded(tmp_path_factory) -> Path:
    """8 expert episodes (2 bags) of the training variation, at the sim's 224 px camera."""
    folder = tmp_path_factory.mktemp("bags")
    collect(CollectConfig(episodes=8, output=folder, episodes_per_bag=4, seed=5))
    return folder


@pytest.fixture(scope="session")
def smoke_config(recorded, tmp_path_factory) -> TrainConfig:
    """config/train/smoke.yaml, pointed at the recorded episodes and a temporary run folder."""
    run = tmp_path_factory.mktemp("run")
    config = TrainConfig.load(SMOKE_CONFIG)
    return replace(config, output=str(run), data=replace(config.data, robot=[str(recorded)], cache=str(run / "cache")))


@pytest.fixture(scope="session")
def smoke_run(smoke_config) -> dict:
    """Train the smoke config once: its log lines and the model folder."""
    from rt2_ros.training.loop import train

    lines: list[str] = []
    train(smoke_config, log=lines.append, progress=False)
    return {"log": lines, "model": Path(smoke_config.output) / "model", "config": smoke_config}
