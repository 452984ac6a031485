"""The sim camera's sensor noise: zero-mean, bounded to uint8, every frame different, off at 0."""

import numpy as np
import pytest

from rt2_ros.sim.sensor import add_sensor_noise


def test_noise_changes_every_frame_but_not_the_picture():
    rgb = np.full((64, 64, 3), 128, np.uint8)
    rng = np.random.default_rng(0)
    first, second = add_sensor_noise(rgb, 2.0, rng), add_sensor_noise(rgb, 2.0, rng)
    assert first.dtype == np.uint8 and first.shape == rgb.shape
    assert not np.array_equal(first, second)
    assert abs(first.astype(float).mean() - 128) < 0.1 and 1.5 < first.astype(float).std() < 2.5


def test_noise_is_clipped_to_the_pixel_range():
    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[:4] = 255
    noisy = add_sensor_noise(rgb, 20.0, np.random.default_rng(0))
    assert noisy[:4].min() > 150 and noisy[4:].max() < 100  # clipped at 255 and 0, not wrapped round
    assert (noisy[:4] == 255).mean() > 0.3 and (noisy[4:] == 0).mean() > 0.3


def test_zero_noise_is_the_render_and_negative_is_refused():
    rgb = np.zeros((4, 4, 3), np.uint8)
    assert add_sensor_noise(rgb, 0.0, np.random.default_rng(0)) is rgb
    with pytest.raises(ValueError, match="noise"):
        add_sensor_noise(rgb, -1.0, np.random.default_rng(0))
