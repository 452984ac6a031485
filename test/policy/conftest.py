"""A tiny random checkpoint (32 px images, 16 image tokens) written once per test session."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rt2_ros.policy.hf.random_checkpoint import CheckpointShape, write_random_checkpoint

    return write_random_checkpoint(tmp_path_factory.mktemp("policy") / "random", CheckpointShape(32, 8), seed=0)
