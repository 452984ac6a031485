"""The MuJoCo scene: the arm from its one URDF plus a table, blocks, bowls, distractors, lights, camera.

The arm comes from `rt2_ros.robot.description.urdf_xml("mujoco")` (no second copy of it);
everything else is added with `mujoco.MjSpec`. The scene holds a fixed set of objects whose
colours, poses, table look and lighting change per episode (see `world.SimWorld.reset`).
Frames: MuJoCo's world frame is the arm's `base_link` frame; z = 0 is the table top.
"""

import hashlib
from dataclasses import dataclass

import mujoco
import numpy as np

from rt2_ros.robot.description import (
    ARM_JOINTS,
    EE_FRAME,
    GRIPPER_JOINT,
    GRIPPER_MIMIC_JOINT,
    SCENE_CAMERA_FRAME,
    urdf_xml,
)

# Both fingers get a servo of their own (the URDF's mimic joint follows the commanded one).
FINGER_JOINTS = (GRIPPER_JOINT, GRIPPER_MIMIC_JOINT)
CAMERA_NAME = "scene_camera"  # the sensor name in the description's camera list

# Named colours the instructions use (RGB, 0..1).
COLORS = {
    "red": (0.85, 0.12, 0.10),
    "green": (0.15, 0.65, 0.20),
    "blue": (0.12, 0.30, 0.85),
    "yellow": (0.95, 0.82, 0.10),
    "purple": (0.55, 0.20, 0.70),
    "orange": (0.98, 0.50, 0.08),
    "white": (0.92, 0.92, 0.90),
    "black": (0.08, 0.08, 0.08),
}
BLOCK_COLORS = ("red", "green", "blue", "yellow", "purple", "orange")
BOWL_COLORS = ("white", "blue", "green", "red", "yellow", "black")
DISTRACTORS = ("ball", "can")
# Flat markers lying on the table, each showing a letter, a digit or a shape (black on white): what commands
# such as "move the red block to the H" or "... to the star" point at. Names as commands say them.
LETTERS = ("A", "B", "E", "H", "K", "M", "R", "T", "X")
DIGITS = ("1", "2", "3", "4", "5", "6", "7", "8", "9")
SHAPES = ("star", "circle", "triangle", "square", "cross", "diamond")
SYMBOLS = LETTERS + DIGITS + SHAPES
MARKER_TEXTURE = 64  # px, edge of a symbol's texture
# Table looks by name: (MuJoCo builtin texture, colour 1, colour 2). Evaluation holds some out of training
# (config/generalization.yaml), so the order is fixed: material i is look i.
TABLE_LOOKS = {
    "checker": ("checker", (0.55, 0.45, 0.35), (0.45, 0.36, 0.27)),
    "gradient": ("gradient", (0.75, 0.75, 0.72), (0.55, 0.55, 0.52)),
    "flat": ("flat", (0.35, 0.42, 0.50), (0.30, 0.36, 0.44)),
    "tiles": ("checker", (0.62, 0.66, 0.70), (0.40, 0.46, 0.52)),
    "walnut": ("gradient", (0.42, 0.30, 0.20), (0.28, 0.19, 0.12)),
}  # kinds that stand on the table but are never a task's object

PARKED_Z = -0.5  # m: where unused markers wait, under the table top (out of the camera's view)
# Contact groups: the table touches objects; the arm touches objects but not the table or
# itself (its links overlap at the joints and its base stands on the table).
TABLE_TYPE, ARM_TYPE = 1, 2
OBJECT_TYPE = TABLE_TYPE | ARM_TYPE
# Sliding friction of blocks and table (MuJoCo takes the larger of two geoms'): low enough that a
# block pushed at half its height slides instead of tipping (μ·h < half width); the finger pads'
# 2.0 still hold it.
TABLE_FRICTION = 0.6


