"""Hand-made privileged states for the task and expert tests (import as `from states import ...`)."""

from rt2_ros.sim.privileged import ObjectState, PrivilegedState, TaskState

BLOCK = [0.02, 0.02, 0.02]
BOWL = [0.075, 0.075, 0.02]
UPRIGHT = [0.0, 0.0, 0.0, 1.0]


def make_state(task: TaskState, positions: dict[str, list[float]]) -> PrivilegedState:
    objects = {
        name: ObjectState(name.split()[1], name.split()[0], position, UPRIGHT, BOWL if "bowl" in name else BLOCK)
        for name, position in positions.items()
    }
    return PrivilegedState(0.0, 1, 0, task, [0.45, 0.0, 0.3], [1.0, 0.0, 0.0, 0.0], 0.0, objects, False)
