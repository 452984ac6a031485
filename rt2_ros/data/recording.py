"""`rt2-ros collect`: scripted-expert demonstrations from the in-process sim, written as rosbag2 MCAP.

Each episode is a seeded reset of a scene variation (config/generalization.yaml), an instruction in one of
the split's phrasings, and the expert acting every control period until the task's success check holds.
A bag holds `episodes_per_bag` episodes with the topics of `bag_format` at sim-time stamps; the frame on
which the task is solved is recorded too, with the expert's terminate action.

Disturbance injection (DART, Laskey et al. 2017): in a share of the episodes the arm executes the
expert's action plus Gaussian noise, while /rt2/action records the expert's own action. The data then
shows how to recover from states the expert alone never visits, the states a learned policy drifts into.

Observation age (`max_frame_lag`): through the node graph a policy's frame and arm state are some tens of ms old
when its action reaches the arm. An episode may be recorded at such an age, drawn uniformly from [0, max_frame_lag]
s per episode: its frames, poses and joint states are what the robot measured that long before each step, and the
label is the expert's action on the state at the step (run_episode's frame_lag), the action a policy acting on
that observation should have sent.

Bags are written by worker processes, one bag at a time; a bag folder that is complete (metadata.yaml
written at close) is kept on a rerun, a partial one is written again, so an interrupted run resumes.
"""

import json
import multiprocessing
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from rosbags.rosbag2 import Writer
from rosbags.rosbag2.enums import CompressionFormat, CompressionMode, StoragePlugin

from rt2_ros.actions.action import Action
from rt2_ros.data import bag_format
from rt2_ros.data.phrasing import PhrasingSplit, load_phrasings, phrase, table_side
from rt2_ros.robot.description import BASE_FRAME
from rt2_ros.sim.episode import DeltaFollower, run_episode
from rt2_ros.sim.expert import ScriptedExpert
from rt2_ros.sim.privileged import PrivilegedState, serialise
from rt2_ros.sim.variation import load_variations
from rt2_ros.sim.world import SimWorld

CAMERA_FRAME = "scene_camera_optical_frame"


@dataclass(frozen=True)
class CollectConfig:
    episodes: int  # episodes to record in all
    output: Path  # folder of the bags (one rosbag2 folder per bag)
    variation: str = "training"  # scene variation of config/generalization.yaml
    phrasings: str = "training"  # phrasing split of config/generalization.yaml
    seed: int = 0  # the whole collection: the same seed records the same episodes
    image_size: int = 224  # px, camera width and height (what sim_node publishes)
    control_rate: float = 5.0  # Hz, expert actions per second of sim time (policy_node's default)
    max_steps: int = 120  # control steps before an episode is given up
    disturbed_share: float = 0.5  # share of episodes with disturbance injection
    translation_noise: float = 0.008  # m, standard deviation per axis of the executed action's noise
    rotation_noise: float = 0.04  # rad, likewise for the rotation
    max_frame_lag: float = 0.0  # s, each episode's observation age is drawn from [0, max_frame_lag]
    episodes_per_bag: int = 20  # episodes per rosbag2 folder
    workers: int = 1  # processes recording bags side by side

    def __post_init__(self) -> None:
        if self.episodes < 1 or self.episodes_per_bag < 1 or self.workers < 1:
            raise ValueError("episodes, episodes_per_bag and workers must be >= 1")
        if not 32 <= self.image_size <= 1024 or not 0.1 <= self.control_rate <= 100 or self.max_steps < 1:
            raise ValueError("image_size must be 32..1024 px, control_rate 0.1..100 Hz, max_steps >= 1")
        if not 0 <= self.disturbed_share <= 1 or self.translation_noise < 0 or self.rotation_noise < 0:
            raise ValueError("disturbed_share must be in [0, 1] and the noise levels >= 0")
        if not 0 <= self.max_frame_lag < 1 / self.control_rate:
            raise ValueError(f"max_frame_lag {self.max_frame_lag} s; expected 0 <= lag < one control period")
        if self.variation not in load_variations():
            raise ValueError(f"variation {self.variation!r}; expected one of {sorted(load_variations())}")
        if self.phrasings not in load_phrasings():
            raise ValueError(f"phrasings {self.phrasings!r}; expected one of {sorted(load_phrasings())}")

    @property
    def bags(self) -> int:
        return -(-self.episodes // self.episodes_per_bag)


@dataclass
class EpisodeRecord:
    """What /rt2/episode says about one recorded episode (JSON)."""

    index: int  # episode number in the collection
    seed: int  # its reset seed
    variation: str
    phrasings: str
    kind: str
    instruction: str  # the command sent (a phrasing)
    task_instruction: str  # the sim's own wording of the task
    success: bool
    steps: int  # control steps (frames) recorded
    disturbed: bool
    frame_lag: float  # s, the age of every observation recorded (0: at the step)
    camera: dict  # geometry.PinholeCamera.to_dict() of the scene camera


def bag_path(output: Path, index: int) -> Path:
    return output / f"bag_{index:05d}"


def complete(path: Path) -> bool:
    """A bag folder the writer closed (rosbag2 writes metadata.yaml last)."""
    return (path / "metadata.yaml").is_file()


def episode_seed(seed: int, index: int) -> int:
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0] % 2**31)


