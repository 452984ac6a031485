"""policy_node: the camera frame and the language command in, action tokens and end-effector deltas out.

Subscribes /camera/image_raw (sensor-data QoS) and /rt2/command (std_msgs/String, reliable: what
`ros2 topic pub --once` sends); the scripted backend also reads /sim/privileged_state. At most
`control_rate` times a second, and as soon as a new frame arrives when the loop is free, it runs the
policy on the freshest frame whose header.stamp is at most `max_image_age` old, and publishes
/rt2/action_tokens (rt2_ros/ActionTokens) and /rt2/action (rt2_ros/EndEffectorDelta), both stamped with
the frame's capture time. The tiny backend also reads the arm's own state: /rt2/ee_pose and the gripper
joint of /joint_states. A command starts a new episode; terminate or `max_episode_steps` ends it and
the node idles until the next command.

When it publishes nothing it says why: a latched /rt2/policy_status line `<state>: <detail>` (states in
rt2_ros.policy.episode.State) and a throttled log. A bad image, a bad command or a failing policy step is
logged and counted; the node keeps running.

Inference runs on a thread of its own (rt2_ros.policy.pacing says why not in a callback group): the
subscriptions only store the newest message under a lock and wake it, so a slow model never delays them.
"""

import json
import sys
import threading
import time

import numpy as np
from geometry_msgs.msg import PoseStamped
from rclpy.node import Node
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Header, String

from rt2_ros.msg import ActionTokens, EndEffectorDelta, PolicyAttention
from rt2_ros.policy.base import DEFAULT_MIN_CONFIDENCE, PolicyStep
from rt2_ros.policy.episode import EpisodeRunner, RunnerConfig, State, Uncertain
from rt2_ros.policy.factory import BACKENDS, PolicyConfig, make_policy
from rt2_ros.policy.hf.configuration_hf import DECODING_MODES
from rt2_ros.policy.pacing import PacedWorker
from rt2_ros.policy.tiny.configuration_tiny import RUNTIMES
from rt2_ros.robot.description import gripper_closure
from rt2_ros.ros.conversions import seconds
from rt2_ros.ros.image_conversion import ImageConversionError, image_to_rgb
from rt2_ros.ros.parameters import ParameterSpec, declare_parameters
from rt2_ros.ros.qos import ACTION, COMMAND, JOINT_STATES, LATCHED, LATEST_STATE, SENSOR_DATA
from rt2_ros.ros.runner import run_node

PARAMETERS = (
    ParameterSpec("backend", "hf", "Policy backend.", choices=BACKENDS, read_only=True),
    ParameterSpec("model_path", "", "Checkpoint folder (hf, tiny).", read_only=True),
    ParameterSpec("server_url", "", "Policy server, http://host:port (remote).", read_only=True),
    ParameterSpec(
        "unnorm_key", "", "dataset_statistics.json key to un-normalise with; '' = the only one.", read_only=True
    ),
    ParameterSpec("device", "cpu", "Torch device: cpu, cuda or cuda:N (hf).", read_only=True),
    ParameterSpec("control_rate", 5.0, "Hz: most actions per second.", 0.1, 1000.0, read_only=True),
    ParameterSpec(
        "max_image_age",
        0.5,
        "s: a frame older than this (by header.stamp) is not acted on.",
        0.001,
        60.0,
        read_only=True,
    ),
    ParameterSpec(
        "max_episode_steps",
        0,
        "Actions per episode before idling; 0 = until terminate or a new command.",
        0,
        10**6,
        read_only=True,
    ),
    ParameterSpec(
        "max_frozen_time",
        0.0,
        "s: pixels identical for longer than this across new stamps are not acted on; 0 = not checked.",
        0.0,
        60.0,
        read_only=True,
    ),
    ParameterSpec("base_frame", "base_link", "frame_id of /rt2/action (the arm's base frame).", read_only=True),
    ParameterSpec("trust_remote_code", False, "hf: run the checkpoint's own Python code.", read_only=True),
    ParameterSpec("allow_pickle_weights", False, "hf: accept *.bin (pickle) weights.", read_only=True),
    ParameterSpec("decoding", "static", "hf: how action tokens are decoded.", choices=DECODING_MODES, read_only=True),
    ParameterSpec("compile", False, "hf: torch.compile vision tower and decode step (slow start).", read_only=True),
    ParameterSpec("center_crop_scale", 1.0, "hf: image area kept by a centre crop.", 0.1, 1.0, read_only=True),
    ParameterSpec("gripper_open_is_one", True, "hf, remote: the model's gripper value 1 means open.", read_only=True),
    ParameterSpec("server_timeout", 2.0, "s per request to the policy server (remote).", 0.01, 60.0, read_only=True),
    ParameterSpec(
        "tiny_runtime", "auto", "tiny: onnx (ONNX Runtime), torch, or auto.", choices=RUNTIMES, read_only=True
    ),
    ParameterSpec(
        "min_brightness",
        20.0,
        "Mean grey level below which a frame is too dark to act on; 0 = off.",
        0.0,
        255.0,
        read_only=True,
    ),
    ParameterSpec(
        "max_saturated",
        0.5,
        "Share of clipped-white pixels above which a frame is not acted on; 1 = off.",
        0.0,
        1.0,
        read_only=True,
    ),
    ParameterSpec(
        "min_contrast",
        6.0,
        "Grey-level std below which nothing is in view (not acted on); 0 = off.",
        0.0,
        128.0,
        read_only=True,
    ),
    ParameterSpec(
        "min_confidence",
        DEFAULT_MIN_CONFIDENCE,
        "A step the backend is less sure of than this is not acted on; 0 = off (default: docs/faults.md's sweep).",
        0.0,
        1.0,
        read_only=True,
    ),
)

