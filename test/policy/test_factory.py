"""make_policy builds the backend asked for and refuses what it cannot build."""

import pytest

from rt2_ros.policy.factory import PolicyConfig, make_policy
from rt2_ros.policy.remote import RemotePolicy


def test_remote_backend_is_built_without_contacting_the_server():
    assert isinstance(make_policy(PolicyConfig(backend="remote", server_url="http://127.0.0.1:9")), RemotePolicy)


def test_hf_backend_loads_the_checkpoint(checkpoint):
    policy = make_policy(PolicyConfig(backend="hf", model_path=str(checkpoint)))
    assert policy.token_scheme == "openvla"


def test_tiny_backend_refuses_a_missing_checkpoint():
    with pytest.raises(FileNotFoundError, match="/somewhere is not a folder"):
        make_policy(PolicyConfig(backend="tiny", model_path="/somewhere"))


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"backend": "openvla"}, "backend 'openvla'"),
        ({"backend": "hf"}, "needs model_path"),
        ({"backend": "remote"}, "needs server_url"),
    ],
)
def test_config_rejects_incomplete_settings(values, complaint):
    with pytest.raises(ValueError, match=complaint):
        PolicyConfig(**values)
