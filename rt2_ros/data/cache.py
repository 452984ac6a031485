"""Decoded recordings as arrays training can sample at random: the fast form of a folder of bags.

A cache is a folder: `images.npy` (N, S, S, 3) uint8, the camera crops as the model sees them (memory-mapped
when read); `arrays.npz`, the per-step arrays below; `meta.json`, the instructions, the preprocessing and the
sources it was built from. It is rebuilt when the bags or the preprocessing change, reused otherwise.

Per step: proprio (N, 8), action (N, 8) in ACTION_DIMENSIONS order (NaN rows: no action, a question-only
scene), instruction (N,) index into meta's instructions (-1: none), episode (N,), kind (N,) index into
TASK_KINDS (-1: none). Ground truth where the recording has it (simulated data): up to MAX_OBJECTS objects a
step, object_kind / object_color (N, M) indices into OBJECT_KINDS / COLOR_NAMES (-1: empty slot),
object_position (N, M, 3) m, object_uv (N, M, 2) in the model's square (fractions), object_yaw (N, M) rad,
object_symbol (N, M) a marker's index into SYMBOLS (-1: not a marker), task_object / task_target (N,) slot
indices (-1: none), and holding (N,) bool, the gripper holds the object.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from rt2_ros.data import bag_format
from rt2_ros.data.bag_reader import Step, bag_folders, read_episodes
from rt2_ros.geometry import PinholeCamera, matrix_from_quaternion
from rt2_ros.policy.tiny.configuration_tiny import TinyVLAConfig
from rt2_ros.policy.tiny.processing_tiny import image_points_to_model, preprocess_image, proprio_vector
from rt2_ros.sim.privileged import TASK_KINDS, PrivilegedState
from rt2_ros.sim.scene import COLORS, SYMBOLS

MAX_OBJECTS = 12
OBJECT_KINDS = ("block", "bowl", "ball", "can", "marker")
COLOR_NAMES = tuple(COLORS)
CACHE_VERSION = 2  # 2: markers (object_symbol)
HOLDING_DISTANCE = 0.04  # m between the ee and the object, with the fingers closing on it: held


@dataclass
class Cache:
    folder: Path
    images: np.ndarray  # (N, S, S, 3) uint8, memory-mapped
    arrays: dict[str, np.ndarray]
    instructions: list[str]
    meta: dict

    def __len__(self) -> int:
        return len(self.images)


def preprocessing_key(config: TinyVLAConfig) -> dict:
    return {"version": CACHE_VERSION, "image_size": config.image_size, "crop": list(config.crop)}


def holding(state: PrivilegedState) -> bool:
    obj = np.asarray(state.objects[state.task.object].position)
    return bool(np.linalg.norm(obj - np.asarray(state.ee_position)) < HOLDING_DISTANCE and state.gripper > 0.2)


class CacheWriter:
    """Fills a cache folder step by step; `close()` writes the arrays and meta.json."""

    def __init__(self, folder: Path, capacity: int, config: TinyVLAConfig, sources: dict) -> None:
        self.folder, self.config, self.sources = Path(folder), config, sources
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "meta.json").unlink(missing_ok=True)  # incomplete until close()
        size = config.image_size
        self.images = np.lib.format.open_memmap(
            self.folder / "images.npy", mode="w+", dtype=np.uint8, shape=(capacity, size, size, 3)
        )
        self.arrays = {
            "proprio": np.zeros((capacity, 8), np.float32),
            "action": np.full((capacity, 8), np.nan, np.float32),
            "instruction": np.full(capacity, -1, np.int32),
            "episode": np.full(capacity, -1, np.int32),
            "kind": np.full(capacity, -1, np.int8),
            "object_kind": np.full((capacity, MAX_OBJECTS), -1, np.int8),
            "object_color": np.full((capacity, MAX_OBJECTS), -1, np.int8),
            "object_position": np.zeros((capacity, MAX_OBJECTS, 3), np.float32),
            "object_uv": np.zeros((capacity, MAX_OBJECTS, 2), np.float32),
            "object_yaw": np.zeros((capacity, MAX_OBJECTS), np.float32),
            "object_symbol": np.full((capacity, MAX_OBJECTS), -1, np.int8),
            "task_object": np.full(capacity, -1, np.int8),
            "task_target": np.full(capacity, -1, np.int8),
            "holding": np.zeros(capacity, bool),
        }
        self.instructions: list[str] = []
        self._instruction_ids: dict[str, int] = {}
        self.count = 0

    def add(
        self,
        image: np.ndarray,
        proprio: np.ndarray,
        action: np.ndarray | None,
        instruction: str | None,
        episode: int,
        state: PrivilegedState | None,
        camera: PinholeCamera | None,
    ) -> None:
        index, arrays = self.count, self.arrays
        if index >= len(self.images):
            raise ValueError(f"cache of {len(self.images)} steps is full")
        self.images[index] = preprocess_image(image, self.config)
        arrays["proprio"][index] = proprio
        if action is not None:
            arrays["action"][index] = action
        if instruction is not None:
            arrays["instruction"][index] = self._instruction_ids.setdefault(instruction, len(self._instruction_ids))
            if arrays["instruction"][index] == len(self.instructions):
                self.instructions.append(instruction)
        arrays["episode"][index] = episode
        if state is not None and camera is not None:
            self._add_ground_truth(index, state, camera, image.shape[:2])
        self.count += 1

    def _add_ground_truth(self, index: int, state: PrivilegedState, camera: PinholeCamera, shape: tuple) -> None:
        arrays = self.arrays
        names = list(state.objects)[:MAX_OBJECTS]
        positions = np.array([state.objects[name].position for name in names])  # (M', 3)
        uv = image_points_to_model(camera.project(positions), shape[0], shape[1], self.config)
        for slot, name in enumerate(names):
            obj = state.objects[name]
            arrays["object_kind"][index, slot] = OBJECT_KINDS.index(obj.kind)
            arrays["object_color"][index, slot] = COLOR_NAMES.index(obj.color)
            arrays["object_position"][index, slot] = obj.position
            arrays["object_uv"][index, slot] = uv[slot]
            x_axis = matrix_from_quaternion(obj.quaternion)[:, 0]
            arrays["object_yaw"][index, slot] = np.arctan2(x_axis[1], x_axis[0])
            if obj.symbol:
                arrays["object_symbol"][index, slot] = SYMBOLS.index(obj.symbol)
        arrays["kind"][index] = TASK_KINDS.index(state.task.kind)
        arrays["task_object"][index] = names.index(state.task.object)
        arrays["task_target"][index] = names.index(state.task.target) if state.task.target in names else -1
        arrays["holding"][index] = holding(state)

    def close(self) -> Cache:
        count = self.count
        self.images.flush()
        del self.images
        images = np.load(self.folder / "images.npy", mmap_mode="r+")
        if count < len(images):  # fewer steps than counted (unlabelled frames): shrink the file
            trimmed = np.array(images[:count])
            del images
            np.save(self.folder / "images.npy", trimmed)
        np.savez(self.folder / "arrays.npz", **{name: array[:count] for name, array in self.arrays.items()})
        meta = {**preprocessing_key(self.config), "steps": count, "instructions": self.instructions, **self.sources}
        (self.folder / "meta.json").write_text(json.dumps(meta))
        return load_cache(self.folder)


def load_cache(folder: Path) -> Cache:
    folder = Path(folder)
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        raise FileNotFoundError(f"{folder} holds no complete cache (no meta.json)")
    meta = json.loads(meta_path.read_text())
    with np.load(folder / "arrays.npz") as stored:
        arrays = {name: stored[name] for name in stored.files}
    return Cache(folder, np.load(folder / "images.npy", mmap_mode="r"), arrays, meta["instructions"], meta)


def bag_sources(bags: list[Path]) -> dict:
    """What a cache of `bags` depends on: each bag's path and size."""
    return {"bags": [[str(bag), sum(f.stat().st_size for f in bag.iterdir())] for bag in bags]}


