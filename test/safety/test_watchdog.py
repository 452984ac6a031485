"""SilenceWatchdog: one trip per silence, re-armed by the next input, disarmed until the first one if asked."""

import pytest

from rt2_ros.safety.watchdog import SilenceWatchdog


def test_trips_once_per_silence_and_rearms_on_input():
    watchdog = SilenceWatchdog(1.0, now=0.0)
    assert not watchdog.expired(0.9)
    assert watchdog.expired(1.0) and watchdog.tripped
    assert not watchdog.expired(5.0)
    watchdog.feed(6.0)
    assert not watchdog.tripped and not watchdog.expired(6.5)
    assert watchdog.expired(7.0)


def test_starting_tripped_waits_for_a_first_input():
    watchdog = SilenceWatchdog(1.0, now=0.0, tripped=True)
    assert not watchdog.expired(100.0)
    watchdog.feed(100.0)
    assert watchdog.expired(101.0)


def test_clock_going_back_restarts_the_silence():
    watchdog = SilenceWatchdog(1.0, now=50.0)
    assert not watchdog.expired(10.0)
    assert not watchdog.expired(10.5)
    assert watchdog.expired(11.0)


def test_timeout_must_be_positive():
    with pytest.raises(ValueError, match="timeout"):
        SilenceWatchdog(0.0, now=0.0)
