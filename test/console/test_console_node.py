"""console_node over DDS with a real web server: the page's requests reach the graph (a command on /rt2/command,
the safety gate latched and released), the e-stop goes through while a page stalls its video, and off loopback
every request needs the token it printed."""

import json
import socket
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from helpers import spin_for, spin_until

pytestmark = [pytest.mark.ros, pytest.mark.slow]
STARTUP = 60.0  # s for the node processes to come up on a loaded machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **(headers or {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except (OSError, KeyError, TypeError):
            pass
        time.sleep(0.1)
    return False


def started(base: str, process) -> str:
    assert wait_until(lambda: request(f"{base}/api/state")[0] in (200, 403), STARTUP), process.output()[-2000:]
    return base


@pytest.fixture
def console(node_process):
    port = free_port()
    node_process("safety_node")
    process = node_process("console_node", {"port": port, "max_fps": 30.0})
    return started(f"http://127.0.0.1:{port}", process)


def safety(base: str) -> dict | None:
    return request(f"{base}/api/state")[1]["safety"]


def test_the_stop_button_latches_the_gate_and_only_a_confirmed_release_clears_it(console):
    assert wait_until(lambda: safety(console) is not None, STARTUP)  # the gate's latched status arrived
    assert request(f"{console}/api/estop", {})[0] == 200
    assert wait_until(lambda: safety(console)["estop_active"])
    assert request(f"{console}/api/release", {})[0] == 400
    time.sleep(0.5)
    assert safety(console)["estop_active"]
    status, answer = request(f"{console}/api/release", {"confirm": "release"})
    assert status == 200 and answer["released"], answer
    assert wait_until(lambda: not safety(console)["estop_active"])


def test_a_command_from_the_page_reaches_the_command_topic(console, ros_node):
    from std_msgs.msg import String

    from rt2_ros.ros.qos import COMMAND

    heard: list[str] = []
    ros_node.create_subscription(String, "/rt2/command", lambda message: heard.append(message.data), COMMAND)
    assert spin_until(ros_node, lambda: ros_node.count_publishers("/rt2/command") >= 1, STARTUP)
    spin_for(ros_node, 1.0)  # discovery both ways
    assert request(f"{console}/api/command", {"text": "pick up  the red block"})[0] == 200
    assert spin_until(ros_node, lambda: heard == ["pick up the red block"], 10.0), heard
    assert request(f"{console}/api/command", {"text": "x" * 10_000})[0] == 400
    spin_for(ros_node, 0.5)
    assert heard == ["pick up the red block"]


def test_the_estop_goes_through_while_a_page_stalls_its_video(console, ros_node):
    from sensor_msgs.msg import Image
    from websockets.sync.client import connect

    from rt2_ros.ros.image_conversion import rgb_to_image
    from rt2_ros.ros.qos import VIEWER_IMAGE

    publisher = ros_node.create_publisher(Image, "/rt2/overlay", VIEWER_IMAGE)
    rng = np.random.default_rng(0)
    noisy = [rgb_to_image(rng.integers(0, 256, (448, 448, 3), dtype=np.uint8)) for _ in range(4)]  # ~150 kB JPEGs
    assert wait_until(lambda: safety(console) is not None, STARTUP)
    with connect(console.replace("http", "ws") + "/ws", max_size=None) as stalled:  # never reads a frame
        deadline = time.monotonic() + 4.0
        index = 0
        while time.monotonic() < deadline:  # frames pile up in the stalled socket's buffers
            publisher.publish(noisy[index % 4])
            index += 1
            spin_for(ros_node, 0.03)
        assert request(f"{console}/api/state")[1]["frame_seq"] > 10  # the frames were flowing
        started_at = time.monotonic()
        assert request(f"{console}/api/estop", {})[0] == 200
        assert time.monotonic() - started_at < 2.0
        assert wait_until(lambda: safety(console)["estop_active"], 10.0)
        del stalled


def test_off_loopback_every_request_needs_the_token_it_printed(node_process):
    port = free_port()
    process = node_process("console_node", {"host": "0.0.0.0", "port": port})
    base = started(f"http://127.0.0.1:{port}", process)
    status, answer = request(f"{base}/api/state")
    assert status == 403 and "token" in answer["error"]
    assert request(f"{base}/api/estop", {})[0] == 403
    assert wait_until(lambda: "?token=" in process.output())
    token = process.output().split("?token=", 1)[1].split()[0]
    assert request(f"{base}/api/state?token=wrong{token}")[0] == 403
    assert request(f"{base}/api/state?token={token}")[0] == 200
    assert request(f"{base}/api/estop", {}, {"X-RT2-Token": token})[0] == 200