def camera_frames(bag: Path) -> int:
    """/camera/image_raw messages in a bag, from its metadata.yaml."""
    info = yaml.safe_load((bag / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    return sum(
        entry["message_count"] for entry in info["topics_with_message_count"]
        if entry["topic_metadata"]["name"] == bag_format.CAMERA
    )  # fmt: skip


def build_bag_cache(
    root: Path, folder: Path, config: TinyVLAConfig, on_bag: Callable[[Path], None] | None = None
) -> Cache:
    """The cache of every bag under `root`, reused when it is up to date. Episodes a recording marks as
    unsolved (/rt2/episode success false) are left out: they are not demonstrations of the task."""
    bags = bag_folders(root)
    sources = bag_sources(bags)
    try:
        cache = load_cache(folder)
        if {key: cache.meta.get(key) for key in (*preprocessing_key(config), "bags")} == {
            **preprocessing_key(config), **sources,
        }:  # fmt: skip
            return cache
    except FileNotFoundError:
        pass
    writer = CacheWriter(folder, sum(camera_frames(bag) for bag in bags), config, sources)
    episode_index = 0
    for bag in bags:
        for episode in read_episodes(bag):
            record = episode.record or {}
            if not record.get("success", True):
                continue
            camera = PinholeCamera.from_dict(record["camera"]) if "camera" in record else None
            for step in episode.steps:
                writer.add(step.image, step_proprio(step), step.action.to_vector(), episode.instruction,
                           episode_index, step.privileged, camera)  # fmt: skip
            episode_index += 1
        if on_bag is not None:
            on_bag(bag)
    return writer.close()


def step_proprio(step: Step) -> np.ndarray:
    return proprio_vector(step.ee_position, step.ee_quaternion, step.gripper)
