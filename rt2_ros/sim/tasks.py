"""Tasks in RT-2's spirit: a language instruction about objects on the table, and its success check.

The checks read only object poses (a `PrivilegedState`), so they hold the same in the
in-process sim, behind sim_node, and in tests with hand-made states.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rt2_ros.sim.privileged import PUSH_DIRECTIONS, TASK_KINDS, ObjectState, PrivilegedState, TaskState
from rt2_ros.sim.variation import SceneVariation

LIFT_HEIGHT = 0.05  # m above its resting height: a picked-up object
NEAR_DISTANCE = 0.10  # m between centres (in the table plane): "near"
FAR_MARGIN = 0.05  # m beyond NEAR_DISTANCE that a move-near goal starts from its object
# m in the table plane that a move near's own object must have moved: the goal is brought to, not the object to it,
# when the arm moves the wrong one of the two (what the command said is then not done, though the two are near).
MOVED_DISTANCE = 0.03
PUSH_DISTANCE = 0.08  # m along ±y: pushed far enough
RESTING_TOLERANCE = 0.015  # m above its resting height: still on the table (placed, not held)
BOWL_FLOOR = 0.01  # m, a bowl's floor (and a little) under an object resting in it
RELEASED_CLOSURE = 0.25  # gripper closure below which the fingers no longer hold a block
PUSH_AXIS = {"left": 1.0, "right": -1.0}  # sign along the base frame's y (REP 103: y points left)


@dataclass(frozen=True)
class TaskSpec:
    """What a reset may ask for; `kind=None` draws the kind too."""

    kind: str | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in TASK_KINDS:
            raise ValueError(f"task {self.kind!r}; expected one of {TASK_KINDS} (or empty for any)")


def instruction(kind: str, obj: str, target: str | None, direction: str | None) -> str:
    if kind == "pick_up":
        return f"pick up the {obj}"
    if kind == "move_near":
        return f"move the {obj} near the {target}"
    if kind == "put_in_bowl":
        return f"put the {obj} in the {target}"
    return f"push the {obj} to the {direction}"


def task_possible(kind: str, objects: Sequence[tuple[str, str]], variation: SceneVariation) -> bool:
    """Whether a scene of (kind, colour) objects holds a `kind` task that `variation` allows (colours only)."""
    blocks = [color for object_kind, color in objects if object_kind == "block"]
    bowls = [color for object_kind, color in objects if object_kind == "bowl"]
    for index, color in enumerate(blocks):
        if not variation.object_allowed(color):
            continue
        if kind in ("pick_up", "push"):
            return True
        targets = bowls if kind == "put_in_bowl" else blocks[:index] + blocks[index + 1 :]
        if any(variation.pair_allowed(color, target) for target in targets):
            return True
    return False


def draw_far(rng: np.random.Generator, objects: dict[str, ObjectState], obj: str, goals: list[str]) -> str:
    """One of `goals` not near `obj` already (a move near would be solved before it starts), else the farthest."""
    distance = {name: planar_distance(objects[obj], objects[name]) for name in goals}
    far = [name for name in goals if distance[name] > NEAR_DISTANCE + FAR_MARGIN]
    return str(rng.choice(far)) if far else max(goals, key=distance.get)


def sample_task(
    rng: np.random.Generator, kind: str, objects: dict[str, ObjectState], variation: SceneVariation | None = None
) -> TaskState:
    """A `kind` task about the blocks on the table that `variation` allows; `rng` makes it reproducible.

    ValueError when the scene holds none (check task_possible before changing the world).
    """
    variation = variation or SceneVariation()
    blocks = sorted(name for name, obj in objects.items() if obj.kind == "block")
    bowls = sorted(name for name, obj in objects.items() if obj.kind == "bowl")

    def targets(name: str) -> list[str]:
        pool = bowls if kind == "put_in_bowl" else [other for other in blocks if other != name]
        return [other for other in pool if variation.pair_allowed(objects[name].color, objects[other].color)]

    candidates = [name for name in blocks if variation.object_allowed(objects[name].color)]
    if kind in ("move_near", "put_in_bowl"):
        candidates = [name for name in candidates if targets(name)]
    if not candidates:
        raise ValueError(f"no {kind} task in this scene is allowed by the variation")
    obj = str(rng.choice(candidates))
    target = direction = None
    if kind == "move_near":
        target = draw_far(rng, objects, obj, targets(obj))
    elif kind == "put_in_bowl":
        target = str(rng.choice(targets(obj)))
    elif kind == "push":
        # A push asks for a way that is free (nothing in the object's path), when there is one.
        options = [(name, way) for name in candidates for way in PUSH_DIRECTIONS if push_path_clear(objects, name, way)]
        options = options or [(name, way) for name in candidates for way in PUSH_DIRECTIONS]
        obj, direction = options[int(rng.integers(len(options)))]
    return TaskState(
        kind=kind,
        instruction=instruction(kind, obj, target, direction),
        object=obj,
        target=target,
        direction=direction,
        start=list(objects[obj].position),
    )


def planar_distance(first: ObjectState, second: ObjectState) -> float:
    """Distance between two objects' centres in the table plane."""
    return float(np.linalg.norm(np.asarray(first.position[:2]) - np.asarray(second.position[:2])))


