"""config/policy.yaml sets exactly the parameters policy_node declares, with values inside their bounds."""

from pathlib import Path

import yaml

from rt2_ros.nodes.policy_node import PARAMETERS
from rt2_ros.ros.parameters import check_value

CONFIG = Path(__file__).resolve().parents[2] / "config" / "policy.yaml"


def test_config_matches_the_declared_parameters():
    values = yaml.safe_load(CONFIG.read_text())["policy_node"]["ros__parameters"]
    specs = {spec.name: spec for spec in PARAMETERS}
    assert set(values) == set(specs)
    for name, value in values.items():
        assert type(value) is type(specs[name].default), name  # ROS parameters are typed: 5.0, not 5
        check_value(specs[name], value)
        assert value == specs[name].default, f"{name}: the file holds the built-in defaults"
