"""The `tiny` backend: rt2_ros's own RT-2-style VLA, small enough to train and run on a robot's CPU."""
