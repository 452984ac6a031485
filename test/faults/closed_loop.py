"""The fault tests' closed loop: node processes, a probe that relays, records and injects, and the results table.

The loop on loopback DDS (conftest.py's `loop`): sim_node (with camera noise, as a real sensor has),
safety_node and arm_controller_node with their defaults, policy_node (comparing pixels: max_frozen_time) with
the `remote` backend against the test policy server (test/policy/policy_server.py,
in the test's process), which answers a 1 cm step around a small circle forever: the arm keeps moving until
a fault stops it, and the server can be made slow or made to answer NaN. Two links run through the probe so
that a test can break them: sim_node's camera is remapped to SIM_CAMERA and relayed to /camera/image_raw
(stopped, repeated, frozen or malformed on demand), and arm_controller_node's pose is remapped to RAW_POSE
and relayed to /rt2/ee_pose (stopped on demand).

Each test adds a row (fault, what the arm did, time to hold) with `record_result`; conftest.py prints the
rows after the run and writes them as JSON to $RT2_FAULT_RESULTS when that is set (docs/faults.md's table).
"""

import copy
import os
import signal
import threading
import time
from collections.abc import Callable
from itertools import cycle

import numpy as np

SIM_CAMERA = "/sim/camera/image_raw"
RAW_POSE = "/test/ee_pose_raw"
STARTUP_TIMEOUT = 90.0  # s for the graph to come up on a loaded 2-core machine
RESULTS: list[dict] = []


def record_result(fault: str, arm: str, hold: float | None, still: float | None) -> None:
    """One row of the fault table: seconds from the fault to the arm's hold and to a still arm (None: not needed)."""
    RESULTS.append({"fault": fault, "arm": arm, "hold_s": hold, "still_s": still})


def wait_for(condition: Callable[[], bool], timeout: float, period: float = 0.05) -> bool:
    """Poll `condition` (the probe's executor spins on its own thread) until it holds or `timeout` s pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(period)
    return condition()


def malformed_images() -> list:
    """Images policy_node must refuse: unknown encoding, 0x0, short data, short rows."""
    from sensor_msgs.msg import Image

    return [
        Image(height=8, width=8, encoding="yuv422", step=16, data=bytes(128)),
        Image(height=0, width=0, encoding="rgb8", step=0, data=b""),
        Image(height=64, width=64, encoding="rgb8", step=192, data=bytes(100)),
        Image(height=64, width=64, encoding="rgb8", step=10, data=bytes(640)),
    ]


DEGRADED = ("covered", "blinded", "knocked")
SENSOR_NOISE = 2.0  # grey levels: what a real sensor adds even in the dark


def degraded(frame, mode: str, rng):
    """The frame a camera gives when its lens is covered (dark, still noisy), a light shines into it (most
    pixels clipped white), or it was knocked off its mount (a featureless wall or floor fills the view)."""
    from rt2_ros.ros.image_conversion import image_to_rgb, rgb_to_image

    pixels = image_to_rgb(frame).astype(np.float32)
    level = {"covered": 6.0, "knocked": 110.0}.get(mode)  # blinded: the scene washed out to white
    pixels = np.full_like(pixels, level) if level is not None else np.minimum(pixels * 4.0 + 120.0, 255.0)
    noisy = np.clip(pixels + rng.normal(0.0, SENSOR_NOISE, pixels.shape), 0, 255).astype(np.uint8)
    return rgb_to_image(noisy, frame.header)


class CameraRelay:
    """sim_node's frames to /camera/image_raw, or a camera fault: `mode` is one of MODES."""

    MODES = ("relay", "stop", "repeat", "frozen", "malformed", "covered", "blinded", "knocked")

    def __init__(self, node) -> None:
        from sensor_msgs.msg import Image

        from rt2_ros.ros.qos import SENSOR_DATA

        self.mode = "relay"
        self.last = None  # the last frame relayed: what repeat and frozen send
        self.restored_stamp: float | None = None  # stamp of the first frame relayed after `restore()`
        self._restoring = False
        self._malformed = cycle(malformed_images())
        self._rng = np.random.default_rng(0)
        self._publisher = node.create_publisher(Image, "/camera/image_raw", SENSOR_DATA)  # as a camera driver
        node.create_subscription(Image, SIM_CAMERA, self._on_frame, SENSOR_DATA)

    def restore(self) -> None:
        """Relay again; `restored_stamp` becomes the stamp of the first frame relayed from now on."""
        self.restored_stamp, self._restoring = None, True
        self.mode = "relay"

    def _on_frame(self, frame) -> None:
        mode = self.mode
        if mode == "relay" or self.last is None:
            self.last = frame
            out = frame
            if mode == "relay" and self._restoring:  # the sim may have captured it just before restore()
                self.restored_stamp, self._restoring = frame.header.stamp.sec + frame.header.stamp.nanosec * 1e-9, False
        elif mode == "stop":
            return
        elif mode == "repeat":  # the same message, the same stamp, forever
            out = self.last
        elif mode in DEGRADED:  # the sim's frame as a degraded camera would see it, with its stamp
            out = degraded(frame, mode, self._rng)
        else:  # frozen: identical pixels, a new stamp; malformed: a broken message, a new stamp
            out = copy.copy(self.last) if mode == "frozen" else next(self._malformed)
            out.header = frame.header
        self._publisher.publish(out)


