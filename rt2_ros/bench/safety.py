"""`rt2-ros bench safety`: the latency safety_node adds between /rt2/action and /rt2/safe_action.

One run starts safety_node and a plain relay node (rt2_ros.bench.relay_node: subscribe → publish,
no checks, same executor and QoS) as their own processes on loopback DDS, then sends
EndEffectorDelta messages through both, alternating message by message (so the machine's load at
each moment hits both alike), and times each message from its header.stamp (set just before
publishing) to its arrival back here. The actions are fresh and within every limit, with an /rt2/ee_pose
published, so the gate forwards them all: the numbers are the cost of the checks, not of a rejection.
safety_node runs with max_rate 1000 Hz here (the deployment value of 30 Hz would reject this
stream), and with its topics remapped under /bench (REMAPS), so the benchmark's actions can never
reach a live system on the same host. Numbers only; nothing here asserts on time.
"""

import argparse
import os
import sys
import threading
import time

import numpy as np

from rt2_ros.bench import write_json
from rt2_ros.local_dds import loopback_environment, use_loopback

RATE_HZ = 200.0  # messages per second, alternating between the two paths (100 Hz each)
PATHS = ("safety", "relay")
BENCH_PARAMETERS = {"max_rate": 1000.0}  # everything else at the deployment defaults
POSE = (0.45, 0.0, 0.25)  # the end effector in the middle of the default box
POSE_EVERY = 4  # messages sent per /rt2/ee_pose: 50 Hz at RATE_HZ, arm_controller_node's default ee_pose_rate
# safety_node's names, remapped under /bench so that the benchmark's actions can never reach a
# safety_node or arm of a live system that happens to share this host and domain.
REMAPS = {
    "/rt2/action": "/bench/rt2/action",
    "/rt2/safe_action": "/bench/rt2/safe_action",
    "/rt2/ee_pose": "/bench/rt2/ee_pose",
    "/rt2/estop": "/bench/rt2/estop",
    "/rt2/safety_status": "/bench/rt2/safety_status",
    "/rt2/safety/reset": "/bench/rt2/safety/reset",
    "/diagnostics": "/bench/diagnostics",
    "__node": "bench_safety_node",
}
TARGET_ADDED_P99_MS = 1.0
TARGET_RATIO = 1.2


def run(args: argparse.Namespace) -> int:
    quick = bool(getattr(args, "quick", False))
    count = 500 if quick else 5000  # messages per path
    domain = use_loopback()  # before rclpy initialises: this process and its nodes share a loopback domain
    environment = loopback_environment(domain)
    from rt2_ros.processes import NodeProcess

    remaps = [argument for name, to in REMAPS.items() for argument in ("-r", f"{name}:={to}")]
    safety = NodeProcess("safety_node", BENCH_PARAMETERS, environment=environment, extra_ros_args=remaps).start()
    relay = NodeProcess("relay_node", environment=environment, module="rt2_ros.bench.relay_node").start()
    try:
        results = measure(count, {"safety": safety.pid, "relay": relay.pid})
    except RuntimeError as error:
        print(
            f"safety benchmark failed: {error}\n--- safety_node log ---\n{safety.output()[-2000:]}"
            f"\n--- relay_node log ---\n{relay.output()[-2000:]}",
            file=sys.stderr,
        )
        return 1
    finally:
        safety.stop()
        relay.stop()
    results["gate_in_process_us"] = gate_cost_us(2000 if quick else 20000)
    results["cpu_cores"] = os.cpu_count()
    results["load_average_1min"] = os.getloadavg()[0]
    print_table(results)
    write_json(args, "safety", results)
    return 0


