"""sim_node whose resets after the start-up one fail: the fault a reset could still hit, injected.

Run as `python -m failing_reset_sim --ros-args ...` with this folder on PYTHONPATH (test_placement.py
does). The node is the real sim_node; only SimWorld's object drawing raises after the first episode.
"""

import sys

from rt2_ros.nodes import sim_node
from rt2_ros.sim.world import SimWorld

original = SimWorld._draw_objects


def failing_after_the_first_episode(self, rng):
    if self.episode >= 1:
        raise RuntimeError("injected placement failure")
    return original(self, rng)


SimWorld._draw_objects = failing_after_the_first_episode

if __name__ == "__main__":
    sys.exit(sim_node.main())
