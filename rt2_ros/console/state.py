"""What the console page shows, filled by the console node's callbacks and read by the web server's tasks
(different threads: every access holds the lock)."""

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field

HISTORY = 12  # commands shown with their outcome


@dataclass
class CommandRecord:
    command: str
    at: float  # wall time it was sent (s)
    source: str  # "console" or "topic" (sent by another tool)
    outcome: str = "sent"  # the policy's end of it ("done: ...", "error: ..."), the sim's verdict


@dataclass
class SafetyView:
    estop_active: bool
    watchdog_tripped: bool
    forwarded: int
    clamped: int
    rejected: int
    last_reason: str


@dataclass
class _Fields:
    frame: bytes = b""  # the newest frame, JPEG
    frame_seq: int = 0
    frame_source: str = ""  # overlay or camera
    frame_time: float = 0.0  # wall time it arrived
    overlay_time: float = 0.0  # wall time the newest /rt2/overlay frame arrived
    instruction: str = ""
    policy_status: str = ""
    safety: SafetyView | None = None
    sim: bool = False  # a sim reports its episodes (/sim/privileged_state)
    history: deque = field(default_factory=lambda: deque(maxlen=HISTORY))


class ConsoleState:
    def __init__(self, clock=time.time) -> None:
        self._lock = threading.Lock()
        self._fields = _Fields()
        self._clock = clock

    # -- written by the ROS side -------------------------------------------------------------------
    def set_frame(self, jpeg: bytes, source: str) -> None:
        with self._lock:
            fields = self._fields
            fields.frame, fields.frame_source, fields.frame_time = jpeg, source, self._clock()
            fields.frame_seq += 1
            if source == "overlay":
                fields.overlay_time = fields.frame_time

    def overlay_recent(self, within: float) -> bool:
        """Whether /rt2/overlay delivered a frame in the last `within` s (then the raw camera is not shown)."""
        with self._lock:
            return self._clock() - self._fields.overlay_time < within

    def command_sent(self, text: str, source: str) -> None:
        with self._lock:
            fields = self._fields
            latest = fields.history[-1] if fields.history else None
            if source == "topic" and latest is not None and latest.command == text and self._clock() - latest.at < 2:
                return  # the console's own command, heard back on the topic
            fields.instruction = text
            fields.history.append(CommandRecord(text, self._clock(), source))

    def set_policy_status(self, text: str) -> None:
        with self._lock:
            fields = self._fields
            fields.policy_status = text
            if fields.history and text.split(":")[0] in ("done", "error"):
                fields.history[-1].outcome = text

    def set_safety(self, safety: SafetyView) -> None:
        with self._lock:
            self._fields.safety = safety

    def sim_episode(self, solved: bool) -> None:
        """The sim reported its state: remember it runs, and mark the latest command when its task is solved."""
        with self._lock:
            fields = self._fields
            fields.sim = True
            if solved and fields.history and not fields.history[-1].outcome.startswith("sim"):
                fields.history[-1].outcome = "sim: task solved"

    # -- read by the web server --------------------------------------------------------------------
    def frame(self) -> tuple[int, bytes]:
        with self._lock:
            return self._fields.frame_seq, self._fields.frame

    def snapshot(self) -> dict:
        """Everything but the frame, as JSON-ready values."""
        with self._lock:
            fields = self._fields
            return {
                "instruction": fields.instruction,
                "policy_status": fields.policy_status,
                "safety": asdict(fields.safety) if fields.safety is not None else None,
                "frame_seq": fields.frame_seq,
                "frame_source": fields.frame_source,
                "frame_age": self._clock() - fields.frame_time if fields.frame_seq else None,
                "sim": fields.sim,
                "history": [asdict(record) for record in reversed(fields.history)],
            }
