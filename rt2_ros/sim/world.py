"""The simulated world: MuJoCo physics of the scene, randomised seeded episodes, the camera, ground truth.

`SimWorld` is what sim_node wraps and what the in-process loop (tests, data collection,
benchmarks) drives directly. The arm follows joint trajectories like ros2_control's
joint_trajectory_controller (see trajectory.py); the gripper takes a finger position like a
forward command controller. Time is the physics clock, `SimWorld.time`, in seconds.
"""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import mujoco
import numpy as np

from rt2_ros.geometry import PinholeCamera
from rt2_ros.robot.description import home_positions
from rt2_ros.sim.placement import PLACEMENT_X, Footprint, Spot, check_fits, sample_layout
from rt2_ros.sim.privileged import ObjectState, PrivilegedState, TaskState
from rt2_ros.sim.scene import (
    ARM_JOINTS,
    BOWL_COLORS,
    CAMERA_NAME,
    COLORS,
    DISTRACTORS,
    EE_FRAME,
    FINGER_JOINTS,
    PARKED_Z,
    TABLE_LOOKS,
    SceneConfig,
    block_name,
    bowl_name,
    build_model,
    marker_name,
    symbol_material,
)
from rt2_ros.sim.tasks import TaskSpec, done_as_placed, is_success, sample_task, task_possible
from rt2_ros.sim.trajectory import JointLimits, Trajectory, check_trajectory, start_trajectory
from rt2_ros.sim.variation import SceneVariation

SETTLE_TIME = 0.3  # s of physics after placing, so objects rest before the episode starts
SCENE_ATTEMPTS = 200  # scenes drawn for one reset before giving up on a variation's task (p < 1e-9 for ours)
SCENE_SALT = 7919  # keeps the redraw generators apart from placement's (placement.sample_layout)
LAYOUT_SALT = 104729  # ... and a re-layout's, for a task that a scene's first layout had already done


@dataclass(frozen=True)
class Placed:
    """One object of the scene, as an episode names and places it."""

    body: str  # MuJoCo body name
    kind: str  # block, bowl, ball, can, marker
    color: str
    half_size: tuple[float, float, float]
    symbol: str = ""  # a marker's symbol

    @property
    def name(self) -> str:
        """Its name in instructions, e.g. 'red block'; a marker's is its symbol's, e.g. 'H marker'."""
        return f"{self.symbol} marker" if self.kind == "marker" else f"{self.color} {self.kind}"


def footprint(obj: Placed) -> Footprint:
    """The room an object takes on the table: its half width and a margin (bowls a little more). Markers are
    static and keep their symbol upright (they do not turn), and nothing may cover them."""
    margin = {"bowl": 0.03, "marker": 0.02}.get(obj.kind, 0.025)
    return Footprint(obj.half_size[0] * (np.sqrt(2) if obj.kind == "marker" else 1) + margin,
                     turns=obj.kind not in ("bowl", "marker"))  # fmt: skip


