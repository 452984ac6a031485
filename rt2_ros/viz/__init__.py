"""What a person watches: the annotated camera frame and the video file (no rclpy here)."""
