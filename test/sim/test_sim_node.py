"""sim_node over DDS: camera, joint states and ground truth go out; trajectories move the arm;
bad commands are refused with a clear error while the sim keeps running; /sim/reset starts a new episode."""

import itertools
import math

import numpy as np
import pytest
from builtin_interfaces.msg import Duration
from helpers import spin_until
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
from rcl_interfaces.srv import SetParameters
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Float64MultiArray, String
from std_srvs.srv import Trigger
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

from rt2_ros.robot.description import ARM_JOINTS, home_positions
from rt2_ros.ros.qos import ACTION, LATCHED, LATEST_STATE, SENSOR_DATA
from rt2_ros.sim.privileged import parse

pytestmark = pytest.mark.ros

HOME = np.array([home_positions()[name] for name in ARM_JOINTS])


class Probe:
    """Subscribes to what sim_node publishes; publishes what it accepts."""

    def __init__(self, node):
        self.node = node
        self.images: list[Image] = []
        self.joint_states: list[JointState] = []
        self.states: list[str] = []
        self.instructions: list[str] = []
        node.create_subscription(Image, "/camera/image_raw", self.images.append, SENSOR_DATA)
        node.create_subscription(JointState, "/joint_states", self.joint_states.append, 10)
        node.create_subscription(String, "/sim/privileged_state", lambda m: self.states.append(m.data), LATEST_STATE)
        node.create_subscription(String, "/sim/instruction", lambda m: self.instructions.append(m.data), LATCHED)
        self.trajectory = node.create_publisher(JointTrajectory, "/arm_controller/joint_trajectory", ACTION)
        self.gripper = node.create_publisher(Float64MultiArray, "/gripper_controller/commands", ACTION)

    def arm(self) -> np.ndarray:
        message = self.joint_states[-1]
        return np.array([message.position[list(message.name).index(name)] for name in ARM_JOINTS])

    def send_trajectory(self, names, positions, seconds=0.3):
        point = JointTrajectoryPoint(positions=list(positions))
        point.time_from_start = Duration(sec=int(seconds), nanosec=int((seconds % 1) * 1e9))
        self.trajectory.publish(JointTrajectory(joint_names=list(names), points=[point]))

    def wait_subscribed(self):
        assert spin_until(self.node, lambda: self.trajectory.get_subscription_count() > 0, 30), "sim_node never came up"
        assert spin_until(self.node, lambda: self.joint_states and self.images and self.states, 30)


def test_sim_node_publishes_camera_joint_states_and_ground_truth(ros_node, node_process):
    sim = node_process("sim_node", {"image_width": 128, "image_height": 96, "seed": 3})
    probe = Probe(ros_node)
    probe.wait_subscribed()
    image = probe.images[-1]
    assert (image.width, image.height, image.encoding, image.step) == (128, 96, "rgb8", 128 * 3)
    assert len(image.data) == 128 * 96 * 3 and image.header.stamp.sec > 0
    assert image.header.frame_id == "scene_camera_optical_frame"
    assert list(probe.joint_states[-1].name)[:6] == list(ARM_JOINTS)
    np.testing.assert_allclose(probe.arm(), HOME, atol=0.01)
    # The latched instruction comes when DDS matches that reader, which may be after the other topics' first
    # samples (CI on a loaded machine: none yet when the images and states were in).
    assert spin_until(ros_node, lambda: probe.instructions, 10), "no /sim/instruction"
    state = parse(probe.states[-1])
    assert probe.instructions[-1] == state.task.instruction
    assert not state.success and state.task.object in state.objects
    assert sim.running()


