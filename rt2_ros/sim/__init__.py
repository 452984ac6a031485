"""The embedded MuJoCo simulation: scene, physics, tasks with success checks, and the scripted expert.

Nothing here imports rclpy; `rt2_ros.nodes.sim_node` wraps `SimWorld` for ROS, and the demo,
tests and data collection can also run it in-process.
"""

import os

# Offscreen rendering without a display; MuJoCo reads this once, when it is first imported.
os.environ.setdefault("MUJOCO_GL", "egl")
