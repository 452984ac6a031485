"""The policy node's control logic without ROS: the current command, the freshest frame, episodes, and the
reason nothing is published when nothing is.

An episode starts with each command (the policy's state is reset) and ends when the policy sets
terminate, after `max_episode_steps` actions (OpenVLA has no terminate token) or with the next command;
after it the runner idles until a new command arrives. A frame is acted on at most once, and only while
its capture stamp is at most `max_image_age` old; with `max_frozen_time`, not when its pixels have stayed
identical for longer than that (a camera re-publishing one buffer with new stamps: a real sensor's noise makes
every frame differ, a noiseless render does not).

With `frame_spacing`, a frame is acted on only if it was captured at least that long after the last frame acted
on, so the steps follow the camera's clock rather than the node's: each action is computed from a frame taken
as the previous action's motion ends, not one taken halfway through it. Paced by the wall clock alone, a 5 Hz
policy on a 10 Hz camera locked onto the phase where the newest frame was about to be replaced and acted on
frames 50-120 ms old (measured through the graph), and the arm then acts on where it was rather than where it is.
"""

import hashlib
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from rt2_ros.policy.base import Observation, Policy, PolicyStep, Proprio
from rt2_ros.policy.image_checks import ImageLimits, image_problem
from rt2_ros.policy.instructions import validate_instruction


class State(str, Enum):
    """What the runner is doing; the first word of every /rt2/policy_status line."""

    NO_COMMAND = "no_command"  # nothing to do until a command arrives
    NO_IMAGE = "no_image"  # a command, but no camera frame yet
    WAITING_FOR_IMAGE = "waiting_for_image"  # the freshest frame has been acted on already
    STALE_IMAGE = "stale_image"  # the freshest frame is older than max_image_age
    FROZEN_IMAGE = "frozen_image"  # the pixels have not changed for longer than max_frozen_time
    NO_PRIVILEGED_STATE = "no_privileged_state"  # the scripted backend has no sim ground truth yet
    NO_PROPRIO = "no_proprio"  # the backend reads the arm's pose and gripper, and one has not arrived yet
    BAD_IMAGE = "bad_image"  # the freshest frame could not be converted
    ERROR = "error"  # the policy raised; nothing published for that step
    DARK_IMAGE = "dark_image"  # the frame is too dark to act on (a covered lens, no light)
    SATURATED_IMAGE = "saturated_image"  # too much of the frame is clipped white (a light into the lens)
    BLANK_IMAGE = "blank_image"  # nothing in view (too little contrast: the camera points elsewhere)
    UNCERTAIN = "uncertain"  # the backend's confidence is below min_confidence: nothing published
    ACTING = "acting"  # an action was published
    DONE = "done"  # the episode ended (terminate or max_episode_steps); idle until the next command


class Uncertain(Exception):
    """The step's confidence is below min_confidence: computed, not acted on."""


@dataclass
class RunnerConfig:
    max_image_age: float = 0.5  # s between a frame's capture stamp and the moment it is acted on
    max_episode_steps: int = 0  # actions per episode; 0 = unlimited (until terminate or a new command)
    max_frozen_time: float = 0.0  # s the pixels may stay identical across new stamps; 0 = not checked
    min_brightness: float = 20.0  # image checks (image_checks.py); 0, 1 and 0 turn them off
    max_saturated: float = 0.5
    min_contrast: float = 6.0
    min_confidence: float = 0.0  # a step whose confidence (backends that report one) is below this is not acted on
    frame_spacing: float = 0.0  # s of capture stamp from the last frame acted on to the next; 0 = any newer frame

    def __post_init__(self) -> None:
        ImageLimits(self.min_brightness, self.max_saturated, self.min_contrast)  # ValueError naming a bad one
        if not 0 <= self.min_confidence <= 1:
            raise ValueError(f"min_confidence {self.min_confidence}; expected 0..1 (0 = not checked)")
        if not self.max_image_age > 0:
            raise ValueError(f"max_image_age {self.max_image_age}; expected > 0 s")
        if not self.frame_spacing >= 0:
            raise ValueError(f"frame_spacing {self.frame_spacing}; expected >= 0 s (0 = any newer frame)")
        if self.max_episode_steps < 0:
            raise ValueError(f"max_episode_steps {self.max_episode_steps}; expected >= 0 (0 = unlimited)")
        if not self.max_frozen_time >= 0:
            raise ValueError(f"max_frozen_time {self.max_frozen_time}; expected >= 0 s (0 = not checked)")


@dataclass
class Frame:
    stamp: float  # s, the image's header.stamp
    message: Any  # the image as received, converted only when acted on


