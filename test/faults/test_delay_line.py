"""delay_line.py's schedule (the link impairment used where the kernel has no netem): delay, jitter, reordering,
duplication and bad settings. The line itself is exercised by the two-host tests."""

import random

import pytest
from delay_line import Impairment

SAMPLES = 4000


def schedule(impairment: Impairment) -> list[list[float]]:
    rng = random.Random(0)
    return [impairment.release_times(10.0, rng) for _ in range(SAMPLES)]


def test_no_impairment_sends_each_frame_once_at_once():
    assert schedule(Impairment()) == [[10.0]] * SAMPLES


def test_delay_and_jitter_hold_each_frame_within_the_bounds_and_spread_it():
    held = [times[0] - 10.0 for times in schedule(Impairment(delay=0.05, jitter=0.02))]
    assert min(held) >= 0.03 - 1e-9 and max(held) <= 0.07 + 1e-9
    assert min(held) < 0.032 and max(held) > 0.068  # spread over the whole range: frames can overtake
    assert [times[0] for times in schedule(Impairment(delay=0.2))] == [10.2] * SAMPLES


def test_reordering_sends_that_fraction_at_once_and_the_rest_delayed():
    times = [times[0] for times in schedule(Impairment(delay=0.05, reorder=0.25))]
    at_once = sum(time == 10.0 for time in times) / SAMPLES
    assert 0.22 < at_once < 0.28
    assert all(time in (10.0, 10.05) for time in times)


def test_duplication_sends_that_fraction_twice():
    twice = sum(len(times) == 2 for times in schedule(Impairment(duplicate=0.1))) / SAMPLES
    assert 0.08 < twice < 0.12


@pytest.mark.parametrize(
    "settings", [{"delay": -0.1}, {"delay": 0.01, "jitter": 0.02}, {"reorder": 1.5}, {"duplicate": -0.1}]
)
def test_bad_settings_are_refused(settings):
    with pytest.raises(ValueError):
        Impairment(**settings)
