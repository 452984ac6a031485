"""A link that delays, jitters, reorders and duplicates Ethernet frames, for kernels without tc's netem.

The two-host test joins its namespaces through a third one, "wire", whose two ports are normally bridged. To
impair the link like `tc qdisc ... netem delay 50ms 20ms reorder 25% duplicate 10%` where the kernel has no
sch_netem, the test takes the ports off the bridge and runs this script in "wire": it reads every frame that
arrives on one port (a raw AF_PACKET socket: ARP, IP fragments, DDS's multicast, all of it) and sends it out of
the other when its time comes. What it does to each frame, as netem does (netem's correlation is not modelled):

- delay D with jitter J: held D + uniform(-J, J) (netem's default distribution), so frames can overtake;
- reorder P: a fraction P is sent at once, the rest held the delay (reordering needs a delay);
- duplicate P: a fraction P is sent twice.

`python delay_line.py PORT_A PORT_B [--delay S] [--jitter S] [--reorder P] [--duplicate P] [--seed N]` runs until
SIGTERM; `Impairment` is the schedule alone (plain pytest tests it).
"""

import argparse
import contextlib
import heapq
import random
import signal
import socket
import threading
import time
from dataclasses import dataclass

ETH_P_ALL = 0x0003
SOL_PACKET, PACKET_VNET_HDR = 263, 15  # <linux/if_packet.h>
PACKET_OUTGOING = 4  # sll_pkttype of a frame this host sent: not to be forwarded again
MAX_FRAME = 65536 + 10  # bytes read per frame: a whole GSO frame and its virtio_net_hdr


@dataclass(frozen=True)
class Impairment:
    delay: float = 0.0  # s
    jitter: float = 0.0  # s, uniform either side of the delay
    reorder: float = 0.0  # fraction sent at once
    duplicate: float = 0.0  # fraction sent twice

    def __post_init__(self) -> None:
        if self.delay < 0 or not 0 <= self.jitter <= self.delay:
            raise ValueError(f"delay {self.delay} s, jitter {self.jitter} s: need 0 <= jitter <= delay")
        for name in ("reorder", "duplicate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} {getattr(self, name)}: a fraction in [0, 1]")

    def release_times(self, arrived: float, rng: random.Random) -> list[float]:
        """When a frame that arrived at `arrived` leaves: one time, or two for a duplicate."""
        times = []
        for _ in range(2 if rng.random() < self.duplicate else 1):
            held = 0.0 if rng.random() < self.reorder else self.delay + rng.uniform(-self.jitter, self.jitter)
            times.append(arrived + held)
        return times


def port(name: str) -> socket.socket:
    """A raw socket on interface `name` with virtio_net_hdr: a veth hands over frames whose checksum is still to
    be filled in and TCP segments of up to 64 KB (offloads); with the header, the kernel completes both when the
    frame is sent on, as it would have on the wire."""
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    raw.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    raw.bind((name, 0))
    return raw


class Direction:
    """Frames from `source` to `target` (each port's one socket, shared with the other direction), each held in a
    heap until its time."""

    def __init__(
        self, source: socket.socket, target: socket.socket, impairment: Impairment, rng: random.Random
    ) -> None:
        self.source, self.target = source, target
        self.impairment, self.rng = impairment, rng
        self.queue: list[tuple[float, int, bytes]] = []  # (release time, arrival order, frame)
        self.count = 0
        self.ready = threading.Condition()

    def receive(self, stop: threading.Event) -> None:
        self.source.settimeout(0.2)
        while not stop.is_set():
            try:
                frame, address = self.source.recvfrom(MAX_FRAME)
            except TimeoutError:
                continue
            if address[2] == PACKET_OUTGOING:
                continue
            with self.ready:
                for release in self.impairment.release_times(time.monotonic(), self.rng):
                    heapq.heappush(self.queue, (release, self.count, frame))
                    self.count += 1
                self.ready.notify()

    def send(self, stop: threading.Event) -> None:
        while not stop.is_set():
            with self.ready:
                wait = self.queue[0][0] - time.monotonic() if self.queue else 0.2
                if wait > 0:
                    self.ready.wait(wait)
                    continue
                _, _, frame = heapq.heappop(self.queue)
            with contextlib.suppress(OSError):  # the port is down (the link was cut): the frame is lost, as on a wire
                self.target.send(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("port_a")
    parser.add_argument("port_b")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--jitter", type=float, default=0.0)
    parser.add_argument("--reorder", type=float, default=0.0)
    parser.add_argument("--duplicate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    impairment = Impairment(args.delay, args.jitter, args.reorder, args.duplicate)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = []
    a, b = port(args.port_a), port(args.port_b)  # one socket a port: a second would get a copy of every frame
    for offset, (source, target) in enumerate(((a, b), (b, a))):
        direction = Direction(source, target, impairment, random.Random(args.seed + offset))
        threads += [threading.Thread(target=direction.receive, args=(stop,)),
                    threading.Thread(target=direction.send, args=(stop,))]  # fmt: skip
    for thread in threads:
        thread.start()
    print("delay line up", flush=True)
    while not stop.is_set():
        stop.wait(0.5)
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
