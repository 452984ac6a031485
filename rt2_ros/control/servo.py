"""The servo backend: safe deltas streamed to MoveIt Servo as geometry_msgs/TwistStamped.

Each action becomes a twist in base_frame held for one motion window (control/twist.py), re-sent
every `servo_publish_period` on `<servo_node>/delta_twist_cmds`, then a few zero twists; hold sends
zero twists at once. Servo is started once it is up: Humble's servo_node_main with `~/start_servo`
(std_srvs/Trigger), Jazzy's and later servo_node with `~/switch_command_type` set to TWIST
(moveit_msgs/srv/ServoCommandType). /rt2/ee_pose comes from TF (base_frame → ee_frame), which
robot_state_publisher derives from the same joint states MoveIt's state monitor follows.
"""

import threading

import numpy as np
from geometry_msgs.msg import TwistStamped
from rclpy.node import Node
from rclpy.time import Time

from rt2_ros.actions.action import Action
from rt2_ros.control.base import ArmBackend
from rt2_ros.control.distro import DistroInterfaces, distro_interfaces
from rt2_ros.control.gripper import Gripper
from rt2_ros.control.settings import ArmSettings
from rt2_ros.control.twist import StreamConfig, Twist, TwistStream, twist_for_delta
from rt2_ros.ros.parameters import ParameterSpec, declare_parameters
from rt2_ros.ros.qos import ACTION

LOG_THROTTLE = 2.0  # s between repeats of the same warning
START_RETRY_PERIOD = 1.0  # s between attempts to start Servo

PARAMETERS = (
    ParameterSpec("servo_node", "/servo_node", "Fully qualified name of the MoveIt Servo node."),
    ParameterSpec(
        "servo_publish_period",
        0.02,
        "s between twist messages; at most half of servo_command_timeout.",
        minimum=0.001,
        maximum=1.0,
    ),
    ParameterSpec(
        "servo_command_timeout",
        0.1,
        "s, Servo's moveit_servo.incoming_command_timeout (config/servo.yaml).",
        minimum=0.002,
        maximum=10.0,
    ),
    ParameterSpec(
        "servo_max_linear_speed",
        0.2,
        "m/s, fastest end-effector translation asked of Servo (at most its scale.linear).",
        minimum=0.001,
        maximum=2.0,
    ),
    ParameterSpec(
        "servo_max_angular_speed",
        0.8,
        "rad/s, fastest end-effector rotation asked of Servo (at most its scale.rotational).",
        minimum=0.001,
        maximum=10.0,
    ),
)


def twist_message(twist: Twist, frame: str, stamp: Time) -> TwistStamped:
    message = TwistStamped()
    message.header.frame_id = frame
    message.header.stamp = stamp.to_msg()
    message.twist.linear.x, message.twist.linear.y, message.twist.linear.z = (float(v) for v in twist.linear)
    message.twist.angular.x, message.twist.angular.y, message.twist.angular.z = (float(v) for v in twist.angular)
    return message


def start_request(interfaces: DistroInterfaces) -> tuple[type, object]:
    """(service type, request) that makes Servo follow twists on this distribution."""
    if interfaces.legacy:
        from std_srvs.srv import Trigger

        return Trigger, Trigger.Request()
    try:
        from moveit_msgs.srv import ServoCommandType
    except ImportError as error:
        raise ImportError(
            f"the servo backend on {interfaces.distro} needs moveit_msgs (~/switch_command_type): "
            f"sudo apt install {interfaces.apt_package('moveit_msgs')}; {error}"
        ) from error
    return ServoCommandType, ServoCommandType.Request(command_type=ServoCommandType.Request.TWIST)


