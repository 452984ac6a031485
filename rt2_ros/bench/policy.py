"""`rt2-ros bench policy`: where the time of one policy step goes, on this machine.

CPU (default): a random checkpoint (`rt2-ros random-checkpoint`, 224 px, 196 image tokens) through the hf
backend; `--backend tiny`: the tiny VLA (the shipped checkpoint, or `--model-path`) on the runtime policy_node
picks (ONNX Runtime when the checkpoint has its model.onnx; `rt2-ros bench training` measures training).
In process: per-stage latency of one step (image conversion, preprocessing, model, decoding, publish).
Then policy_node as its own process on loopback DDS, its topics remapped under /bench so nothing
reaches a live system: a frame is published stamped just before sending, and the time from that stamp to
the /rt2/action it produces is taken, one frame at a time. The node reports, per frame, in its `acting:`
status line, the image's age when its policy step started and that step's duration (preprocessing +
model + decoding); so each frame's latency splits into image delivery (DDS, conversion, scheduling), the
policy step, and publishing + delivery of the action. ROS overhead = latency minus the policy step.
Each frame through policy_node is followed by one through rt2_ros.bench.image_echo_node, which publishes an
action straight from its image callback: that baseline's round trip, measured in the same run, is what the
machine's DDS and rclpy cost any node; "beyond the baseline" is what policy_node adds to it.

`--gpu`: the OpenVLA-7B-shaped comparison of rt2_ros.bench.policy_gpu (plain transformers `generate` vs
our decoding, same run); `--gpu --tiny` runs it with tiny shapes on whatever device is there (a smoke test).
Numbers only; nothing here asserts on time.
"""

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from rt2_ros.bench import write_json

IMAGE_SHAPE = (224, 224, 3)  # the sim camera's default frame
INSTRUCTION = "pick up the red block"
CONTROL_RATE = 100.0  # Hz: a frame never waits long for the loop; frames are sent one at a time anyway
# s idle before each frame through the node (the rate limit passes); the bare step is also timed after it,
# because an idle CPU starts a step slower (the tiny step, one process, no ROS: 6.7 ms back to back, 7.5 ms
# after 10 ms idle, 9.1 ms after 50 ms)
FRAME_GAP = 2.0 / CONTROL_RATE
REMAPS = (
    "/camera/image_raw", "/rt2/command", "/rt2/action", "/rt2/action_tokens", "/rt2/policy_status", "/rt2/ee_pose",
    "/joint_states",
)  # fmt: skip
EE_POSITION, EE_QUATERNION = (0.45, 0.0, 0.15), (1.0, 0.0, 0.0, 0.0)  # the arm's state the tiny backend is given


def run(args: argparse.Namespace) -> int:
    if getattr(args, "gpu", False):
        from rt2_ros.bench.policy_gpu import run as run_gpu

        return run_gpu(args)
    from rt2_ros.local_dds import use_loopback

    use_loopback()
    quick = bool(getattr(args, "quick", False))
    count = 20 if quick else 200
    if getattr(args, "backend", "hf") == "tiny":
        from rt2_ros.policy.tiny.policy_tiny import TinyPolicy

        model_path = getattr(args, "model_path", "") or ""
        policy = TinyPolicy(model_path or None)
        results = {"backend": "tiny", "runtime": policy.runtime, **stage_latencies(policy, count)}
        if policy.runtime != "torch":  # the same model on eager torch, in the same run: what the runtime buys
            results.update(torch_model_latency(TinyPolicy(model_path or None, runtime="torch"), count))
        # min_confidence 0: the frames are noise, without the command's red block, so the presence check
        # would rightly hold every step; this times the step, not the decision.
        results.update(end_to_end({"backend": "tiny", "model_path": model_path, "min_confidence": 0.0}, count))
    else:
        from rt2_ros.policy.hf.configuration_hf import HFPolicyConfig
        from rt2_ros.policy.hf.modeling_hf import HFPolicy
        from rt2_ros.policy.hf.random_checkpoint import write_random_checkpoint

        with tempfile.TemporaryDirectory(prefix="rt2_bench_policy_") as folder:
            checkpoint = write_random_checkpoint(Path(folder) / "random")
            results = {"backend": "hf", **stage_latencies(HFPolicy(HFPolicyConfig(checkpoint)), count)}
            results.update(end_to_end({"backend": "hf", "model_path": str(checkpoint)}, count))
    results["cpu_cores"] = os.cpu_count()
    results["node_over_bare_p50"] = results["node_policy_step_p50_ms"] / results["policy_step_p50_ms"]
    results["node_over_paced_p50"] = results["node_policy_step_p50_ms"] / results["paced_policy_step_p50_ms"]
    print_table(results)
    write_json(args, "policy", results)
    return 0


