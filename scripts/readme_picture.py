"""Render docs/images/demo_frame.png, the picture on the README: one frame of the demo's video.

A scripted pick_up episode runs in the in-process sim (rt2_ros.sim.episode, the loop the demo runs
minus DDS); one frame from the middle of it is drawn by rt2_ros.viz.overlay exactly as overlay_node
draws /rt2/overlay. Run from the checkout: `.venv/bin/python scripts/readme_picture.py`.
"""

import sys
from pathlib import Path

import imageio.v2 as imageio

from rt2_ros.policy.base import Observation
from rt2_ros.policy.scripted import ScriptedPolicy
from rt2_ros.sim.episode import DeltaFollower, run_episode
from rt2_ros.sim.privileged import serialise
from rt2_ros.sim.tasks import TaskSpec
from rt2_ros.sim.world import SimWorld
from rt2_ros.viz.overlay import OverlayState, SafetyView, draw_overlay

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "demo_frame.png"
SEED = 1  # a scene where the gripper is right above the named block
SHOWN_FRACTION = 0.4  # the frame shown: the gripper on its way down to the block
CONTROL_PERIOD = 0.2  # s, the demo's 5 Hz


def main() -> int:
    world = SimWorld(seed=SEED, image_size=(224, 224))
    policy = ScriptedPolicy()
    tokens = []  # per control step, as policy_node publishes them on /rt2/action_tokens

    def act(image, state):
        step = policy.act(Observation(image, "", 0.0, serialise(state)))
        tokens.append(step.tokens)
        return step.action

    result = run_episode(world, act, DeltaFollower(world, CONTROL_PERIOD), TaskSpec("pick_up"), record=True)
    world.close()
    index = int(len(result.actions) * SHOWN_FRACTION)
    state = (
        OverlayState()
        .with_instruction(result.instruction)
        .with_action(result.actions[index], 0.0)
        .with_tokens(tuple(tokens[index]), policy.token_scheme, 0.0, result.instruction)
        .with_safety(SafetyView(forwarded=index + 1))
    )
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    imageio.imwrite(OUTPUT, draw_overlay(result.frames[index], state, 448))
    print(f"{OUTPUT} ({OUTPUT.stat().st_size // 1024} KB): {result.instruction!r}, step {index + 1}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
