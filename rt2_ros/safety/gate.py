"""The safety gate: the only way an action reaches the arm, as plain logic (no rclpy).

`SafetyGate.process` turns each incoming action into a `Decision`: forwarded unchanged, forwarded
clamped, or rejected, with the reason. The node feeds it the current end-effector pose, the e-stop
and the clock; the same rules therefore hold in the node, in the tests and in any other caller.

Rules, in the order they are checked (the first that fails rejects the action):
  1. e-stop latched: nothing passes until `reset()`, which refuses while the e-stop is still pressed;
  2. any non-finite number;
  3. a frame_id other than the base frame (an empty frame_id means the base frame);
  4. a stamp that is unset (0), further in the future than max_future_stamp, or older than max_action_age;
  5. a non-zero translation while the end-effector pose is unknown, or older than max_pose_age by its
     header.stamp (a pure rotation/gripper action passes);
  6. less than 1/max_rate since the last forwarded action.
Then it is clamped: translation per axis to ±max_translation_step; rotation per axis wrapped to
[-π, π) (the same rotation, since each elementary rotation is 2π-periodic) and clamped to
±max_rotation_step; the target position (pose + translation) into the workspace box, per axis, to
the box face; gripper to [0, 1]. When the pose is already outside the box on an axis, motion further
out on that axis is removed and motion back towards the box passes: the gate only ever shrinks a
commanded motion, it never commands one the policy did not ask for.

All times are seconds on one clock (the node's clock, so it works with use_sim_time). The gate is not
thread-safe: the node serialises every call with one lock.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from rt2_ros.actions.action import Action
from rt2_ros.geometry import wrap_angle
from rt2_ros.safety.config import SafetyConfig
from rt2_ros.safety.watchdog import SilenceWatchdog

AXES = "xyz"


@dataclass(frozen=True)
class Decision:
    action: Action | None  # what goes on /rt2/safe_action; None when rejected
    reason: str  # '' when forwarded unchanged, else why it was clamped or rejected

    @property
    def rejected(self) -> bool:
        return self.action is None

    @property
    def clamped(self) -> bool:
        return self.action is not None and bool(self.reason)


@dataclass(frozen=True)
class GateStatus:
    estop_active: bool  # latched e-stop engaged
    estop_pressed: bool  # the last /rt2/estop value was true (reset refused while it is)
    watchdog_tripped: bool  # no valid action within command_timeout
    pose_known: bool  # an end-effector pose has been received (translations allowed)
    forwarded: int  # actions passed on, possibly clamped (hold actions not counted)
    clamped: int  # of those, how many were modified
    rejected: int  # actions dropped
    holds: int  # zero-motion hold actions published by the watchdog
    last_reason: str  # reason of the last clamp or reject, '' if none yet


def _clamp(value: float, limit: float) -> float:
    return limit if value > limit else -limit if value < -limit else value


class SafetyGate:
    def __init__(self, config: SafetyConfig, now: float) -> None:
        self.config = config
        self._position: tuple[float, float, float] | None = None
        self._pose_stamp = 0.0  # header.stamp of the pose in _position
        self._estop_latched = False
        self._estop_pressed = False
        self._silence = SilenceWatchdog(config.command_timeout, now)  # restarted by each forwarded action
        self._last_forward_time: float | None = None  # rate reference
        self._last_gripper: float | None = None  # what a hold keeps the gripper at
        self._forwarded = 0
        self._clamped = 0
        self._rejected = 0
        self._holds = 0
        self._last_reason = ""

    # --- inputs other than actions -------------------------------------------------------------

    def set_pose(self, position: Sequence[float], frame_id: str, stamp: float) -> str:
        """Take the current end-effector position measured at `stamp` (its header.stamp); '' or why not usable.

        An unusable pose (another frame, non-finite) makes the pose unknown: translations are
        rejected until a good one arrives, rather than checked against a pose that is wrong. A
        usable pose is trusted for max_pose_age after its stamp (an unset stamp, 0, never).
        """
        if frame_id and frame_id != self.config.base_frame:
            self._position = None
            return f"ee_pose in frame '{frame_id}', expected '{self.config.base_frame}'; pose unknown"
        x, y, z = (float(value) for value in position)
        if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(z)):
            self._position = None
            return f"ee_pose is not finite ({x}, {y}, {z}); pose unknown"
        self._position = (x, y, z)
        self._pose_stamp = float(stamp)
        return ""

    def set_estop(self, pressed: bool) -> bool:
        """Record an /rt2/estop value: true engages and latches, false only marks it released.

        Returns whether this engaged a latch that was not engaged before.
        """
        self._estop_pressed = bool(pressed)
        if pressed and not self._estop_latched:
            self._estop_latched = True
            return True
        return False

    def reset(self) -> tuple[bool, str]:
        """Clear a latched e-stop (the /rt2/safety/reset service); (success, message)."""
        if self._estop_pressed:
            return False, "e-stop is still pressed: publish false on /rt2/estop (release it), then reset"
        if not self._estop_latched:
            return True, "e-stop was not engaged; nothing to reset"
        self._estop_latched = False
        return True, "e-stop reset; actions are forwarded again"

    # --- actions --------------------------------------------------------------------------------

    def process(self, action: Action, stamp: float, frame_id: str, now: float) -> Decision:
        """Check and clamp one incoming action (stamp = its header.stamp, now = the clock)."""
        # Plain floats from here on: a handful of scalars is cheaper in Python than in numpy.
        translation, rotation = action.translation.tolist(), action.rotation.tolist()
        reason = self._rejection(action, translation, rotation, stamp, frame_id, now)
        if reason:
            self._rejected += 1
            self._last_reason = reason
            return Decision(None, reason)
        safe, changes = self._clamped_action(action, translation, rotation)
        self._forwarded += 1
        self._last_forward_time = now
        self._silence.feed(now)
        self._last_gripper = safe.gripper
        if changes:
            self._clamped += 1
            self._last_reason = "; ".join(changes)
        return Decision(safe, "; ".join(changes))

    def _rejection(
        self, action: Action, translation: list[float], rotation: list[float], stamp: float, frame_id: str, now: float
    ) -> str:
        config = self.config
        if self._estop_latched:
            return "rejected: e-stop latched (release /rt2/estop, then call /rt2/safety/reset)"
        if not all(map(math.isfinite, (*translation, *rotation, action.gripper))):
            return f"rejected: non-finite value in action {action.to_vector().tolist()}"
        if frame_id and frame_id != config.base_frame:
            return f"rejected: action in frame '{frame_id}', expected '{config.base_frame}'"
        if not stamp > 0.0:
            return "rejected: header.stamp is unset (0)"
        age = now - stamp
        if age < -config.max_future_stamp:
            return (
                f"rejected: header.stamp is {-age:.3f} s in the future (> max_future_stamp {config.max_future_stamp} s)"
            )
        if age > config.max_action_age:
            return f"rejected: stale, header.stamp is {age:.3f} s old (> max_action_age {config.max_action_age} s)"
        if any(value != 0.0 for value in translation):
            if self._position is None:
                return "rejected: translation while the end-effector pose is unknown (no /rt2/ee_pose yet)"
            pose_age = now - self._pose_stamp
            if pose_age > config.max_pose_age:
                return (
                    f"rejected: translation on a stale end-effector pose, /rt2/ee_pose is {pose_age:.3f} s old "
                    f"(> max_pose_age {config.max_pose_age} s)"
                )
        if self._last_forward_time is not None:
            interval = now - self._last_forward_time
            if interval < 0.0:  # the clock went back (sim reset): restart the rate measurement
                self._last_forward_time = None
            elif interval < config.min_interval:
                return (
                    f"rejected: rate, {interval * 1e3:.1f} ms after the last action "
                    f"(< 1/max_rate = {config.min_interval * 1e3:.1f} ms)"
                )
        return ""

    def _clamped_action(
        self, action: Action, translation: list[float], rotation: list[float]
    ) -> tuple[Action, list[str]]:
        """The action within the limits (`translation` and `rotation` are changed in place), and what changed."""
        config = self.config
        changes: list[str] = []
        for axis in range(3):
            value = translation[axis]
            translation[axis] = _clamp(value, config.max_translation_step)
            if translation[axis] != value:
                changes.append(f"translation.{AXES[axis]} {value:.4g} clamped to {translation[axis]:.4g}")
        if self._position is not None:
            self._clamp_to_workspace(translation, changes)
        for axis in range(3):
            value = rotation[axis]
            wrapped = value if -math.pi <= value < math.pi else float(wrap_angle(value))
            rotation[axis] = _clamp(wrapped, config.max_rotation_step)
            if rotation[axis] != value:
                step = f"wrapped to {wrapped:.4g}, " if wrapped != value else ""
                changes.append(f"rotation.{AXES[axis]} {value:.4g} {step}clamped to {rotation[axis]:.4g}")
        gripper = min(max(action.gripper, 0.0), 1.0)
        if gripper != action.gripper:
            changes.append(f"gripper {action.gripper:.4g} clamped to {gripper:.4g}")
        return Action(translation, rotation, gripper, action.terminate), changes

    def _clamp_to_workspace(self, translation: list[float], changes: list[str]) -> None:
        """Clamp pose + translation into the box, per axis, in place (translation already step-clamped).

        Exact in floating point: afterwards pose + translation lies in the box (or, for an axis where
        the pose is outside, no further out than the pose), and |translation| only shrank: the face
        lies strictly between the pose and the rounded target, so face - pose <= |translation| in
        the reals, and rounding is monotonic. The sum pose + (face - pose) can still round past the
        face (pose 0.029, face 0.01 gives 0.009999999999999998), hence the nudge by single ulps.
        """
        assert self._position is not None
        for axis, (position, box_low, box_high) in enumerate(
            zip(self._position, self.config.workspace_min, self.config.workspace_max, strict=True)
        ):
            low, high = min(box_low, position), max(box_high, position)
            delta = translation[axis]
            target = position + delta
            if low <= target <= high:
                continue
            face = high if target > high else low
            delta = face - position
            while position + delta > high:
                delta = math.nextafter(delta, -math.inf)
            while position + delta < low:
                delta = math.nextafter(delta, math.inf)
            translation[axis] = delta
            name = AXES[axis]
            if box_low <= position <= box_high:
                changes.append(f"workspace: {name} target {target:.4g} clamped to box face {face:.4g}")
            else:
                changes.append(
                    f"workspace: {name} pose {position:.4g} outside [{box_low:.4g}, {box_high:.4g}], "
                    f"motion further out removed"
                )

    # --- watchdog and status --------------------------------------------------------------------

    def watchdog(self, now: float) -> Action | None:
        """Call periodically: the one hold action to publish when the watchdog trips, else None.

        Trips once per silence (no valid action for command_timeout) and re-arms when an action is
        forwarded again. The hold is zero motion with the gripper kept at the last forwarded value;
        before anything was forwarded no hold is sent (there is no motion to stop, and the gripper's
        state is not known: sending 'open' could drop a held object). While the e-stop is latched the
        watchdog still trips, but nothing is published.
        """
        if not self._silence.expired(now):
            return None
        if self._estop_latched or self._last_gripper is None:
            return None
        self._holds += 1
        return Action.hold(self._last_gripper)

    def status(self) -> GateStatus:
        return GateStatus(
            estop_active=self._estop_latched,
            estop_pressed=self._estop_pressed,
            watchdog_tripped=self._silence.tripped,
            pose_known=self._position is not None,
            forwarded=self._forwarded,
            clamped=self._clamped,
            rejected=self._rejected,
            holds=self._holds,
            last_reason=self._last_reason,
        )