def percentiles(name: str, milliseconds: list[float]) -> dict[str, float]:
    return {
        f"{name}_p50_ms": float(np.percentile(milliseconds, 50)),
        f"{name}_p99_ms": float(np.percentile(milliseconds, 99)),
    }


def torch_model_latency(policy, iterations: int) -> dict:
    """The tiny model's step (prefix + 8 tokens) on eager torch: {'torch_model_p50_ms', 'torch_model_p99_ms'}."""
    from rt2_ros.policy.base import Observation, Proprio

    proprio = Proprio(np.array(EE_POSITION), np.array(EE_QUATERNION), 0.0)
    image = np.random.default_rng(0).integers(0, 256, size=IMAGE_SHAPE, dtype=np.uint8)
    inputs = policy.preprocess(Observation(image, INSTRUCTION, 0.0, proprio=proprio))
    milliseconds = []
    for index in range(iterations + 3):
        started = time.perf_counter()
        policy.infer(inputs)
        if index >= 3:
            milliseconds.append((time.perf_counter() - started) * 1e3)
    return percentiles("torch_model", milliseconds)


def stage_latencies(policy, iterations: int) -> dict:
    """Each stage of one step of `policy` (HFPolicy or TinyPolicy: preprocess, infer, decode) timed in this
    process, with a real publisher for the publish stage."""
    import rclpy
    from std_msgs.msg import Header

    from rt2_ros.msg import ActionTokens, EndEffectorDelta
    from rt2_ros.nodes.policy_node import output_messages
    from rt2_ros.policy.base import Observation, PolicyStep, Proprio
    from rt2_ros.ros.image_conversion import image_to_rgb, rgb_to_image
    from rt2_ros.ros.qos import ACTION

    proprio = Proprio(np.array(EE_POSITION), np.array(EE_QUATERNION), 0.0)
    rng = np.random.default_rng(0)
    frames = [rgb_to_image(rng.integers(0, 256, size=IMAGE_SHAPE, dtype=np.uint8)) for _ in range(4)]
    rclpy.init()
    node = rclpy.create_node("rt2_bench_policy_stages")
    tokens_publisher = node.create_publisher(ActionTokens, "/bench/rt2/action_tokens", ACTION)
    action_publisher = node.create_publisher(EndEffectorDelta, "/bench/rt2/action", ACTION)
    stages: dict[str, list[float]] = {name: [] for name in ("convert", "preprocess", "model", "decode", "publish")}
    step_ms: list[float] = []
    try:
        for index in range(iterations + 3):  # 3 warm-up steps
            message = frames[index % len(frames)]
            times = [time.perf_counter()]
            image = image_to_rgb(message)
            times.append(time.perf_counter())
            inputs = policy.preprocess(Observation(image, INSTRUCTION, 0.0, proprio=proprio))
            times.append(time.perf_counter())
            tokens = policy.infer(inputs)
            times.append(time.perf_counter())
            action = policy.decode(tokens)
            times.append(time.perf_counter())
            token_message, action_message = output_messages(
                PolicyStep(tokens, action), Header(), "base_link", INSTRUCTION, policy.token_scheme
            )
            tokens_publisher.publish(token_message)
            action_publisher.publish(action_message)
            times.append(time.perf_counter())
            if index >= 3:
                for name, start, end in zip(stages, times, times[1:], strict=False):
                    stages[name].append((end - start) * 1e3)
                step_ms.append((times[4] - times[1]) * 1e3)
        paced_ms: list[float] = []  # the same step after the idle gap the node's frames come after
        image = image_to_rgb(frames[0])
        for _ in range(iterations):
            time.sleep(FRAME_GAP)
            started = time.perf_counter()
            policy.decode(policy.infer(policy.preprocess(Observation(image, INSTRUCTION, 0.0, proprio=proprio))))
            paced_ms.append((time.perf_counter() - started) * 1e3)
    finally:
        node.destroy_node()
        rclpy.shutdown()
    results: dict = {"image": "x".join(map(str, IMAGE_SHAPE)), "iterations": iterations}
    for name, values in stages.items():
        results.update(percentiles(name, values))
    results.update(percentiles("policy_step", step_ms))
    results.update(percentiles("paced_policy_step", paced_ms))
    return results


