"""Closed-loop episodes in one process: the same sim, policy and IK code as the graph, no DDS, no safety gate.

Faster than the graph (no real-time pacing), for checking a checkpoint while training; the reported table
comes from the graph (graph.py). The policy sees what policy_node gives it: the camera frame, the command and
the arm's own state (end-effector pose and gripper closure), never the ground truth.
"""

from collections.abc import Callable

import numpy as np

from rt2_ros.actions.action import Action
from rt2_ros.data.phrasing import load_phrasings
from rt2_ros.evaluation.categories import Category
from rt2_ros.evaluation.commands import EpisodeCommand
from rt2_ros.evaluation.results import EpisodeResult
from rt2_ros.policy.base import Observation, Policy, PolicyStep, Proprio
from rt2_ros.sim.episode import DeltaFollower, run_episode
from rt2_ros.sim.privileged import PrivilegedState
from rt2_ros.sim.tasks import TaskSpec
from rt2_ros.sim.variation import load_variations
from rt2_ros.sim.world import SimWorld

TASK_ORDER = ("pick_up", "move_near", "put_in_bowl", "push")


def kinds_for(category: Category, count: int) -> list[str]:
    """The task kinds of `count` episodes: cycling through those the category's variation draws."""
    allowed = [kind for kind in TASK_ORDER if kind in load_variations()[category.variation].task_kinds]
    if category.retarget or category.concept in ("relations", "impossible"):  # the command says what to do
        allowed = ["pick_up"]
    return [allowed[index % len(allowed)] for index in range(count)]


class PolicyActor:
    """run_episode's actor: the policy on the frame, the command (said at the first step) and the arm's state.
    A step less sure than `min_confidence` is not acted on (the arm holds), as policy_node does. `last_step` is the
    policy's last PolicyStep (pointers, confidence, the action it asked for), for tools that trace an episode."""

    def __init__(self, policy: Policy, command: EpisodeCommand, min_confidence: float = 0.0) -> None:
        self.policy, self.command, self.min_confidence = policy, command, min_confidence
        self.last_step: PolicyStep | None = None

    def __call__(self, image: np.ndarray, state: PrivilegedState) -> Action:
        if state.step == 0:
            self.policy.reset()
            self.command.say(state)
        step = self.policy.act(Observation(image, self.command.instruction, state.stamp, None, sim_proprio(state)))
        self.last_step = step
        if step.confidence is not None and step.confidence < self.min_confidence:
            return Action(np.zeros(3), np.zeros(3), state.gripper, False)  # hold: the gate's watchdog would
        return step.action


def sim_proprio(state: PrivilegedState) -> Proprio:
    """The arm's own state as a policy reads it (/rt2/ee_pose and the gripper joint), from the sim's."""
    return Proprio(np.asarray(state.ee_position), np.asarray(state.ee_quaternion), state.gripper)


def evaluate_in_process(
    policy: Policy,
    categories: list[Category],
    episodes: int,
    seed: int = 1000,
    control_rate: float = 5.0,
    timeout: float = 30.0,
    image_size: int = 224,
    on_episode: Callable[[EpisodeResult], None] | None = None,
    min_confidence: float = 0.0,
    frame_lag: float = 0.0,
) -> list[EpisodeResult]:
    """`episodes` per category, task kinds cycling; the same seed gives the same scenes and wordings. The policy
    observes the frame and the arm's state `frame_lag` s before its action reaches the arm (run_episode), to weigh
    the graph's latency."""
    results = []
    for category in categories:
        variation = load_variations()[category.variation]
        world = SimWorld(seed=seed, image_size=(image_size, image_size), variation=variation)
        follower = DeltaFollower(world, 1.0 / control_rate)
        command = EpisodeCommand(category, np.random.default_rng(seed), load_phrasings()[category.phrasings])
        actor = PolicyActor(policy, command, min_confidence)
        for kind in kinds_for(category, episodes):
            episode = run_episode(world, actor, follower, TaskSpec(kind), max_steps=round(timeout * control_rate),
                                  render=True, done=command.done, frame_lag=frame_lag)  # fmt: skip
            result = command.result(kind, world.privileged_state(), episode.success, episode.sim_time, episode.steps)
            results.append(result)
            if on_episode is not None:
                on_episode(result)
        world.close()
    return results
