"""safety_node as its own process, over DDS: the gate's rules, e-stop, watchdog, status, bad configuration."""

import math

import pytest
from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticStatus
from helpers import spin_for, spin_until
from rclpy.parameter import Parameter
from rclpy.parameter_client import AsyncParameterClient
from rt2_ros.msg import SafetyStatus
from safety_cases import CENTRE, move
from safety_probe import SafetyProbe
from std_msgs.msg import Bool

from rt2_ros.ros.qos import LATCHED

pytestmark = pytest.mark.ros


@pytest.fixture
def start_gate(ros_node, node_process):
    """Start safety_node with `parameters` (none: the built-in defaults) and connect a probe to it."""

    def start(parameters: dict | None = None) -> SafetyProbe:
        probe = SafetyProbe(ros_node, node_process("safety_node", parameters))
        probe.wait_connected()
        return probe

    return start


def stamp_seconds_ago(probe: SafetyProbe, seconds: float) -> Time:
    nanoseconds = probe.node.get_clock().now().nanoseconds - int(seconds * 1e9)
    return Time(sec=nanoseconds // 10**9, nanosec=nanoseconds % 10**9)


def test_defaults_forward_within_limits_and_clamp_beyond(start_gate):
    probe = start_gate()
    probe.send_pose(CENTRE)
    probe.wait_pose_known()
    stamp = stamp_seconds_ago(probe, 0.1)
    within = probe.submit(move(0.01, -0.02, 0.03, rotation=(0.1, 0.0, -0.1), gripper=0.5), stamp=stamp)
    assert within is not None
    assert (within.translation.x, within.translation.y, within.translation.z) == (0.01, -0.02, 0.03)
    assert (within.rotation.x, within.rotation.z, within.gripper) == (0.1, -0.1, 0.5)
    assert within.header.stamp == stamp and within.header.frame_id == "base_link"

    beyond = probe.submit(move(0.3, 0.0, -1.0, rotation=(0.0, 2 * math.pi - 0.1, 0.0), gripper=1.7))
    assert (beyond.translation.x, beyond.translation.z) == (0.05, -0.05)
    assert beyond.rotation.y == pytest.approx(-0.1)
    assert beyond.gripper == 1.0
    status = probe.status()
    assert (status.forwarded, status.clamped, status.rejected) == (2, 1, 0)
    assert "translation.x 0.3 clamped to 0.05" in status.last_reason
    assert "rotation.y" in status.last_reason and "gripper" in status.last_reason


def test_workspace_face_from_the_current_pose(start_gate):
    probe = start_gate()
    probe.send_pose((0.45, 0.0, 0.03))  # 2 cm above the lowest allowed height
    probe.wait_pose_known()
    out = probe.submit(move(dz=-0.05))
    assert 0.03 + out.translation.z >= 0.01 and out.translation.z == pytest.approx(-0.02)
    assert "workspace: z" in probe.status().last_reason


def test_bad_input_is_rejected_and_the_node_keeps_running(start_gate):
    probe = start_gate()
    # No pose yet: a translation is rejected, a pure rotation/gripper action passes.
    assert probe.submit(move(dx=0.01)) is None
    assert "pose is unknown" in probe.status().last_reason
    assert probe.submit(move(rotation=(0.0, 0.0, 0.1), gripper=1.0)) is not None
    probe.send_pose(CENTRE)
    probe.wait_pose_known()
    cases = [
        (move(dx=math.nan), None, "base_link", "non-finite"),
        (move(gripper=math.inf), None, "base_link", "non-finite"),
        (move(dx=0.01), stamp_seconds_ago(probe, 5.0), "base_link", "stale"),
        (move(dx=0.01), stamp_seconds_ago(probe, -5.0), "base_link", "future"),
        (move(dx=0.01), Time(), "base_link", "unset"),
        (move(dx=0.01), None, "tool0", "frame 'tool0'"),
    ]
    for action, stamp, frame, reason in cases:
        assert probe.submit(action, stamp, frame) is None, reason
        assert reason in probe.status().last_reason
    probe.send_pose((math.nan, 0.0, 0.2))  # an unusable pose: translations stop again
    assert spin_until(probe.node, lambda: probe.diagnostic()["pose_known"] == "False", 10), probe.logs()
    assert probe.submit(move(dx=0.01)) is None
    assert probe.process.running()
    probe.send_pose(CENTRE)
    probe.wait_pose_known()
    assert probe.submit(move(dx=0.2)).translation.x == 0.05  # a clamp right after rejections
    assert probe.status().rejected == 1 + len(cases) + 1


def test_estop_latches_until_released_and_reset(start_gate):
    probe = start_gate()
    probe.send_pose(CENTRE)
    probe.wait_pose_known()
    probe.estop.publish(Bool(data=True))
    probe.wait_status(lambda status: status.estop_active)
    assert probe.submit(move(dx=0.01)) is None
    assert "e-stop" in probe.status().last_reason
    refused = probe.reset()
    assert not refused.success and "still pressed" in refused.message
    probe.estop.publish(Bool(data=False))  # released: still latched
    spin_for(probe.node, 0.3)
    assert probe.status().estop_active
    assert probe.submit(move(dx=0.01)) is None
    done = probe.reset()
    assert done.success, done.message
    probe.wait_status(lambda status: not status.estop_active)
    assert probe.submit(move(dx=0.01)) is not None


def test_watchdog_publishes_one_hold_keeping_the_gripper(start_gate):
    probe = start_gate({"command_timeout": 0.5})
    assert probe.submit(move(gripper=0.6)) is not None
    probe.wait_status(lambda status: status.watchdog_tripped)
    assert spin_until(probe.node, lambda: len(probe.safe_actions) == 2, 5), probe.logs()
    hold = probe.safe_actions[-1]
    assert (hold.translation.x, hold.translation.y, hold.translation.z) == (0.0, 0.0, 0.0)
    assert (hold.rotation.x, hold.rotation.y, hold.rotation.z) == (0.0, 0.0, 0.0)
    assert hold.gripper == 0.6 and not hold.terminate
    spin_for(probe.node, 1.5)  # three more timeouts: still one hold
    assert len(probe.safe_actions) == 2
    assert probe.submit(move(gripper=0.2)) is not None
    probe.wait_status(lambda status: not status.watchdog_tripped and status.forwarded == 2)


def test_translation_on_a_pose_that_stopped_coming_is_rejected(start_gate):
    probe = start_gate({"max_pose_age": 0.2})
    probe.send_pose(CENTRE)
    probe.wait_pose_known()
    spin_for(probe.node, 0.4)  # no new /rt2/ee_pose: the last one is now older than max_pose_age
    probe.send(move(dx=0.01))
    status = probe.wait_status(lambda status: status.rejected == 1)
    assert "stale end-effector pose" in status.last_reason and "max_pose_age 0.2 s" in status.last_reason
    assert probe.submit(move(dx=0.01)) is not None  # submit re-sends the pose first: fresh again


def test_actions_faster_than_max_rate_are_rejected(start_gate):
    probe = start_gate({"max_rate": 0.2, "command_timeout": 10.0})  # one action per 5 s
    for _ in range(3):
        probe.send(move(gripper=0.5))
    status = probe.wait_status(lambda status: status.forwarded + status.rejected == 3)
    assert (status.forwarded, status.rejected) == (1, 2)
    assert "rate" in status.last_reason


def test_status_is_latched_periodic_and_on_diagnostics(start_gate, ros_node):
    probe = start_gate()
    late: list[SafetyStatus] = []
    ros_node.create_subscription(SafetyStatus, "/rt2/safety_status", late.append, LATCHED)
    assert spin_until(ros_node, lambda: len(late) >= 3, 10), "status is not latched and periodic"
    assert spin_until(ros_node, lambda: probe.diagnostics, 5), probe.logs()
    diagnostic = probe.diagnostic()
    assert diagnostic["level"] == DiagnosticStatus.WARN and diagnostic["pose_known"] == "False"
    assert diagnostic["max_translation_step"] == "0.05" and diagnostic["max_rate"] == "30.0"
    probe.estop.publish(Bool(data=True))
    assert spin_until(ros_node, lambda: probe.diagnostic()["level"] == DiagnosticStatus.ERROR, 5), probe.logs()


def test_safety_limits_are_read_only(start_gate, ros_node):
    start_gate()
    client = AsyncParameterClient(ros_node, "safety_node")
    assert client.wait_for_services(10)
    future = client.set_parameters([Parameter("max_translation_step", value=0.5)])
    assert spin_until(ros_node, future.done, 10)
    result = future.result().results[0]
    assert not result.successful and "read-only" in result.reason


@pytest.mark.parametrize(
    ("parameters", "named"),
    [
        ({"workspace_min": [0.7, -0.4, 0.01]}, "workspace_min"),  # min == max on x
        ({"workspace_max": [0.7, 0.4]}, "workspace_max"),
        ({"max_translation_step": 0.0}, "max_translation_step"),
        ({"command_timeout": -1.0}, "command_timeout"),
        ({"max_rate": 5000.0}, "max_rate"),
        ({"max_pose_age": 0.0}, "max_pose_age"),
        ({"max_rate": "fast"}, "max_rate"),
        ({"workspace_min": [0, -1, 0]}, "workspace_min"),  # integers: ROS parameters are typed
    ],
)
def test_bad_configuration_stops_the_node_naming_the_parameter(node_process, parameters, named):
    process = node_process("safety_node", parameters)
    assert process.wait(30) == 1, process.output()
    assert f"'{named}'" in process.output()
