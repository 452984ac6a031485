"""The robot: its one description (urdf/) and kinematics computed from it."""
