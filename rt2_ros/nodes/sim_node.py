"""sim_node: the embedded MuJoCo simulation speaking the ROS interfaces of a real arm and camera.

Publishes /camera/image_raw (rgb8, sensor-data QoS), /joint_states, /sim/privileged_state (the
ground truth the scripted expert reads, JSON, see rt2_ros.sim.privileged), /sim/instruction
(latched: the current task's command) and, with publish_clock, /clock. Accepts
/arm_controller/joint_trajectory (as joint_trajectory_controller) and /gripper_controller/commands
(as a forward command controller on gripper_finger_left_joint); /sim/reset starts a new episode.

Time: the physics runs paced to the wall clock (times real_time_factor). By default messages
are stamped with the node clock (wall time), so the safety node's max_action_age works with no
further set-up. With publish_clock:=true the node publishes the physics time on /clock and
stamps with it; run the other nodes with use_sim_time:=true then.

All work happens in one mutually exclusive callback group: physics, commands and resets never
interleave. A bad command (trajectory or gripper) is refused with an error log and the sim runs on.
"""

import sys
import time

import numpy as np
from builtin_interfaces.msg import Time
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Float64MultiArray, Header, String
from std_srvs.srv import Trigger
from trajectory_msgs.msg import JointTrajectory

from rt2_ros.ros.conversions import seconds
from rt2_ros.ros.image_conversion import rgb_to_image
from rt2_ros.ros.parameters import ParameterSpec, check_value, declare_parameters
from rt2_ros.ros.qos import ACTION, JOINT_STATES, LATCHED, LATEST_STATE, SENSOR_DATA
from rt2_ros.ros.runner import run_node
from rt2_ros.sim.privileged import TASK_KINDS, serialise
from rt2_ros.sim.scene import SceneConfig
from rt2_ros.sim.sensor import add_sensor_noise
from rt2_ros.sim.tasks import TaskSpec
from rt2_ros.sim.variation import SceneVariation, load_variations
from rt2_ros.sim.world import SimWorld

VARIATIONS = load_variations()

PARAMETERS = (
    ParameterSpec("image_width", 224, "Camera image width in pixels.", 32, 1920, read_only=True),
    ParameterSpec("image_height", 224, "Camera image height in pixels.", 32, 1080, read_only=True),
    ParameterSpec(
        "seed", 0, "Seed of the episode sequence: the same seed gives the same episodes.", 0, 2**31 - 1, read_only=True
    ),
    ParameterSpec("task", "", "Task kind of the next resets; empty draws one per episode.", choices=("", *TASK_KINDS)),
    ParameterSpec(
        "variation",
        "",
        "Scene variation of the next resets (config/generalization.yaml); empty: all the scene offers.",
        choices=("", *VARIATIONS),
    ),
    ParameterSpec("camera_rate", 10.0, "Hz of /camera/image_raw and /sim/privileged_state (sim time).", 1.0, 60.0),
    ParameterSpec("joint_state_rate", 50.0, "Hz of /joint_states (sim time).", 1.0, 500.0),
    ParameterSpec("physics_rate", 500.0, "Hz of the physics steps.", 100.0, 2000.0, read_only=True),
    ParameterSpec("real_time_factor", 1.0, "Sim seconds per wall second the sim is paced to.", 0.1, 10.0),
    ParameterSpec(
        "publish_clock", False, "Publish /clock and stamp with the physics time (use_sim_time).", read_only=True
    ),
    ParameterSpec("camera_frame", "scene_camera_optical_frame", "frame_id of the camera images.", read_only=True),
    ParameterSpec(
        "camera_noise",
        0.0,
        "Std of per-pixel Gaussian sensor noise in intensity levels (0-255); 0: noiseless renders.",
        0.0,
        50.0,
        read_only=True,
    ),
)

TICK_PERIOD = 0.01  # s of wall time between physics advances
MAX_CATCH_UP = 0.05  # s of wall time one tick may make up (a stalled process does not race afterwards)


