"""Hand the newest action to a slow worker (planning + execution), dropping the ones it missed.

A planning backend takes longer per action than the policy's control period. Queueing every
action would make the arm act on ever older observations; the worker instead always takes the
newest one, and the actions replaced before it got to them are counted. No rclpy here.
"""

import threading
from typing import Generic, TypeVar

Item = TypeVar("Item")


class LatestMailbox(Generic[Item]):
    """One slot: `put` replaces what is waiting, `take` blocks for the next item."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._item: Item | None = None
        self._closed = False
        self.dropped = 0  # items replaced before any worker took them

    def put(self, item: Item) -> None:
        with self._condition:
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self._condition.notify()

    def clear(self) -> None:
        """Forget the waiting item (e.g. on hold)."""
        with self._condition:
            self._item = None

    def close(self) -> None:
        """Wake every waiting `take`, which returns None from now on."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def take(self, timeout: float | None = None) -> Item | None:
        """The newest item, waiting up to `timeout` s (None: forever); None when closed or timed out."""
        with self._condition:
            self._condition.wait_for(lambda: self._item is not None or self._closed, timeout)
            if self._closed:
                return None
            item, self._item = self._item, None
            return item
