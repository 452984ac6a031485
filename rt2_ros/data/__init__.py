"""Robot data for the tiny VLA, with no rclpy: recording demonstrations as rosbag2 MCAP, reading bags
(recorded here or by `ros2 bag record` on a real arm), the array cache training reads, instruction
phrasings and the vision-language questions generated from scene ground truth."""
