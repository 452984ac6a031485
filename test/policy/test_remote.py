"""The remote backend against a local deploy.py-style server started by the test."""

import socket

import numpy as np
import pytest
from policy_server import ACTION, PolicyServer

from rt2_ros.policy.base import Observation
from rt2_ros.policy.remote import RemotePolicy, RemotePolicyConfig, decode_array, encode_array

OBSERVATION = Observation(np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3), "pick up the block", 1.0)


def policy(url: str, **config: object) -> RemotePolicy:
    return RemotePolicy(RemotePolicyConfig(url, **config))


@pytest.mark.parametrize("reply", ["numpy", "double", "list"])
def test_action_arrives_in_rt2_ros_conventions(reply):
    with PolicyServer(reply) as server:
        step = policy(server.url, unnorm_key="bridge_orig").act(OBSERVATION)
    np.testing.assert_allclose(step.action.translation, ACTION[:3], rtol=1e-6)
    np.testing.assert_allclose(step.action.rotation, ACTION[3:6], rtol=1e-6)
    assert step.action.gripper == 0.0  # the server's 1 = open is rt2_ros's 0 = open
    assert step.tokens == []


def test_request_is_what_deploy_py_expects():
    with PolicyServer() as server:
        policy(server.url + "/", unnorm_key="bridge_orig").act(OBSERVATION)
        policy(server.url).act(OBSERVATION)
    first, second = server.requests
    assert first["path"] == "/act"
    np.testing.assert_array_equal(first["image"], OBSERVATION.image)
    assert (first["instruction"], first["unnorm_key"], second["unnorm_key"]) == (
        "pick up the block",
        "bridge_orig",
        None,
    )


def test_gripper_convention_can_be_kept():
    with PolicyServer() as server:
        assert policy(server.url, gripper_open_is_one=False).act(OBSERVATION).action.gripper == 1.0


@pytest.mark.parametrize(
    ("reply", "error", "complaint"),
    [
        ("error", RuntimeError, "answered 'error'"),
        ("http500", RuntimeError, "500"),
        ("short", ValueError, "5 values; expected 7"),
        ("nan", ValueError, "not finite"),
    ],
)
def test_bad_replies_raise(reply, error, complaint):
    with PolicyServer(reply) as server, pytest.raises(error, match=complaint):
        policy(server.url).act(OBSERVATION)


def test_unreachable_server_raises_naming_it():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RuntimeError, match=f"127.0.0.1:{port}/act"):
        policy(f"http://127.0.0.1:{port}", timeout=1.0).act(OBSERVATION)


def test_json_numpy_wire_form_round_trips():
    array = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_array_equal(decode_array(encode_array(array)), array)
    with pytest.raises(ValueError, match="malformed json_numpy"):
        decode_array({"__numpy__": "!!", "dtype": "<f4", "shape": [1]})


@pytest.mark.parametrize(("field", "value"), [("server_url", "gpu-host:8000"), ("timeout", 0.0)])
def test_config_rejects_bad_values(field, value):
    values = {"server_url": "http://localhost:8000", field: value}
    with pytest.raises(ValueError, match=field):
        RemotePolicyConfig(**values)
