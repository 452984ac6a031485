"""The drawing of the live view (rt2_ros.viz.overlay): what is drawn, and which inputs it keeps or drops."""

import numpy as np
import pytest

from rt2_ros.actions.action import Action
from rt2_ros.viz.overlay import (
    AMBER,
    BOTTOM_BAND,
    GREEN,
    RED,
    TOP_BAND,
    OverlayState,
    SafetyView,
    draw_overlay,
    draw_verdict,
)

ACTION = Action([0.01, -0.02, 0.0], [0.0, 0.0, 0.1], 1.0)


@pytest.fixture
def frame() -> np.ndarray:
    return np.full((64, 80, 3), 128, np.uint8)  # (H, W, 3) grey


@pytest.fixture
def acting() -> OverlayState:
    state = OverlayState().with_instruction("pick up the red block").with_action(ACTION, 10.0)
    return state.with_tokens((128, 131, 127), "rt2", 10.0, "pick up the red block").with_safety(SafetyView())


def test_the_frame_is_resized_to_the_width_with_its_aspect(frame):
    image = draw_overlay(frame, OverlayState(), 320)
    assert image.shape == (256, 320, 3) and image.dtype == np.uint8
    assert draw_overlay(frame, OverlayState(), 0).shape == frame.shape


def test_the_bands_are_drawn_and_the_picture_between_them_is_kept(frame):
    image = draw_overlay(frame, OverlayState(), 320)
    assert (image[:TOP_BAND] != 128).any() and (image[-BOTTOM_BAND:] != 128).any()
    assert (image[TOP_BAND + 1 : -BOTTOM_BAND - 1] == 128).all()
    assert (frame == 128).all()  # the input is not drawn on


def test_action_tokens_and_safety_change_the_bands(frame, acting):
    idle = draw_overlay(frame, OverlayState(), 320)
    drawn = draw_overlay(frame, acting, 320)
    assert (drawn[:TOP_BAND] != idle[:TOP_BAND]).any()  # instruction and safety state
    assert (drawn[-BOTTOM_BAND:] != idle[-BOTTOM_BAND:]).any()  # delta, gripper, tokens
    without_tokens = draw_overlay(frame, acting.with_tokens((), "", 10.0, ""), 320)
    assert (drawn[-BOTTOM_BAND:] != without_tokens[-BOTTOM_BAND:]).any()


@pytest.mark.parametrize(
    ("safety", "color"),
    [
        (SafetyView(), GREEN),
        (SafetyView(watchdog_tripped=True), AMBER),
        (SafetyView(estop_active=True, watchdog_tripped=True), RED),
    ],
)
def test_the_safety_state_is_coloured_by_severity(frame, safety, color):
    text, line_color = safety.line()
    assert line_color == color and str(safety.forwarded) in text
    image = draw_overlay(frame, OverlayState(safety=safety), 320)
    assert (image[:TOP_BAND] == color).all(axis=-1).any()


def test_a_new_instruction_drops_the_old_action_and_tokens(acting):
    same = acting.with_instruction("pick up the red block")
    assert same.action is not None
    changed = acting.with_instruction("push the blue block to the left")
    assert changed.action is None and changed.drawn_tokens() == () and changed.safety == acting.safety


def test_tokens_are_drawn_only_with_the_action_they_decode_to(acting):
    assert acting.drawn_tokens() == (128, 131, 127)
    assert acting.with_action(ACTION, 10.2).drawn_tokens() == ()  # a newer step's action, older tokens


def test_tokens_name_the_instruction_only_when_no_command_was_seen():
    late = OverlayState().with_tokens((1,), "rt2", 1.0, "pick up the red block")
    assert late.instruction == "pick up the red block"
    assert late.with_tokens((1,), "rt2", 2.0, "an older command").instruction == "pick up the red block"


def test_a_stale_action_is_not_drawn(acting):
    assert acting.fresh(frame_stamp=10.5, max_action_age=1.0).action is not None
    stale = acting.fresh(frame_stamp=11.5, max_action_age=1.0)
    assert stale.action is None and stale.drawn_tokens() == () and stale.instruction == acting.instruction


def test_text_wider_than_the_image_and_not_ascii_is_drawn(frame):
    state = OverlayState(instruction="pick up the red block and put it in the bowl, then wave — twice " * 3)
    assert draw_overlay(frame, state, 0).shape == frame.shape


def test_the_verdict_is_drawn_on_a_copy(frame, acting):
    image = draw_overlay(frame, acting, 320)
    verdict = draw_verdict(image, "#1 SUCCESS", success=True)
    assert (verdict != image).any() and (verdict == GREEN).all(axis=-1).any()
    assert not (image == GREEN).all(axis=-1)[TOP_BAND:-BOTTOM_BAND].any()