class BagWriter:
    """One rosbag2 MCAP folder, zstd-compressed chunks, the topics of bag_format (or some of them)."""

    def __init__(self, path: Path, topics: Iterable[str] = tuple(bag_format.TOPIC_TYPES)) -> None:
        self.writer = Writer(path, version=9, storage_plugin=StoragePlugin.MCAP)
        self.writer.set_compression(CompressionMode.STORAGE, CompressionFormat.ZSTD)
        self.writer.open()
        store = bag_format.typestore()
        self.connections = {
            topic: self.writer.add_connection(topic, bag_format.TOPIC_TYPES[topic], typestore=store) for topic in topics
        }

    def write(self, topic: str, stamp: float, message: object) -> None:
        data = bag_format.typestore().serialize_cdr(message, bag_format.TOPIC_TYPES[topic])
        self.writer.write(self.connections[topic], round(stamp * 1e9), data)

    def close(self) -> None:
        self.writer.close()


def record_bag(config: CollectConfig, bag_index: int) -> list[EpisodeRecord]:
    """Record bag `bag_index` (its share of the episodes) into its folder; the episodes' records."""
    path = bag_path(config.output, bag_index)
    shutil.rmtree(path, ignore_errors=True)  # a partial bag from an interrupted run
    variation = load_variations()[config.variation]
    phrasings = load_phrasings()[config.phrasings]
    world = SimWorld(seed=config.seed, image_size=(config.image_size, config.image_size), variation=variation)
    follower = DeltaFollower(world, 1.0 / config.control_rate)
    expert = ScriptedExpert()
    first = bag_index * config.episodes_per_bag
    indices = range(first, min(first + config.episodes_per_bag, config.episodes))
    records = []
    writer = BagWriter(path)
    try:
        for index in indices:
            records.append(record_episode(config, world, follower, expert, writer, index, phrasings))
    except BaseException:
        writer.close()  # closing writes metadata.yaml: remove the bag, or a rerun would take it as complete
        shutil.rmtree(path, ignore_errors=True)
        raise
    else:
        writer.close()
    finally:
        world.close()
    return records


