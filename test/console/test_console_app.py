"""The console's web server, with a stand-in bridge (plain pytest: no ROS): what it serves, what it refuses,
and the token it requires off loopback."""

import json

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from rt2_ros.console.app import RELEASE_WORD, create_app, is_loopback
from rt2_ros.console.state import ConsoleState, SafetyView

JSON = {"Content-Type": "application/json"}


class StandIn:
    """Records what the page asked for."""

    def __init__(self) -> None:
        self.state = ConsoleState()
        self.commands: list[str] = []
        self.estops = 0
        self.releases = 0

    def send_command(self, text: str) -> None:
        self.commands.append(text)
        self.state.command_sent(text, "console")

    def engage_estop(self) -> None:
        self.estops += 1

    def release_estop(self) -> tuple[bool, str]:
        self.releases += 1
        return True, "e-stop cleared"

    def reset_sim(self) -> tuple[bool, str]:
        return False, "no sim"


@pytest.fixture
def bridge():
    return StandIn()


def client(bridge, token=None) -> TestClient:
    return TestClient(create_app(bridge, token), base_url="http://127.0.0.1:8080")


def test_the_page_and_the_state(bridge):
    web = client(bridge)
    page = web.get("/")
    assert page.status_code == 200 and 'id="estop"' in page.text and 'id="command"' in page.text
    bridge.state.set_safety(SafetyView(True, False, 3, 1, 2, "e-stop"))
    state = web.get("/api/state").json()
    assert state["safety"]["estop_active"] and state["history"] == [] and state["frame_seq"] == 0
    assert web.get("/api/frame.jpg").status_code == 404
    bridge.state.set_frame(b"\xff\xd8jpeg", "overlay")
    frame = web.get("/api/frame.jpg")
    assert frame.status_code == 200 and frame.content == b"\xff\xd8jpeg"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty instruction"),
        ("x" * 10_000_000, "at most 512"),
        ("pick\x07 up", "control characters"),
        (None, "is text"),
    ],
)
def test_a_command_gets_the_checks_of_the_command_topic(bridge, text, reason):
    answer = client(bridge).post("/api/command", json={"text": text})
    assert answer.status_code == 400 and reason in answer.json()["error"]
    assert bridge.commands == []


def test_a_command_is_sent_normalised_and_listed(bridge):
    web = client(bridge)
    assert web.post("/api/command", json={"text": "  pick up   the red block "}).json() == {
        "sent": "pick up the red block"
    }
    assert bridge.commands == ["pick up the red block"]
    assert web.get("/api/state").json()["history"][0]["command"] == "pick up the red block"


def test_the_estop_is_one_request_and_its_release_needs_a_second_deliberate_one(bridge):
    web = client(bridge)
    assert web.post("/api/estop", json={}).json() == {"estop": "engaged"} and bridge.estops == 1
    refused = web.post("/api/release", json={})
    assert refused.status_code == 400 and RELEASE_WORD in refused.json()["error"] and bridge.releases == 0
    assert web.post("/api/release", json={"confirm": RELEASE_WORD}).json()["released"] and bridge.releases == 1
    assert web.post("/api/reset", json={}).status_code == 503  # no sim: said so


def test_posts_must_be_json_from_the_pages_own_origin(bridge):
    web = client(bridge)
    form = web.post("/api/estop", content="x", headers={"Content-Type": "text/plain"})
    assert form.status_code == 403 and "JSON" in form.json()["error"]
    foreign = web.post("/api/command", json={"text": "pick up the red block"}, headers={"Origin": "http://evil.test"})
    assert foreign.status_code == 403 and bridge.commands == []
    same = web.post("/api/estop", json={}, headers={"Origin": "http://127.0.0.1:8080"})
    assert same.status_code == 200


def test_off_loopback_every_request_and_the_websocket_need_the_token(bridge):
    web = client(bridge, token="s3cret")
    assert web.get("/").status_code == 403
    assert web.get("/api/state", params={"token": "wrong"}).status_code == 403
    assert web.post("/api/estop", json={}).status_code == 403 and bridge.estops == 0
    with pytest.raises(WebSocketDisconnect) as refused, web.websocket_connect("/ws"):
        pass
    assert refused.value.code == 1008
    page = web.get("/", params={"token": "s3cret"})  # the printed address: sets the cookie for what follows
    assert page.status_code == 200 and web.cookies.get("rt2_token") == "s3cret"
    assert web.post("/api/estop", json={}).status_code == 200 and bridge.estops == 1
    assert TestClient(create_app(bridge, "s3cret")).get("/api/state", headers={"X-RT2-Token": "s3cret"}).is_success


def test_the_websocket_sends_frames_and_state(bridge):
    bridge.state.set_frame(b"frame-1", "camera")
    with client(bridge).websocket_connect("/ws") as socket:
        messages = [socket.receive() for _ in range(2)]
    frames = [message["bytes"] for message in messages if message.get("bytes")]
    states = [json.loads(message["text"]) for message in messages if message.get("text")]
    assert frames == [b"frame-1"] and states[0]["frame_source"] == "camera"


def test_loopback_addresses():
    assert all(map(is_loopback, ("127.0.0.1", "::1", "localhost", "127.0.1.1")))
    assert not any(map(is_loopback, ("0.0.0.0", "192.168.1.10", "::")))
