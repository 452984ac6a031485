"""`rt2-ros bench sim`: physics steps/s, camera frames/s and the closed loop's real-time factor.

The loop is the in-process one (rt2_ros.sim.episode): a 224x224 camera frame, the scripted
expert and the builtin IK per 0.1 s control step (10 Hz), physics at 500 Hz. A real-time factor
of 2 means one second of wall time simulates two seconds of the robot's life. Numbers only;
nothing here asserts on time.
"""

import argparse
import os
import time

from rt2_ros.bench import write_json
from rt2_ros.robot.description import ARM_JOINTS

CONTROL_PERIOD = 0.1  # s (10 Hz control)
IMAGE_SIZE = (224, 224)


def run(args: argparse.Namespace) -> int:
    from rt2_ros.sim.episode import DeltaFollower, run_episode
    from rt2_ros.sim.expert import ScriptedExpert
    from rt2_ros.sim.world import SimWorld

    quick = bool(getattr(args, "quick", False))
    world = SimWorld(seed=0, image_size=IMAGE_SIZE)
    try:
        results = {
            "physics_steps_per_s": physics_rate(world, seconds=1.0 if quick else 5.0),
            "camera_frames_per_s": camera_rate(world, frames=10 if quick else 50),
        }
        expert = ScriptedExpert()
        follower = DeltaFollower(world, CONTROL_PERIOD)
        episodes = 2 if quick else 8
        sim_time = wall = 0.0
        successes = 0
        for seed in range(episodes):
            expert.reset()
            start = time.perf_counter()
            result = run_episode(world, lambda _, state: expert.act(state), follower, seed=seed, render=True)
            wall += time.perf_counter() - start
            sim_time += result.sim_time
            successes += result.success
        results["closed_loop_real_time_factor"] = sim_time / wall
        results["closed_loop_episodes"] = episodes
        results["closed_loop_successes"] = successes
    finally:
        world.close()
    results["cpu_cores"] = os.cpu_count()
    print_table(results)
    write_json(args, "sim", results)
    return 0


def physics_rate(world, seconds: float) -> float:
    """Physics steps per wall second while the arm follows a trajectory (contacts of objects at rest)."""
    world.reset(seed=0)
    world.command_trajectory(ARM_JOINTS, [world.arm_positions() + 0.2], [seconds])
    steps = round(seconds / world.model.opt.timestep)
    start = time.perf_counter()
    world.advance(seconds)
    return steps / (time.perf_counter() - start)


def camera_rate(world, frames: int) -> float:
    world.reset(seed=0)
    world.render()  # the first frame builds the OpenGL context
    start = time.perf_counter()
    for _ in range(frames):
        world.render()
    return frames / (time.perf_counter() - start)


def print_table(results: dict[str, float]) -> None:
    rows = [
        ("physics steps/s (500 Hz physics)", f"{results['physics_steps_per_s']:,.0f}"),
        (f"camera frames/s ({IMAGE_SIZE[0]}x{IMAGE_SIZE[1]}, EGL)", f"{results['camera_frames_per_s']:.1f}"),
        (
            "real-time factor, 10 Hz closed loop + camera",
            f"{results['closed_loop_real_time_factor']:.1f}x "
            f"({results['closed_loop_successes']}/{results['closed_loop_episodes']} episodes solved)",
        ),
        ("CPU cores", str(results["cpu_cores"])),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"sim benchmark ({os.environ.get('MUJOCO_GL', 'egl')} rendering)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