class SimWorld:
    def __init__(
        self,
        scene: SceneConfig | None = None,
        seed: int = 0,
        image_size: tuple[int, int] = (224, 224),
        home: Sequence[float] | None = None,
        urdf: str | None = None,
        variation: SceneVariation | None = None,
    ) -> None:
        self.scene = scene or SceneConfig()
        self.variation = variation or SceneVariation()  # what the next resets draw; may be replaced between them
        self.model = build_model(self.scene, urdf)
        self.data = mujoco.MjData(self.model)
        self.image_width, self.image_height = image_size
        self.model.vis.global_.offwidth, self.model.vis.global_.offheight = image_size  # the offscreen buffer
        if home is None:
            home = [home_positions()[name] for name in ARM_JOINTS]
        self.home = np.asarray(home, dtype=float)  # (6,)
        self._rng = np.random.default_rng(seed)
        self._renderer: mujoco.Renderer | None = None
        # An OpenGL (EGL) context is current in one thread only: every GL call goes through this one.
        self._render_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sim_render")
        model = self.model
        self._arm_qpos = np.array([model.jnt_qposadr[model.joint(name).id] for name in ARM_JOINTS])
        self._arm_dof = np.array([model.jnt_dofadr[model.joint(name).id] for name in ARM_JOINTS])
        self._finger_qpos = np.array([model.jnt_qposadr[model.joint(name).id] for name in FINGER_JOINTS])
        self._finger_dof = np.array([model.jnt_dofadr[model.joint(name).id] for name in FINGER_JOINTS])
        self._arm_actuators = np.array([model.actuator(f"{name}_servo").id for name in ARM_JOINTS])
        self._finger_actuators = np.array([model.actuator(f"{name}_servo").id for name in FINGER_JOINTS])
        self.arm_limits = JointLimits(
            ARM_JOINTS, model.jnt_range[[model.joint(n).id for n in ARM_JOINTS], 0].copy(),
            model.jnt_range[[model.joint(n).id for n in ARM_JOINTS], 1].copy(),
        )  # fmt: skip
        self.finger_range = tuple(model.jnt_range[model.joint(FINGER_JOINTS[0]).id])  # (open, closed) in m
        self._ee_body = model.body(EE_FRAME).id
        self._table_geom = model.geom("table").id
        self._table_materials = [model.material(f"table_material_{index}").id for index in range(len(TABLE_LOOKS))]
        self._base_light_pos = model.light_pos.copy()
        self._marker_geoms = [model.geom(f"{marker_name(index)}_geom").id for index in range(self.scene.num_markers)]
        self._trajectory: Trajectory | None = None
        self._objects: list[Placed] = []
        self.task: TaskState | None = None
        self.episode = 0
        self.step_count = 0  # control steps since the reset (advanced by the caller with count_step)
        self._check_room()
        # Markers face the camera: their symbols' up points away from it across the table (upright in the image).
        camera = self.camera().position
        self._marker_yaw = float(np.arctan2(-camera[1], np.mean(PLACEMENT_X) - camera[0]) - np.pi / 2)

    @property
    def variation(self) -> SceneVariation:
        return self._variation

    @variation.setter
    def variation(self, variation: SceneVariation) -> None:
        if len(variation.block_colors) < self.scene.num_blocks:
            raise ValueError(
                f"scene variation draws {self.scene.num_blocks} blocks from {len(variation.block_colors)} colours"
            )
        if variation.markers[1] > self.scene.num_markers:
            raise ValueError(f"scene variation puts up to {variation.markers[1]} markers on a table of "
                             f"{self.scene.num_markers}")  # fmt: skip
        self._variation = variation
        if hasattr(self, "_marker_geoms"):  # built: check the new variation's scenes fit
            self._check_room()

    def _check_room(self) -> None:
        """Refuse a scene whose objects cannot all fit now, not at some later reset (sizes do not depend on the
        colours drawn; markers at the variation's most)."""
        objects = [obj for obj in self._draw_objects(np.random.default_rng(0)) if obj.kind != "marker"]
        half = self.scene.marker_half_size
        objects += [Placed(marker_name(index), "marker", "white", (half, half, 0.0005), "A")
                    for index in range(self.variation.markers[1])]  # fmt: skip
        check_fits([footprint(obj) for obj in objects])

    # -- episodes ----------------------------------------------------------------------------

    def reset(self, task: TaskSpec | None = None, seed: int | None = None) -> TaskState:
        """A new episode of `self.variation`: arm at home, objects re-coloured and re-placed, a task drawn.

        The world's seed fixes the whole sequence of episodes; `seed` fixes this one alone. Everything
        random is drawn before the world changes, so a reset that raises leaves the running episode as it was.
        A layout in which the drawn task already holds (a move near whose only allowed goal lies beside its block)
        is placed again: an episode is never solved before the arm moves.
        """
        episode_seed = int(self._rng.integers(2**31)) if seed is None else seed
        kind, rng, look, objects = self._draw_scene(task or TaskSpec(), episode_seed)
        for attempt in range(SCENE_ATTEMPTS):
            if attempt:  # the task held before the arm moved (a move near's only allowed goal beside its block)
                rng = np.random.default_rng([episode_seed, LAYOUT_SALT, attempt])
            self._set_up(look, objects, sample_layout(rng, [footprint(obj) for obj in objects], episode_seed))
            self.task = sample_task(rng, kind, self.object_states(), self.variation)
            if not done_as_placed(self.privileged_state()):
                break
        self.episode += 1
        self.step_count = 0
        return self.task

    def _set_up(self, look: tuple, objects: list[Placed], spots: list[Spot]) -> None:
        """Arm at home, the look applied, the objects placed and settled."""
        model, data = self.model, self.data
        now = data.time
        mujoco.mj_resetData(model, data)
        data.time = now  # sim time never runs backwards (it may drive /clock)
        data.qpos[self._arm_qpos] = self.home
        data.ctrl[self._arm_actuators] = self.home
        data.qpos[self._finger_qpos] = self.finger_range[0]
        data.ctrl[self._finger_actuators] = self.finger_range[0]
        self._trajectory = None
        self._apply_look(*look)
        self._place(objects, spots)
        mujoco.mj_forward(model, data)
        self.advance(SETTLE_TIME)

    def _draw_scene(self, task: TaskSpec, episode_seed: int) -> tuple[str, np.random.Generator, tuple, list[Placed]]:
        """(task kind, the generator to go on with, look, objects) of a scene that holds a task the variation
        allows; a scene without one is redrawn from a generator derived from the seed (reproducible)."""
        for attempt in range(SCENE_ATTEMPTS):
            rng = np.random.default_rng(episode_seed if attempt == 0 else [episode_seed, SCENE_SALT, attempt])
            kind = task.kind or str(rng.choice(self.variation.task_kinds))
            look = self._draw_look(rng)
            objects = self._draw_objects(rng)
            if task_possible(kind, [(obj.kind, obj.color) for obj in objects], self.variation):
                return kind, rng, look, objects
        raise RuntimeError(f"no scene with a {kind} task the variation allows in {SCENE_ATTEMPTS} draws")

    def _draw_look(self, rng: np.random.Generator) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """(table material, its tint (3,), light diffuse (nlight, 1), light positions (nlight, 3))."""
        material = self._table_materials[list(TABLE_LOOKS).index(str(rng.choice(self.variation.table_looks)))]
        tint = rng.uniform(0.75, 1.0, size=3)
        diffuse = rng.uniform(*self.variation.light_diffuse, size=(self.model.nlight, 1))
        lights = self._base_light_pos + rng.uniform(-0.3, 0.3, size=self._base_light_pos.shape)
        return material, tint, diffuse, lights

    def _apply_look(self, material: int, tint: np.ndarray, diffuse: np.ndarray, lights: np.ndarray) -> None:
        model = self.model
        model.geom_matid[self._table_geom] = material
        model.mat_rgba[material, :3] = tint
        model.light_diffuse[:] = diffuse
        model.light_pos[:] = lights

    def _draw_objects(self, rng: np.random.Generator) -> list[Placed]:
        """The episode's objects with their colours: bowls, blocks, then the distractors."""
        scene, model = self.scene, self.model
        half = scene.block_half_size
        block_colors = rng.choice(self.variation.block_colors, size=scene.num_blocks, replace=False)
        bowl_colors = rng.choice(BOWL_COLORS, size=scene.num_bowls, replace=False)
        radius = scene.bowl_radius
        placed = [Placed(bowl_name(i), "bowl", str(c), (radius, radius, scene.bowl_height / 2))
                  for i, c in enumerate(bowl_colors)]  # fmt: skip
        placed += [Placed(block_name(i), "block", str(c), (half, half, half)) for i, c in enumerate(block_colors)]
        for kind in DISTRACTORS:
            size = model.geom_size[model.geom(f"{kind}_geom").id]
            half_size = (size[0], size[0], size[1] if kind == "can" else size[0])
            placed.append(Placed(kind, kind, str(rng.choice(list(COLORS))), half_size))
        fewest, most = self.variation.markers
        if most:  # drawn only by variations with markers: the other variations' scenes stay as they were
            count = int(rng.integers(fewest, most + 1))
            symbols = rng.choice(self.variation.marker_symbols, size=count, replace=False)
            marker = (scene.marker_half_size, scene.marker_half_size, 0.0005)
            placed += [
                Placed(marker_name(i), "marker", "white", marker, str(symbol)) for i, symbol in enumerate(symbols)
            ]
        return placed

    def _place(self, objects: list[Placed], spots: list[Spot]) -> None:
        model, data = self.model, self.data
        for index in range(self.scene.num_markers):  # unused markers wait under the table
            model.body_pos[model.body(marker_name(index)).id] = [0.4, 0.0, PARKED_Z]
        for obj, spot in zip(objects, spots, strict=True):
            body = model.body(obj.body)
            x, y = spot.xy
            if obj.kind == "marker":  # static and flat; its material shows the symbol
                model.body_pos[body.id] = [x, y, 0.0]
                model.body_quat[body.id] = [np.cos(self._marker_yaw / 2), 0.0, 0.0, np.sin(self._marker_yaw / 2)]
                model.geom_matid[self._marker_geoms[int(obj.body.split("_")[1])]] = model.material(
                    symbol_material(obj.symbol)
                ).id
                continue
            if obj.kind == "bowl":
                model.body_pos[body.id] = [x, y, 0.0]
            else:
                address = model.jnt_qposadr[body.jntadr[0]]
                data.qpos[address : address + 7] = [x, y, obj.half_size[2] + 0.001,
                                                    np.cos(spot.yaw / 2), 0.0, 0.0, np.sin(spot.yaw / 2)]  # fmt: skip
            model.geom_rgba[[geom for geom in range(model.ngeom) if model.geom_bodyid[geom] == body.id]] = [
                *COLORS[obj.color],
                1.0,
            ]
        self._objects = objects

    # -- commands ----------------------------------------------------------------------------

    def command_trajectory(
        self, joint_names: Sequence[str], positions: Sequence[Sequence[float]], times_from_start: Sequence[float]
    ) -> None:
        """Follow a joint trajectory from now, replacing the active one; TrajectoryError if it is bad."""
        times, table = check_trajectory(self.arm_limits, joint_names, positions, times_from_start)
        self._trajectory = start_trajectory(self.time, self.data.ctrl[self._arm_actuators].copy(), times, table)

    def hold_arm(self) -> None:
        """Stop where the arm is (what joint_trajectory_controller does on an empty trajectory)."""
        self._trajectory = None
        self.data.ctrl[self._arm_actuators] = self.arm_positions()

    def command_fingers(self, position: float) -> None:
        """Finger position in metres (0 open .. finger_range[1] closed), as /gripper_controller/commands."""
        low, high = self.finger_range
        if not np.isfinite(position) or not low - 1e-6 <= position <= high + 1e-6:
            raise ValueError(f"finger position {position} m is outside [{low}, {high}]")
        self.data.ctrl[self._finger_actuators] = position

    def advance(self, duration: float) -> None:
        """Step the physics for `duration` seconds, the arm's servos following the trajectory."""
        for _ in range(max(1, round(duration / self.model.opt.timestep))):
            if self._trajectory is not None:
                self.data.ctrl[self._arm_actuators] = self._trajectory.sample(self.data.time)
            mujoco.mj_step(self.model, self.data)

    # -- observations ------------------------------------------------------------------------

    @property
    def time(self) -> float:
        return float(self.data.time)

    @property
    def joint_names(self) -> tuple[str, ...]:
        return ARM_JOINTS + FINGER_JOINTS

    def joint_state(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions, velocities, efforts), each (8,) in joint_names order."""
        qpos = np.concatenate([self.data.qpos[self._arm_qpos], self.data.qpos[self._finger_qpos]])
        qvel = np.concatenate([self.data.qvel[self._arm_dof], self.data.qvel[self._finger_dof]])
        effort = self.data.actuator_force[np.concatenate([self._arm_actuators, self._finger_actuators])]
        return qpos, qvel, effort.copy()

    def arm_positions(self) -> np.ndarray:
        return self.data.qpos[self._arm_qpos].copy()

    def gripper_closure(self) -> float:
        low, high = self.finger_range
        return float(np.clip((self.data.qpos[self._finger_qpos[0]] - low) / (high - low), 0.0, 1.0))

    def ee_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """(position (3,), quaternion [x, y, z, w]) of ee_link in the base frame."""
        w, x, y, z = self.data.xquat[self._ee_body]
        return self.data.xpos[self._ee_body].copy(), np.array([x, y, z, w])

    def object_states(self) -> dict[str, ObjectState]:
        states = {}
        for obj in self._objects:
            body = self.model.body(obj.body).id
            w, x, y, z = self.data.xquat[body]
            states[obj.name] = ObjectState(
                obj.kind, obj.color, self.data.xpos[body].tolist(), [x, y, z, w], list(obj.half_size), obj.symbol
            )
        return states

    def privileged_state(self, stamp: float | None = None) -> PrivilegedState:
        if self.task is None:
            raise RuntimeError("no episode yet: call reset() first")
        position, quaternion = self.ee_pose()
        state = PrivilegedState(
            stamp=self.time if stamp is None else stamp,
            episode=self.episode,
            step=self.step_count,
            task=self.task,
            ee_position=position.tolist(),
            ee_quaternion=quaternion.tolist(),
            gripper=self.gripper_closure(),
            objects=self.object_states(),
            success=False,
        )
        state.success = is_success(state)
        return state

    def camera(self) -> PinholeCamera:
        """The scene camera's pose and intrinsics (it is fixed to the arm's base: the same every episode)."""
        camera = self.model.camera(CAMERA_NAME).id
        mujoco.mj_forward(self.model, self.data)  # camera poses of the current state
        position = tuple(float(value) for value in self.data.cam_xpos[camera])
        rotation = tuple(tuple(float(value) for value in row) for row in self.data.cam_xmat[camera].reshape(3, 3))
        fovy = float(np.radians(self.model.cam_fovy[camera]))
        return PinholeCamera(position, rotation, fovy, self.image_width, self.image_height)

    def render(self) -> np.ndarray:
        """(image_height, image_width, 3) uint8 RGB from the scene camera; callable from any thread."""
        return self._render_thread.submit(self._render).result()

    def _render(self) -> np.ndarray:
        if self._renderer is None:
            self._renderer = mujoco.Renderer(self.model, self.image_height, self.image_width)
        self._renderer.update_scene(self.data, camera=CAMERA_NAME)
        return self._renderer.render()

    def close(self) -> None:
        """Free the renderer (in its own thread, where its OpenGL context is current)."""
        if self._renderer is not None:
            self._render_thread.submit(self._renderer.close).result()
            self._renderer = None
        self._render_thread.shutdown()
