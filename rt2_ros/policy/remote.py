"""The `remote` backend: a client for an OpenVLA `deploy.py`-style REST policy server.

Such a server (FastAPI on a GPU machine, no ROS) answers `POST {server_url}/act` with the un-normalised
7-D action for `{"image": (H, W, 3) uint8, "instruction": str, "unnorm_key": str | None}`. It speaks
json_numpy: arrays travel as `{"__numpy__": base64 of the raw bytes, "dtype": "<f4", "shape": [...]}`,
written and read here without the json_numpy package. On a failure the server answers the JSON string
"error" (HTTP 200); that, an HTTP error, a timeout or a malformed action raises, so the node publishes
nothing for that step. The server returns no tokens: PolicyStep.tokens is empty.
"""

import base64
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import requests

from rt2_ros.actions.action import Action
from rt2_ros.policy.base import Observation, Policy, PolicyStep


def encode_array(array: np.ndarray) -> dict[str, Any]:
    """json_numpy's wire form of an array."""
    array = np.ascontiguousarray(array)
    return {
        "__numpy__": base64.b64encode(array.tobytes()).decode("ascii"),
        "dtype": array.dtype.str,
        "shape": list(array.shape),
    }


def decode_array(value: dict[str, Any]) -> np.ndarray:
    """The array of json_numpy's wire form; ValueError if it is not one."""
    try:
        raw = base64.b64decode(value["__numpy__"], validate=True)
        return np.frombuffer(raw, dtype=np.dtype(value["dtype"])).reshape(value["shape"])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"malformed json_numpy array: {error}") from error


def parse_action_reply(body: Any) -> np.ndarray:
    """(7,) float action from a server reply: a json_numpy array, a list of numbers, or either double-encoded."""
    if isinstance(body, str):
        if body == "error":
            raise RuntimeError("the policy server answered 'error' (see the server's log for its traceback)")
        try:
            body = json.loads(body)  # deploy.py's double-encoded reply
        except json.JSONDecodeError as error:
            raise ValueError(f"policy server reply is not an action: {body[:80]!r}") from error
    if isinstance(body, dict) and "action" in body:  # servers that wrap the action with extra outputs
        body = body["action"]
    array = decode_array(body) if isinstance(body, dict) else np.asarray(body)
    if array.dtype.kind not in "fiu":
        raise ValueError(f"policy server action is not numeric: {array.dtype}")
    action = array.astype(float).reshape(-1)
    if action.shape != (7,):
        raise ValueError(f"policy server action has {action.size} values; expected 7 (dx dy dz droll dpitch dyaw grip)")
    if not np.all(np.isfinite(action)):
        raise ValueError(f"policy server action is not finite: {action.tolist()}")
    return action


@dataclass
class RemotePolicyConfig:
    server_url: str  # e.g. http://gpu-host:8000 (the client posts to {server_url}/act)
    unnorm_key: str = ""  # sent to the server; '' sends null (the server's only statistics)
    timeout: float = 2.0  # s per request; a late reply is useless to a closed loop
    gripper_open_is_one: bool = True  # the server's gripper convention (OpenVLA's datasets: 1 = open)

    def __post_init__(self) -> None:
        if not self.server_url.startswith(("http://", "https://")):
            raise ValueError(f"server_url {self.server_url!r}; expected http://host:port or https://...")
        if not self.timeout > 0:
            raise ValueError(f"timeout {self.timeout}; expected > 0 s")


class RemotePolicy(Policy):
    token_scheme = "openvla"

    def __init__(self, config: RemotePolicyConfig) -> None:
        self.config = config
        self.url = config.server_url.rstrip("/") + "/act"
        self.session = requests.Session()  # keeps the connection open between steps

    def act(self, observation: Observation) -> PolicyStep:
        payload = {
            "image": encode_array(np.asarray(observation.image, dtype=np.uint8)),
            "instruction": observation.instruction,
            "unnorm_key": self.config.unnorm_key or None,
        }
        try:
            reply = self.session.post(self.url, json=payload, timeout=self.config.timeout)
            reply.raise_for_status()
            body = reply.json()
        except requests.RequestException as error:
            raise RuntimeError(f"policy server {self.url}: {error}") from error
        vector = parse_action_reply(body)  # (7,) dx dy dz droll dpitch dyaw gripper, dataset convention
        gripper = 1.0 - vector[6] if self.config.gripper_open_is_one else vector[6]
        action = Action(translation=vector[0:3], rotation=vector[3:6], gripper=float(np.clip(gripper, 0.0, 1.0)))
        return PolicyStep(tokens=[], action=action)
