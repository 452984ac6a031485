"""sensor_msgs/Image ⇄ numpy: every supported encoding, and every malformed message rejected."""

import array

import numpy as np
import pytest
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from rt2_ros.ros.image_conversion import (
    MAX_IMAGE_PIXELS,
    ImageConversionError,
    image_to_rgb,
    rgb_to_image,
)


@pytest.fixture
def rgb() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(5, 7, 3), dtype=np.uint8)  # (H, W, 3)


def _message(pixels: np.ndarray, encoding: str, padding: int = 0) -> Image:
    height, width = pixels.shape[:2]
    rows = pixels.reshape(height, -1)
    rows = np.concatenate([rows, np.full((height, padding), 255, np.uint8)], axis=1)
    return Image(
        height=height,
        width=width,
        encoding=encoding,
        step=rows.shape[1],
        data=array.array("B", rows.tobytes()),
    )


@pytest.mark.parametrize(
    ("encoding", "layout"),
    [
        ("rgb8", lambda rgb: rgb),
        ("bgr8", lambda rgb: rgb[:, :, ::-1]),
        ("rgba8", lambda rgb: np.concatenate([rgb, np.full((*rgb.shape[:2], 1), 9, np.uint8)], axis=2)),
        ("bgra8", lambda rgb: np.concatenate([rgb[:, :, ::-1], np.full((*rgb.shape[:2], 1), 9, np.uint8)], axis=2)),
    ],
)
@pytest.mark.parametrize("padding", [0, 3])
def test_colour_encodings_give_the_same_rgb(rgb, encoding, layout, padding):
    message = _message(np.ascontiguousarray(layout(rgb)), encoding, padding)
    np.testing.assert_array_equal(image_to_rgb(message), rgb)


def test_mono8_is_grey_in_every_channel(rgb):
    grey = rgb[:, :, 0].copy()
    converted = image_to_rgb(_message(grey, "mono8", padding=1))
    assert converted.shape == (5, 7, 3)
    for channel in range(3):
        np.testing.assert_array_equal(converted[:, :, channel], grey)


def test_round_trip_keeps_pixels_and_header(rgb):
    header = Header(frame_id="scene_camera_link")
    header.stamp.sec, header.stamp.nanosec = 12, 345
    message = rgb_to_image(rgb, header)
    assert (message.width, message.height, message.step, message.encoding) == (7, 5, 21, "rgb8")
    assert message.header.frame_id == "scene_camera_link" and message.header.stamp.nanosec == 345
    np.testing.assert_array_equal(image_to_rgb(message), rgb)


def test_rgb_to_image_mono8_round_trip(rgb):
    message = rgb_to_image(rgb[:, :, 1], encoding="mono8")
    np.testing.assert_array_equal(image_to_rgb(message)[:, :, 2], rgb[:, :, 1])


@pytest.mark.parametrize(
    ("pixels", "encoding", "complaint"),
    [
        (np.zeros((4, 4, 3), np.float32), "rgb8", "uint8"),
        (np.zeros((4, 4), np.uint8), "rgb8", "shape"),
        (np.zeros((4, 4, 3), np.uint8), "rgba8", "shape"),
        (np.zeros((4, 4, 3), np.uint8), "yuv422", "unsupported image encoding"),
    ],
)
def test_rgb_to_image_rejects_wrong_arrays(pixels, encoding, complaint):
    with pytest.raises(ImageConversionError, match=complaint):
        rgb_to_image(pixels, encoding=encoding)


def test_unknown_encoding_is_rejected(rgb):
    with pytest.raises(ImageConversionError, match="unsupported image encoding '16UC1'"):
        image_to_rgb(_message(rgb, "16UC1"))


def test_empty_image_is_rejected():
    with pytest.raises(ImageConversionError, match=r"empty image \(0x0\)"):
        image_to_rgb(Image(encoding="rgb8"))


def test_huge_image_is_rejected_before_reading_data():
    message = Image(width=MAX_IMAGE_PIXELS, height=2, encoding="mono8", step=MAX_IMAGE_PIXELS)
    with pytest.raises(ImageConversionError, match="larger than"):
        image_to_rgb(message)


def test_short_step_is_rejected(rgb):
    message = _message(rgb, "rgb8")
    message.step = 20
    with pytest.raises(ImageConversionError, match="step 20 is shorter"):
        image_to_rgb(message)


def test_data_size_mismatch_is_rejected(rgb):
    message = _message(rgb, "rgb8")
    message.data = message.data[:-1]
    with pytest.raises(ImageConversionError, match="data holds 104 bytes"):
        image_to_rgb(message)
