"""SafetyConfig: the defaults are the documented tight limits; a bad configuration names its parameter."""

import math

import pytest

from rt2_ros.safety import SafetyConfig


def test_defaults_are_the_documented_limits():
    config = SafetyConfig()
    assert config.max_translation_step == 0.05
    assert config.max_rotation_step == 0.25
    assert config.workspace_min == (0.20, -0.40, 0.01)
    assert config.workspace_max == (0.70, 0.40, 0.50)
    assert config.max_action_age == 1.0
    assert config.max_pose_age == 0.5
    assert config.command_timeout == 1.0
    assert config.max_rate == 30.0
    assert config.min_interval == pytest.approx(1 / 30)


def test_lists_become_tuples():
    config = SafetyConfig(workspace_min=[0, -1, 0], workspace_max=[1, 1, 1])
    assert config.workspace_min == (0.0, -1.0, 0.0)


@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"max_translation_step": 0.0}, "max_translation_step"),
        ({"max_translation_step": -0.01}, "max_translation_step"),
        ({"max_translation_step": 0.5}, "max_translation_step"),
        ({"max_rotation_step": 0.0}, "max_rotation_step"),
        ({"max_rotation_step": math.nan}, "max_rotation_step"),
        ({"max_action_age": -1.0}, "max_action_age"),
        ({"max_action_age": 0.0}, "max_action_age"),
        ({"max_pose_age": 0.0}, "max_pose_age"),
        ({"max_pose_age": 11.0}, "max_pose_age"),
        ({"command_timeout": -0.5}, "command_timeout"),
        ({"command_timeout": math.inf}, "command_timeout"),
        ({"max_rate": 0.0}, "max_rate"),
        ({"max_future_stamp": -0.1}, "max_future_stamp"),
        ({"workspace_min": (0.2, -0.4)}, "workspace_min"),
        ({"workspace_max": (0.7, 0.4, 0.5, 1.0)}, "workspace_max"),
        ({"workspace_min": (0.7, -0.4, 0.01)}, "workspace_min"),  # x: min == max
        ({"workspace_min": (0.2, 0.5, 0.01)}, "workspace_min"),  # y: min > max
        ({"workspace_max": (0.7, 0.4, 100.0)}, "workspace_max"),
        ({"command_timeout": 0.02}, "command_timeout"),  # shorter than 1/max_rate
        ({"base_frame": ""}, "base_frame"),
    ],
)
def test_bad_configuration_names_the_parameter(overrides, parameter):
    with pytest.raises(ValueError, match=f"'{parameter}'"):
        SafetyConfig(**overrides)
