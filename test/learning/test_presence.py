"""The tiny backend asks itself before acting: a command about a colour of which the shipped model sees nothing on
the table gets confidence 0 and says why; one about a block in view does not. The answers come from the shipped
checkpoint on a sim scene (it gives its "yes" and "no" to these questions probabilities near 1)."""

import numpy as np
import pytest

from rt2_ros.policy.base import Observation, Proprio
from rt2_ros.policy.tiny.configuration_tiny import ANSWER_WORDS
from rt2_ros.policy.tiny.policy_tiny import PRESENCE_RECHECK, TinyPolicy, named_colours
from rt2_ros.sim.scene import BLOCK_COLORS
from rt2_ros.sim.tasks import TaskSpec
from rt2_ros.sim.variation import load_variations
from rt2_ros.sim.world import SimWorld


def test_the_colours_a_command_names_are_the_models_colour_words_in_order():
    assert named_colours("Put the RED cube in the white dish, then the red one again", ANSWER_WORDS) == ["red", "white"]
    assert named_colours("pick up the pink block", ANSWER_WORDS) == []  # a colour it has no word for
    assert named_colours("coloca el bloque rojo", ANSWER_WORDS) == []
    assert named_colours("pick up the red block", ("blue",)) == []  # a checkpoint without the word


@pytest.fixture(scope="module")
def scene() -> tuple[np.ndarray, Proprio, list[str], list[str]]:
    """A training scene's frame, the arm's state, and the block colours in it and not in it."""
    world = SimWorld(seed=3, image_size=(224, 224), variation=load_variations()["training"])
    try:
        world.reset(TaskSpec("pick_up"), seed=3)
        state = world.privileged_state()
        image = world.render()
    finally:
        world.close()
    present = sorted({item.color for item in state.objects.values() if item.kind == "block"})
    colours_seen = {item.color for item in state.objects.values()}
    absent = [color for color in BLOCK_COLORS if color not in colours_seen]
    proprio = Proprio(np.asarray(state.ee_position), np.asarray(state.ee_quaternion), state.gripper)
    return image, proprio, present, absent


def test_a_command_about_something_not_in_view_is_held_with_the_reason(scene):
    image, proprio, present, absent = scene
    assert present and absent, "the scene should have some block colours and lack others"
    policy = TinyPolicy()
    step = policy.act(Observation(image, f"pick up the {absent[0]} block", 0.0, None, proprio))
    assert step.confidence == 0.0 and absent[0] in step.doubt, step.doubt
    policy.reset()  # a new command is asked about again
    step = policy.act(Observation(image, f"pick up the {present[0]} block", 0.0, None, proprio))
    assert step.doubt == "" and step.confidence > 0


def test_the_check_is_asked_again_every_recheck_steps(scene):
    """What was absent when the command came is looked for again while it stands (a block put on the table)."""
    image, proprio, present, _ = scene
    policy = TinyPolicy()
    questions = []
    answer = policy.answer
    policy.answer = lambda *args: questions.append(args[1]) or answer(*args)
    for _ in range(PRESENCE_RECHECK + 1):
        policy.act(Observation(image, f"pick up the {present[0]} block", 0.0, None, proprio))
    assert questions == [f"is there a {present[0]} block?"] * 2