class Bench:
    """The sending and receiving end of both paths, in this process."""

    def __init__(self) -> None:
        import rclpy
        from geometry_msgs.msg import PoseStamped
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor

        from rt2_ros.bench.relay_node import INPUT_TOPIC, OUTPUT_TOPIC
        from rt2_ros.msg import EndEffectorDelta, SafetyStatus
        from rt2_ros.ros.qos import ACTION, LATCHED, LATEST_STATE

        self.context = Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node("safety_bench", context=self.context)
        self.message_type = EndEffectorDelta
        self.inputs = {
            "relay": self.node.create_publisher(EndEffectorDelta, INPUT_TOPIC, ACTION),
            "safety": self.node.create_publisher(EndEffectorDelta, REMAPS["/rt2/action"], ACTION),
        }
        self.outputs = {"relay": OUTPUT_TOPIC, "safety": REMAPS["/rt2/safe_action"]}
        self.latencies_ns: dict[str, list[int]] = {path: [] for path in self.inputs}
        for path, topic in self.outputs.items():
            self.node.create_subscription(
                EndEffectorDelta, topic, lambda message, path=path: self._arrived(path, message), ACTION
            )
        self._status_qos = (SafetyStatus, LATCHED)
        self.pose_publisher = self.node.create_publisher(PoseStamped, REMAPS["/rt2/ee_pose"], LATEST_STATE)
        self.pose_type = PoseStamped
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self._running = True
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def _spin(self) -> None:
        while self._running and self.context.ok():
            self.executor.spin_once(timeout_sec=0.05)

    def _arrived(self, path: str, message: object) -> None:
        now = time.time_ns()
        stamp = message.header.stamp
        self.latencies_ns[path].append(now - (stamp.sec * 1_000_000_000 + stamp.nanosec))

    def rejected(self) -> int:
        """safety_node's rejected counter, read from its latched status by a short-lived subscription.

        Not subscribed during the measurement: receiving a status per action would load this
        process's receiving thread on the safety path only.
        """
        statuses: list = []
        message_type, qos = self._status_qos
        subscription = self.node.create_subscription(message_type, REMAPS["/rt2/safety_status"], statuses.append, qos)
        deadline = time.monotonic() + 10.0
        while not statuses and time.monotonic() < deadline:
            time.sleep(0.02)
        self.node.destroy_subscription(subscription)
        if not statuses:
            raise RuntimeError(f"no {REMAPS['/rt2/safety_status']} from safety_node")
        return statuses[-1].rejected

    def close(self) -> None:
        import rclpy

        self._running = False
        self._thread.join(timeout=5)
        self.node.destroy_node()
        rclpy.shutdown(context=self.context)

    def wait_connected(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (
                all(publisher.get_subscription_count() > 0 for publisher in self.inputs.values())
                and self.pose_publisher.get_subscription_count() > 0
                and all(self.node.count_publishers(topic) > 0 for topic in self.outputs.values())
            ):
                return
            time.sleep(0.05)
        raise RuntimeError("safety_node or relay_node did not come up on DDS within 30 s")

    def publish_pose(self) -> None:
        pose = self.pose_type()
        pose.header.frame_id = "base_link"
        pose.header.stamp = self.node.get_clock().now().to_msg()
        pose.pose.position.x, pose.pose.position.y, pose.pose.position.z = POSE
        pose.pose.orientation.w = 1.0
        self.pose_publisher.publish(pose)

    def send(self, path: str, index: int) -> None:
        message = self.message_type()
        message.header.frame_id = "base_link"
        message.translation.x = 0.001 if index % 2 else -0.001
        message.gripper = 0.5
        now = time.time_ns()
        message.header.stamp.sec, message.header.stamp.nanosec = divmod(now, 1_000_000_000)
        self.inputs[path].publish(message)

    def interleaved(self, paths: tuple[str, ...], count: int) -> dict[str, list[int]]:
        """Send `count` messages per path, alternating between the paths at RATE_HZ in all.

        Alternating message by message puts both paths under the same load of the machine, moment
        by moment. Returns the latencies (ns) of the messages that came back, per path.
        """
        for path in paths:
            self.latencies_ns[path] = []
        period = 1.0 / RATE_HZ
        for index in range(count * len(paths)):
            sent = time.perf_counter()
            if index % POSE_EVERY == 0:  # the pose streams as from arm_controller_node (max_pose_age)
                self.publish_pose()
            self.send(paths[index % len(paths)], index // len(paths))
            # Paced from each send, never catching up in a burst (bursts would meet max_rate).
            time.sleep(max(0.0, period - (time.perf_counter() - sent)))
        deadline = time.monotonic() + 2.0
        while any(len(self.latencies_ns[path]) < count for path in paths) and time.monotonic() < deadline:
            time.sleep(0.01)
        return {path: list(self.latencies_ns[path]) for path in paths}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used, all its threads (DDS's included); Linux /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stream:
        fields = stream.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(count: int, pids: dict[str, int]) -> dict:
    bench = Bench()
    try:
        bench.wait_connected()
        bench.publish_pose()
        # Warm up both paths; the safety path answers once the pose has arrived (translations need it).
        deadline = time.monotonic() + 10.0
        while not bench.interleaved(PATHS, 10)["safety"] and time.monotonic() < deadline:
            bench.publish_pose()
        if not bench.latencies_ns["safety"]:
            raise RuntimeError("safety_node forwarded none of the warm-up actions")
        rejected_before = bench.rejected()
        cpu_before = {path: cpu_seconds(pid) for path, pid in pids.items()}
        latencies = bench.interleaved(PATHS, count)
        cpu = {path: cpu_seconds(pid) - cpu_before[path] for path, pid in pids.items()}
        rejected = bench.rejected() - rejected_before
    finally:
        bench.close()
    results: dict = {"rate_hz": RATE_HZ, "sent_per_path": count, "safety_rejected": rejected}
    for path, values in latencies.items():
        if not values:
            raise RuntimeError(f"no message came back through the {path} path")
        milliseconds = np.asarray(values, dtype=float) / 1e6  # (n,)
        results[f"{path}_received"] = len(values)
        results[f"{path}_cpu_us_per_message"] = cpu[path] / count * 1e6
        results[f"{path}_p50_ms"] = float(np.percentile(milliseconds, 50))
        results[f"{path}_p99_ms"] = float(np.percentile(milliseconds, 99))
    results["added_p50_ms"] = results["safety_p50_ms"] - results["relay_p50_ms"]
    results["added_p99_ms"] = results["safety_p99_ms"] - results["relay_p99_ms"]
    results["p99_ratio"] = results["safety_p99_ms"] / results["relay_p99_ms"]
    return results


def gate_cost_us(iterations: int) -> float:
    """Median µs for one action through message → Action → SafetyGate → message, in this process."""
    from rt2_ros.msg import EndEffectorDelta
    from rt2_ros.ros.conversions import action_from_message, message_from_action
    from rt2_ros.safety import SafetyConfig, SafetyGate

    gate = SafetyGate(SafetyConfig(**BENCH_PARAMETERS), now=1.0)
    message = EndEffectorDelta()
    message.header.frame_id = "base_link"
    message.gripper = 0.5
    durations = []
    for index in range(iterations):
        now = 1.0 + index * 0.01
        message.translation.x = 0.001 if index % 2 else -0.001
        gate.set_pose(POSE, "base_link", now)  # as /rt2/ee_pose keeps coming: never stale (outside the timing)
        start = time.perf_counter()
        decision = gate.process(action_from_message(message), now, message.header.frame_id, now)
        message_from_action(decision.action, message.header.stamp, "base_link")
        durations.append(time.perf_counter() - start)
    return float(np.median(durations) * 1e6)


def print_table(results: dict) -> None:
    sent = results["sent_per_path"]
    print(
        f"safety benchmark: /rt2/action -> /rt2/safe_action (remapped under /bench) vs a plain relay, loopback DDS, "
        f"{results['rate_hz'] / len(PATHS):.0f} Hz per path, {sent} messages per path, {results['cpu_cores']} CPU cores"
    )
    print(f"  {'path':<30} {'received':>11} {'p50 ms':>8} {'p99 ms':>8} {'node CPU us/msg':>16}")
    for path, name in (("relay", "plain relay node"), ("safety", "safety_node (all checks)")):
        print(
            f"  {name:<30} {results[f'{path}_received']:>5}/{sent:<5} "
            f"{results[f'{path}_p50_ms']:>8.3f} {results[f'{path}_p99_ms']:>8.3f} "
            f"{results[f'{path}_cpu_us_per_message']:>16.0f}"
        )
    added_p99, ratio = results["added_p99_ms"], results["p99_ratio"]
    verdict = "met" if added_p99 <= TARGET_ADDED_P99_MS and ratio <= TARGET_RATIO else "NOT met"
    print(
        f"  added by the checks: p50 {results['added_p50_ms']:+.3f} ms, p99 {added_p99:+.3f} ms, "
        f"p99 ratio {ratio:.2f}x (target p99 <= +{TARGET_ADDED_P99_MS} ms and <= {TARGET_RATIO}x: {verdict})"
    )
    print(f"  the checks alone, in process (message -> gate -> message): {results['gate_in_process_us']:.1f} us median")
    print(f"  load average (1 min) at the end: {results['load_average_1min']:.2f} on {results['cpu_cores']} cores")
    if results["safety_rejected"]:
        print(f"  safety_node rejected {results['safety_rejected']} (arrived < 1/max_rate after the previous one)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run (< 20 s)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
