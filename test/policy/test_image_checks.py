"""Frames a policy must not act on (image_checks.py) and steps it is unsure of (EpisodeRunner, min_confidence)."""

import numpy as np
import pytest

from rt2_ros.actions.action import Action
from rt2_ros.policy.base import Policy, PolicyStep
from rt2_ros.policy.episode import EpisodeRunner, RunnerConfig, State, Uncertain
from rt2_ros.policy.image_checks import ImageLimits, image_problem, image_stats

DEFAULTS = ImageLimits(*(getattr(RunnerConfig(), name) for name in ("min_brightness", "max_saturated", "min_contrast")))


@pytest.fixture(scope="module")
def scenes():
    """Frames of the sim across its table looks and lights, the dim unseen backgrounds included."""
    from rt2_ros.sim.variation import load_variations
    from rt2_ros.sim.world import SimWorld

    frames = []
    for name in ("training", "unseen_backgrounds"):
        world = SimWorld(seed=4, variation=load_variations()[name])
        for seed in range(6):
            world.reset(seed=seed)
            frames.append(world.render())
        world.close()
    return frames


def noisy(level: float, shape=(224, 224, 3)) -> np.ndarray:
    return np.clip(np.random.default_rng(0).normal(level, 3.0, shape), 0, 255).astype(np.uint8)


def test_scenes_pass_the_default_checks(scenes):
    assert all(image_problem(frame, DEFAULTS) is None for frame in scenes)


def test_a_covered_lens_a_blinding_light_and_an_empty_view_are_named(scenes):
    assert image_problem(noisy(6.0), DEFAULTS)[0] == "dark_image"
    blinded = np.minimum(scenes[0].astype(np.float32) * 4 + 120, 255).astype(np.uint8)
    assert image_stats(blinded).saturated > 0.5 and image_problem(blinded, DEFAULTS)[0] == "saturated_image"
    state, detail = image_problem(noisy(110.0), DEFAULTS)
    assert state == "blank_image" and "min_contrast" in detail
    assert image_problem(noisy(6.0), ImageLimits()) is None  # all off


def test_bad_limits_are_named():
    with pytest.raises(ValueError, match="max_saturated"):
        ImageLimits(max_saturated=2.0)
    with pytest.raises(ValueError, match="min_confidence"):
        RunnerConfig(min_confidence=1.5)


class Sure(Policy):
    def __init__(self, confidence: float, doubt: str = "") -> None:
        self.confidence, self.doubt = confidence, doubt

    def act(self, observation) -> PolicyStep:
        return PolicyStep(
            [0] * 8, Action(np.zeros(3), np.zeros(3), 0.0, False), None, None, self.confidence, self.doubt
        )


def runner(confidence: float, minimum: float, doubt: str = "") -> EpisodeRunner:
    runner = EpisodeRunner(Sure(confidence, doubt), RunnerConfig(min_confidence=minimum))
    runner.command("pick up the pink block")
    runner.new_frame(1.0, object())
    return runner


def test_an_unsure_step_is_not_acted_on_nor_counted():
    unsure = runner(0.2, 0.5)
    with pytest.raises(Uncertain, match=r"confidence 0\.20 < min_confidence 0\.5"):
        unsure.act(np.zeros((8, 8, 3), np.uint8))
    assert unsure.steps == 0
    sure = runner(0.8, 0.5)
    assert sure.act(np.zeros((8, 8, 3), np.uint8)).confidence == 0.8 and sure.steps == 1
    assert State("uncertain") is State.UNCERTAIN


def test_the_status_says_why_when_the_backend_can():
    with pytest.raises(Uncertain, match="sees nothing pink"):
        runner(0.0, 0.5, "the model sees nothing pink on the table").act(np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(Uncertain, match="is what it names on the table"):  # no reason given: the generic one
        runner(0.2, 0.5).act(np.zeros((8, 8, 3), np.uint8))