class ServoBackend(ArmBackend):
    def __init__(self, node: Node, settings: ArmSettings) -> None:
        interfaces = distro_interfaces()
        try:
            import tf2_ros
        except ImportError as error:
            raise ImportError(
                f"the servo backend reads the end-effector pose from TF: sudo apt install "
                f"{interfaces.apt_package('tf2_ros')} {interfaces.apt_package('moveit_servo')}; {error}"
            ) from error
        service_type, self._start_request = start_request(interfaces)
        values = declare_parameters(node, PARAMETERS)
        self._config = StreamConfig(
            control_period=settings.control_period,
            publish_period=values["servo_publish_period"],
            incoming_command_timeout=values["servo_command_timeout"],
            max_linear_speed=values["servo_max_linear_speed"],
            max_angular_speed=values["servo_max_angular_speed"],
        )
        self._node = node
        self._settings = settings
        self._gripper = Gripper(node, settings)
        servo = values["servo_node"].rstrip("/")
        self._start_service = f"{servo}/{interfaces.servo_start_service}"
        self._stream = TwistStream(self._config)
        self._lock = threading.Lock()  # the stream is fed by action callbacks and read by the timer
        # Servo subscribes reliable (SystemDefaultsQoS): a best-effort publisher would not match.
        self._publisher = node.create_publisher(TwistStamped, f"{servo}/delta_twist_cmds", ACTION)
        self._start_client = node.create_client(service_type, self._start_service)
        self._start_pending = False
        self._started = False
        self._transform_error = tf2_ros.TransformException
        self._tf_buffer = tf2_ros.Buffer()
        self._tf_listener = tf2_ros.TransformListener(self._tf_buffer, node)
        self._publish_timer = node.create_timer(self._config.publish_period, self._publish_tick)
        node.create_timer(START_RETRY_PERIOD, self._start_servo)

    def _now(self) -> tuple[Time, float]:
        now = self._node.get_clock().now()
        return now, now.nanoseconds * 1e-9

    def _start_servo(self) -> None:
        if self._started or self._start_pending or not self._start_client.service_is_ready():
            return
        self._start_pending = True
        self._start_client.call_async(self._start_request).add_done_callback(self._on_started)

    def _on_started(self, future) -> None:
        self._start_pending = False  # a refusal is retried by the next _start_servo
        error = future.exception()
        response = None if error is not None else future.result()
        if response is not None and response.success:
            self._started = True
            self._node.get_logger().info(f"MoveIt Servo follows twists ({self._start_service})")
            return
        reason = error if error is not None else getattr(response, "message", "") or "no reason given"
        self._node.get_logger().error(f"{self._start_service} failed: {reason}", throttle_duration_sec=LOG_THROTTLE)

    def _publish_tick(self) -> None:
        stamp, now = self._now()
        with self._lock:
            twist = self._stream.tick(now)
        if twist is not None:
            self._publisher.publish(twist_message(twist, self._settings.base_frame, stamp))

    def apply(self, action: Action) -> None:
        if not self._started:
            self._node.get_logger().warning(
                f"MoveIt Servo is not started yet (waiting for {self._start_service}); is servo_node running?",
                throttle_duration_sec=LOG_THROTTLE,
            )
        twist, window = twist_for_delta(action.translation, action.rotation, self._config)
        with self._lock:
            self._stream.command(twist, window, self._now()[1])
        self._publish_now()
        self._gripper.command(action.gripper)

    def hold(self) -> None:
        with self._lock:
            self._stream.hold()
        self._publish_now()

    def _publish_now(self) -> None:
        """Send at once rather than up to one period later, and restart the period from here, so each
        twist stays in force for one publish period (what the stream's timing assumes)."""
        self._publish_tick()
        self._publish_timer.reset()

    def current_pose(self) -> tuple[np.ndarray, np.ndarray] | None:
        try:
            transform = self._tf_buffer.lookup_transform(self._settings.base_frame, self._settings.ee_frame, Time())
        except self._transform_error:
            return None
        translation, rotation = transform.transform.translation, transform.transform.rotation
        return (
            np.array([translation.x, translation.y, translation.z]),
            np.array([rotation.x, rotation.y, rotation.z, rotation.w]),
        )