def record_episode(
    config: CollectConfig,
    world: SimWorld,
    follower: DeltaFollower,
    expert: ScriptedExpert,
    writer: BagWriter,
    index: int,
    phrasings: PhrasingSplit,
) -> EpisodeRecord:
    seed = episode_seed(config.seed, index)
    rng = np.random.default_rng(seed)
    disturbed = bool(rng.random() < config.disturbed_share)
    # its own stream, so that the episodes recorded without an age draw what they always drew
    frame_lag = float(np.random.default_rng([seed, 1]).uniform(0.0, config.max_frame_lag))
    expert.reset()
    instruction = ""
    measured = world.joint_state()[0]  # (8,) the joints at the latest observation (run_episode observes first)

    def observe() -> None:
        nonlocal measured
        measured = world.joint_state()[0]

    def act(image: np.ndarray, state: PrivilegedState) -> Action:
        nonlocal instruction
        if state.step == 0:  # the episode's first frame: its command comes first
            sides = {name: side for name, item in state.objects.items() if (side := table_side(item.position[1]))}
            instruction = phrase(rng, state.task, phrasings, sides)
            writer.write(bag_format.COMMAND, state.stamp, bag_format.string_message(instruction))
        action = expert.act(world.privileged_state())  # on the state the action meets (the step's)
        write_frame(writer, world.joint_names, image, state, measured, action)
        if not disturbed:
            return action
        return Action(
            action.translation + rng.normal(0.0, config.translation_noise, 3),
            action.rotation + rng.normal(0.0, config.rotation_noise, 3),
            action.gripper,
            action.terminate,
        )

    result = run_episode(world, act, follower, seed=seed, max_steps=config.max_steps, render=True,
                         frame_lag=frame_lag, on_observe=observe)  # fmt: skip
    state = world.privileged_state()
    if state.success:  # the solved frame, labelled with the expert's terminate
        world.step_count = result.steps
        write_frame(writer, world.joint_names, world.render(), state, world.joint_state()[0], expert.act(state))
    record = EpisodeRecord(
        index, seed, config.variation, config.phrasings, state.task.kind, instruction, state.task.instruction,
        state.success, result.steps + int(state.success), disturbed, frame_lag, world.camera().to_dict(),
    )  # fmt: skip
    writer.write(bag_format.EPISODE, world.time, bag_format.json_message(asdict(record)))
    return record


def write_frame(
    writer: BagWriter,
    joint_names: Sequence[str],
    image: np.ndarray,
    state: PrivilegedState,
    positions: np.ndarray,
    action: Action,
) -> None:
    """One control step's messages, all stamped with the frame's sim time (positions (8,): the joints then)."""
    stamp = state.stamp
    writer.write(bag_format.CAMERA, stamp, bag_format.image_message(image, stamp, CAMERA_FRAME))
    writer.write(bag_format.JOINT_STATES, stamp, bag_format.joint_state_message(list(joint_names), positions, stamp))
    writer.write(
        bag_format.EE_POSE, stamp, bag_format.pose_message(state.ee_position, state.ee_quaternion, stamp, BASE_FRAME)
    )
    writer.write(bag_format.PRIVILEGED, stamp, bag_format.string_message(serialise(state)))
    writer.write(bag_format.ACTION, stamp, bag_format.action_message(action, stamp, BASE_FRAME))


def _record_bag_job(arguments: tuple[CollectConfig, int]) -> list[dict]:
    config, bag_index = arguments
    return [asdict(record) for record in record_bag(config, bag_index)]


def collect(config: CollectConfig, on_bag: Callable[[list[dict]], None] | None = None) -> list[dict]:
    """Record every bag not yet complete; `on_bag(records)` after each (the progress bar). All episodes' records."""
    config.output.mkdir(parents=True, exist_ok=True)
    todo = [index for index in range(config.bags) if not complete(bag_path(config.output, index))]
    records: list[dict] = []
    if config.workers == 1:
        results = map(_record_bag_job, [(config, index) for index in todo])
        pool = None
    else:
        # spawn: a fresh interpreter per worker (MuJoCo's EGL context and torch threads do not survive fork)
        pool = multiprocessing.get_context("spawn").Pool(config.workers)
        results = pool.imap_unordered(_record_bag_job, [(config, index) for index in todo])
    try:
        for bag_records in results:
            records += bag_records
            if on_bag is not None:
                on_bag(bag_records)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    settings = {name: str(value) if isinstance(value, Path) else value for name, value in asdict(config).items()}
    (config.output / "collection.json").write_text(json.dumps(settings, indent=1))
    return records
