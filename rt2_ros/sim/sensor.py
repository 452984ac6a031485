"""What a real camera adds to a render: per-pixel sensor noise (no rclpy).

MuJoCo renders a still scene to identical bytes, which a real sensor never delivers; a check that refuses
frozen frames (policy_node's `max_frozen_time`) needs the noise to tell a still arm from a stuck camera.
"""

import numpy as np


def add_sensor_noise(rgb: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    """(H, W, 3) uint8 plus zero-mean Gaussian noise of `std` intensity levels, rounded and clipped; 0: unchanged."""
    if std < 0:
        raise ValueError(f"sensor noise std {std}; expected >= 0 intensity levels")
    if std == 0:
        return rgb
    noisy = rgb.astype(np.float32) + rng.normal(0.0, std, rgb.shape).astype(np.float32)  # (H, W, 3)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
