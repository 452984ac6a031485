"""Shared sim fixtures: one compiled world per test module (building the scene takes ~0.3 s)."""

import pytest

from rt2_ros.sim.world import SimWorld


@pytest.fixture(scope="module")
def world():
    sim = SimWorld(seed=0, image_size=(96, 80))
    yield sim
    sim.close()
