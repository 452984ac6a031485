"""Arm controller backends: turn safe end-effector deltas into arm motion.

builtin: IK from the URDF -> joint trajectory (embedded sim, ros2_control);
servo: MoveIt Servo twist stream; moveit_py: MoveItPy pose goals.
"""