LOG_THROTTLE = 2.0  # s between repeated "why nothing is published" logs
# The shortest step, as a share of the control period: on the wall clock (the inference thread) and between the
# capture stamps of two frames acted on (policy/episode.py). Steps then follow the camera's clock: each one acts on
# a frame as it arrives, the first one captured a control period after the last frame acted on, taken as the last
# step's motion ends. Paced by the wall clock alone, the phase of the first step of an episode stayed: a 5 Hz policy
# on the sim's 10 Hz camera acted on frames 50-120 ms old (through the graph), the arm's state told by a frame one
# half motion behind. Below 1 so a step can move up to a frame's arrival; a camera at 10, 15, 20 or 30 Hz still
# gives the control rate exactly, 12 Hz gives every third frame (4 Hz at 5 Hz).
FRAME_SPACING = 0.9


class PolicyNode(Node):
    def __init__(self) -> None:
        super().__init__("policy_node")
        self.params = declare_parameters(self, PARAMETERS)
        policy_fields = PolicyConfig.__dataclass_fields__
        policy = make_policy(
            PolicyConfig(**{name: value for name, value in self.params.items() if name in policy_fields})
        )
        runner_fields = RunnerConfig.__dataclass_fields__
        runner_config = {name: self.params[name] for name in runner_fields if name in self.params}
        shortest_step = FRAME_SPACING / self.params["control_rate"]
        self.runner = EpisodeRunner(policy, RunnerConfig(**runner_config, frame_spacing=shortest_step))
        self.failures = 0
        self._lock = threading.Lock()  # guards the slots the subscriptions write
        self._pending_commands: list[str] = []  # every command counts (each is checked and logged)
        self._newest_image: Image | None = None
        self._newest_privileged: str | None = None
        self._newest_pose: PoseStamped | None = None
        self._newest_joints: JointState | None = None
        self._status = ""  # the inference thread's, once it runs

        self.action_publisher = self.create_publisher(EndEffectorDelta, "/rt2/action", ACTION)
        self.tokens_publisher = self.create_publisher(ActionTokens, "/rt2/action_tokens", ACTION)
        self.status_publisher = self.create_publisher(String, "/rt2/policy_status", LATCHED)
        # Where the model looked, per step like the action it explains (only backends with pointers publish).
        self.attention_publisher = self.create_publisher(PolicyAttention, "/rt2/attention", ACTION)
        self.inference = PacedWorker(self.control_step, shortest_step, self.on_step_error)
        self.create_subscription(Image, "/camera/image_raw", self.on_image, SENSOR_DATA)
        self.create_subscription(String, "/rt2/command", self.on_command, COMMAND)
        if policy.needs_privileged_state:
            self.create_subscription(String, "/sim/privileged_state", self.on_privileged_state, LATEST_STATE)
        if policy.needs_proprio:  # the arm's own state: the controller's pose, the driver's joint states
            self.create_subscription(PoseStamped, "/rt2/ee_pose", self.on_ee_pose, LATEST_STATE)
            self.create_subscription(JointState, "/joint_states", self.on_joint_states, JOINT_STATES)
        self.set_status(State.NO_COMMAND, "no command yet: publish one on /rt2/command")
        self.inference.start()
        runtime = getattr(policy, "runtime", "")
        note = getattr(policy, "runtime_note", "")
        self.get_logger().info(
            f"policy_node ready: backend {self.params['backend']}{f' ({runtime} runtime)' if runtime else ''}, "
            f"{self.params['control_rate']} Hz, max_image_age {self.params['max_image_age']} s"
            + (f"; not ONNX Runtime: {note}" if note else "")
        )

    def destroy_node(self) -> None:
        self.inference.stop()  # no step may publish on a destroyed publisher
        super().destroy_node()

    # -- subscriptions: store the newest message and wake the inference thread, nothing else -------

    def on_image(self, message: Image) -> None:
        with self._lock:
            self._newest_image = message
        self.inference.wake()

    def on_command(self, message: String) -> None:
        with self._lock:
            self._pending_commands.append(message.data)
        self.inference.wake()

    def on_privileged_state(self, message: String) -> None:
        with self._lock:
            self._newest_privileged = message.data

    def on_ee_pose(self, message: PoseStamped) -> None:
        with self._lock:
            self._newest_pose = message

    def on_joint_states(self, message: JointState) -> None:
        with self._lock:
            self._newest_joints = message

    # -- the control loop (the inference thread) --------------------------------------------------

    def control_step(self) -> bool:
        """Act on the freshest frame unless something blocks it; True when a frame was used (it counts for the rate)."""
        self.take_inbox()
        now = self.get_clock().now().nanoseconds * 1e-9
        blocked = self.runner.blocked(now)
        if blocked is not None:
            self.set_status(*blocked)
            return False
        image_message = self.runner.frame.message
        try:
            pixels = image_to_rgb(image_message)
        except ImageConversionError as error:
            self.runner.skip_frame()
            self.fail(State.BAD_IMAGE, f"image rejected: {error}")
            return True
        problem = self.runner.image_problem(pixels)
        if problem is not None:  # a view the policy cannot trust: not acted on, the next frame is tried
            self.runner.skip_frame()
            self.set_status(*problem)
            return True
        image_age_ms = (self.get_clock().now().nanoseconds * 1e-9 - self.runner.frame.stamp) * 1e3
        started = time.perf_counter()
        try:
            step = self.runner.act(pixels)
        except Uncertain as reason:  # the model is unsure: nothing published, the gate's watchdog holds
            self.set_status(State.UNCERTAIN, str(reason))
            return True
        except Exception as error:  # any backend failure: report it, publish nothing, keep running
            self.fail(State.ERROR, f"policy step failed: {type(error).__name__}: {error}")
            return True
        policy_ms = (time.perf_counter() - started) * 1e3
        self.publish(step, image_message.header)
        self.set_status(
            State.ACTING,
            f"episode {self.runner.episode} step {self.runner.steps}, image age {image_age_ms:.1f} ms, "
            f"policy {policy_ms:.1f} ms",
        )
        if self.runner.done_reason:
            self.set_status(*self.runner.ended())
        return True

    def on_step_error(self, error: Exception) -> None:
        """An unexpected error outside the policy call (control_step handles those): log it (throttled), go on."""
        if self.context.ok():  # at shutdown a publish may fail on the closing context: nothing to report
            message = f"control step failed: {type(error).__name__}: {error}"
            self.get_logger().error(message, throttle_duration_sec=LOG_THROTTLE)

    def take_inbox(self) -> None:
        with self._lock:
            commands, self._pending_commands = self._pending_commands, []
            image, self._newest_image = self._newest_image, None
            privileged, self._newest_privileged = self._newest_privileged, None
            pose, self._newest_pose = self._newest_pose, None
            joints, self._newest_joints = self._newest_joints, None
        for command in commands:
            try:
                instruction = self.runner.command(command)
                self.get_logger().info(f"episode {self.runner.episode}: {instruction!r}")
            except ValueError as error:
                self.get_logger().error(f"command ignored: {error}")
        if image is not None:
            self.runner.new_frame(seconds(image.header.stamp), image, image.data)
        if privileged is not None:
            self.take_privileged_state(privileged)
        if pose is not None:
            position, orientation = pose.pose.position, pose.pose.orientation
            self.runner.ee_pose = (
                (position.x, position.y, position.z),
                (orientation.x, orientation.y, orientation.z, orientation.w),
            )
        if joints is not None:
            closure = gripper_closure(list(joints.name), list(joints.position))
            self.runner.gripper = self.runner.gripper if closure is None else closure

    def take_privileged_state(self, text: str) -> None:
        try:
            self.runner.privileged_state = json.loads(text)
        except json.JSONDecodeError as error:
            self.get_logger().error(f"/sim/privileged_state is not JSON: {error}")

    # -- output -------------------------------------------------------------------------------------

    def publish(self, step: PolicyStep, header: Header) -> None:
        tokens, action = output_messages(
            step, header, self.params["base_frame"], self.runner.instruction, self.runner.policy.token_scheme
        )
        self.action_publisher.publish(action)  # first: the arm waits for it, the tokens are for inspection
        if tokens is not None:
            self.tokens_publisher.publish(tokens)
        attention = attention_message(step, action.header, self.runner.policy)
        if attention is not None:
            self.attention_publisher.publish(attention)

    def fail(self, state: State, reason: str) -> None:
        self.failures += 1
        self.get_logger().error(f"{reason} (failures so far: {self.failures}; nothing published for this frame)")
        self.set_status(state, reason)

    def set_status(self, state: State, detail: str) -> None:
        """Publish `<state>: <detail>` on /rt2/policy_status; log why nothing is published (throttled).

        Waiting states are published when the state changes (their detail, e.g. an image's age, changes
        every tick); each action, failure and episode end is published as it happens. Waiting for the next
        frame is how every step begins, not logged.
        """
        text = f"{state.value}: {detail}"
        every_time = state in (State.ACTING, State.DONE, State.ERROR, State.BAD_IMAGE)
        if text != self._status and (every_time or not self._status.startswith(f"{state.value}:")):
            self.status_publisher.publish(String(data=text))
            self._status = text
        if not every_time and state is not State.WAITING_FOR_IMAGE:
            self.get_logger().info(f"nothing published: {text}", throttle_duration_sec=LOG_THROTTLE)


