"""Fixtures for the safety gate's tests: the default limits and a gate that knows the pose."""

import pytest
from safety_cases import CENTRE, START

from rt2_ros.safety import SafetyConfig, SafetyGate


@pytest.fixture
def config() -> SafetyConfig:
    return SafetyConfig()


@pytest.fixture
def gate(config: SafetyConfig) -> SafetyGate:
    gate = SafetyGate(config, START)
    assert gate.set_pose(CENTRE, "base_link", START) == ""
    return gate
