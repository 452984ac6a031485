"""A scripted expert that solves every sim task from privileged state with policy-sized actions.

It emits the same end-effector deltas a policy would (base frame, |dtrans| <= 0.05 m and
|drot| <= 0.25 rad per axis, absolute gripper), so it drives the real node graph as the
`scripted` policy backend and records demonstrations for training. A small phase machine:
grasp tasks go above the object, down, close, lift, then carry / lower / release as the task
needs; a push goes behind the object with a closed gripper and pushes along y. Phases are
re-entered when the state says a step failed (the object slipped out, it moved away).
"""

from dataclasses import dataclass

import numpy as np

from rt2_ros.actions.action import Action
from rt2_ros.geometry import matrix_from_quaternion, quaternion_from_rpy, rotation_delta, wrap_angle
from rt2_ros.sim.privileged import PrivilegedState
from rt2_ros.sim.tasks import NEAR_DISTANCE, PUSH_AXIS, PUSH_DISTANCE


@dataclass(frozen=True)
class ExpertConfig:
    max_translation: float = 0.04  # m per axis per step (inside the safety gate's 0.05)
    max_rotation: float = 0.2  # rad per axis per step (inside the safety gate's 0.25)
    approach_height: float = 0.10  # m above the object before descending onto it
    carry_height: float = 0.15  # m, ee height while carrying
    position_tolerance: float = 0.012  # m, a waypoint counts as reached
    rotation_tolerance: float = 0.08  # rad
    grasp_steps: int = 4  # control steps at most to let the fingers close / open
    closed_on_object: float = 0.35  # finger closure at which they hold a block (a 4 cm block: ~0.52)
    opened: float = 0.1  # finger closure below which they have let go
    push_standoff: float = 0.065  # m behind the object's centre where a push starts
    push_lead: float = 0.06  # m the ee's target leads the object's centre while pushing (leaning on it)
    push_margin: float = 0.02  # m pushed beyond PUSH_DISTANCE before backing off

    def __post_init__(self) -> None:
        if not 0 < self.max_translation <= 0.05 or not 0 < self.max_rotation <= 0.25:
            raise ValueError("expert steps must stay within the safety limits (0.05 m, 0.25 rad)")
        if self.grasp_steps < 1:
            raise ValueError("grasp_steps must be >= 1")


GRASP_PHASES = ("above", "descend", "close", "lift")
AFTER_GRASP = {
    "pick_up": ("hold",),
    "put_in_bowl": ("carry", "lower", "release", "retreat", "hold"),
    "move_near": ("carry", "lower", "release", "retreat", "hold"),
}
PUSH_PHASES = ("behind", "down", "push", "back_off", "retreat", "hold")


