"""The moveit_py backend's worker always gets the newest action."""

import threading

from rt2_ros.control.mailbox import LatestMailbox


def test_take_returns_the_newest_item_and_counts_the_replaced():
    mailbox = LatestMailbox[int]()
    for item in (1, 2, 3):
        mailbox.put(item)
    assert mailbox.take(timeout=0) == 3
    assert mailbox.dropped == 2
    assert mailbox.take(timeout=0) is None


def test_clear_forgets_the_waiting_item():
    mailbox = LatestMailbox[str]()
    mailbox.put("move")
    mailbox.clear()
    assert mailbox.take(timeout=0) is None


def start_worker(mailbox: LatestMailbox[int], taken: list[int | None]) -> threading.Thread:
    worker = threading.Thread(target=lambda: taken.append(mailbox.take()))
    worker.start()
    return worker


def test_a_waiting_worker_wakes_for_a_put():
    mailbox, taken = LatestMailbox[int](), []
    worker = start_worker(mailbox, taken)
    mailbox.put(7)
    worker.join(timeout=5)
    assert taken == [7]


def test_close_wakes_a_waiting_worker_with_none():
    mailbox, taken = LatestMailbox[int](), []
    worker = start_worker(mailbox, taken)
    mailbox.close()
    worker.join(timeout=5)
    assert taken == [None]
    mailbox.put(1)
    assert mailbox.take(timeout=0) is None
