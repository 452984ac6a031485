"""Judge a recording (recorder.py's events) around one injected fault: was anything unsafe let through to the
arm, when did it get its hold, when did it stand still. Plain functions of the events, no rclpy."""

import math
from collections.abc import Iterable

from recorder import Event

from rt2_ros.safety import SafetyConfig

LIMITS = SafetyConfig()  # the fault tests run safety_node with its defaults
STILL_SPEED = 0.01  # rad/s: every arm joint slower than this counts as standing still


def of_kind(events: Iterable[Event], kind: str, start: float = -math.inf, end: float = math.inf) -> list[Event]:
    return [event for event in events if event["kind"] == kind and start <= event["t"] < end]


def is_hold(event: Event) -> bool:
    """A zero-motion safe action (what safety_node's watchdog publishes)."""
    terminate, *motion, _gripper = event["action"]
    return not terminate and not any(motion)


def moves(events: Iterable[Event], start: float = -math.inf, end: float = math.inf) -> list[Event]:
    """The safe actions in [start, end) that command motion."""
    return [event for event in of_kind(events, "safe_action", start, end) if not is_hold(event)]


def unsafe(events: Iterable[Event], start: float = -math.inf, end: float = math.inf) -> list[str]:
    """What is wrong with each safe action in [start, end) that breaks a rule of the gate (none: [])."""
    problems = []
    for event in of_kind(events, "safe_action", start, end):
        _terminate, *motion, gripper = event["action"]
        age = event["t"] - event["stamp"]
        if not all(math.isfinite(value) for value in event["action"]):
            problems.append(f"non-finite {event['action']}")
        elif any(abs(value) > LIMITS.max_translation_step for value in motion[:3]):
            problems.append(f"translation past ±{LIMITS.max_translation_step} m: {motion[:3]}")
        elif any(abs(value) > LIMITS.max_rotation_step for value in motion[3:]):
            problems.append(f"rotation past ±{LIMITS.max_rotation_step} rad: {motion[3:]}")
        elif not 0.0 <= gripper <= 1.0:
            problems.append(f"gripper {gripper} outside [0, 1]")
        elif age > LIMITS.max_action_age + 0.5:  # + delivery: it was judged fresh at the gate, moments before
            problems.append(f"stamped {age:.2f} s before it arrived (max_action_age {LIMITS.max_action_age} s)")
    return problems


def first_hold(events: Iterable[Event], after: float) -> float | None:
    """When the first zero-motion safe action after `after` arrived; None if none did."""
    holds = [event["t"] for event in of_kind(events, "safe_action", after) if is_hold(event)]
    return holds[0] if holds else None


def standstill(events: Iterable[Event], after: float, end: float) -> float | None:
    """The moment in [after, end) from which every arm joint stayed slower than STILL_SPEED until `end`.

    None when the arm was still moving at the last joint state before `end`.
    """
    samples = of_kind(events, "joints", after, end)
    still_since = None
    for sample in samples:
        if max(abs(value) for value in sample["velocity"]) < STILL_SPEED:
            still_since = sample["t"] if still_since is None else still_since
        else:
            still_since = None
    return still_since


def travel(events: Iterable[Event], start: float, end: float) -> float:
    """Largest change of any arm joint (rad) between the first and the last joint state in [start, end)."""
    samples = of_kind(events, "joints", start, end)
    if len(samples) < 2:
        return 0.0
    first, last = samples[0]["position"], samples[-1]["position"]
    return max(abs(b - a) for a, b in zip(first, last, strict=True))
