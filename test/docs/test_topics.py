"""The topic and service tables of docs/interfaces.md match what the nodes create, asked of DDS.

The demo's graph (every node, the scripted policy, the builtin arm backend) runs as processes; for
each node the graph's publishers, subscriptions and services are compared with the tables: a node
named plainly must create the entry, a node named with a condition in brackets may, and nothing a
node creates may be missing from the tables. Types are compared too.
"""

import re
import socket

import pytest
from docs_pages import ROOT, Table, code_names, tables
from helpers import spin_for, spin_until

pytestmark = [pytest.mark.ros, pytest.mark.slow]

INTERFACES = ROOT / "docs" / "interfaces.md"


# The demo's graph: what runs when nothing is configured, plus the scripted policy the sim needs.
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


GRAPH = {
    "sim_node": {},
    "safety_node": {},
    "arm_controller_node": {},
    "policy_node": {"backend": "scripted"},
    "overlay_node": {},
    "console_node": {"port": free_port()},
}
ROS_OWN_TOPICS = {"/rosout", "/parameter_events"}
MENTION = re.compile(r"`(\w+)`(\s*\()?")


def table(first_column: str) -> Table:
    return next(t for t in tables(INTERFACES) if t.header[0].lower() == first_column)


def column(found: Table, name: str) -> int:
    return [cell.lower() for cell in found.header].index(name)


def documented(first_column: str, who_column: str) -> dict[str, dict[str, tuple[str, bool]]]:
    """node -> {name: (type, conditional)} from one column ('published by', 'server'...) of a table."""
    found = table(first_column)
    name_at, type_at, who_at = 0, column(found, "type"), column(found, who_column)
    entries: dict[str, dict[str, tuple[str, bool]]] = {}
    for row in found.rows:
        (name,) = code_names(row[name_at])
        for node, condition in MENTION.findall(row[who_at]):
            if node in GRAPH:
                entries.setdefault(node, {})[name] = (row[type_at], bool(condition))
    return entries


def short_type(ros_type: str) -> str:
    return ros_type.replace("/msg/", "/").replace("/srv/", "/")


def compare(kind: str, node: str, actual: dict[str, list[str]], expected: dict[str, tuple[str, bool]]) -> list[str]:
    problems = []
    for name, types in actual.items():
        if name not in expected:
            problems.append(f"{node} {kind} {name} ({', '.join(types)}), not in docs/interfaces.md")
        elif expected[name][0] not in {short_type(t) for t in types}:
            problems.append(f"{node} {kind} {name} as {types}; the docs say {expected[name][0]}")
    for name, (_, conditional) in expected.items():
        if not conditional and name not in actual:
            problems.append(f"docs/interfaces.md says {node} {kind} {name}; it does not")
    return problems


def graph_of(probe, node: str) -> dict[str, dict[str, list[str]]]:
    """What `node` creates, as DDS reports it (parameter and type-description services left out)."""
    publishers = probe.get_publisher_names_and_types_by_node(node, "/")
    subscriptions = probe.get_subscriber_names_and_types_by_node(node, "/")
    services = probe.get_service_names_and_types_by_node(node, "/")
    return {
        "publishes": {name: types for name, types in publishers if name not in ROS_OWN_TOPICS},
        "subscribes to": {name: types for name, types in subscriptions if name not in ROS_OWN_TOPICS},
        "serves": {name: types for name, types in services if not name.startswith(f"/{node}/")},
    }


def test_the_tables_name_the_nodes():
    assert set(documented("topic", "published by")) == set(GRAPH)
    assert {"sim_node", "safety_node"} <= set(documented("service", "server"))


def test_the_topic_and_service_tables_match_the_running_graph(ros_node, node_process):
    processes = [node_process(name, parameters) for name, parameters in GRAPH.items()]
    expected = {
        "publishes": documented("topic", "published by"),
        "subscribes to": documented("topic", "subscribed by"),
        "serves": documented("service", "server"),
    }

    def problems() -> list[str]:
        found = []
        for node in GRAPH:
            try:
                actual = graph_of(ros_node, node)
            except Exception as error:  # rclpy raises NodeNameNonExistentError until the node is discovered
                found.append(f"{node} not in the graph yet ({type(error).__name__})")
                continue
            for kind, entries in actual.items():
                found += compare(kind, node, entries, expected[kind].get(node, {}))
        return found

    logs = lambda: "\n".join(f"--- {p.name}\n{p.output()[-800:]}" for p in processes)  # noqa: E731
    # Everything documented unconditionally shows up once discovery is done; then wait a little more for
    # anything undocumented to show up too, and compare.
    spin_until(ros_node, lambda: not problems(), 90)
    spin_for(ros_node, 1.0)
    assert not problems(), "\n".join(problems()) + "\n" + logs()
    assert all(process.running() for process in processes), logs()
