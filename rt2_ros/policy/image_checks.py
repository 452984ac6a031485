"""Cheap checks of a camera frame before a policy acts on it: a covered lens, a blinding light, a view with
nothing in it (a camera knocked off its mount at a wall, the floor, the sky). A frame that fails one is not
acted on (policy_node says which in /rt2/policy_status); control resumes with the next frame that passes.

All on a 56 px greyscale thumbnail (~0.1 ms for a 224 px frame): the mean (brightness), the standard deviation
(contrast: a sensor's noise alone gives a few levels, a table scene tens), the share of clipped pixels.
"""

from dataclasses import dataclass

import cv2
import numpy as np

THUMBNAIL = 56  # px, the edge the frame is reduced to for the checks
CLIPPED = 250  # an 8-bit level at or above which a pixel counts as saturated


@dataclass(frozen=True)
class ImageLimits:
    min_brightness: float = 0.0  # mean grey level (0..255) below which the view is dark; 0 = not checked
    max_saturated: float = 1.0  # share of clipped pixels above which the view is blinded; 1 = not checked
    min_contrast: float = 0.0  # grey-level standard deviation below which nothing is in view; 0 = not checked

    def __post_init__(self) -> None:
        if not 0 <= self.min_brightness <= 255 or not 0 <= self.max_saturated <= 1 or not 0 <= self.min_contrast <= 128:
            raise ValueError(
                f"image limits: min_brightness {self.min_brightness} in [0, 255], max_saturated "
                f"{self.max_saturated} in [0, 1], min_contrast {self.min_contrast} in [0, 128]"
            )


@dataclass(frozen=True)
class ImageStats:
    brightness: float
    contrast: float
    saturated: float


def image_stats(image: np.ndarray) -> ImageStats:
    """(H, W, 3) uint8 RGB -> its brightness, contrast and clipped share."""
    grey = cv2.cvtColor(cv2.resize(image, (THUMBNAIL, THUMBNAIL), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    saturated = float(
        np.mean(np.max(cv2.resize(image, (THUMBNAIL, THUMBNAIL), interpolation=cv2.INTER_NEAREST), 2) >= CLIPPED)
    )
    return ImageStats(float(grey.mean()), float(grey.std()), saturated)


def image_problem(image: np.ndarray, limits: ImageLimits) -> tuple[str, str] | None:
    """(state, detail) when the frame fails a check, None when it passes (or no check is on)."""
    if limits == ImageLimits():
        return None
    stats = image_stats(image)
    if stats.brightness < limits.min_brightness:
        return "dark_image", (f"the view is dark (mean level {stats.brightness:.1f} < min_brightness "
                              f"{limits.min_brightness}): is the lens covered, the light off?")  # fmt: skip
    if stats.saturated > limits.max_saturated:
        return "saturated_image", (f"{stats.saturated:.0%} of the view is clipped white (max_saturated "
                                   f"{limits.max_saturated:.0%}): a light shines into the camera?")  # fmt: skip
    if stats.contrast < limits.min_contrast:
        return "blank_image", (f"nothing in view (contrast {stats.contrast:.1f} < min_contrast "
                               f"{limits.min_contrast}): is the camera still pointed at the table?")  # fmt: skip
    return None