def output_messages(
    step: PolicyStep, image_header: Header, base_frame: str, instruction: str, scheme: str
) -> tuple[ActionTokens | None, EndEffectorDelta]:
    """The messages of one step, stamped with the image's capture time; no ActionTokens when there are no tokens."""
    header = Header(stamp=image_header.stamp, frame_id=base_frame)
    tokens = None
    if step.tokens:
        tokens = ActionTokens(header=header, instruction=instruction, scheme=scheme)
        tokens.tokens = [int(token) for token in step.tokens]
    action = EndEffectorDelta(header=header, gripper=float(step.action.gripper), terminate=step.action.terminate)
    action.translation.x, action.translation.y, action.translation.z = (float(v) for v in step.action.translation)
    action.rotation.x, action.rotation.y, action.rotation.z = (float(v) for v in step.action.rotation)
    return tokens, action


def attention_message(step: PolicyStep, header: Header, policy) -> PolicyAttention | None:
    """Where the policy looked in this step, for viewers; None for backends without pointers."""
    if step.pointers is None or policy.pointer_crop is None:
        return None
    maps = np.asarray(step.pointers, dtype=np.float32)  # (R, G, G)
    message = PolicyAttention(header=header, roles=list(policy.pointer_roles), grid=int(maps.shape[-1]))
    message.probabilities = maps.ravel().tolist()
    message.crop = [float(value) for value in policy.pointer_crop]
    message.token_probabilities = [float(value) for value in step.token_probabilities or ()]
    return message


def main(args: list[str] | None = None) -> int:
    return run_node(PolicyNode, args)


if __name__ == "__main__":
    sys.exit(main())