def end_to_end(backend_parameters: dict, count: int) -> dict:
    """Camera stamp -> action latency through policy_node in its own process, one frame at a time.

    The arm's state (/rt2/ee_pose, /joint_states) is published with each frame, for backends that read it.

    Each policy_node frame is followed by one through image_echo_node (the baseline: an action published
    straight from the image callback), so both see the machine's load of the same moment.
    """
    import rclpy
    from geometry_msgs.msg import PoseStamped
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.qos import QoSProfile
    from sensor_msgs.msg import Image, JointState
    from std_msgs.msg import String

    from rt2_ros.bench import image_echo_node
    from rt2_ros.msg import EndEffectorDelta
    from rt2_ros.processes import NodeProcess
    from rt2_ros.robot.description import GRIPPER_JOINT
    from rt2_ros.ros.image_conversion import rgb_to_image
    from rt2_ros.ros.qos import ACTION, COMMAND, JOINT_STATES, LATCHED, LATEST_STATE, SENSOR_DATA

    remaps = [argument for topic in REMAPS for argument in ("-r", f"{topic}:=/bench{topic}")]
    parameters = {**backend_parameters, "control_rate": CONTROL_RATE}
    rclpy.init()
    node = rclpy.create_node("rt2_bench_policy_probe")
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    arrivals: list[int] = []  # arrival times (ns) of policy_node's actions
    echoes: list[int] = []  # and of the baseline's
    statuses: list[str] = []
    acting = re.compile(r"^acting: .*, image age ([0-9.]+) ms, policy ([0-9.]+) ms$")
    for topic, arrived in (("/bench/rt2/action", arrivals), (image_echo_node.ACTION_TOPIC, echoes)):
        record = lambda _, arrived=arrived: arrived.append(node.get_clock().now().nanoseconds)  # noqa: E731
        node.create_subscription(EndEffectorDelta, topic, record, ACTION)
    # every status line, not just the latest: a deep queue on the reader's side (the writer is LATCHED)
    status_history = QoSProfile(depth=100, reliability=LATCHED.reliability, durability=LATCHED.durability)
    node.create_subscription(String, "/bench/rt2/policy_status", lambda m: statuses.append(m.data), status_history)
    images = node.create_publisher(Image, "/bench/camera/image_raw", SENSOR_DATA)
    echo_images = node.create_publisher(Image, image_echo_node.IMAGE_TOPIC, SENSOR_DATA)
    commands = node.create_publisher(String, "/bench/rt2/command", COMMAND)
    poses = node.create_publisher(PoseStamped, "/bench/rt2/ee_pose", LATEST_STATE)
    joints = node.create_publisher(JointState, "/bench/joint_states", JOINT_STATES)
    pose = PoseStamped()
    pose.pose.position.x, pose.pose.position.y, pose.pose.position.z = EE_POSITION
    orientation = pose.pose.orientation
    orientation.x, orientation.y, orientation.z, orientation.w = EE_QUATERNION
    joint_state = JointState(name=[GRIPPER_JOINT], position=[0.0])
    frame = rgb_to_image(np.random.default_rng(1).integers(0, 256, size=IMAGE_SHAPE, dtype=np.uint8))

    def spin_until(condition, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not condition():
            executor.spin_once(timeout_sec=0.01)
        return condition()

    def send(publisher) -> int:
        """Publish the arm's state and the frame stamped now; the stamp in ns."""
        stamp = node.get_clock().now()
        pose.header.stamp = joint_state.header.stamp = stamp.to_msg()
        poses.publish(pose)
        joints.publish(joint_state)
        frame.header.stamp = stamp.to_msg()
        publisher.publish(frame)
        return stamp.nanoseconds

    def started() -> bool:
        return (
            bool(statuses)
            and commands.get_subscription_count() > 0
            and echo_images.get_subscription_count() > 0
            and node.count_publishers(image_echo_node.ACTION_TOPIC) > 0
        )

    latencies: list[float] = []
    node_steps: list[float] = []
    image_ages: list[float] = []
    baseline_latencies: list[float] = []
    lost = {"policy_node": 0, "baseline": 0}
    policy = NodeProcess("policy_node", parameters, extra_ros_args=remaps)
    baseline = NodeProcess("image_echo_node", module="rt2_ros.bench.image_echo_node")
    with policy, baseline:
        try:
            if not spin_until(started, 120.0):
                raise RuntimeError(f"policy_node or the baseline did not start:\n{policy.output()[-2000:]}")
            commands.publish(String(data=INSTRUCTION))
            spin_until(lambda: statuses[-1].startswith("no_image"), 5.0)
            for index in range(count + 3):  # 3 warm-up frames
                arrivals.clear()
                seen = len(statuses)
                stamp = send(images)

                def acted(seen: int = seen) -> list[re.Match]:
                    return [match for status in statuses[seen:] if (match := acting.match(status))]

                if spin_until(lambda: bool(arrivals) and bool(acted()), 2.0):
                    if index >= 3:
                        match = acted()[0]
                        latencies.append((arrivals[0] - stamp) * 1e-6)
                        image_ages.append(float(match.group(1)))
                        node_steps.append(float(match.group(2)))
                else:
                    # Sensor-data QoS is best effort: a frame may be dropped on the way, and on a
                    # loaded machine one may arrive too late to act on. Counted and reported; only a
                    # node that acts on fewer than half of the frames stops the benchmark.
                    lost["policy_node"] += 1
                    if lost["policy_node"] > max(3, count // 2):
                        raise RuntimeError(
                            f"{lost['policy_node']} frames got no action ({statuses[-5:]}):\n{policy.output()[-2000:]}"
                        )
                echoes.clear()
                stamp = send(echo_images)
                if not spin_until(lambda: bool(echoes), 2.0):
                    lost["baseline"] += 1
                elif index >= 3:
                    baseline_latencies.append((echoes[0] - stamp) * 1e-6)
                time.sleep(FRAME_GAP)  # let the rate limit pass: the next frame is acted on at arrival
        finally:
            node.destroy_node()
            rclpy.shutdown()
    overheads = [latency - step for latency, step in zip(latencies, node_steps, strict=True)]
    action_delivery = [overhead - age for overhead, age in zip(overheads, image_ages, strict=True)]
    results = {
        **percentiles("stamp_to_action", latencies),
        **percentiles("image_delivery", image_ages),
        **percentiles("node_policy_step", node_steps),
        **percentiles("action_delivery", action_delivery),
        **percentiles("ros_overhead", overheads),
        **percentiles("baseline_round_trip", baseline_latencies),
        "frames": count,
        "frames_lost": lost["policy_node"],
        "baseline_frames_lost": lost["baseline"],
    }
    for quantile in ("p50", "p99"):
        results[f"ros_overhead_beyond_baseline_{quantile}_ms"] = (
            results[f"ros_overhead_{quantile}_ms"] - results[f"baseline_round_trip_{quantile}_ms"]
        )
    return results


def print_table(results: dict) -> None:
    cores = results["cpu_cores"]
    model = "random checkpoint" if results["backend"] == "hf" else f"the tiny VLA on its {results['runtime']} runtime"
    print(f"policy step, {results['backend']} backend, {model}, {results['image']} rgb8 frames, CPU ({cores} cores)")
    print(f"{'stage':<34}{'p50 ms':>10}{'p99 ms':>10}")
    rows = [
        ("image conversion", "convert"),
        ("preprocessing", "preprocess"),
        ("model (the action tokens)", "model"),
        ("decoding (tokens -> action)", "decode"),
        ("publish (ActionTokens + action)", "publish"),
        ("bare policy step (pre+model+dec)", "policy_step"),
        (f"  the same, {FRAME_GAP * 1e3:.0f} ms idle before each", "paced_policy_step"),
        ("policy_node: camera stamp -> action", "stamp_to_action"),
        ("  image delivery (DDS, scheduling)", "image_delivery"),
        ("  policy step (in the node)", "node_policy_step"),
        ("  publish + action delivery", "action_delivery"),
        ("  ROS overhead (all but the step)", "ros_overhead"),
        ("baseline: image in, action out", "baseline_round_trip"),
        ("ROS overhead beyond the baseline", "ros_overhead_beyond_baseline"),
    ]
    if "torch_model_p50_ms" in results:
        rows.insert(3, ("  the same on eager torch", "torch_model"))
    for label, key in rows:
        print(f"{label:<34}{results[f'{key}_p50_ms']:>10.2f}{results[f'{key}_p99_ms']:>10.2f}")
    print(
        f"({results['iterations']} in-process steps; {results['frames']} frames sent one at a time through "
        "policy_node over DDS, each followed by one through the baseline (image_echo_node: an action published "
        f"from the image callback); {results['frames_lost']} and {results['baseline_frames_lost']} of them got "
        "no action: dropped on the best-effort camera topic or too late)"
    )
    print(f"policy steps per second in the node at p50: {1e3 / results['node_policy_step_p50_ms']:.0f}")
    print(
        f"policy step in the node / bare policy step at p50: {results['node_over_bare_p50']:.2f} back to back, "
        f"{results['node_over_paced_p50']:.2f} with the node's idle gap before each"
    )
