"""Gripper commands of every arm backend: a topic or a GripperCommand action.

`gripper_interface: topic` publishes the finger position on /gripper_controller/commands
(std_msgs/Float64MultiArray), which a forward_command_controller (and sim_node) follows.
`gripper_interface: action` sends control_msgs/action/GripperCommand goals to a gripper action
controller (position_controllers/GripperActionController, `~/gripper_cmd`); control_msgs is then
required. The policy's gripper value (0 open .. 1 closed) maps linearly onto the finger joint's
range, by default the URDF limits of `gripper_joint`.
"""

from rclpy.node import Node
from std_msgs.msg import Float64MultiArray

from rt2_ros.control.delta_to_joints import finger_position
from rt2_ros.control.distro import distro_interfaces
from rt2_ros.control.settings import ArmSettings
from rt2_ros.robot.description import joint_range
from rt2_ros.ros.parameters import ParameterSpec, declare_parameters
from rt2_ros.ros.qos import ACTION

LOG_THROTTLE = 2.0  # s between repeats of the same warning
RESEND_THRESHOLD = 1e-4  # m; an action goal is sent only when the finger target moves more than this


def parameter_specs(joint: str) -> tuple[ParameterSpec, ...]:
    lower, upper = joint_range(joint)
    return (
        ParameterSpec(
            "gripper_interface",
            "topic",
            "How the gripper is commanded: topic (forward_command_controller) or action (GripperCommand).",
            choices=("topic", "action"),
        ),
        ParameterSpec(
            "gripper_topic", "/gripper_controller/commands", "Float64MultiArray topic of the finger position."
        ),
        ParameterSpec(
            "gripper_action",
            "/gripper_action_controller/gripper_cmd",
            "control_msgs/action/GripperCommand action of the gripper controller.",
        ),
        ParameterSpec("gripper_open_position", lower, "Finger joint position for gripper 0 (open).", -1.0, 1.0),
        ParameterSpec("gripper_closed_position", upper, "Finger joint position for gripper 1 (closed).", -1.0, 1.0),
        ParameterSpec("gripper_max_effort", 40.0, "max_effort of each GripperCommand goal, N.", 0.0, 1e4),
    )


class Gripper:
    """Sends the gripper target of each action through the configured interface."""

    def __init__(self, node: Node, settings: ArmSettings) -> None:
        self._node = node
        values = declare_parameters(node, parameter_specs(settings.gripper_joint))
        self._range = (values["gripper_open_position"], values["gripper_closed_position"])
        self._max_effort = values["gripper_max_effort"]
        self._last_goal: float | None = None
        self._publisher = None
        self._action_client = None
        if values["gripper_interface"] == "topic":
            # Reliable (ACTION profile): a lost gripper command is a lost grasp.
            self._publisher = node.create_publisher(Float64MultiArray, values["gripper_topic"], ACTION)
            return
        try:
            from control_msgs.action import GripperCommand
            from rclpy.action import ActionClient
        except ImportError as error:
            raise ImportError(
                f"gripper_interface 'action' needs control_msgs: sudo apt install "
                f"{distro_interfaces().apt_package('control_msgs')} (or use gripper_interface 'topic'); {error}"
            ) from error
        self._goal_type = GripperCommand.Goal
        self._action_client = ActionClient(node, GripperCommand, values["gripper_action"])
        self._action_name = values["gripper_action"]

    def command(self, gripper: float) -> None:
        """Move the fingers to the position of `gripper` (0 open .. 1 closed, clamped)."""
        position = finger_position(gripper, *self._range)
        if self._publisher is not None:
            self._publisher.publish(Float64MultiArray(data=[position]))
            return
        if self._last_goal is not None and abs(position - self._last_goal) <= RESEND_THRESHOLD:
            return
        if not self._action_client.server_is_ready():
            self._node.get_logger().warning(
                f"gripper action server {self._action_name} is not up; is the gripper action controller running?",
                throttle_duration_sec=LOG_THROTTLE,
            )
            return
        goal = self._goal_type()
        goal.command.position = position
        goal.command.max_effort = self._max_effort
        self._action_client.send_goal_async(goal)  # a newer goal preempts it on the controller
        self._last_goal = position
