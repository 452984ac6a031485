"""`rt2-ros bench kinematics`: FK and IK speed and IK success of the builtin backend (numbers only).

- fk: one forward kinematics of ee_link (pinocchio).
- step: one policy delta → joint target (DeltaToJoints.step: anchor, IK warm-started from the last
  target, timing), for a policy-like stream of deltas towards random goals while the arm tracks;
  reached rate = share of steps whose IK converged.
- box: IK from the home pose to random gripper-down poses (tilt ≤ 0.3 rad, any yaw) over the reach
  box x∈[0.20,0.70], y∈[-0.40,0.40], z∈[0.01,0.50]: success rate, iterations, time.
"""

import argparse
import os
import time

import numpy as np

from rt2_ros.bench import write_json

BOX_MIN, BOX_MAX = np.array([0.20, -0.40, 0.01]), np.array([0.70, 0.40, 0.50])


def run(args: argparse.Namespace) -> int:
    from rt2_ros.control.delta_to_joints import DeltaToJoints
    from rt2_ros.control.settings import ArmSettings
    from rt2_ros.geometry import matrix_from_rpy, quaternion_from_matrix, rotation_delta
    from rt2_ros.robot.description import ARM_JOINTS, home_positions
    from rt2_ros.robot.kinematics import ArmKinematics

    quick = bool(getattr(args, "quick", False))
    count = 200 if quick else 2000
    rng = np.random.default_rng(0)
    kinematics = ArmKinematics()
    home = np.array([home_positions()[name] for name in ARM_JOINTS])
    results: dict[str, float] = {}
    down = matrix_from_rpy([0.0, np.pi, 0.0])

    start = time.perf_counter()
    for _ in range(count):
        kinematics.forward(home)
    results["fk_us"] = (time.perf_counter() - start) / count * 1e6

    def random_goal(max_yaw: float) -> tuple[np.ndarray, np.ndarray]:
        """A gripper-down pose in the box: tilt up to 0.3 rad, yaw up to ±max_yaw."""
        rotation = matrix_from_rpy([*rng.uniform(-0.3, 0.3, 2), rng.uniform(-max_yaw, max_yaw)]) @ down
        return rng.uniform(BOX_MIN, BOX_MAX), quaternion_from_matrix(rotation)

    # A policy-like stream: safe-sized deltas (≤ 2 cm, ≤ 0.1 rad per axis) towards a goal that
    # changes every 20 steps, while the arm tracks each target. Yaw goals stay within ±π/2 (a
    # parallel gripper is symmetric under a half turn): goals anywhere on the circle, always
    # reached the short way round, wind the flange up against its ±2π limit.
    controller = DeltaToJoints(kinematics, ArmSettings())
    controller.observe(ARM_JOINTS, home)
    elapsed, reached = 0.0, 0
    for index in range(count):
        if index % 20 == 0:
            goal_position, goal_quaternion = random_goal(np.pi / 2)
        position, quaternion = controller.current_pose()
        translation = np.clip(goal_position - position, -0.02, 0.02)
        rotation = np.clip(rotation_delta(quaternion, goal_quaternion), -0.1, 0.1)
        start = time.perf_counter()
        target = controller.step(translation, rotation)
        elapsed += time.perf_counter() - start
        reached += target.reached
        controller.observe(ARM_JOINTS, target.positions)  # the arm arrives
    results["step_us"] = elapsed / count * 1e6
    results["step_reached_rate"] = reached / count

    elapsed, successes, iterations = 0.0, 0, []
    for _ in range(count):
        position, quaternion = random_goal(np.pi)
        start = time.perf_counter()
        result = kinematics.inverse(position, quaternion, home)
        elapsed += time.perf_counter() - start
        successes += result.converged
        iterations.append(result.iterations)
    results["box_ik_us"] = elapsed / count * 1e6
    results["box_success_rate"] = successes / count
    results["box_mean_iterations"] = float(np.mean(iterations))
    results["samples"] = count
    results["cpu_cores"] = os.cpu_count()

    print(f"{'kinematics':<24}{'value':>14}")
    for name, value in results.items():
        print(f"{name:<24}{value:>14.4g}")
    write_json(args, "kinematics", results)
    return 0