@dataclass(frozen=True)
class SceneConfig:
    num_blocks: int = 3  # coloured blocks (the tasks' objects and move_near targets)
    num_bowls: int = 2
    num_markers: int = 3  # flat symbol markers (a scene variation says how many a reset puts on the table)
    marker_half_size: float = 0.045  # m, half edge of a square marker
    block_half_size: float = 0.02  # m, half edge of the cube blocks
    bowl_radius: float = 0.075  # m, outer radius at the rim
    bowl_height: float = 0.04  # m
    table_half_size: tuple[float, float] = (0.45, 0.75)  # m, table top half extents in x, y
    table_center_x: float = 0.35  # m, table centre along the base frame's x
    timestep: float = 0.002  # s, physics step (500 Hz)
    arm_kp: float = 2000.0  # N·m/rad, stiffness of the arm's position servos (stiff like an industrial arm's)
    finger_kp: float = 300.0  # N/m, stiffness of the finger servos (sets the grip force)
    finger_force: float = 20.0  # N, force limit of each finger servo
    shadow_size: int = 1024  # px, shadow map edge (0: no shadows)
    antialias_samples: int = 0  # multisamples per pixel of the offscreen camera

    def __post_init__(self) -> None:
        if not 2 <= self.num_blocks <= len(BLOCK_COLORS):
            raise ValueError(f"num_blocks must be 2..{len(BLOCK_COLORS)} (move_near needs two)")
        if not 1 <= self.num_bowls <= len(BOWL_COLORS):
            raise ValueError(f"num_bowls must be 1..{len(BOWL_COLORS)}")
        if not 0 <= self.num_markers <= len(SYMBOLS) or self.marker_half_size <= 0:
            raise ValueError(f"num_markers must be 0..{len(SYMBOLS)} and marker_half_size > 0")
        if not 0 < self.timestep <= 0.01:
            raise ValueError(f"timestep {self.timestep} s: use (0, 0.01] for stable grasps")
        if self.shadow_size < 0 or self.antialias_samples < 0:
            raise ValueError("shadow_size and antialias_samples must be >= 0")
        if min(self.block_half_size, self.bowl_radius, self.bowl_height, *self.table_half_size) <= 0:
            raise ValueError("object and table sizes must be positive")


def block_name(index: int) -> str:
    return f"block_{index}"


def bowl_name(index: int) -> str:
    return f"bowl_{index}"


def marker_name(index: int) -> str:
    return f"marker_{index}"


def symbol_material(symbol: str) -> str:
    return f"symbol_{symbol}"


def marker_look(config: SceneConfig) -> str:
    """A digest of how the markers look (every symbol's texture and the markers' size): what a cache of rendered
    scenes is rebuilt on when it changes."""
    digest = hashlib.sha256(np.stack([symbol_image(symbol) for symbol in SYMBOLS]).tobytes())
    digest.update(repr(config.marker_half_size).encode())
    return digest.hexdigest()[:16]


