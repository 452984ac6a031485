"""console_node: the operator console, a web page served at http://<host>:<port> (`rt2-ros console`).

Subscribes /rt2/overlay (or /camera/image_raw while no overlay runs), /rt2/command, /rt2/policy_status,
/rt2/safety_status and, when a sim runs, /sim/privileged_state, and keeps what the page shows in a ConsoleState
(frames as JPEG, at most max_fps). Carries out the page's requests: a command on /rt2/command (checked like
policy_node checks it), true on /rt2/estop, the /rt2/safety/reset and /sim/reset services. Callbacks only
store; the web server (rt2_ros.console.app, uvicorn) runs in the main thread, the executor on another.
On any address but loopback the page needs a token, made at start and printed with the address.
"""

import json
import secrets
import sys
import threading
import time

import cv2
import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from sensor_msgs.msg import Image
from std_msgs.msg import Bool, String
from std_srvs.srv import Trigger

from rt2_ros.console.app import create_app, is_loopback
from rt2_ros.console.state import ConsoleState, SafetyView
from rt2_ros.msg import SafetyStatus
from rt2_ros.policy.instructions import validate_instruction
from rt2_ros.ros.image_conversion import ImageConversionError, image_to_rgb
from rt2_ros.ros.parameters import ParameterSpec, declare_parameters
from rt2_ros.ros.qos import COMMAND, LATCHED, LATEST_STATE, SENSOR_DATA, VIEWER_IMAGE

PARAMETERS = (
    ParameterSpec(
        "host", "127.0.0.1", "Address the page is served on; any but loopback requires the token.", read_only=True
    ),
    ParameterSpec("port", 8080, "TCP port of the page.", 1, 65535, read_only=True),
    ParameterSpec("max_fps", 10.0, "Hz: most frames a second sent to the page.", 0.5, 60.0, read_only=True),
    ParameterSpec(
        "overlay_timeout", 1.0, "s without /rt2/overlay before the raw camera is shown.", 0.1, 60.0, read_only=True
    ),
    ParameterSpec("jpeg_quality", 80, "JPEG quality of the frames sent to the page.", 10, 100, read_only=True),
)
SERVICE_TIMEOUT = 5.0  # s for /rt2/safety/reset and /sim/reset to answer
RELEASE_TIMEOUT = 2.0  # s for the button's release (false on /rt2/estop) to reach the gate before its reset


