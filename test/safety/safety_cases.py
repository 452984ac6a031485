"""Shared values for the safety gate's tests (import as `from safety_cases import ...`)."""

from rt2_ros.actions.action import Action

START = 1000.0  # s on the gate's clock when a test begins
CENTRE = (0.45, 0.0, 0.25)  # inside the default box, far from every face


def move(
    dx: float = 0.0,
    dy: float = 0.0,
    dz: float = 0.0,
    rotation: tuple[float, float, float] = (0.0, 0.0, 0.0),
    gripper: float = 0.0,
    terminate: bool = False,
) -> Action:
    return Action((dx, dy, dz), rotation, gripper, terminate)
