"""`rt2-ros soak`: the closed loop for a long time, and what it shows (report.py, no rclpy; counters_node.py)."""
