"""Who may publish /rt2/safe_action: the safety gate alone (no rclpy here).

A remap mistake (a policy started with `-r /rt2/action:=/rt2/safe_action`, a test tool left running)
puts a second publisher on /rt2/safe_action and bypasses every check of the gate. arm_controller_node
reads the topic's publishers from the ROS graph (node name and endpoint gid of each) and hands them to
`SafeActionSource`: while anything but the gate publishes there, every safe action is refused, from
whichever publisher, and the problem names the other nodes; each message must also come from one of
the gate's own endpoints (its publisher gid).

A DDS participant's node names travel on their own topic and arrive shortly after its endpoints (data
can arrive in between: measured here, the first safe action came 20 ms after start-up from a writer
whose node was not named yet). Until then the endpoint's node is `UNKNOWN_NODE`; a message from such a
writer, or from one not in the graph yet, is judged `WAIT`: the node keeps it aside and asks again
shortly, and refuses it if the writer is still not the gate's after a while. A writer that never names
its node (a plain DDS program writing `rt/rt2/safe_action`) stays unknown: `problem()` reports it as a
foreign publisher once it has stayed unknown for `unknown_grace` seconds.

This names publishers; it cannot authenticate them (a process may call itself safety_node). DDS
security (SROS2) does: see docs/faults.md.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

UNKNOWN_NODE = "_NODE_NAME_UNKNOWN_"  # rmw's node name for an endpoint whose node is not known yet


class Verdict(Enum):
    APPLY = "apply"  # from the gate, and only the gate publishes
    WAIT = "wait"  # from a writer not identified yet: ask again shortly
    REFUSE = "refuse"  # a foreign publisher is on the topic


@dataclass(frozen=True)
class Endpoint:
    node: str  # fully qualified node name, e.g. /safety_node, or UNKNOWN_NODE
    gid: bytes  # the endpoint's DDS gid (what rclpy's MessageInfo names as publisher_gid)


def fully_qualified(namespace: str, name: str) -> str:
    """`/ns` + `node` -> `/ns/node`; `/` + `node` -> `/node`; an unknown name stays UNKNOWN_NODE."""
    if name == UNKNOWN_NODE:
        return UNKNOWN_NODE
    return f"{namespace.rstrip('/')}/{name}"


class SafeActionSource:
    def __init__(self, gate_node: str, unknown_grace: float = 1.0) -> None:
        if not gate_node.startswith("/"):
            raise ValueError(f"safety_node_name {gate_node!r}: expected a fully qualified node name, e.g. /safety_node")
        self.gate_node = gate_node
        self.unknown_grace = unknown_grace
        self._unknown_since: dict[bytes, float] = {}  # gid of each unknown publisher -> when first seen

    def problem(self, publishers: Iterable[Endpoint], now: float) -> str:
        """'' while only the gate publishes /rt2/safe_action (or nobody does); else which others do."""
        publishers = list(publishers)
        unknown = {endpoint.gid for endpoint in publishers if endpoint.node == UNKNOWN_NODE}
        self._unknown_since = {gid: self._unknown_since.get(gid, now) for gid in unknown}
        others = sorted(
            {
                endpoint.node
                for endpoint in publishers
                if endpoint.node not in (self.gate_node, UNKNOWN_NODE)
                or (endpoint.node == UNKNOWN_NODE and now - self._unknown_since[endpoint.gid] >= self.unknown_grace)
            }
        )
        if not others:
            return ""
        names = ", ".join("a writer that names no ROS node" if name == UNKNOWN_NODE else name for name in others)
        return (
            f"/rt2/safe_action is also published by {names} (only {self.gate_node} may publish there: a remap "
            f"mistake bypasses the safety gate); the arm holds and every safe action is refused until it is gone"
        )

    def judge(self, publishers: Iterable[Endpoint], sender: bytes | None, now: float) -> tuple[Verdict, str]:
        """What to do with a safe action sent by the writer `sender` (its gid), and why unless APPLY."""
        publishers = list(publishers)
        problem = self.problem(publishers, now)
        if problem:
            return Verdict.REFUSE, problem
        node = {endpoint.gid: endpoint.node for endpoint in publishers}.get(sender) if sender is not None else None
        if node == self.gate_node:
            return Verdict.APPLY, ""
        where = "whose node is not named yet" if node == UNKNOWN_NODE else "not in the ROS graph"
        return Verdict.WAIT, f"from a writer {where}, not known to be {self.gate_node}"