def symbol_image(symbol: str, size: int = MARKER_TEXTURE) -> np.ndarray:
    """(size, size, 3) uint8: the symbol in black on white, as the marker's texture shows it."""
    import cv2

    image = np.full((size, size, 3), 255, np.uint8)
    black, centre, radius = (0, 0, 0), size // 2, int(size * 0.36)
    if symbol in LETTERS or symbol in DIGITS:
        # Bold and filling the marker: at the tiny VLA's 128 px a marker is ~12 px across, and thinner strokes
        # (a tenth of the edge) blurred into one grey blob per letter or digit.
        scale, thickness = size / 30, max(2, size // 6)
        (width, height), _ = cv2.getTextSize(symbol, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        origin = ((size - width) // 2, (size + height) // 2)
        cv2.putText(image, symbol, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, black, thickness, cv2.LINE_AA)
        return image
    if symbol == "circle":
        cv2.circle(image, (centre, centre), radius, black, -1, cv2.LINE_AA)
        return image
    angles = {
        "star": np.linspace(0, 2 * np.pi, 10, endpoint=False),
        "triangle": np.linspace(0, 2 * np.pi, 3, endpoint=False),
        "square": np.linspace(0, 2 * np.pi, 4, endpoint=False) + np.pi / 4,
        "diamond": np.linspace(0, 2 * np.pi, 4, endpoint=False),
    }
    if symbol == "cross":
        bar = size // 7
        cv2.rectangle(image, (centre - radius, centre - bar), (centre + radius, centre + bar), black, -1)
        cv2.rectangle(image, (centre - bar, centre - radius), (centre + bar, centre + radius), black, -1)
        return image
    if symbol not in angles:
        raise ValueError(f"unknown symbol {symbol!r}; expected one of {SYMBOLS}")
    radii = np.where(np.arange(10) % 2, radius * 0.45, radius) if symbol == "star" else np.full(10, radius)
    theta = angles[symbol] - np.pi / 2  # a vertex up
    points = np.stack([centre + radii[: len(theta)] * np.cos(theta), centre + radii[: len(theta)] * np.sin(theta)], 1)
    cv2.fillPoly(image, [np.round(points).astype(np.int32)], black, cv2.LINE_AA)
    return image


def build_spec(config: SceneConfig, urdf: str | None = None) -> mujoco.MjSpec:
    """The whole scene as an MjSpec (compile it with `.compile()`); `urdf` defaults to the package's arm."""
    urdf = urdf_xml("mujoco") if urdf is None else urdf
    spec = mujoco.MjSpec.from_string(urdf)
    spec.compiler.fusestatic = False  # keep ee_link and the camera frames as bodies
    spec.compiler.discardvisual = False  # the URDF's hint would also drop the table's materials
    spec.option.timestep = config.timestep
    spec.option.cone = mujoco.mjtCone.mjCONE_ELLIPTIC  # firmer friction grasps
    spec.option.impratio = 10.0
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST  # stable stiff servos (implicit kv)
    # Software rendering (Mesa llvmpipe behind EGL) pays per pixel: a small shadow map and no
    # multisampling make a 224 px frame ~10x cheaper than MuJoCo's defaults (4096, 4x).
    spec.visual.quality.shadowsize = config.shadow_size
    spec.visual.quality.offsamples = config.antialias_samples
    _prepare_arm(spec, config)
    _add_table_and_world(spec, config)
    _add_objects(spec, config)
    _add_camera(spec)
    return spec


def build_model(config: SceneConfig, urdf: str | None = None) -> mujoco.MjModel:
    return build_spec(config, urdf).compile()


def _prepare_arm(spec: mujoco.MjSpec, config: SceneConfig) -> None:
    names = {joint.name for joint in spec.joints}
    missing = [name for name in (*ARM_JOINTS, FINGER_JOINTS[0]) if name not in names]
    if missing:
        raise ValueError(f"the arm's URDF lacks the joints {missing}")
    for body_name in (EE_FRAME, SCENE_CAMERA_FRAME):
        if spec.body(body_name) is None:
            raise ValueError(f"the arm's URDF lacks the link {body_name!r}")
    # Finger pads hold blocks by friction; the arm links only push objects.
    finger_bodies = {spec.joint(name).parent.name for name in FINGER_JOINTS if spec.joint(name) is not None}
    for body in spec.worldbody.find_all(mujoco.mjtObj.mjOBJ_BODY):
        body.gravcomp = 1.0  # the servos need not hold the arm up: they track exactly
        collision = [geom for geom in body.geoms if geom.contype or geom.conaffinity]
        has_visual = len(collision) < len(body.geoms)
        for geom in collision:
            geom.contype, geom.conaffinity = ARM_TYPE, 0
            if has_visual:
                geom.group = 3  # hidden in the camera; the visual geoms show the link
            if body.name in finger_bodies:
                geom.friction = [2.0, 0.02, 0.001]
                geom.condim = 4
    for name in ARM_JOINTS:
        joint = spec.joint(name)
        joint.armature = 0.02
        actuator = spec.add_actuator(name=f"{name}_servo", target=name, trntype=mujoco.mjtTrn.mjTRN_JOINT)
        actuator.set_to_position(kp=config.arm_kp, dampratio=1.0, inheritrange=1.0)
    for name in FINGER_JOINTS:
        joint = spec.joint(name)
        if joint is None:
            continue
        joint.armature = 0.001
        actuator = spec.add_actuator(name=f"{name}_servo", target=name, trntype=mujoco.mjtTrn.mjTRN_JOINT)
        actuator.set_to_position(kp=config.finger_kp, dampratio=1.0, inheritrange=1.0)
        actuator.forcelimited = True
        actuator.forcerange = [-config.finger_force, config.finger_force]
    # Both fingers get their own servo, so a URDF mimic (an equality in MuJoCo) would fight them.
    for equality in list(spec.equalities):
        if equality.name1 in FINGER_JOINTS or equality.name2 in FINGER_JOINTS:
            spec.delete(equality)


def _add_table_and_world(spec: mujoco.MjSpec, config: SceneConfig) -> None:
    # The table looks, one picked per episode (world.SimWorld.reset); geom_matid selects.
    for index, (builtin, rgb1, rgb2) in enumerate(TABLE_LOOKS.values()):
        texture = spec.add_texture(name=f"table_texture_{index}", type=mujoco.mjtTexture.mjTEXTURE_2D, width=256)
        texture.height = 256
        texture.builtin = getattr(mujoco.mjtBuiltin, f"mjBUILTIN_{builtin.upper()}")
        texture.rgb1, texture.rgb2 = rgb1, rgb2
        texture.random = 0.05
        material = spec.add_material(name=f"table_material_{index}", texrepeat=[6, 6])
        material.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = f"table_texture_{index}"
    sky = spec.add_texture(name="sky", type=mujoco.mjtTexture.mjTEXTURE_SKYBOX, width=64, height=64)
    sky.builtin = mujoco.mjtBuiltin.mjBUILTIN_GRADIENT
    sky.rgb1, sky.rgb2 = (0.62, 0.68, 0.75), (0.20, 0.22, 0.26)
    half_x, half_y = config.table_half_size
    thickness = 0.025
    spec.worldbody.add_geom(
        name="table",
        type=mujoco.mjtGeom.mjGEOM_BOX,
        size=[half_x, half_y, thickness],
        pos=[config.table_center_x, 0.0, -thickness],
        material="table_material_0",
        friction=[TABLE_FRICTION, 0.005, 0.0001],
        contype=TABLE_TYPE,
        conaffinity=TABLE_TYPE,
    )
    spec.worldbody.add_geom(
        name="floor",
        type=mujoco.mjtGeom.mjGEOM_PLANE,
        size=[3, 3, 0.1],
        pos=[0, 0, -0.75],
        rgba=[0.35, 0.35, 0.38, 1],
        contype=0,
        conaffinity=0,
    )
    for index, position in enumerate(([0.6, -0.6, 1.6], [-0.4, 0.8, 1.4])):
        light = spec.worldbody.add_light(
            name=f"light_{index}", pos=position, castshadow=index == 0 and config.shadow_size > 0
        )
        light.dir = -np.asarray(position) / np.linalg.norm(position)
        light.diffuse = [0.6, 0.6, 0.6]
    spec.visual.headlight.ambient = [0.25, 0.25, 0.25]
    spec.visual.headlight.diffuse = [0.3, 0.3, 0.3]


def _add_objects(spec: mujoco.MjSpec, config: SceneConfig) -> None:
    """Free blocks and distractors, static bowls; placed and coloured at each reset."""
    half = config.block_half_size
    for index in range(config.num_blocks):
        body = spec.worldbody.add_body(name=block_name(index), pos=[0.4, 0.0, half])
        body.add_freejoint(name=f"{block_name(index)}_joint")
        body.add_geom(
            name=f"{block_name(index)}_geom",
            type=mujoco.mjtGeom.mjGEOM_BOX,
            size=[half, half, half],
            mass=0.05,
            friction=[TABLE_FRICTION, 0.02, 0.001],
            condim=4,
            contype=OBJECT_TYPE,
            conaffinity=OBJECT_TYPE,
        )
    ball = spec.worldbody.add_body(name="ball", pos=[0.4, 0.0, 0.025])
    ball.add_freejoint(name="ball_joint")
    ball.add_geom(
        name="ball_geom", type=mujoco.mjtGeom.mjGEOM_SPHERE, size=[0.025, 0, 0], mass=0.03, condim=6,
        contype=OBJECT_TYPE, conaffinity=OBJECT_TYPE, friction=[1.0, 0.05, 0.05],
    )  # fmt: skip
    can = spec.worldbody.add_body(name="can", pos=[0.4, 0.0, 0.05])
    can.add_freejoint(name="can_joint")
    can.add_geom(
        name="can_geom", type=mujoco.mjtGeom.mjGEOM_CYLINDER, size=[0.028, 0.05, 0], mass=0.08,
        contype=OBJECT_TYPE, conaffinity=OBJECT_TYPE,
    )  # fmt: skip
    for index in range(config.num_bowls):
        _add_bowl(spec, bowl_name(index), config.bowl_radius, config.bowl_height)
    _add_markers(spec, config)


def _add_markers(spec: mujoco.MjSpec, config: SceneConfig) -> None:
    """Thin visual-only squares (no contact: a block slides onto one as onto the table), one material per symbol;
    world.SimWorld picks each marker's symbol (geom_matid) and place at a reset, or parks it under the table."""
    for symbol in SYMBOLS:
        texture = spec.add_texture(name=f"symbol_texture_{symbol}", type=mujoco.mjtTexture.mjTEXTURE_2D,
                                   width=MARKER_TEXTURE, height=MARKER_TEXTURE, nchannel=3)  # fmt: skip
        texture.data = symbol_image(symbol).tobytes()
        material = spec.add_material(name=symbol_material(symbol))
        material.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = f"symbol_texture_{symbol}"
    half = config.marker_half_size
    for index in range(config.num_markers):
        body = spec.worldbody.add_body(name=marker_name(index), pos=[0.4, 0.0, PARKED_Z])
        body.add_geom(name=f"{marker_name(index)}_geom", type=mujoco.mjtGeom.mjGEOM_BOX, size=[half, half, 0.0005],
                      pos=[0, 0, 0.0006], material=symbol_material(SYMBOLS[0]), contype=0, conaffinity=0)  # fmt: skip


def _add_bowl(spec: mujoco.MjSpec, name: str, radius: float, height: float, segments: int = 16) -> None:
    """A bowl as a floor disk and a ring of wall slabs: static, so it is moved by its body position."""
    body = spec.worldbody.add_body(name=name, pos=[0.4, 0.0, 0.0])
    wall = 0.006  # m, wall thickness
    common = {"contype": OBJECT_TYPE, "conaffinity": OBJECT_TYPE, "group": 0}
    body.add_geom(name=f"{name}_floor", type=mujoco.mjtGeom.mjGEOM_CYLINDER, size=[radius, 0.003, 0],
                  pos=[0, 0, 0.003], **common)  # fmt: skip
    half_width = radius * np.tan(np.pi / segments) + wall / 2
    for segment in range(segments):
        angle = 2 * np.pi * segment / segments
        body.add_geom(
            name=f"{name}_wall_{segment}",
            type=mujoco.mjtGeom.mjGEOM_BOX,
            size=[wall / 2, half_width, height / 2],
            pos=[(radius - wall / 2) * np.cos(angle), (radius - wall / 2) * np.sin(angle), height / 2],
            quat=[np.cos(angle / 2), 0, 0, np.sin(angle / 2)],
            **common,
        )


def _add_camera(spec: mujoco.MjSpec) -> None:
    """The scene camera at the URDF's scene_camera_link (x forward, z up, REP 103 body axes).

    A MuJoCo camera looks along its -z with +y up: in the link's axes its x is -y, its y is
    +z and its z is -x.
    """
    rotation = np.array([[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # columns: camera axes in link
    quaternion = np.empty(4)
    mujoco.mju_mat2Quat(quaternion, rotation.flatten())
    # The field of view follows the image's aspect ratio; world.SimWorld sets it from the description.
    spec.body(SCENE_CAMERA_FRAME).add_camera(name=CAMERA_NAME, quat=quaternion)