class ScriptedExpert:
    """reset() at each episode, then act(state) once per control step."""

    def __init__(self, config: ExpertConfig | None = None) -> None:
        self.config = config or ExpertConfig()
        self.reset()

    def reset(self) -> None:
        self._phase_index = 0
        self._steps_in_phase = 0
        self._grasp_yaw: float | None = None
        self._gripper = 0.0  # the last gripper target sent

    def phases(self, state: PrivilegedState) -> tuple[str, ...]:
        kind = state.task.kind
        return PUSH_PHASES if kind == "push" else GRASP_PHASES + AFTER_GRASP[kind]

    @property
    def phase_index(self) -> int:
        return self._phase_index

    def act(self, state: PrivilegedState) -> Action:
        """The action of the phase this state belongs to: a phase whose end the state already shows is left
        at once, so the action is a function of what can be observed (a learned policy imitating it sees
        no step that waits on a hidden counter or repeats a reached waypoint)."""
        phases = self.phases(state)
        while True:
            index = self._phase_index
            position, yaw, gripper, reached = self._waypoint(phases[index], state)
            restarted = self._phase_index != index  # _waypoint went back to the approach
            if not reached or restarted or index == len(phases) - 1:
                break
            self._phase_index += 1
            self._steps_in_phase = 0
        self._steps_in_phase += 1
        self._gripper = gripper
        return self._step_towards(state, position, yaw, gripper, terminate=state.success)

    # -- waypoints ---------------------------------------------------------------------------

    def _waypoint(self, phase: str, state: PrivilegedState) -> tuple[np.ndarray, float, float, bool]:
        """(target position, target yaw, gripper, reached) of `phase` given the state."""
        config = self.config
        ee = np.asarray(state.ee_position)
        obj = state.objects[state.task.object]
        obj_position = np.asarray(obj.position)
        if phase in GRASP_PHASES:
            if self._grasp_yaw is None or phase == "above":
                self._grasp_yaw = self._grasp_yaw_for(state)
            yaw = self._grasp_yaw
            if phase == "above":
                target = obj_position + np.array([0.0, 0.0, config.approach_height])
                return target, yaw, 0.0, self._reached(state, target, yaw)
            if phase == "descend":
                if np.linalg.norm(ee[:2] - obj_position[:2]) > 3 * config.position_tolerance:
                    self._restart_grasp()  # the object moved away: approach again
                return obj_position, yaw, 0.0, self._reached(state, obj_position, yaw)
            if phase == "close":
                closed = state.gripper >= config.closed_on_object
                return ee, yaw, 1.0, closed or self._steps_in_phase >= config.grasp_steps
            target = np.array([ee[0], ee[1], config.carry_height])  # lift
            if not self._holding(state):
                self._restart_grasp()
            return target, yaw, 1.0, self._reached(state, target, yaw)
        if state.task.kind == "push":
            return self._push_waypoint(phase, state, self._push_yaw(state))
        yaw = self._current_yaw(state)
        place = self._place_position(state)
        if phase in ("carry", "lower") and not self._holding(state):
            self._restart_grasp()
        if phase == "carry":
            target = np.array([place[0], place[1], config.carry_height])
            return target, yaw, 1.0, self._reached(state, target, yaw)
        if phase == "lower":
            return place, yaw, 1.0, self._reached(state, place, yaw)
        if phase == "release":
            return ee, yaw, 0.0, state.gripper <= config.opened or self._steps_in_phase >= config.grasp_steps
        target = np.array([ee[0], ee[1], config.carry_height])  # retreat, hold
        return target, yaw, self._gripper if phase == "hold" else 0.0, self._reached(state, target, yaw)

    def _push_waypoint(self, phase: str, state: PrivilegedState, yaw: float) -> tuple[np.ndarray, float, float, bool]:
        config = self.config
        obj = state.objects[state.task.object]
        obj_position = np.asarray(obj.position)
        axis = np.array([0.0, PUSH_AXIS[str(state.task.direction)], 0.0])
        behind = obj_position - axis * config.push_standoff
        behind[2] = obj.half_size[2]  # fingertips just above the table: the fingers push its whole side
        if phase == "behind":
            target = behind + np.array([0.0, 0.0, config.approach_height])
            return target, yaw, 1.0, self._reached(state, target, yaw)
        if phase in ("down", "back_off"):
            return behind, yaw, 1.0, self._reached(state, behind, yaw)
        if phase == "push":
            moved = float((obj_position - np.asarray(state.task.start)) @ axis)
            target = behind + axis * (config.push_standoff + config.push_lead)
            # Hold the height reached: pressing down while in contact would drag the object into the table.
            target[2] = state.ee_position[2]
            return target, yaw, 1.0, moved >= PUSH_DISTANCE + config.push_margin
        ee = np.asarray(state.ee_position)
        target = np.array([ee[0], ee[1], config.approach_height])
        return target, yaw, 1.0, self._reached(state, target, yaw)

    def _place_position(self, state: PrivilegedState) -> np.ndarray:
        """Where the held object's centre goes down."""
        obj = state.objects[state.task.object]
        target = state.objects[str(state.task.target)]
        target_position = np.asarray(target.position)
        if state.task.kind == "put_in_bowl":
            rim = target_position[2] + 2 * target.half_size[2]
            return np.array([target_position[0], target_position[1], rim + obj.half_size[2] + 0.005])
        # move_near: beside the other object, on the side the object came from.
        away = np.asarray(state.task.start[:2]) - target_position[:2]
        away /= max(float(np.linalg.norm(away)), 1e-6)
        planar = target_position[:2] + away * 0.65 * NEAR_DISTANCE
        return np.array([planar[0], planar[1], obj.half_size[2] + 0.005])

    # -- state tests -------------------------------------------------------------------------

    def _holding(self, state: PrivilegedState) -> bool:
        """The object is between the fingers (it moves with the ee)."""
        obj = np.asarray(state.objects[state.task.object].position)
        return bool(np.linalg.norm(obj - np.asarray(state.ee_position)) < 0.04 and state.gripper > 0.2)

    def _restart_grasp(self) -> None:
        self._phase_index = 0
        self._steps_in_phase = 0

    def _reached(self, state: PrivilegedState, target: np.ndarray, yaw: float) -> bool:
        error = np.linalg.norm(np.asarray(state.ee_position) - target)
        rotation_error = np.abs(rotation_delta(state.ee_quaternion, top_down_quaternion(yaw)))
        return bool(error < self.config.position_tolerance and np.all(rotation_error < self.config.rotation_tolerance))

    def _current_yaw(self, state: PrivilegedState) -> float:
        x_axis = matrix_from_quaternion(state.ee_quaternion)[:, 0]
        return float(np.arctan2(x_axis[1], x_axis[0]))

    def _push_yaw(self, state: PrivilegedState) -> float:
        """Fingers lined up across the push (along x): the gripper's narrow side leads, so it
        reaches behind the object without sweeping its neighbours."""
        current = self._current_yaw(state)
        return min((np.pi / 2, -np.pi / 2), key=lambda yaw: abs(float(wrap_angle(yaw - current))))

    def _grasp_yaw_for(self, state: PrivilegedState) -> float:
        """The block's yaw modulo 90°, nearest to the ee's current yaw (least wrist turn)."""
        x_axis = matrix_from_quaternion(state.objects[state.task.object].quaternion)[:, 0]
        block_yaw = float(np.arctan2(x_axis[1], x_axis[0]))
        current = self._current_yaw(state)
        offset = float(wrap_angle((block_yaw - current) * 4)) / 4  # in [-45°, 45°)
        return current + offset

    # -- the action --------------------------------------------------------------------------

    def _step_towards(
        self, state: PrivilegedState, position: np.ndarray, yaw: float, gripper: float, terminate: bool
    ) -> Action:
        config = self.config
        translation = np.clip(position - np.asarray(state.ee_position), -config.max_translation, config.max_translation)
        rotation = np.clip(
            rotation_delta(state.ee_quaternion, top_down_quaternion(yaw)), -config.max_rotation, config.max_rotation
        )
        return Action(translation, rotation, gripper, terminate)


def top_down_quaternion(yaw: float) -> np.ndarray:
    """ee z axis pointing down at the table, ee x axis at `yaw` in the table plane."""
    return quaternion_from_rpy(np.pi, 0.0, yaw)
