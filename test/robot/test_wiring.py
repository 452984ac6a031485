"""SafeActionSource: only the gate's writers move the arm; any other publisher stops everything, by name."""

import pytest

from rt2_ros.control.wiring import UNKNOWN_NODE, Endpoint, SafeActionSource, Verdict, fully_qualified

GATE = Endpoint("/safety_node", b"gate")
INTRUDER = Endpoint("/policy_node", b"policy")
NAMELESS = Endpoint(UNKNOWN_NODE, b"nameless")


@pytest.fixture
def source() -> SafeActionSource:
    return SafeActionSource("/safety_node", unknown_grace=1.0)


def test_the_gates_writer_is_applied(source):
    assert source.judge([GATE], GATE.gid, now=0.0) == (Verdict.APPLY, "")
    assert source.problem([GATE], now=0.0) == ""


def test_a_second_publisher_refuses_everything_and_is_named(source):
    verdict, reason = source.judge([GATE, INTRUDER], GATE.gid, now=0.0)
    assert verdict is Verdict.REFUSE and "/policy_node" in reason and "only /safety_node" in reason
    assert source.judge([GATE, INTRUDER], INTRUDER.gid, now=0.0)[0] is Verdict.REFUSE
    assert source.judge([GATE], GATE.gid, now=1.0)[0] is Verdict.APPLY  # gone: the gate alone again


def test_a_writer_not_identified_yet_waits(source):
    assert source.judge([GATE, NAMELESS], NAMELESS.gid, now=0.0)[0] is Verdict.WAIT
    verdict, reason = source.judge([GATE], b"not in the graph", now=0.0)
    assert verdict is Verdict.WAIT and "not in the ROS graph" in reason
    assert source.judge([GATE], None, now=0.0)[0] is Verdict.WAIT


def test_a_writer_that_stays_nameless_is_a_foreign_publisher(source):
    assert source.problem([GATE, NAMELESS], now=10.0) == ""  # first seen: within the grace
    problem = source.problem([GATE, NAMELESS], now=11.0)
    assert "a writer that names no ROS node" in problem
    assert source.judge([GATE, NAMELESS], GATE.gid, now=11.0)[0] is Verdict.REFUSE


def test_a_name_arriving_within_the_grace_clears_it(source):
    source.problem([NAMELESS], now=0.0)
    named_gate = Endpoint("/safety_node", NAMELESS.gid)
    assert source.judge([named_gate], NAMELESS.gid, now=0.5) == (Verdict.APPLY, "")
    assert source.problem([Endpoint(UNKNOWN_NODE, NAMELESS.gid)], now=0.6) == ""  # seen afresh


def test_an_impostor_with_the_gates_name_in_another_namespace_is_foreign(source):
    impostor = Endpoint(fully_qualified("/robot2", "safety_node"), b"other")
    assert "/robot2/safety_node" in source.problem([GATE, impostor], now=0.0)


@pytest.mark.parametrize(
    ("namespace", "name", "expected"),
    [("/", "safety_node", "/safety_node"), ("/arm", "safety_node", "/arm/safety_node"), ("/", UNKNOWN_NODE, None)],
)
def test_fully_qualified_names(namespace, name, expected):
    assert fully_qualified(namespace, name) == (expected or UNKNOWN_NODE)


def test_gate_name_must_be_fully_qualified():
    with pytest.raises(ValueError, match="fully qualified"):
        SafeActionSource("safety_node")
