"""Helpers shared by the rclpy nodes: QoS profiles, parameter declaration, node start-up.

Everything here imports rclpy; the logic the nodes wrap lives in rclpy-free modules.
"""
