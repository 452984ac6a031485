"""The QoS profiles of docs/interfaces.md, each chosen on purpose."""

from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    QoSProfile,
    ReliabilityPolicy,
    qos_profile_sensor_data,
)


def _reliable(depth: int, durability: DurabilityPolicy = DurabilityPolicy.VOLATILE) -> QoSProfile:
    return QoSProfile(
        depth=depth, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE, durability=durability
    )


# Cameras: only the freshest frame matters and a late frame is worse than a lost one, so
# best effort with a shallow queue (the standard sensor-data profile, depth 5).
SENSOR_DATA = qos_profile_sensor_data

# Commands from people and tools (`ros2 topic pub --once` publishes reliable/volatile,
# depth 10 by default): reliable so a one-shot command is not lost.
COMMAND = _reliable(10)

# Actions and trajectories: every one matters for the arm and the safety counters, so
# reliable; depth 10 absorbs a short burst without blocking the publisher.
ACTION = _reliable(10)

# Status that a late joiner must see at once (e.g. the safety gate's state, which changes
# rarely): transient local keeps the last message for subscribers that join later.
LATCHED = _reliable(1, DurabilityPolicy.TRANSIENT_LOCAL)

# The current end-effector pose: only the newest matters, but it gates translations in
# the safety node, so it is sent reliably.
LATEST_STATE = _reliable(1)

# /diagnostics: what ROS's diagnostic_updater publishes with (reliable, volatile, depth 1), so
# diagnostic_aggregator, rqt_runtime_monitor and `ros2 topic echo` see it as from any driver.
DIAGNOSTICS = _reliable(1)

# Images for people to watch (/rt2/overlay): reliable, because a best-effort publisher is invisible to
# the reliable subscriptions that image viewers such as rqt_image_view open by default, while a reliable
# one matches best-effort viewers too; depth 1, so a slow viewer gets the newest frame, never a backlog.
VIEWER_IMAGE = _reliable(1)

# /joint_states as robot drivers (joint_state_broadcaster) publish it: rclpy's default profile,
# reliable, volatile, depth 10, so the arm controller matches a real driver and sim_node alike.
JOINT_STATES = _reliable(10)