class EpisodeRunner:
    def __init__(self, policy: Policy, config: RunnerConfig) -> None:
        self.policy, self.config = policy, config
        self.instruction: str | None = None
        self.episode = 0
        self.steps = 0  # actions in the current episode
        self.done_reason = ""
        self.frame: Frame | None = None
        self._acted_stamp: float | None = None  # stamp of the last frame acted on (or rejected as bad)
        self._stepped_stamp: float | None = None  # stamp of the last frame a step was computed on (frame_spacing)
        self._pixels_digest: bytes | None = None  # of the newest frame's pixels, when max_frozen_time is set
        self._pixels_since = 0.0  # stamp of the first frame with those pixels
        self.privileged_state: dict[str, Any] | None = None
        self.ee_pose: tuple[Any, Any] | None = None  # (position (3,), quaternion (4,)), newest /rt2/ee_pose
        self.gripper: float | None = None  # newest measured closure from /joint_states

    def command(self, text: object) -> str:
        """Start a new episode with this instruction; ValueError (and no change) if it is not a valid one."""
        instruction = validate_instruction(text)
        self.policy.reset()
        self.instruction, self.episode, self.steps, self.done_reason = instruction, self.episode + 1, 0, ""
        self._acted_stamp = self._stepped_stamp = None  # the freshest frame, if young enough, is the first observation
        return instruction

    def new_frame(self, stamp: float, message: Any, pixels: Any = None) -> None:
        """The newest frame; `pixels`, its raw bytes (any buffer), are compared with the last frame's when
        max_frozen_time is set."""
        if self.config.max_frozen_time > 0 and pixels is not None:
            digest = hashlib.blake2b(pixels, digest_size=16).digest()
            if digest != self._pixels_digest:
                self._pixels_digest, self._pixels_since = digest, stamp
        self.frame = Frame(stamp, message)

    def blocked(self, now: float) -> tuple[State, str] | None:
        """Why no action can be computed now, or None when one can (on self.frame)."""
        if self.instruction is None:
            return State.NO_COMMAND, "no command yet: publish one on /rt2/command"
        if self.done_reason:
            return self.ended()
        if self.frame is None:
            return State.NO_IMAGE, "no image received on /camera/image_raw"
        age = now - self.frame.stamp
        if age > self.config.max_image_age:
            return State.STALE_IMAGE, f"newest image is {age:.3f} s old (max_image_age {self.config.max_image_age} s)"
        frozen = self.frame.stamp - self._pixels_since
        if self._pixels_digest is not None and frozen > self.config.max_frozen_time:  # a digest: the check is on
            return State.FROZEN_IMAGE, (
                f"the camera's pixels have not changed for {frozen:.2f} s of new stamps "
                f"(max_frozen_time {self.config.max_frozen_time} s): is it stuck?"
            )
        if self.frame.stamp == self._acted_stamp:
            return State.WAITING_FOR_IMAGE, "waiting for a newer image than the last one acted on"
        if self._stepped_stamp is not None and self.frame.stamp - self._stepped_stamp < self.config.frame_spacing:
            return State.WAITING_FOR_IMAGE, (
                f"waiting for an image captured {self.config.frame_spacing:.3f} s after the last one acted on"
            )
        if self.policy.needs_privileged_state and self.privileged_state is None:
            return State.NO_PRIVILEGED_STATE, "the scripted backend waits for /sim/privileged_state"
        if self.policy.needs_proprio and (self.ee_pose is None or self.gripper is None):
            return State.NO_PROPRIO, "the backend waits for /rt2/ee_pose and the gripper joint in /joint_states"
        return None

    def image_problem(self, image: Any) -> tuple[State, str] | None:
        """Why the converted frame (H, W, 3) uint8 is not acted on (dark, blinded, blank), or None."""
        config = self.config
        problem = image_problem(image, ImageLimits(config.min_brightness, config.max_saturated, config.min_contrast))
        return None if problem is None else (State(problem[0]), problem[1])

    def ended(self) -> tuple[State, str]:
        return State.DONE, f"episode {self.episode} ended ({self.done_reason}); waiting for a new command"

    def skip_frame(self) -> None:
        """Do not try this frame again (it could not be converted)."""
        if self.frame is not None:
            self._acted_stamp = self.frame.stamp

    def act(self, image: Any) -> PolicyStep:
        """One policy step on the current frame, converted to `image` (H, W, 3) uint8 RGB by the caller.

        The frame counts as used even if the policy raises, so a failing frame is not retried.
        """
        assert self.frame is not None and self.instruction is not None, "call blocked() first"
        self._acted_stamp = self._stepped_stamp = self.frame.stamp
        proprio = None
        if self.ee_pose is not None and self.gripper is not None:
            proprio = Proprio(np.asarray(self.ee_pose[0], float), np.asarray(self.ee_pose[1], float), self.gripper)
        observation = Observation(image, self.instruction, self.frame.stamp, self.privileged_state, proprio)
        step = self.policy.act(observation)
        if not step.action.is_finite():
            raise ValueError(f"the policy returned a non-finite action {step.action.to_vector().tolist()}")
        if step.confidence is not None and step.confidence < self.config.min_confidence:
            why = step.doubt or "not acting on a command the model is unsure of (is what it names on the table?)"
            raise Uncertain(f"confidence {step.confidence:.2f} < min_confidence {self.config.min_confidence}: {why}")
        self.steps += 1
        if step.action.terminate:
            self.done_reason = "the policy set terminate"
        elif self.config.max_episode_steps and self.steps >= self.config.max_episode_steps:
            self.done_reason = f"max_episode_steps {self.config.max_episode_steps} reached"
        return step
