"""policy_node as its own process over DDS: a real (tiny, random) hf checkpoint end to end, the remote
backend against a local server, every bad input, and the refusal to start without weights.

The probe plays camera and user: it publishes /camera/image_raw and /rt2/command and records
/rt2/action, /rt2/action_tokens and /rt2/policy_status.
"""

import array
import time

import numpy as np
import pytest
from builtin_interfaces.msg import Time
from helpers import spin_until
from policy_server import PolicyServer
from rclpy.qos import QoSProfile
from rt2_ros.msg import ActionTokens, EndEffectorDelta
from sensor_msgs.msg import Image
from std_msgs.msg import String

from rt2_ros.policy.hf.random_checkpoint import STATISTICS_KEY
from rt2_ros.ros.image_conversion import rgb_to_image
from rt2_ros.ros.qos import ACTION, LATCHED, SENSOR_DATA

pytestmark = pytest.mark.ros

START_TIMEOUT = 60.0  # s; importing torch and transformers on a busy 2-core CI machine


class CameraAndUser:
    def __init__(self, node) -> None:
        self.node = node
        self.actions: list[EndEffectorDelta] = []
        self.tokens: list[ActionTokens] = []
        self.statuses: list[str] = []
        self.images = node.create_publisher(Image, "/camera/image_raw", SENSOR_DATA)
        # `ros2 topic pub --once /rt2/command std_msgs/String ...` defaults: reliable, volatile, depth 10
        self.commands = node.create_publisher(String, "/rt2/command", QoSProfile(depth=10))
        node.create_subscription(EndEffectorDelta, "/rt2/action", self.actions.append, ACTION)
        node.create_subscription(ActionTokens, "/rt2/action_tokens", self.tokens.append, ACTION)
        # every status line, not just the latest: a deep queue on this side (the node's writer is LATCHED)
        history = QoSProfile(depth=100, reliability=LATCHED.reliability, durability=LATCHED.durability)
        node.create_subscription(String, "/rt2/policy_status", lambda m: self.statuses.append(m.data), history)

    def wait_until(self, condition, timeout: float = 15.0) -> bool:
        return spin_until(self.node, condition, timeout)

    def wait_ready(self, process) -> None:
        ready = self.wait_until(
            lambda: (bool(self.statuses) and self.commands.get_subscription_count() > 0) or not process.running(),
            START_TIMEOUT,
        )
        assert ready and process.running(), process.output()

    def command(self, text: str) -> None:
        self.commands.publish(String(data=text))  # once, like `ros2 topic pub --once`

    def stamp(self, age: float = 0.0) -> Time:
        nanoseconds = self.node.get_clock().now().nanoseconds - int(age * 1e9)
        return Time(sec=nanoseconds // 10**9, nanosec=nanoseconds % 10**9)

    def image(self, age: float = 0.0, message: Image | None = None) -> Image:
        if message is None:
            message = rgb_to_image(np.random.default_rng().integers(0, 256, size=(24, 32, 3), dtype=np.uint8))
        message.header.stamp = self.stamp(age)
        self.images.publish(message)
        return message

    def stream_until(self, condition, timeout: float = 15.0, age: float = 0.0) -> bool:
        """Publish a fresh frame about every 50 ms until `condition()`."""

        def step() -> bool:
            self.image(age)
            return condition()

        return self.wait_until(step, timeout)

    def saw_status(self, prefix: str) -> bool:
        return any(status.startswith(prefix) for status in self.statuses)


@pytest.fixture
def hf_node(node_process, checkpoint):
    def start(**parameters):
        values = {"backend": "hf", "model_path": str(checkpoint), "control_rate": 20.0, **parameters}
        return node_process("policy_node", values)

    return start


def test_hf_checkpoint_end_to_end(ros_node, hf_node):
    process = hf_node(max_episode_steps=3, unnorm_key=STATISTICS_KEY)
    probe = CameraAndUser(ros_node)
    probe.wait_ready(process)
    assert probe.statuses[-1].startswith("no_command:")
    probe.command("Pick up the red block")
    sent: dict[tuple[int, int], Image] = {}

    def three_actions() -> bool:
        message = probe.image()
        sent[(message.header.stamp.sec, message.header.stamp.nanosec)] = message
        return len(probe.actions) >= 3 and len(probe.tokens) >= 3

    assert probe.wait_until(three_actions), process.output()
    for action, tokens in zip(probe.actions, probe.tokens, strict=False):
        key = (action.header.stamp.sec, action.header.stamp.nanosec)
        assert key in sent  # stamped with the capture time of a frame we sent
        assert (tokens.header.stamp.sec, tokens.header.stamp.nanosec) == key
        assert action.header.frame_id == "base_link"
        assert tokens.instruction == "Pick up the red block" and tokens.scheme == "openvla"
        assert len(tokens.tokens) == 7 and all(261 <= token < 517 for token in tokens.tokens)
        assert max(abs(action.translation.x), abs(action.translation.y), abs(action.translation.z)) <= 0.05
        assert 0.0 <= action.gripper <= 1.0 and not action.terminate
    # max_episode_steps reached: the node idles, says so, and a new command starts a new episode
    assert probe.wait_until(lambda: probe.saw_status("done: episode 1 ended (max_episode_steps 3"))
    count = len(probe.actions)
    assert probe.stream_until(lambda: False, timeout=0.5) is False
    assert len(probe.actions) == count
    probe.command("push the block")
    new_episode = lambda: len(probe.actions) > count and probe.tokens[-1].instruction == "push the block"  # noqa: E731
    assert probe.stream_until(new_episode), process.output()


def test_says_why_nothing_is_published(ros_node, hf_node):
    process = hf_node(max_image_age=0.5)
    probe = CameraAndUser(ros_node)
    probe.wait_ready(process)
    assert probe.statuses[-1].startswith("no_command:")
    probe.command("pick up the block")
    assert probe.wait_until(lambda: probe.saw_status("no_image:")), probe.statuses
    assert probe.stream_until(lambda: probe.saw_status("stale_image:"), age=2.0), probe.statuses
    assert "(max_image_age 0.5 s)" in probe.statuses[-1] and not probe.actions
    assert probe.stream_until(lambda: bool(probe.actions)), process.output()  # fresh frames: it acts


def test_images_without_a_command_are_not_acted_on(ros_node, hf_node):
    process = hf_node()
    probe = CameraAndUser(ros_node)
    probe.wait_ready(process)
    assert probe.stream_until(lambda: False, timeout=1.0) is False
    assert probe.statuses == ["no_command: no command yet: publish one on /rt2/command"] and not probe.actions


def test_acts_on_frames_a_control_period_apart_by_their_capture_stamps(ros_node, hf_node):
    """A frame captured less than 0.9 control periods after the last one acted on waits, however late it arrives:
    the steps follow the camera's clock (policy_node.FRAME_SPACING)."""
    process = hf_node(control_rate=5.0, max_image_age=30.0)  # no frame here goes stale on a slow machine
    probe = CameraAndUser(ros_node)
    probe.wait_ready(process)
    probe.command("pick up the block")
    first = probe.image()
    assert probe.wait_until(lambda: bool(probe.actions)), process.output()
    assert probe.actions[0].header.stamp == first.header.stamp
    time.sleep(0.3)  # past the wall-clock period, so only the stamp can hold it back
    captured = first.header.stamp.sec + first.header.stamp.nanosec * 1e-9 + 0.1  # 0.5 control periods later
    early = probe.image(age=ros_node.get_clock().now().nanoseconds * 1e-9 - captured)
    assert probe.wait_until(lambda: False, timeout=1.0) is False and len(probe.actions) == 1  # without: acted at once
    assert early.header.stamp != first.header.stamp
    later = probe.image()  # captured now, long after the first
    assert probe.wait_until(lambda: len(probe.actions) == 2), process.output()
    assert probe.actions[1].header.stamp == later.header.stamp


def malformed_images() -> dict[str, Image]:
    good = rgb_to_image(np.zeros((24, 32, 3), np.uint8))
    step_mismatch = rgb_to_image(np.zeros((24, 32, 3), np.uint8))
    step_mismatch.step = 50
    short_data = rgb_to_image(np.zeros((24, 32, 3), np.uint8))
    short_data.data = array.array("B", bytes(len(good.data) - 7))
    unknown = rgb_to_image(np.zeros((24, 32, 3), np.uint8))
    unknown.encoding = "yuv422"
    huge = Image(width=100_000, height=100_000, encoding="mono8", step=100_000)
    return {
        "step": step_mismatch,
        "data holds": short_data,
        "unsupported image encoding": unknown,
        "empty image": Image(encoding="rgb8"),
        "larger than": huge,
    }


def test_malformed_images_are_rejected_and_the_node_keeps_running(ros_node, hf_node):
    process = hf_node()
    probe = CameraAndUser(ros_node)
    probe.wait_ready(process)
    probe.command("pick up the block")
    for complaint, message in malformed_images().items():

        def rejected(message: Image = message, complaint: str = complaint) -> bool:
            probe.image(message=message)
            return any(status.startswith("bad_image:") and complaint in status for status in probe.statuses)

        assert probe.wait_until(rejected, timeout=10.0), (complaint, probe.statuses)
    assert not probe.actions and process.running()
    assert probe.stream_until(lambda: bool(probe.actions)), process.output()


def test_bad_commands_are_ignored(ros_node, hf_node):
    process = hf_node()
    probe = CameraAndUser(ros_node)
    probe.wait_ready(process)
    probe.command("   ")
    probe.command("x" * 1000)

    def both_refused() -> bool:
        output = process.output()
        return "command ignored: empty instruction" in output and "command ignored: instruction of 1000" in output

    assert probe.stream_until(both_refused, timeout=15.0), process.output()
    assert not probe.actions and probe.statuses[-1].startswith("no_command:")
    probe.command("pick up the block")
    assert probe.stream_until(lambda: bool(probe.actions)), process.output()


def test_remote_backend_failures_publish_nothing_and_the_node_keeps_running(ros_node, node_process):
    with PolicyServer("error") as server:
        process = node_process("policy_node", {"backend": "remote", "server_url": server.url, "control_rate": 20.0})
        probe = CameraAndUser(ros_node)
        probe.wait_ready(process)
        probe.command("pick up the block")
        assert probe.stream_until(lambda: probe.saw_status("error: policy step failed")), probe.statuses
        assert "answered 'error'" in probe.statuses[-1] and not probe.actions
        server.reply = "numpy"
        assert probe.stream_until(lambda: bool(probe.actions)), process.output()
        assert server.requests[-1]["instruction"] == "pick up the block"
        assert server.requests[-1]["image"].shape == (24, 32, 3)
    assert not probe.tokens  # a deploy.py server returns no tokens
    assert probe.actions[-1].gripper == 0.0 and abs(probe.actions[-1].translation.x - 0.01) < 1e-6


@pytest.mark.parametrize(
    ("parameters", "complaint"),
    [
        ({"backend": "hf", "model_path": "/nonexistent/checkpoint"}, "/nonexistent/checkpoint is not a folder"),
        ({"backend": "tiny", "model_path": "/somewhere"}, "tiny VLA checkpoint /somewhere is not a folder"),
        ({"backend": "hf", "model_path": ""}, "needs model_path"),
        ({"control_rate": 0.0}, "parameter 'control_rate'"),
    ],
)
def test_refuses_to_start_with_a_clear_message(node_process, parameters, complaint):
    process = node_process("policy_node", parameters)
    deadline = time.monotonic() + START_TIMEOUT
    while process.running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process.returncode == 1, process.output()
    assert complaint in process.output()
