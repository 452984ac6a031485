"""PacedWorker, the policy node's inference thread: woken steps, the rate bound, idle re-checks, errors, stop.

Waits are generous upper bounds on a loaded machine; the rate is checked as a lower bound on the time
between acting steps, which a slow machine cannot break. The steps here note the time they start, a little
after the worker's own mark: each bound allows SLACK of the period for that (a worker without the rate
limit would step every few ms).
"""

import threading
import time
from itertools import pairwise

import pytest

from rt2_ros.policy.pacing import PacedWorker

TIMEOUT = 10.0  # s: long enough for a busy CI machine, never reached when the worker works
SLACK = 0.8  # fraction of the period a gap between acting steps must reach, as measured from inside them


class Recorder:
    """A step that records when it ran and acts while `acting` is set."""

    def __init__(self, acting: bool = True) -> None:
        self.acting = acting
        self.calls: list[tuple[float, bool]] = []  # (time.monotonic(), acted)
        self.called = threading.Condition()

    def __call__(self) -> bool:
        with self.called:
            self.calls.append((time.monotonic(), self.acting))
            self.called.notify_all()
        return self.acting

    def wait_for(self, count: int) -> bool:
        with self.called:
            return self.called.wait_for(lambda: len(self.calls) >= count, TIMEOUT)


@pytest.fixture
def start():
    workers: list[PacedWorker] = []

    def make(step, period: float, idle_recheck: float = 60.0, on_error=None) -> PacedWorker:
        worker = PacedWorker(step, period, on_error or (lambda error: None), idle_recheck=idle_recheck)
        worker.start()
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        assert worker.stop()


def test_a_wake_runs_the_step(start):
    step = Recorder()
    worker = start(step, period=0.01)
    worker.wake()
    assert step.wait_for(1)


def test_acting_steps_are_never_closer_than_the_period(start):
    step = Recorder()
    worker = start(step, period=0.05)
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:  # wakes far faster than the rate allows
        worker.wake()
        time.sleep(0.002)
    assert step.wait_for(3)
    times = [when for when, _ in step.calls]
    assert min(later - earlier for earlier, later in pairwise(times)) >= SLACK * 0.05


def test_a_step_that_did_not_act_does_not_delay_the_next(start):
    step = Recorder(acting=False)
    worker = start(step, period=30.0)  # one acting step would hold the next one back for 30 s
    for count in (1, 2, 3):
        worker.wake()
        assert step.wait_for(count)


def test_a_wake_during_the_rate_wait_is_served_once_it_has_passed(start):
    step = Recorder()
    worker = start(step, period=0.2)
    worker.wake()
    assert step.wait_for(1)
    worker.wake()  # too early: served when 0.2 s have passed since the first
    assert step.wait_for(2)
    assert step.calls[1][0] - step.calls[0][0] >= SLACK * 0.2


class Timed:
    """An acting step that takes the given seconds, in turn (the last one from then on), and records when each ended."""

    def __init__(self, durations: list[float]) -> None:
        self.durations = durations
        self.spans: list[tuple[float, float]] = []  # (start, end), time.monotonic()
        self.done = threading.Event()

    def __call__(self) -> bool:
        began = time.monotonic()
        time.sleep(self.durations[min(len(self.spans), len(self.durations) - 1)])
        self.spans.append((began, time.monotonic()))
        if len(self.spans) >= 4:
            self.done.set()
        return True


def test_after_a_step_that_overran_the_next_action_leaves_a_period_later(start):
    step = Timed([0.01, 0.3, 0.01])  # the second step overruns the period; the third would end 10 ms after it
    worker = start(step, period=0.1, idle_recheck=0.005)  # the idle re-check wakes it as often as it may run
    worker.wake()
    assert step.done.wait(TIMEOUT)
    ends = [end for _, end in step.spans]
    assert ends[2] - ends[1] >= SLACK * 0.1


def test_steps_that_are_all_slow_follow_each_other_at_once(start):
    step = Timed([0.5])  # every step takes longer than the period
    worker = start(step, period=0.4, idle_recheck=0.005)
    worker.wake()
    assert step.done.wait(TIMEOUT)
    # From the second step on the worker knows the steps are slow: none waits the period after the one before.
    assert step.spans[3][0] - step.spans[2][1] < 0.2


def test_without_wakes_the_step_is_rechecked(start):
    step = Recorder(acting=False)
    start(step, period=0.01, idle_recheck=0.02)
    assert step.wait_for(3)  # no wake() at all


def test_an_error_is_reported_and_the_thread_goes_on(start):
    errors: list[Exception] = []
    step = Recorder()

    def failing_first() -> bool:
        if not errors:
            raise RuntimeError("first step fails")
        return step()

    worker = start(failing_first, period=0.01, idle_recheck=0.02, on_error=errors.append)
    worker.wake()
    assert step.wait_for(1)
    assert [str(error) for error in errors] == ["first step fails"]


def test_stop_waits_for_the_step_in_progress():
    running, release = threading.Event(), threading.Event()
    finished: list[bool] = []

    def slow_step() -> bool:
        running.set()
        release.wait(TIMEOUT)
        finished.append(True)
        return True

    worker = PacedWorker(slow_step, 0.01, lambda error: None)
    worker.start()
    worker.wake()
    assert running.wait(TIMEOUT)
    threading.Timer(0.1, release.set).start()
    assert worker.stop()
    assert finished == [True]


def test_stop_without_start_and_bad_periods():
    assert PacedWorker(lambda: True, 0.1, lambda error: None).stop()
    for period, recheck in ((0.0, 0.1), (0.1, 0.0), (-1.0, 0.1)):
        with pytest.raises(ValueError, match="must both be > 0"):
            PacedWorker(lambda: True, period, lambda error: None, idle_recheck=recheck)
