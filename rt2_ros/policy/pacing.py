"""The policy node's inference thread: a step runs as soon as it is woken, but never sooner than `period`
after the last step that acted, nor so soon after one that overran the period that their actions would leave
closer together than that.

Why a thread of its own rather than a callback group on rclpy's MultiThreadedExecutor (what policy_node
used before): that executor hands every ready callback to a thread pool, the frame's and the control
timer's alike. Measured on 2 cores, two policy_nodes side by side, frames interleaved (20 ms after the
previous action, control_rate 100 Hz): under that executor a frame waited 8-13 ms (p50) and 430-470 ms
(p99) before the policy saw it, and 2-3 % of frames got no action; with this thread, 2.8-3.0 ms and 6 ms,
none lost. Idle with a command but no frames, at 100 Hz, that node used 31 % of a core against 1.5 %.
With this thread the node spins a single-threaded executor whose callbacks only store the newest message
and wake the thread, so a slow model still never delays them, under any executor (a component
container's too).

Pacing is on the monotonic wall clock: the policy's time budget is compute time.
"""

import threading
import time
from collections.abc import Callable


class PacedWorker:
    """Calls `step()` on its own thread each time `wake()` is called, at most once per `period` seconds.

    A step's action leaves when it ends, so after a step that overran the period the next one waits until
    its action can leave about a period after this one's, taking it to last as long as the acting step before.
    Without that, the gate rejected the next action as too soon: on a loaded 2-core machine the tiny VLA's
    first step of an episode (it also asks its presence questions; 24 ms median when idle) took 0.26 s, and
    the next action followed it by 20 ms. Steps that are all slow follow each other at once.

    `step()` returns whether it acted (used a frame); only those steps count for the rate, so a frame
    arriving just after a step that had nothing to do is acted on at once. Without a wake-up the step still
    runs every `idle_recheck` seconds (a frame can go stale, a state can change, with no new message). An
    exception from `step` goes to `on_error` and the thread carries on.
    """

    def __init__(
        self,
        step: Callable[[], bool],
        period: float,
        on_error: Callable[[Exception], None],
        idle_recheck: float = 0.1,
    ) -> None:
        if not period > 0 or not idle_recheck > 0:
            raise ValueError(f"period {period} s and idle_recheck {idle_recheck} s must both be > 0")
        self.period, self.idle_recheck = period, idle_recheck
        self._step, self._on_error = step, on_error
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._next_start = -float("inf")  # time.monotonic() before which no step runs
        self._previous_duration = 0.0  # s the acting step before the last one took
        self._thread = threading.Thread(target=self._run, name="inference", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Something new arrived: step as soon as the rate allows (callable from any thread)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> bool:
        """Let the step in progress finish, then end the thread; False if it still runs after `timeout` s."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.idle_recheck)
            self._wake.clear()
            too_early = self._next_start - time.monotonic()
            if (too_early > 0 and self._stop.wait(too_early)) or self._stop.is_set():
                return
            started = time.monotonic()
            try:
                acted = self._step()
            except Exception as error:  # a bug must not silently end the node's only inference thread
                self._on_error(error)
                continue
            if acted:
                finished = time.monotonic()
                self._next_start = max(started + self.period, finished + self.period - self._previous_duration)
                self._previous_duration = finished - started
