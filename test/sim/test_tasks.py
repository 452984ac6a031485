"""Each task's automatic success check: true for a solved scene, false for an unsolved one."""

import numpy as np
import pytest
from states import make_state

from rt2_ros.sim.privileged import TaskState
from rt2_ros.sim.tasks import TaskSpec, is_success, push_path_clear, sample_task

START = [0.45, 0.0, 0.02]


def pick_up(position):
    return make_state(TaskState("pick_up", "pick up the red block", "red block", start=START), {"red block": position})


def move_near(position):
    task = TaskState("move_near", "move the red block near the green block", "red block", "green block", start=START)
    return make_state(task, {"red block": position, "green block": [0.55, 0.1, 0.02]})


def put_in_bowl(position):
    task = TaskState("put_in_bowl", "put the red block in the blue bowl", "red block", "blue bowl", start=START)
    return make_state(task, {"red block": position, "blue bowl": [0.4, -0.2, 0.0]})


def push(position, direction="left"):
    task = TaskState("push", f"push the red block to the {direction}", "red block", direction=direction, start=START)
    return make_state(task, {"red block": position})


@pytest.mark.parametrize(
    ("state", "solved"),
    [
        (pick_up([0.45, 0.0, 0.10]), True),
        (pick_up([0.45, 0.0, 0.02]), False),  # still on the table
        (pick_up([0.45, 0.0, 0.05]), False),  # only nudged up
        (move_near([0.50, 0.05, 0.02]), True),
        (move_near([0.45, 0.0, 0.02]), False),  # too far
        (move_near([0.52, 0.06, 0.12]), False),  # held above it, not put down
        (put_in_bowl([0.41, -0.19, 0.026]), True),
        (put_in_bowl([0.41, -0.19, 0.15]), False),  # above the bowl, still held
        (put_in_bowl([0.41, -0.19, 0.06]), False),  # lowered into it, not down yet
        (put_in_bowl([0.50, -0.20, 0.02]), False),  # beside the bowl
        (push([0.45, 0.10, 0.02]), True),
        (push([0.45, 0.05, 0.02]), False),  # not far enough
        (push([0.45, -0.10, 0.02]), False),  # the wrong way
        (push([0.45, -0.10, 0.02], "right"), True),
        (push([0.45, 0.10, 0.12]), False),  # carried, not pushed
    ],
)
def test_success_check(state, solved):
    assert is_success(state) is solved


def test_a_move_near_is_not_solved_by_bringing_the_goal_to_the_object():
    """Move the red block near the green block: the green block carried beside the red one leaves the two near
    each other, but the block the command named has not moved."""
    task = TaskState("move_near", "move the red block near the green block", "red block", "green block", start=START)
    assert not is_success(make_state(task, {"red block": START, "green block": [0.52, 0.05, 0.02]}))
    assert is_success(make_state(task, {"red block": [0.48, 0.02, 0.02], "green block": [0.52, 0.05, 0.02]}))


@pytest.mark.parametrize("make", [move_near, put_in_bowl])
def test_an_object_still_in_the_gripper_is_not_placed(make):
    placed = make([0.50, 0.05, 0.02]) if make is move_near else make([0.41, -0.19, 0.026])
    assert is_success(placed)
    placed.ee_position, placed.gripper = list(placed.objects["red block"].position), 0.5
    assert not is_success(placed)


def test_sample_task_is_reproducible_and_well_formed():
    objects = move_near(START).objects | put_in_bowl(START).objects
    objects["red block"].position = START
    kinds = ["pick_up", "move_near", "put_in_bowl", "push"] * 5
    first = [sample_task(np.random.default_rng(seed), kind, objects) for seed, kind in enumerate(kinds)]
    again = [sample_task(np.random.default_rng(seed), kind, objects) for seed, kind in enumerate(kinds)]
    assert first == again
    assert [task.kind for task in first] == kinds
    for task in first:
        assert task.object in objects and objects[task.object].kind == "block"
        assert task.object in task.instruction


def test_a_push_is_asked_towards_free_space():
    state = make_state(push(START).task, {"red block": START, "green block": [0.45, 0.16, 0.02]})
    assert not push_path_clear(state.objects, "red block", "left")
    assert push_path_clear(state.objects, "red block", "right")
    tasks = [sample_task(np.random.default_rng(seed), "push", state.objects) for seed in range(10)]
    assert all(task.direction == "right" for task in tasks if task.object == "red block")


def test_unknown_task_kind_is_refused():
    with pytest.raises(ValueError, match="expected one of"):
        TaskSpec("juggle")