class ConsoleNode(Node):
    def __init__(self, state: ConsoleState | None = None) -> None:
        super().__init__("console_node")
        self.params = declare_parameters(self, PARAMETERS)
        self.state = state or ConsoleState()
        self._encoded = {"overlay": 0.0, "camera": 0.0}  # monotonic time of each source's last JPEG
        self.command_publisher = self.create_publisher(String, "/rt2/command", COMMAND)
        self.estop_publisher = self.create_publisher(Bool, "/rt2/estop", COMMAND)
        self.safety_reset = self.create_client(Trigger, "/rt2/safety/reset")
        self.sim_reset = self.create_client(Trigger, "/sim/reset")
        # The viewers' profiles: the overlay as image viewers take it, the camera as the policy does.
        self.create_subscription(Image, "/rt2/overlay", lambda m: self.on_frame(m, "overlay"), VIEWER_IMAGE)
        self.create_subscription(Image, "/camera/image_raw", lambda m: self.on_frame(m, "camera"), SENSOR_DATA)
        self.create_subscription(String, "/rt2/command", self.on_command, COMMAND)
        self.create_subscription(String, "/rt2/policy_status", self.on_policy_status, LATCHED)
        self.create_subscription(SafetyStatus, "/rt2/safety_status", self.on_safety, LATCHED)
        self.create_subscription(String, "/sim/privileged_state", self.on_privileged_state, LATEST_STATE)
        self.get_logger().info("console_node ready")

    # -- subscriptions --------------------------------------------------------------------------------
    def on_frame(self, message: Image, source: str) -> None:
        now = time.monotonic()
        if now - self._encoded[source] < 1.0 / self.params["max_fps"]:
            return
        if source == "camera" and self.state.overlay_recent(self.params["overlay_timeout"]):
            return
        try:
            frame = image_to_rgb(message)
        except ImageConversionError as error:
            self.get_logger().warning(f"{source} frame not shown: {error}", throttle_duration_sec=5.0)
            return
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR),
                                [cv2.IMWRITE_JPEG_QUALITY, self.params["jpeg_quality"]])  # fmt: skip
        if ok:
            self._encoded[source] = now
            self.state.set_frame(jpeg.tobytes(), source)

    def on_command(self, message: String) -> None:
        self.state.command_sent(message.data, "topic")

    def on_policy_status(self, message: String) -> None:
        self.state.set_policy_status(message.data)

    def on_safety(self, message: SafetyStatus) -> None:
        self.state.set_safety(SafetyView(message.estop_active, message.watchdog_tripped, int(message.forwarded),
                                         int(message.clamped), int(message.rejected), message.last_reason))  # fmt: skip

    def on_privileged_state(self, message: String) -> None:
        try:
            self.state.sim_episode(bool(json.loads(message.data).get("success")))
        except (json.JSONDecodeError, AttributeError):
            return

    # -- the page's requests (rt2_ros.console.app.Bridge; called from the web server's threads) -----------
    def send_command(self, text: str) -> None:
        text = validate_instruction(text)
        self.state.command_sent(text, "console")
        self.command_publisher.publish(String(data=text))

    def engage_estop(self) -> None:
        self.estop_publisher.publish(Bool(data=True))
        self.get_logger().warning("e-stop engaged from the console")

    def release_estop(self) -> tuple[bool, str]:
        """As an operator at a physical e-stop: let the button go (false on /rt2/estop), then reset the latch."""
        self.estop_publisher.publish(Bool(data=False))
        deadline = time.monotonic() + RELEASE_TIMEOUT
        while True:
            ok, message = self._trigger(self.safety_reset, "the safety gate's /rt2/safety/reset")
            if ok or time.monotonic() > deadline or "pressed" not in message:
                if ok:
                    self.get_logger().warning("e-stop released from the console")
                return ok, message
            time.sleep(0.1)  # the release has not reached the gate yet

    def reset_sim(self) -> tuple[bool, str]:
        return self._trigger(self.sim_reset, "the sim's /sim/reset")

    def _trigger(self, client, what: str) -> tuple[bool, str]:
        if not client.wait_for_service(timeout_sec=1.0):
            return False, f"{what} is not available"
        done = threading.Event()
        future = client.call_async(Trigger.Request())
        future.add_done_callback(lambda _: done.set())
        if not done.wait(SERVICE_TIMEOUT):
            return False, f"{what} did not answer within {SERVICE_TIMEOUT} s"
        response = future.result()
        return bool(response.success), response.message


def address(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def main(args: list[str] | None = None) -> int:
    """Serve the console until Ctrl-C: the node's executor on a thread, uvicorn in this one. Exit code 1 when
    the node or the server cannot start (a bad parameter, the port taken), with the reason."""
    import uvicorn

    rclpy.init(args=list(args) if args is not None else sys.argv)
    node = None
    try:
        try:
            node = ConsoleNode()
        except (ValueError, RuntimeError) as error:
            print(f"[rt2_ros] cannot start: {error}", file=sys.stderr, flush=True)
            return 1
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        threading.Thread(target=executor.spin, name="ros", daemon=True).start()
        host, port = node.params["host"], node.params["port"]
        token = None if is_loopback(host) else secrets.token_urlsafe(24)
        server = uvicorn.Server(uvicorn.Config(create_app(node, token, node.params["max_fps"]), host=host, port=port,
                                               log_level="warning", ws="websockets-sansio"))  # fmt: skip
        print(f"console: {address(host, port, token)}", flush=True)
        server.run()
        return 0 if server.started else 1
    except (KeyboardInterrupt, ExternalShutdownException):
        return 0
    finally:
        if node is not None:
            node.destroy_node()
        if rclpy.ok():
            rclpy.try_shutdown()


if __name__ == "__main__":
    sys.exit(main())
