"""Delta → Servo twist conversion and the republish timing, without MoveIt or rclpy."""

import numpy as np
import pytest

from rt2_ros.control.twist import StreamConfig, Twist, TwistStream, rotation_vector, twist_for_delta
from rt2_ros.geometry import apply_delta, matrix_from_quaternion, rotation_delta


@pytest.fixture
def config() -> StreamConfig:
    return StreamConfig(
        control_period=0.2,
        publish_period=0.02,
        incoming_command_timeout=0.1,
        max_linear_speed=0.2,
        max_angular_speed=0.8,
    )


def integrate(stream: TwistStream, start: float, seconds: float, period: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Sum twist × period over the ticks in [start, start + seconds): what Servo would travel."""
    linear, angular, sent = np.zeros(3), np.zeros(3), 0
    for k in range(round(seconds / period)):
        twist = stream.tick(start + k * period)
        if twist is not None:
            linear += twist.linear * period
            angular += twist.angular * period
            sent += 1
    return linear, angular, sent


def test_translation_becomes_velocity_over_control_period(config):
    twist, window = twist_for_delta(np.array([0.01, -0.02, 0.004]), np.zeros(3), config)
    assert window == pytest.approx(0.2)
    np.testing.assert_allclose(twist.linear, [0.05, -0.1, 0.02])
    np.testing.assert_allclose(twist.angular, 0.0)


def test_single_axis_rotation_becomes_angular_velocity(config):
    twist, window = twist_for_delta(np.zeros(3), np.array([0.0, 0.0, 0.1]), config)
    np.testing.assert_allclose(twist.angular, [0.0, 0.0, 0.5])
    assert window == pytest.approx(0.2)


@pytest.mark.parametrize("rpy", [[0.2, -0.1, 0.25], [-0.25, 0.25, -0.25], [1e-9, 0.0, 0.0], [3.0, 0.0, 0.0]])
def test_rotation_vector_reproduces_the_rpy_rotation(rpy):
    """exp([θ]×) = R(rpy): the angular velocity held for the window turns the gripper by the delta."""
    theta = rotation_vector(np.array(rpy))
    angle = np.linalg.norm(theta)
    assert angle <= np.pi + 1e-12
    _, quaternion = apply_delta(np.zeros(3), np.array([0, 0, 0, 1.0]), np.zeros(3), np.array(rpy))
    if angle > 1e-12:
        axis = theta / angle
        k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
        rodrigues = np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k
        np.testing.assert_allclose(rodrigues, matrix_from_quaternion(quaternion), atol=1e-9)
    np.testing.assert_allclose(rotation_delta(np.array([0, 0, 0, 1.0]), quaternion), rpy, atol=1e-9)


def test_speeds_over_the_limit_stretch_the_window_not_the_path(config):
    translation = np.array([0.05, 0.05, 0.0])  # 0.354 m/s over 0.2 s: over the 0.2 m/s limit
    twist, window = twist_for_delta(translation, np.zeros(3), config)
    assert np.linalg.norm(twist.linear) == pytest.approx(config.max_linear_speed)
    np.testing.assert_allclose(twist.linear * window, translation)
    assert np.cross(twist.linear, translation) == pytest.approx(np.zeros(3))


def test_angular_limit_also_slows_translation_so_both_finish_together(config):
    translation, rotation = np.array([0.01, 0.0, 0.0]), np.array([0.0, 0.0, 0.25])  # 1.25 rad/s > 0.8
    twist, window = twist_for_delta(translation, rotation, config)
    assert np.linalg.norm(twist.angular) == pytest.approx(config.max_angular_speed)
    assert np.linalg.norm(twist.linear) <= config.max_linear_speed
    np.testing.assert_allclose(twist.linear * window, translation)
    np.testing.assert_allclose(twist.angular * window, [0.0, 0.0, 0.25])


def test_stream_travels_exactly_the_delta_then_halts(config):
    stream = TwistStream(config)
    translation = np.array([0.013, -0.007, 0.021])
    twist, window = twist_for_delta(translation, np.array([0.05, 0.0, -0.03]), config)
    stream.command(twist, window, now=10.0)
    linear, angular, sent = integrate(stream, 10.0, 1.0, config.publish_period)
    np.testing.assert_allclose(linear, translation, atol=1e-12)
    np.testing.assert_allclose(angular, rotation_vector(np.array([0.05, 0.0, -0.03])), atol=1e-12)
    assert sent == round(window / config.publish_period) + config.halt_messages


def test_window_not_a_multiple_of_the_publish_period_is_still_exact():
    config = StreamConfig(0.105, 0.02, 0.1, 1.0, 1.0)
    stream = TwistStream(config)
    twist, window = twist_for_delta(np.array([0.0, 0.0, 0.021]), np.zeros(3), config)
    stream.command(twist, window, now=0.0)
    linear, _, _ = integrate(stream, 0.0, 0.5, config.publish_period)
    np.testing.assert_allclose(linear, [0.0, 0.0, 0.021], atol=1e-12)


def test_consecutive_ticks_while_moving_are_never_further_apart_than_the_timeout(config):
    stream = TwistStream(config)
    twist, window = twist_for_delta(np.array([0.05, 0.0, 0.0]), np.zeros(3), config)
    stream.command(twist, window, now=0.0)
    times = [k * config.publish_period for k in range(100) if stream.tick(k * config.publish_period) is not None]
    assert max(np.diff(times)) < config.incoming_command_timeout


def test_hold_sends_zero_twists_at_once_then_nothing(config):
    stream = TwistStream(config)
    twist, window = twist_for_delta(np.array([0.05, 0.0, 0.0]), np.zeros(3), config)
    stream.command(twist, window, now=0.0)
    assert not stream.tick(0.0).is_zero()
    stream.hold()
    sent = [stream.tick(0.02 * k) for k in range(1, 10)]
    assert all(t is not None and t.is_zero() for t in sent[: config.halt_messages])
    assert all(t is None for t in sent[config.halt_messages :])
    assert not stream.moving(0.05)


def test_idle_stream_sends_nothing(config):
    assert TwistStream(config).tick(0.0) is None


def test_new_action_replaces_the_one_in_progress(config):
    stream = TwistStream(config)
    first, window = twist_for_delta(np.array([0.02, 0.0, 0.0]), np.zeros(3), config)
    second, _ = twist_for_delta(np.array([0.0, 0.02, 0.0]), np.zeros(3), config)
    stream.command(first, window, now=0.0)
    stream.command(second, window, now=0.1)
    np.testing.assert_allclose(stream.tick(0.1).linear, second.linear)


def test_zero_twist_is_zero():
    assert Twist().is_zero()
    assert not Twist(np.array([0.0, 0.0, 1e-6])).is_zero()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("publish_period", 0.06, "at most half of Servo's incoming_command_timeout"),
        ("control_period", 0.0, "control_period must be > 0"),
        ("max_linear_speed", -1.0, "max_linear_speed must be > 0"),
        ("halt_messages", 0, "halt_messages must be >= 1"),
    ],
)
def test_bad_stream_config_is_refused_with_the_reason(config, field, value, message):
    values = {**config.__dict__, field: value}
    with pytest.raises(ValueError, match=message):
        StreamConfig(**values)