class PoseRelay:
    """arm_controller_node's pose to /rt2/ee_pose while `relaying`."""

    def __init__(self, node) -> None:
        from geometry_msgs.msg import PoseStamped

        from rt2_ros.ros.qos import LATEST_STATE

        self.relaying = True
        self._publisher = node.create_publisher(PoseStamped, "/rt2/ee_pose", LATEST_STATE)
        node.create_subscription(PoseStamped, RAW_POSE, self._on_pose, LATEST_STATE)

    def _on_pose(self, pose) -> None:
        if self.relaying:
            self._publisher.publish(pose)


class Probe:
    """The test's node on an executor thread of its own: records (Recorder) and relays the camera and the pose."""

    def __init__(self) -> None:
        import rclpy
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor
        from recorder import Recorder

        self.context = Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node("fault_probe", context=self.context)
        self.recorder = Recorder(self.node)
        self.camera = CameraRelay(self.node)
        self.pose = PoseRelay(self.node)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.thread = threading.Thread(target=self.executor.spin, daemon=True)
        self.thread.start()

    def events(self) -> list[dict]:
        return self.recorder.snapshot()

    def close(self) -> None:
        import rclpy

        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.shutdown(context=self.context)
        self.thread.join(timeout=5)


class Graph:
    """The loop's node processes by name; a test may kill any, `start_missing` brings them back."""

    def __init__(self, specs: dict[str, tuple[dict, list[str]]], make: Callable[..., object]) -> None:
        self.specs = specs  # name -> (parameters, extra ROS arguments)
        self._make = make  # (name, parameters, extra_ros_args) -> a started NodeProcess
        self.processes: dict[str, object] = {}

    def start_missing(self) -> list[str]:
        started = [name for name in self.specs if name not in self.processes or not self.processes[name].running()]
        for name in started:
            if name in self.processes:
                self.processes[name].stop()
            parameters, ros_args = self.specs[name]
            self.processes[name] = self._make(name, parameters, ros_args)
        return started

    def kill(self, name: str) -> None:
        """SIGKILL: no clean shutdown, the way a crash or the OOM killer ends a process."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{process.output()[-2000:]}" for name, process in self.processes.items())

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()


class Loop:
    """What a fault test works with: the graph, the probe, the policy server."""

    def __init__(self, graph: Graph, probe: Probe, server) -> None:
        self.graph, self.probe, self.server = graph, probe, server

    def events(self) -> list[dict]:
        return self.probe.events()

    def moving(self, since: float, count: int = 3) -> bool:
        from analysis import moves

        return len(moves(self.events(), since)) >= count

    def heal(self) -> None:
        """Undo every fault, restart what died, and wait until the arm moves on fresh actions again."""
        self.probe.camera.mode = "relay"
        self.probe.pose.relaying = True
        self.server.reply, self.server.delay = "circle", 0.0
        self.graph.start_missing()
        since = time.time()
        assert wait_for(lambda: self.moving(since), STARTUP_TIMEOUT), (
            f"the loop does not move the arm\n{self.graph.logs()}"
        )
