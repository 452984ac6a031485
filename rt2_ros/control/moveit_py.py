"""The moveit_py backend: each safe delta becomes a MoveIt pose goal, planned and executed with MoveItPy.

Goal = current pose ⊕ delta (base frame, `geometry.apply_delta`), for ee_frame, planned by the
PlanningComponent of `planning_group` from the current state. Planning and execution take longer
than a policy step, so they run in a worker thread that always takes the newest action
(control/mailbox.py); actions it had no time for are dropped and counted. Hold clears the waiting
action and stops the trajectory in progress. /rt2/ee_pose comes from MoveIt's planning scene
monitor (its current robot state).

MoveItPy creates its own rclcpp node in this process and reads its parameters from the process's
`--params-file` arguments: launch/rt2.launch.py arm_backend:=moveit_py passes the MoveIt config
(robot description, SRDF, kinematics, pipelines, controllers, config/moveit_py.yaml) that way.
Humble's `execute(group, trajectory, blocking)` holds Python's GIL while it blocks, which would stall
this node's callbacks, so there it runs non-blocking and the worker waits out the trajectory's
duration; later distributions release the GIL in `execute(trajectory, controllers=[])`.
"""

import threading

import numpy as np
from geometry_msgs.msg import PoseStamped
from rclpy.node import Node

from rt2_ros.actions.action import Action
from rt2_ros.control.base import ArmBackend
from rt2_ros.control.distro import distro_interfaces
from rt2_ros.control.gripper import Gripper
from rt2_ros.control.mailbox import LatestMailbox
from rt2_ros.control.settings import ArmSettings
from rt2_ros.geometry import apply_delta, quaternion_from_matrix
from rt2_ros.ros.parameters import ParameterSpec, declare_parameters

LOG_THROTTLE = 2.0  # s between repeats of the same warning
EXECUTION_MARGIN = 0.2  # s waited beyond a trajectory's duration on Humble (non-blocking execute)

PARAMETERS = (
    ParameterSpec("planning_group", "arm", "MoveIt planning group whose tip moves ee_frame (config/rt2_arm.srdf)."),
    ParameterSpec("moveit_py_node_name", "moveit_py", "Name of the rclcpp node MoveItPy creates in this process."),
)


def pose_goal(frame: str, position: np.ndarray, quaternion: np.ndarray) -> PoseStamped:
    goal = PoseStamped()
    goal.header.frame_id = frame
    goal.pose.position.x, goal.pose.position.y, goal.pose.position.z = (float(v) for v in position)
    orientation = goal.pose.orientation
    orientation.x, orientation.y, orientation.z, orientation.w = (float(v) for v in quaternion)
    return goal


class MoveItPyBackend(ArmBackend):
    def __init__(self, node: Node, settings: ArmSettings) -> None:
        self._interfaces = distro_interfaces()
        try:
            from moveit.planning import MoveItPy
        except ImportError as error:
            raise ImportError(
                f"the moveit_py backend needs MoveIt's Python API: sudo apt install "
                f"{self._interfaces.apt_package('moveit_py')}, then start it with "
                f"`ros2 launch rt2_ros rt2.launch.py arm_backend:=moveit_py`; {error}"
            ) from error
        values = declare_parameters(node, PARAMETERS)
        self._node = node
        self._settings = settings
        self._group = values["planning_group"]
        self._gripper = Gripper(node, settings)
        self._moveit = MoveItPy(node_name=values["moveit_py_node_name"])
        self._arm = self._moveit.get_planning_component(self._group)
        self._scene = self._moveit.get_planning_scene_monitor()
        self._execution = self._moveit.get_trajectory_execution_manager()
        self._mailbox: LatestMailbox[Action] = LatestMailbox()
        self._interrupted = threading.Event()  # set by hold: ends a Humble execution wait early
        threading.Thread(target=self._work, name="moveit_py_worker", daemon=True).start()

    def apply(self, action: Action) -> None:
        self._gripper.command(action.gripper)
        if np.any(action.translation) or np.any(action.rotation):
            self._interrupted.clear()
            self._mailbox.put(action)

    def hold(self) -> None:
        self._mailbox.clear()
        self._interrupted.set()
        self._execution.stop_execution()

    def current_pose(self) -> tuple[np.ndarray, np.ndarray] | None:
        with self._scene.read_only() as scene:
            state = scene.current_state
            base = np.asarray(state.get_global_link_transform(self._settings.base_frame))  # (4, 4) in model frame
            ee = np.asarray(state.get_global_link_transform(self._settings.ee_frame))  # (4, 4)
        relative = np.linalg.solve(base, ee)  # base⁻¹ · ee: ee_frame in base_frame
        return relative[:3, 3].copy(), quaternion_from_matrix(relative[:3, :3])

    def _work(self) -> None:
        while (action := self._mailbox.take()) is not None:
            try:
                self._move(action)
            except Exception as error:  # MoveIt raises RuntimeError and pybind11 errors: report, keep serving
                self._node.get_logger().error(f"moveit_py: {error}", throttle_duration_sec=LOG_THROTTLE)

    def _move(self, action: Action) -> None:
        position, quaternion = apply_delta(*self.current_pose(), action.translation, action.rotation)
        self._arm.set_start_state_to_current_state()
        self._arm.set_goal_state(
            pose_stamped_msg=pose_goal(self._settings.base_frame, position, quaternion),
            pose_link=self._settings.ee_frame,
        )
        plan = self._arm.plan()
        if not plan:
            self._node.get_logger().warning(
                f"moveit_py: no plan to {np.round(position, 3).tolist()} "
                f"({self._mailbox.dropped} actions dropped so far while busy)",
                throttle_duration_sec=LOG_THROTTLE,
            )
            return
        if self._interfaces.moveit_py_execute_takes_group:
            self._moveit.execute(self._group, plan.trajectory, blocking=False)
            self._interrupted.wait(plan.trajectory.duration + EXECUTION_MARGIN)
        else:
            self._moveit.execute(plan.trajectory, controllers=[])
