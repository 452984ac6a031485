"""The camera frame with what the loop is doing drawn on it (OpenCV only, no rclpy).

One drawing for every viewer: overlay_node publishes it on /rt2/overlay (rqt_image_view, RViz,
Foxglove on a real arm or in Gazebo), and `rt2-ros demo` records that topic as its video, adding
only the episode's verdict with draw_verdict.
"""

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from rt2_ros.actions.action import Action

Color = tuple[int, int, int]  # RGB

WHITE: Color = (255, 255, 255)
GREY: Color = (170, 170, 170)
GREEN: Color = (60, 220, 60)
AMBER: Color = (255, 190, 0)
RED: Color = (230, 60, 60)
FONT = cv2.FONT_HERSHEY_SIMPLEX
TEXT_SCALE = 0.42  # legible from a ~448 px wide image on
LINE_HEIGHT = 16  # px between text baselines
MARGIN = 6  # px left of the text
TOP_BAND = 2 * LINE_HEIGHT + 10  # instruction, safety state
BOTTOM_BAND = 3 * LINE_HEIGHT + 10  # translation, rotation and gripper, tokens


@dataclass(frozen=True)
class SafetyView:
    """The safety gate's state as /rt2/safety_status reports it."""

    estop_active: bool = False
    watchdog_tripped: bool = False
    forwarded: int = 0
    clamped: int = 0
    rejected: int = 0

    def line(self) -> tuple[str, Color]:
        """One line and its colour: red while the e-stop is latched, amber while the watchdog holds."""
        counts = f"fwd {self.forwarded}  clamp {self.clamped}  rej {self.rejected}"
        if self.estop_active:
            return f"safety: E-STOP LATCHED  {counts}", RED
        if self.watchdog_tripped:
            return f"safety: WATCHDOG (holding)  {counts}", AMBER
        return f"safety: ok  {counts}", GREEN


# Each pointer role's colour on the frame: what the model will act on, and where it will take it.
ROLE_COLORS: dict[str, Color] = {"object": (255, 140, 0), "target": (0, 200, 255)}
HEAT_FLOOR = 0.15  # of a map's peak: cells below it are not tinted (the heat shows where the mass is)


@dataclass(frozen=True)
class Attention:
    """Where the policy looks (/rt2/attention): a distribution over grid cells per role, and the frame region
    (top, left, height, width as fractions of the frame) the grid covers."""

    roles: tuple[str, ...]
    maps: np.ndarray  # (R, G, G) probabilities, each summing to 1
    crop: tuple[float, float, float, float]
    stamp: float = 0.0  # s, the header.stamp of the frame it came from


@dataclass(frozen=True)
class OverlayState:
    """The newest of each input, as drawn on the next camera frame. Immutable: each input makes a new one."""

    instruction: str = ""
    action: Action | None = None  # the policy's commanded delta (/rt2/action)
    action_stamp: float = 0.0  # s, its header.stamp: the capture time of the frame it was computed from
    tokens: tuple[int, ...] = ()  # raw tokens (/rt2/action_tokens), drawn when they decode to `action`
    token_scheme: str = ""  # rt2 or openvla
    tokens_stamp: float = 0.0  # s, their header.stamp: the same as the action's they decode to
    safety: SafetyView | None = None  # None until the first /rt2/safety_status
    attention: Attention | None = None  # where the model looks, from backends that say (the tiny VLA)

    def with_instruction(self, instruction: str) -> "OverlayState":
        """A new command: the action and tokens shown so far answered the old one, so they go."""
        if instruction == self.instruction:
            return self
        return replace(self, instruction=instruction, action=None, tokens=(), attention=None)

    def with_action(self, action: Action, stamp: float) -> "OverlayState":
        return replace(self, action=action, action_stamp=stamp)

    def with_tokens(self, tokens: tuple[int, ...], scheme: str, stamp: float, instruction: str) -> "OverlayState":
        """The tokens also name their instruction: it is shown when no command was seen (a late start)."""
        return replace(
            self, tokens=tokens, token_scheme=scheme, tokens_stamp=stamp, instruction=self.instruction or instruction
        )

    def with_safety(self, safety: SafetyView) -> "OverlayState":
        return replace(self, safety=safety)

    def with_attention(self, attention: Attention) -> "OverlayState":
        return replace(self, attention=attention)

    def fresh(self, frame_stamp: float, max_action_age: float) -> "OverlayState":
        """Without the action when it was computed from a frame over `max_action_age` s older than this one.

        A policy that stopped publishing must not look as if it still commanded its last delta.
        """
        state = self
        if self.attention is not None and frame_stamp - self.attention.stamp > max_action_age:
            state = replace(state, attention=None)
        if state.action is None or frame_stamp - state.action_stamp <= max_action_age:
            return state
        return replace(state, action=None, tokens=())

    def drawn_tokens(self) -> tuple[int, ...]:
        """The tokens, if they are the ones the drawn action was decoded from."""
        return self.tokens if self.action is not None and self.tokens_stamp == self.action_stamp else ()