def test_sim_node_follows_trajectories_and_refuses_bad_ones(ros_node, node_process):
    sim = node_process("sim_node", {"image_width": 64, "image_height": 64})
    probe = Probe(ros_node)
    probe.wait_subscribed()
    target = HOME + np.array([0.2, -0.1, 0.1, 0.0, 0.1, 0.3])
    probe.send_trajectory(ARM_JOINTS, target)
    assert spin_until(ros_node, lambda: np.allclose(probe.arm(), target, atol=0.01), 10), probe.arm()

    bad = [
        (["joint_1", "joint_2", "joint_3", "joint_4", "joint_5", "wrist"], HOME, "unknown joint names"),
        (ARM_JOINTS[:5], HOME[:5], "missing"),
        (ARM_JOINTS, [math.nan, *HOME[1:]], "non-finite"),
        (ARM_JOINTS, [*HOME[:5], 9.0], "outside its limits"),
    ]
    for names, positions, _ in bad:
        probe.send_trajectory(names, positions)
    probe.gripper.publish(Float64MultiArray(data=[0.5]))  # beyond the fingers' travel
    probe.gripper.publish(Float64MultiArray(data=[0.01, 0.01]))  # one joint, one value
    expected = [reason for _, _, reason in bad] + ["gripper command refused: finger position", "expected 1 value"]
    assert spin_until(ros_node, lambda: all(reason in sim.output() for reason in expected), 30), sim.output()[-2000:]

    # Still running, still holding the last good target, and still following new ones.
    count = len(probe.joint_states)
    assert spin_until(ros_node, lambda: len(probe.joint_states) > count + 10, 5)
    np.testing.assert_allclose(probe.arm(), target, atol=0.01)
    probe.send_trajectory(ARM_JOINTS, HOME)
    probe.gripper.publish(Float64MultiArray(data=[0.04]))
    assert spin_until(ros_node, lambda: np.allclose(probe.arm(), HOME, atol=0.01), 10)

    # An empty trajectory stops the arm where it is, as joint_trajectory_controller does.
    probe.send_trajectory(ARM_JOINTS, target, seconds=4.0)
    assert spin_until(ros_node, lambda: np.abs(probe.arm() - HOME).max() > 0.05, 5)
    probe.trajectory.publish(JointTrajectory())
    assert spin_until(ros_node, lambda: "holding the current position" in sim.output(), 5)
    stopped = probe.arm()
    count = len(probe.joint_states)
    assert spin_until(ros_node, lambda: len(probe.joint_states) > count + 25, 5)
    np.testing.assert_allclose(probe.arm(), stopped, atol=0.02)
    assert np.abs(probe.arm() - target).max() > 0.05
    assert sim.running()


def call(node, client, request):
    assert client.wait_for_service(timeout_sec=10), f"{client.srv_name} not offered"
    future = client.call_async(request)
    assert spin_until(node, future.done, 10)
    return future.result()


def test_sim_reset_starts_a_new_episode_of_the_task_asked_for(ros_node, node_process):
    node_process("sim_node", {"image_width": 64, "image_height": 64})
    probe = Probe(ros_node)
    probe.wait_subscribed()
    first = parse(probe.states[-1])
    set_parameters = ros_node.create_client(SetParameters, "/sim_node/set_parameters")
    refused = call(ros_node, set_parameters, SetParameters.Request(parameters=[task_parameter("juggle")]))
    assert not refused.results[0].successful and "expected one of" in refused.results[0].reason
    accepted = call(ros_node, set_parameters, SetParameters.Request(parameters=[task_parameter("push")]))
    assert accepted.results[0].successful

    response = call(ros_node, ros_node.create_client(Trigger, "/sim/reset"), Trigger.Request())
    assert response.success and response.message.startswith("push the ")
    assert spin_until(ros_node, lambda: parse(probe.states[-1]).episode == first.episode + 1, 10)
    assert parse(probe.states[-1]).task.instruction == response.message
    assert spin_until(ros_node, lambda: probe.instructions[-1:] == [response.message], 5)


def task_parameter(value: str) -> Parameter:
    return Parameter(name="task", value=ParameterValue(type=ParameterType.PARAMETER_STRING, string_value=value))


def test_publish_clock_stamps_with_sim_time(ros_node, node_process):
    node_process("sim_node", {"image_width": 64, "image_height": 64, "publish_clock": True})
    clocks: list[Clock] = []
    ros_node.create_subscription(Clock, "/clock", clocks.append, 10)
    probe = Probe(ros_node)
    probe.wait_subscribed()
    assert spin_until(ros_node, lambda: len(clocks) > 20, 10)
    seconds = [clock.clock.sec + clock.clock.nanosec * 1e-9 for clock in clocks]
    assert all(later > earlier for earlier, later in itertools.pairwise(seconds))
    # Sim time starts at 0 (the first episode begins after 0.3 s of settling), not at the wall clock's epoch.
    stamp = probe.images[-1].header.stamp
    assert 0.3 <= stamp.sec + stamp.nanosec * 1e-9 <= seconds[-1] + 0.5 < 600
    assert parse(probe.states[-1]).stamp == pytest.approx(stamp.sec + stamp.nanosec * 1e-9, abs=1e-6)