def push_path_clear(objects: dict[str, ObjectState], name: str, direction: str, margin: float = 0.02) -> bool:
    """No other object within reach of `name`'s sweep along `direction` (plus the gripper behind it)."""
    obj = objects[name]
    start = np.asarray(obj.position[:2])
    axis = np.array([0.0, PUSH_AXIS[direction]])
    behind, ahead = 0.08, PUSH_DISTANCE + 0.05  # m: the gripper's standoff, the push with overshoot
    for other_name, other in objects.items():
        if other_name == name:
            continue
        offset = np.asarray(other.position[:2]) - start
        along = float(np.clip(offset @ axis, -behind, ahead))
        clearance = max(other.half_size[:2]) + max(obj.half_size[:2]) + margin
        if np.linalg.norm(offset - along * axis) < clearance:
            return False
    return True


def lifted(obj: ObjectState) -> bool:
    """Held up off the table: what a picked-up object is."""
    return bool(obj.position[2] >= obj.half_size[2] + LIFT_HEIGHT)


def resting(obj: ObjectState, tolerance: float = RESTING_TOLERANCE) -> bool:
    """On the table (z = 0 is the table top), not held up."""
    return obj.position[2] <= obj.half_size[2] + tolerance


def released(state: PrivilegedState) -> bool:
    """The task's object is not in the gripper: the fingers are open or the ee is away from it."""
    obj = np.asarray(state.objects[state.task.object].position)
    away = np.linalg.norm(obj - np.asarray(state.ee_position)) > 0.05
    return bool(away or state.gripper < RELEASED_CLOSURE)


def done_as_placed(state: PrivilegedState) -> bool:
    """The drawn task already done where the objects stand, before the arm moves: its success check, or a move near
    whose goal lies beside its object (unsolved by the check only because the object has not moved yet)."""
    task = state.task
    if task.kind == "move_near":
        return planar_distance(state.objects[task.object], state.objects[str(task.target)]) <= NEAR_DISTANCE
    return is_success(state)


def is_success(state: PrivilegedState) -> bool:
    task = state.task
    obj = state.objects[task.object]
    position = np.asarray(obj.position)
    if task.kind == "pick_up":
        return lifted(obj)
    if task.kind == "push":
        moved = (position[1] - task.start[1]) * PUSH_AXIS[str(task.direction)]
        return bool(moved >= PUSH_DISTANCE and resting(obj))
    target = state.objects[str(task.target)]
    distance = planar_distance(obj, target)
    if task.kind == "move_near":
        moved = float(np.linalg.norm(position[:2] - np.asarray(task.start[:2])))
        return distance <= NEAR_DISTANCE and moved >= MOVED_DISTANCE and resting(obj) and released(state)
    # put_in_bowl: inside the bowl's rim, resting on its floor, let go.
    inner_radius = target.half_size[0] - obj.half_size[0]
    resting_in_bowl = position[2] <= target.position[2] + BOWL_FLOOR + obj.half_size[2] + RESTING_TOLERANCE
    return distance <= inner_radius and bool(resting_in_bowl) and released(state)
