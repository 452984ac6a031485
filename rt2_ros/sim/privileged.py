"""The simulator's ground truth on /sim/privileged_state (std_msgs/String, JSON), for the scripted expert.

Only the sim publishes it and only backends with `needs_privileged_state` read it; a learned
policy never sees it. One message, schema version 1:

```
{
  "version": 1,
  "stamp": 12.3,                 # seconds, the stamp of the camera frame published with it
  "episode": 4,                  # counts resets since start
  "step": 17,                    # control steps (camera frames) since the reset
  "task": {
    "kind": "put_in_bowl",       # pick_up | move_near | put_in_bowl | push
    "instruction": "put the red block in the blue bowl",
    "object": "red block",       # the object the instruction is about (a key of "objects")
    "target": "blue bowl",       # move_near: the other object; put_in_bowl: the bowl; else null
    "direction": null,           # push: "left" (+y) or "right" (-y); else null
    "start": [0.45, 0.1, 0.02]   # the object's position at the reset (base frame, m)
  },
  "ee": {"position": [x, y, z], "quaternion": [x, y, z, w]},   # ee_link in base_link
  "gripper": 0.0,                # measured finger closure: 0 open .. 1 closed
  "objects": {                   # every object on the table, by its name in instructions
    "red block": {"kind": "block", "color": "red", "position": [...], "quaternion": [...],
                  "half_size": [0.02, 0.02, 0.02]},
    "blue bowl": {"kind": "bowl", ...},
    "H marker": {"kind": "marker", "color": "white", ..., "symbol": "H"}   # flat, on the table
  },
  "success": false               # the task's automatic success check, now
}
```
"""

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1
TASK_KINDS = ("pick_up", "move_near", "put_in_bowl", "push")
PUSH_DIRECTIONS = ("left", "right")


@dataclass
class ObjectState:
    kind: str  # block, bowl, ball, can, marker
    color: str
    position: list[float]  # (3,) metres, base frame
    quaternion: list[float]  # (4,) [x, y, z, w]
    half_size: list[float]  # (3,) half extents of its bounding box, metres
    symbol: str = ""  # a marker's letter, digit or shape (scene.SYMBOLS); "" for other objects


@dataclass
class TaskState:
    kind: str  # one of TASK_KINDS
    instruction: str
    object: str  # key of PrivilegedState.objects
    target: str | None = None  # move_near: other object; put_in_bowl: bowl
    direction: str | None = None  # push only: left or right
    start: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # object position at reset

    def __post_init__(self) -> None:
        if self.kind not in TASK_KINDS:
            raise ValueError(f"task kind {self.kind!r}; expected one of {TASK_KINDS}")
        if self.kind in ("move_near", "put_in_bowl") and not self.target:
            raise ValueError(f"a {self.kind} task needs a target")
        if self.kind == "push" and self.direction not in PUSH_DIRECTIONS:
            raise ValueError(f"a push task needs direction in {PUSH_DIRECTIONS}; got {self.direction!r}")


@dataclass
class PrivilegedState:
    stamp: float
    episode: int
    step: int
    task: TaskState
    ee_position: list[float]  # (3,)
    ee_quaternion: list[float]  # (4,) [x, y, z, w]
    gripper: float  # 0 open .. 1 closed (measured)
    objects: dict[str, ObjectState]
    success: bool

    def __post_init__(self) -> None:
        if self.task.object not in self.objects:
            raise ValueError(f"task object {self.task.object!r} is not among the objects {sorted(self.objects)}")
        if self.task.target is not None and self.task.target not in self.objects:
            raise ValueError(f"task target {self.task.target!r} is not among the objects {sorted(self.objects)}")


def to_dict(state: PrivilegedState) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "stamp": float(state.stamp),
        "episode": int(state.episode),
        "step": int(state.step),
        "task": asdict(state.task),
        "ee": {"position": _floats(state.ee_position, 3), "quaternion": _floats(state.ee_quaternion, 4)},
        "gripper": float(state.gripper),
        "objects": {name: asdict(obj) for name, obj in state.objects.items()},
        "success": bool(state.success),
    }


def serialise(state: PrivilegedState) -> str:
    return json.dumps(to_dict(state), separators=(",", ":"))


def parse(text: str | dict[str, Any]) -> PrivilegedState:
    """A PrivilegedState from JSON text (or its decoded dict); ValueError naming what is wrong."""
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError as error:
        raise ValueError(f"privileged state is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"privileged state is a JSON object; got {type(data).__name__}")
    if data.get("version") != SCHEMA_VERSION:
        raise ValueError(f"privileged state version {data.get('version')!r}; this code reads {SCHEMA_VERSION}")
    try:
        task = data["task"]
        objects = {
            str(name): ObjectState(
                kind=str(obj["kind"]),
                color=str(obj["color"]),
                position=_floats(obj["position"], 3),
                quaternion=_floats(obj["quaternion"], 4),
                half_size=_floats(obj["half_size"], 3),
                symbol=str(obj.get("symbol", "")),
            )
            for name, obj in data["objects"].items()
        }
        return PrivilegedState(
            stamp=float(data["stamp"]),
            episode=int(data["episode"]),
            step=int(data["step"]),
            task=TaskState(
                kind=str(task["kind"]),
                instruction=str(task["instruction"]),
                object=str(task["object"]),
                target=None if task.get("target") is None else str(task["target"]),
                direction=None if task.get("direction") is None else str(task["direction"]),
                start=_floats(task["start"], 3),
            ),
            ee_position=_floats(data["ee"]["position"], 3),
            ee_quaternion=_floats(data["ee"]["quaternion"], 4),
            gripper=float(data["gripper"]),
            objects=objects,
            success=bool(data["success"]),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"privileged state misses or mistypes a field: {error!r}") from error


def _floats(values: Any, length: int) -> list[float]:
    result = [float(value) for value in values]
    if len(result) != length or not all(math.isfinite(value) for value in result):
        raise ValueError(f"expected {length} finite numbers; got {values!r}")
    return result
