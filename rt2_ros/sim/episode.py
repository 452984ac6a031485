"""Closed-loop episodes in one process: world + policy + delta-to-joints, no ROS.

The same loop the node graph runs (camera frame → policy → end-effector delta → IK → joint
trajectory → physics), minus DDS and the safety gate; the tests, the data collector and the
benchmarks use it. Deltas become joint targets through `control.delta_to_joints`, the code the
builtin arm backend runs.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rt2_ros.actions.action import Action
from rt2_ros.control.delta_to_joints import DeltaToJoints, finger_position
from rt2_ros.control.settings import ArmSettings
from rt2_ros.robot.kinematics import ArmKinematics
from rt2_ros.sim.privileged import PrivilegedState
from rt2_ros.sim.scene import ARM_JOINTS
from rt2_ros.sim.tasks import TaskSpec
from rt2_ros.sim.world import SimWorld


@dataclass
class EpisodeResult:
    instruction: str
    task_kind: str
    success: bool
    steps: int  # control steps taken
    sim_time: float  # s of simulated time the episode lasted
    frames: list[np.ndarray] = field(default_factory=list)  # (H, W, 3) uint8, when recorded
    actions: list[Action] = field(default_factory=list)


# A policy for this loop: (camera frame (H, W, 3) uint8, privileged state) -> action.
Actor = Callable[[np.ndarray | None, PrivilegedState], Action]


class DeltaFollower:
    """End-effector deltas → joint trajectories and finger commands, exactly as the builtin backend."""

    def __init__(self, world: SimWorld, control_period: float, kinematics: ArmKinematics | None = None) -> None:
        self.world = world
        self.control_period = control_period
        self.converter = DeltaToJoints(kinematics or ArmKinematics(), ArmSettings(control_period=control_period))

    def apply(self, action: Action) -> None:
        names = self.world.joint_names
        self.converter.observe(names, self.world.joint_state()[0])
        target = self.converter.step(action.translation, action.rotation)
        if target is not None:
            self.world.command_trajectory(ARM_JOINTS, [target.positions], [target.duration])
        self.world.command_fingers(finger_position(action.gripper, *self.world.finger_range))


def run_episode(
    world: SimWorld,
    actor: Actor,
    follower: DeltaFollower,
    task: TaskSpec | None = None,
    seed: int | None = None,
    max_steps: int = 120,
    record: bool = False,
    render: bool = False,
    done: Callable[[PrivilegedState], bool] | None = None,
    frame_lag: float = 0.0,
    on_observe: Callable[[], None] | None = None,
) -> EpisodeResult:
    """Reset, then act every control period until success, the policy's terminate, or max_steps.

    Success is the task's own check, or `done(state)` when given (an evaluation asking for something else).
    With `frame_lag`, the actor observes (frame and state) that many seconds before its action reaches the arm,
    as through the node graph (the camera's and the arm's state's age); 0 = at the step, as the training data.
    Success is judged on the state at the step. `on_observe()`, when given, runs at each observation, the world
    at the frame's time (a recorder reads there what else the robot measured then).
    """
    if not 0 <= frame_lag < follower.control_period:
        raise ValueError(f"frame_lag {frame_lag} s; expected 0 <= lag < the control period {follower.control_period}")
    done = done or (lambda state: state.success)
    spec = world.reset(task, seed=seed)
    result = EpisodeResult(spec.instruction, spec.kind, False, 0, 0.0)
    start = world.time
    observe = on_observe or (lambda: None)
    image = world.render() if (render or record) else None
    observed = world.privileged_state()  # what the actor sees with the frame: the state at the frame's time
    observe()
    for step in range(max_steps):
        state = world.privileged_state() if frame_lag else observed  # the state at the step, judged
        if record:
            result.frames.append(image)
        if done(state):
            result.success = True
            break
        action = actor(image, observed)
        result.actions.append(action)
        if action.terminate:
            break
        follower.apply(action)
        world.advance(follower.control_period - frame_lag)
        world.step_count = step + 1
        image = world.render() if (render or record) else None
        observed = world.privileged_state()
        observe()
        if frame_lag:  # advance() takes at least one physics step
            world.advance(frame_lag)
        result.steps = step + 1
    result.success = result.success or done(world.privileged_state())
    result.sim_time = world.time - start
    return result
