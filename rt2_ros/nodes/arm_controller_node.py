"""arm_controller_node: /rt2/safe_action → the arm, and the arm's pose → /rt2/ee_pose.

The `backend` parameter picks how deltas reach the arm (control/factory.py): `builtin` (IK from
the URDF → joint trajectory + gripper command, the default, what sim_node and a ros2_control arm
accept), `servo` (MoveIt Servo) or `moveit_py`. Each backend is built as `Backend(node,
ArmSettings)`. The node owns the two subscriptions: /joint_states goes to the backend, after which
the backend's current pose is published on /rt2/ee_pose (at most ee_pose_rate times a second,
stamped with the joint state's time); each safe action is checked (finite, base frame) and
applied, a terminate action holds the arm. A bad message is logged and dropped; the node keeps
running. All callbacks share the node's default (mutually exclusive) callback group, so the
backend never sees two messages at once.
"""

import math
import sys
import time

from geometry_msgs.msg import PoseStamped
from rclpy.node import Node
from sensor_msgs.msg import JointState

from rt2_ros.control.factory import BACKENDS, backend_class
from rt2_ros.control.settings import ArmSettings
from rt2_ros.msg import EndEffectorDelta
from rt2_ros.ros.conversions import action_from_message
from rt2_ros.ros.parameters import ParameterSpec, declare_parameters
from rt2_ros.ros.qos import ACTION, JOINT_STATES, LATEST_STATE
from rt2_ros.ros.runner import run_node

DEFAULTS = ArmSettings()
LOG_THROTTLE = 2.0  # s between repeats of the same log line

PARAMETERS = (
    ParameterSpec("backend", "builtin", "How deltas reach the arm.", choices=tuple(BACKENDS), read_only=True),
    ParameterSpec("base_frame", DEFAULTS.base_frame, "Frame of the deltas and of /rt2/ee_pose.", read_only=True),
    ParameterSpec("ee_frame", DEFAULTS.ee_frame, "End-effector frame the deltas move.", read_only=True),
    ParameterSpec(
        "control_period",
        DEFAULTS.control_period,
        "Seconds; the policy's step (1 / its control rate), the shortest time one delta takes.",
        0.01,
        10.0,
    ),
    ParameterSpec(
        "velocity_scale",
        DEFAULTS.velocity_scale,
        "Fraction of the URDF joint velocity limits a step may use.",
        0.01,
        1.0,
        read_only=True,
    ),
    ParameterSpec(
        "tracking_translation",
        DEFAULTS.tracking_translation,
        "Metres; while the arm is this close to its last target, the next delta adds to that target.",
        0.001,
        1.0,
    ),
    ParameterSpec(
        "tracking_rotation",
        DEFAULTS.tracking_rotation,
        "Radians; the same tolerance for the orientation.",
        0.01,
        math.pi,
    ),
    ParameterSpec("ee_pose_rate", DEFAULTS.ee_pose_rate, "Hz; most /rt2/ee_pose messages per second.", 1.0, 1000.0),
)


class ArmControllerNode(Node):
    def __init__(self) -> None:
        super().__init__("arm_controller_node")
        values = declare_parameters(self, PARAMETERS)
        backend_name = values.pop("backend")
        self.settings = ArmSettings(**values)
        self.backend = backend_class(backend_name)(self, self.settings)
        self._ee_pose = self.create_publisher(PoseStamped, "/rt2/ee_pose", LATEST_STATE)
        self._last_pose_time = -math.inf  # time.monotonic() of the last /rt2/ee_pose
        self.create_subscription(EndEffectorDelta, "/rt2/safe_action", self._on_action, ACTION)
        # Default QoS (reliable, depth 10), as joint_state_broadcaster publishes.
        self.create_subscription(JointState, "/joint_states", self._on_joint_state, JOINT_STATES)
        self.get_logger().info(
            f"arm controller up: backend {backend_name}, {self.settings.ee_frame} in {self.settings.base_frame}, "
            f"control period {self.settings.control_period} s, velocity scale {self.settings.velocity_scale}"
        )

    def _on_joint_state(self, message: JointState) -> None:
        try:
            self.backend.observe_joint_state(list(message.name), list(message.position))
        except ValueError as error:
            self.get_logger().warning(f"joint state ignored: {error}", throttle_duration_sec=LOG_THROTTLE)
            return
        now = time.monotonic()
        if now - self._last_pose_time < 1.0 / self.settings.ee_pose_rate:
            return
        pose = self.backend.current_pose()
        if pose is None:
            return
        self._last_pose_time = now
        position, quaternion = pose
        out = PoseStamped()
        out.header.stamp = message.header.stamp
        out.header.frame_id = self.settings.base_frame
        out.pose.position.x, out.pose.position.y, out.pose.position.z = (float(v) for v in position)
        orientation = out.pose.orientation
        orientation.x, orientation.y, orientation.z, orientation.w = (float(v) for v in quaternion)
        self._ee_pose.publish(out)

    def _on_action(self, message: EndEffectorDelta) -> None:
        action = action_from_message(message)
        frame = message.header.frame_id
        if not action.is_finite():
            self.get_logger().error(f"safe action refused: non-finite values {action.to_vector().tolist()}")
            return
        if frame and frame != self.settings.base_frame:
            self.get_logger().error(
                f"safe action refused: deltas must be in {self.settings.base_frame!r}, got frame {frame!r}"
            )
            return
        try:
            if action.terminate:
                self.backend.hold()
            else:
                self.backend.apply(action)
        except (ValueError, RuntimeError) as error:
            self.get_logger().error(f"safe action refused: {error}", throttle_duration_sec=LOG_THROTTLE)


def main(args: list[str] | None = None) -> int:
    return run_node(ArmControllerNode, args)


if __name__ == "__main__":
    sys.exit(main())