def draw_overlay(frame: np.ndarray, state: OverlayState, width: int) -> np.ndarray:
    """The camera frame (H, W, 3) uint8 RGB resized to `width` px (aspect kept; 0: as is), with `state` on it.

    Top band: the instruction and the safety state. Bottom band: the commanded delta (cm, rad),
    the gripper target and the decoded tokens.
    """
    if width > 0 and width != frame.shape[1]:
        height = max(1, round(frame.shape[0] * width / frame.shape[1]))
        image = cv2.resize(frame, (width, height), interpolation=cv2.INTER_LINEAR)
    else:
        image = frame.copy()
    height, width = image.shape[:2]
    if state.attention is not None:
        draw_attention(image, state.attention)
    cv2.rectangle(image, (0, 0), (width, TOP_BAND), (0, 0, 0), thickness=-1)
    cv2.rectangle(image, (0, height - BOTTOM_BAND), (width, height), (0, 0, 0), thickness=-1)
    top = [(state.instruction or "(no instruction yet)", WHITE if state.instruction else GREY)]
    top.append(state.safety.line() if state.safety is not None else ("safety: (no status yet)", GREY))
    for row, (text, color) in enumerate(top, 1):
        _text(image, text, row * LINE_HEIGHT + 2, color)
    if state.action is None:
        bottom = [("no action", GREY)]
    else:
        translation = " ".join(f"{value * 100:+.1f}" for value in state.action.translation)
        rotation = " ".join(f"{value:+.2f}" for value in state.action.rotation)
        tokens = state.drawn_tokens()
        bottom = [
            (f"dxyz [{translation}] cm", WHITE),
            (f"drpy [{rotation}] rad  grip {state.action.gripper:.2f}", WHITE),
            (f"tokens {state.token_scheme} [{' '.join(map(str, tokens))}]", WHITE) if tokens else ("no tokens", GREY),
        ]
    for row, (text, color) in enumerate(bottom):
        _text(image, text, height - BOTTOM_BAND + (row + 1) * LINE_HEIGHT, color)
    return image


def draw_attention(image: np.ndarray, attention: Attention) -> None:
    """Tint, in place, where each pointer's mass lies (its role's colour, stronger where more probable) and ring
    its peak: an operator sees which block the model is going for before the arm gets there."""
    height, width = image.shape[:2]
    top, left, crop_height, crop_width = attention.crop
    y0, x0 = round(top * height), round(left * width)
    box_height, box_width = max(1, round(crop_height * height)), max(1, round(crop_width * width))
    region = image[y0 : y0 + box_height, x0 : x0 + box_width].astype(np.float32)  # (h, w, 3)
    rings = []
    for role, heat in zip(attention.roles, attention.maps, strict=True):  # heat: (G, G)
        color = ROLE_COLORS.get(role, WHITE)
        peak = float(heat.max())
        if not peak > 0:
            continue
        weight = np.clip((heat / peak - HEAT_FLOOR) / (1 - HEAT_FLOOR), 0, 1).astype(np.float32) * 0.55
        weight = cv2.resize(weight, (region.shape[1], region.shape[0]), interpolation=cv2.INTER_LINEAR)[..., None]
        region = region * (1 - weight) + np.array(color, np.float32) * weight  # (h, w, 3)
        row, column = np.unravel_index(int(np.argmax(heat)), heat.shape)
        centre = (
            x0 + round((column + 0.5) * box_width / heat.shape[1]),
            y0 + round((row + 0.5) * box_height / heat.shape[0]),
        )
        rings.append((centre, max(4, round(box_width / heat.shape[1])), color))
    image[y0 : y0 + box_height, x0 : x0 + box_width] = np.clip(region, 0, 255).astype(np.uint8)
    for centre, radius, color in rings:
        cv2.circle(image, centre, radius, color, 2, cv2.LINE_AA)


def draw_verdict(image: np.ndarray, text: str, success: bool) -> np.ndarray:
    """A copy of an overlay image with an episode's verdict in large letters under the top band."""
    verdict = image.copy()
    color = GREEN if success else RED
    (text_width, text_height), _ = cv2.getTextSize(text, FONT, 0.7, 2)
    origin = (max(MARGIN, verdict.shape[1] - text_width - MARGIN), TOP_BAND + text_height + 8)
    cv2.putText(verdict, text, origin, FONT, 0.7, color, 2, cv2.LINE_AA)
    return verdict


def _text(image: np.ndarray, text: str, baseline: int, color: Color) -> None:
    """One line at the left margin, cut with '...' to the image's width (Hershey fonts are ASCII only)."""
    text = text.encode("ascii", "replace").decode()
    room = image.shape[1] - 2 * MARGIN
    if _width(text) > room:
        keep = max(0, math.floor(len(text) * room / _width(text)) - 3)
        while keep > 0 and _width(text[:keep] + "...") > room:
            keep -= 1
        text = text[:keep] + "..."
    cv2.putText(image, text, (MARGIN, baseline), FONT, TEXT_SCALE, color, 1, cv2.LINE_AA)


def _width(text: str) -> int:
    return cv2.getTextSize(text, FONT, TEXT_SCALE, 1)[0][0]