class SimNode(Node):
    def __init__(self) -> None:
        super().__init__("sim_node")
        self.params = declare_parameters(self, PARAMETERS)
        self.task = TaskSpec(self.params["task"] or None)
        self.world = SimWorld(
            SceneConfig(timestep=1.0 / self.params["physics_rate"]),
            seed=self.params["seed"],
            image_size=(self.params["image_width"], self.params["image_height"]),
            variation=variation_named(self.params["variation"]),
        )
        self.image_publisher = self.create_publisher(Image, "/camera/image_raw", SENSOR_DATA)
        self.joint_publisher = self.create_publisher(JointState, "/joint_states", JOINT_STATES)
        self.state_publisher = self.create_publisher(String, "/sim/privileged_state", LATEST_STATE)
        self.instruction_publisher = self.create_publisher(String, "/sim/instruction", LATCHED)
        self.clock_publisher = self.create_publisher(Clock, "/clock", 10) if self.params["publish_clock"] else None
        self.create_subscription(JointTrajectory, "/arm_controller/joint_trajectory", self.on_trajectory, ACTION)
        self.create_subscription(Float64MultiArray, "/gripper_controller/commands", self.on_gripper, ACTION)
        self.create_service(Trigger, "/sim/reset", self.on_reset)
        self.add_on_set_parameters_callback(self.on_parameters)
        self.refused = 0
        self.noise_rng = np.random.default_rng([self.params["seed"], 1])  # the camera noise: a stream of its own
        self.reset_episode()
        self._last_wall = time.monotonic()
        self._next_camera = self._next_joints = self.world.time
        self.create_timer(TICK_PERIOD, self.tick)

    def reset_episode(self) -> str:
        task = self.world.reset(self.task)
        self._next_camera = self._next_joints = self.world.time
        self.instruction_publisher.publish(String(data=task.instruction))
        self.get_logger().info(f"episode {self.world.episode}: {task.instruction!r}")
        return task.instruction

    # -- callbacks ---------------------------------------------------------------------------

    def tick(self) -> None:
        now = time.monotonic()
        advance = min(now - self._last_wall, MAX_CATCH_UP) * self.params["real_time_factor"]
        self._last_wall = now
        if advance <= 0:
            return
        self.world.advance(advance)
        if self.clock_publisher is not None:
            self.clock_publisher.publish(Clock(clock=self.stamp()))
        if self.world.time >= self._next_joints:
            self._next_joints += 1.0 / self.params["joint_state_rate"]
            self.publish_joint_states()
        if self.world.time >= self._next_camera:
            self._next_camera += 1.0 / self.params["camera_rate"]
            self.publish_camera()
        self._next_joints = max(self._next_joints, self.world.time)  # never a backlog after a stall
        self._next_camera = max(self._next_camera, self.world.time)

    def on_trajectory(self, message: JointTrajectory) -> None:
        if not message.points:  # as joint_trajectory_controller: an empty trajectory stops the arm
            self.world.hold_arm()
            self.get_logger().info("empty trajectory: holding the current position")
            return
        try:
            self.world.command_trajectory(
                message.joint_names,
                [list(point.positions) for point in message.points],
                [seconds(point.time_from_start) for point in message.points],
            )
        except ValueError as error:
            self.refuse(f"trajectory refused: {error}")

    def on_gripper(self, message: Float64MultiArray) -> None:
        try:
            if len(message.data) != 1:
                raise ValueError(f"expected 1 value (gripper_finger_left_joint position, m); got {len(message.data)}")
            self.world.command_fingers(float(message.data[0]))
        except ValueError as error:
            self.refuse(f"gripper command refused: {error}")

    def on_parameters(self, parameters: list[Parameter]) -> SetParametersResult:
        """task, variation, camera_rate, joint_state_rate and real_time_factor take effect at once (task and
        variation: at the next reset)."""
        specs = {spec.name: spec for spec in PARAMETERS}
        try:
            for parameter in parameters:
                if parameter.name in specs:
                    check_value(specs[parameter.name], parameter.value)
            task = next((TaskSpec(p.value or None) for p in parameters if p.name == "task"), self.task)
            for parameter in parameters:
                if parameter.name == "variation":
                    self.world.variation = variation_named(parameter.value)
        except ValueError as error:
            return SetParametersResult(successful=False, reason=str(error))
        self.task = task
        self.params.update({p.name: p.value for p in parameters if p.name in specs})
        return SetParametersResult(successful=True)

    def on_reset(self, request: Trigger.Request, response: Trigger.Response) -> Trigger.Response:
        """A reset that fails answers why and leaves the running episode as it was (SimWorld.reset draws first)."""
        try:
            response.message = self.reset_episode()
            response.success = True
        except Exception as error:  # any failure: the node must outlive it (a raise here would end the process)
            response.success = False
            response.message = f"reset failed, episode {self.world.episode} goes on: {type(error).__name__}: {error}"
            self.get_logger().error(response.message)
        return response

    def destroy_node(self) -> None:
        if hasattr(self, "world"):  # not when a bad parameter stopped the constructor before it
            self.world.close()
        super().destroy_node()

    # -- publishing --------------------------------------------------------------------------

    def refuse(self, reason: str) -> None:
        self.refused += 1
        self.get_logger().error(f"{reason} (refused so far: {self.refused}; the sim keeps running)")

    def stamp(self) -> Time:
        if self.params["publish_clock"]:
            seconds = self.world.time
            return Time(sec=int(seconds), nanosec=int((seconds % 1.0) * 1e9))
        return self.get_clock().now().to_msg()

    def publish_joint_states(self) -> None:
        positions, velocities, efforts = self.world.joint_state()
        message = JointState(name=list(self.world.joint_names))
        message.header.stamp = self.stamp()
        message.position, message.velocity, message.effort = positions.tolist(), velocities.tolist(), efforts.tolist()
        self.joint_publisher.publish(message)

    def publish_camera(self) -> None:
        stamp = self.stamp()
        rgb = add_sensor_noise(self.world.render(), self.params["camera_noise"], self.noise_rng)
        self.image_publisher.publish(rgb_to_image(rgb, Header(stamp=stamp, frame_id=self.params["camera_frame"])))
        state = self.world.privileged_state(stamp=seconds(stamp))
        self.state_publisher.publish(String(data=serialise(state)))
        self.world.step_count += 1


def variation_named(name: str) -> SceneVariation:
    return VARIATIONS[name] if name else SceneVariation()


def main(args: list[str] | None = None) -> int:
    return run_node(SimNode, args)


if __name__ == "__main__":
    sys.exit(main())
