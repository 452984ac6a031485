"""The rclpy side of the closed loop (`rt2-ros demo`, `soak`, `eval`): one node that talks to the graph like a
user and an observer.

It sets the sim's task, resets it, sends the instruction on /rt2/command, and watches the sim's
success flag, counts the policy's actions and records overlay_node's live view (/rt2/overlay: the
camera frame with instruction, delta, tokens and safety state drawn on it) as the video, adding
only the verdict. Imported only when a loop runs.
"""

import threading
import time
from collections.abc import Callable
from typing import Protocol

import numpy as np
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
from rcl_interfaces.srv import SetParameters
from rclpy.context import Context
from rclpy.node import Node
from sensor_msgs.msg import Image
from std_msgs.msg import String
from std_srvs.srv import Trigger

from rt2_ros.loop.outcome import EpisodeOutcome
from rt2_ros.msg import EndEffectorDelta, SafetyStatus
from rt2_ros.ros.image_conversion import image_to_rgb
from rt2_ros.ros.qos import ACTION, COMMAND, LATCHED, LATEST_STATE, VIEWER_IMAGE
from rt2_ros.sim.privileged import PrivilegedState, parse
from rt2_ros.viz.overlay import draw_verdict
from rt2_ros.viz.video import VideoWriter

VERDICT_FRAMES = 8  # the last frame is held this long (at 10 fps) with SUCCESS / TIMEOUT on it


class Commander(Protocol):
    """What an evaluation says in an episode, and when it counts as done (rt2_ros.evaluation.commands)."""

    def say(self, state: PrivilegedState) -> str: ...

    def done(self, state: PrivilegedState) -> bool: ...


POLICY_NODE = "policy_node"  # the name the loop starts it under (processes.loop_processes)


class LoopClient(Node):
    """Spun in a background thread; the caller's main thread calls wait_ready() and episode()."""

    def __init__(self, context: Context | None = None) -> None:
        super().__init__("rt2_demo", context=context)
        self._lock = threading.Lock()
        self._frames: list[np.ndarray] = []  # (H, W, 3) uint8 /rt2/overlay images, since the last drain
        self._state: PrivilegedState | None = None
        self._actions = 0
        self._safety: SafetyStatus | None = None
        self.command = self.create_publisher(String, "/rt2/command", COMMAND)
        self.create_subscription(Image, "/rt2/overlay", self._on_image, VIEWER_IMAGE)
        self.create_subscription(String, "/sim/privileged_state", self._on_state, LATEST_STATE)
        self.create_subscription(EndEffectorDelta, "/rt2/action", self._on_action, ACTION)
        self.create_subscription(SafetyStatus, "/rt2/safety_status", self._on_safety, LATCHED)
        self.reset_client = self.create_client(Trigger, "/sim/reset")
        self.parameter_client = self.create_client(SetParameters, "/sim_node/set_parameters")

    # -- subscriptions (executor thread) -------------------------------------------------------

    def _on_image(self, message: Image) -> None:
        frame = image_to_rgb(message)
        with self._lock:
            self._frames.append(frame)

    def _on_state(self, message: String) -> None:
        state = parse(message.data)
        with self._lock:
            self._state = state

    def _on_action(self, message: EndEffectorDelta) -> None:
        with self._lock:
            self._actions += 1

    def _on_safety(self, message: SafetyStatus) -> None:
        with self._lock:
            self._safety = message

    # -- the demo's steps (main thread) --------------------------------------------------------

    def wait_ready(self, alive: Callable[[], None], timeout: float) -> None:
        """Until every node of the loop answers; `alive` raises when a node has died."""
        self._wait_for(
            {
                "sim_node's state": lambda: self._state is not None,
                "safety_node's status": lambda: self._safety is not None,
                "policy_node listening on /rt2/command": self.policy_listening,
                "the /sim/reset service": self.reset_client.service_is_ready,
                "sim_node's parameter service": self.parameter_client.service_is_ready,
            },
            alive,
            timeout,
        )

    def policy_listening(self) -> bool:
        """Whether policy_node itself subscribes /rt2/command: overlay_node does too, and a command sent while
        only it listens is lost (policy_node loads its model before it subscribes)."""
        return any(info.node_name == POLICY_NODE for info in self.get_subscriptions_info_by_topic("/rt2/command"))

    def wait_for_overlay(self, alive: Callable[[], None], timeout: float) -> None:
        """Until overlay_node's images arrive, so a video has every frame from the first episode on."""
        self._wait_for({"overlay_node's view of the camera": lambda: bool(self._frames)}, alive, timeout)

    def _wait_for(self, checks: dict[str, Callable[[], bool]], alive: Callable[[], None], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive()
            if all(check() for check in checks.values()):
                return
            time.sleep(0.1)
        missing = [name for name, check in checks.items() if not check()]
        raise TimeoutError(f"the nodes did not come up within {timeout:.0f} s; still waiting for {missing}")

    def episode(
        self,
        kind: str,
        timeout: float,
        alive: Callable[[], None],
        writer: VideoWriter | None,
        number: int,
        variation: str | None = None,
        commander: "Commander | None" = None,
    ) -> EpisodeOutcome:
        """Set the task (and the scene variation), reset, command, and watch until success or `timeout` s.

        The command is the sim's own instruction and success its own check, or what `commander` says of the
        episode's first state (another wording, another object) and its check.
        """
        values = {"task": kind} if variation is None else {"task": kind, "variation": variation}
        parameters = [
            Parameter(name=name, value=ParameterValue(type=ParameterType.PARAMETER_STRING, string_value=value))
            for name, value in values.items()
        ]
        for result in self._call(self.parameter_client, SetParameters.Request(parameters=parameters)).results:
            if not result.successful:
                raise RuntimeError(f"sim_node refused {values}: {result.reason}")
        previous = self._state.episode if self._state is not None else 0
        reset = self._call(self.reset_client, Trigger.Request())
        if not reset.success:
            raise RuntimeError(f"sim_node could not reset: {reset.message}")
        while self._state is None or self._state.episode <= previous:
            alive()
            time.sleep(0.02)
        instruction = reset.message if commander is None else commander.say(self._state)
        with self._lock:
            self._frames.clear()
            self._actions = 0
        self.command.publish(String(data=instruction))
        start = time.monotonic()
        success = False
        last_frame = None
        while not success and time.monotonic() - start < timeout:
            alive()
            time.sleep(0.05)
            with self._lock:
                frames, self._frames = self._frames, []
                state = self._state
            if state is not None and state.episode > previous:
                success = state.success if commander is None else commander.done(state)
            for frame in frames:
                last_frame = frame
                if writer is not None:
                    writer.add(frame)
        seconds = time.monotonic() - start
        if writer is not None and last_frame is not None:
            verdict = draw_verdict(last_frame, f"#{number} {'SUCCESS' if success else 'TIMEOUT'}", success)
            for _ in range(VERDICT_FRAMES):
                writer.add(verdict)
        return EpisodeOutcome(kind, instruction, success, seconds, self._actions)

    def latest_state(self) -> PrivilegedState:
        """The newest ground truth heard on /sim/privileged_state."""
        with self._lock:
            if self._state is None:
                raise RuntimeError("no /sim/privileged_state heard yet")
            return self._state

    def _call(self, client, request, timeout: float = 10.0):
        if not client.wait_for_service(timeout_sec=timeout):
            raise TimeoutError(f"service {client.srv_name} is not offered")
        future = client.call_async(request)
        deadline = time.monotonic() + timeout
        while not future.done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"service {client.srv_name} did not answer within {timeout:.0f} s")
            time.sleep(0.01)
        return future.result()
