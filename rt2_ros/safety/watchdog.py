"""A silence watchdog: trips once when nothing arrived for `timeout` seconds (no rclpy).

Shared by the safety gate (no valid action for command_timeout: one hold) and arm_controller_node
(no safe action for hold_timeout: the controller holds the arm itself, e.g. when safety_node died).
"""


class SilenceWatchdog:
    def __init__(self, timeout: float, now: float, tripped: bool = False) -> None:
        """`tripped=True` starts disarmed: nothing has moved yet, so there is nothing to stop."""
        if not timeout > 0:
            raise ValueError(f"watchdog timeout {timeout} s; expected > 0")
        self.timeout = timeout
        self.tripped = tripped
        self._last = now  # when the last input arrived (or the start)

    def feed(self, now: float) -> None:
        """An input arrived: restart the silence and re-arm."""
        self._last = now
        self.tripped = False

    def expired(self, now: float) -> bool:
        """True exactly once per silence of at least `timeout` seconds (call it periodically)."""
        if now < self._last:  # the clock went back (sim reset): restart the silence
            self._last = now
        if self.tripped or now - self._last < self.timeout:
            return False
        self.tripped = True
        return True
