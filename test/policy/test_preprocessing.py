"""The hf backend's image preprocessing: crop, resize and normalisation as the checkpoint's processor does."""

import numpy as np
import pytest

from rt2_ros.policy.hf.processing_hf import ImagePreprocessor, format_prompt


def preprocessor(scale: float = 1.0) -> ImagePreprocessor:
    return ImagePreprocessor((32, 32), np.array([0.5, 0.5, 0.5]), np.array([0.5, 0.5, 0.5]), 1 / 255, scale)


def test_output_is_channels_first_float_at_the_model_size():
    pixels = preprocessor()(np.zeros((48, 64, 3), np.uint8))
    assert pixels.shape == (3, 32, 32) and pixels.dtype == np.float32


def test_normalisation_maps_0_and_255_to_minus_one_and_one():
    assert np.allclose(preprocessor()(np.zeros((32, 32, 3), np.uint8)), -1.0)
    assert np.allclose(preprocessor()(np.full((32, 32, 3), 255, np.uint8)), 1.0)


def test_channels_keep_rgb_order():
    image = np.zeros((32, 32, 3), np.uint8)
    image[..., 0] = 255  # red
    pixels = preprocessor()(image)
    assert np.allclose(pixels[0], 1.0) and np.allclose(pixels[1:], -1.0)


def test_centre_crop_keeps_the_middle():
    image = np.zeros((100, 100, 3), np.uint8)
    image[5:95, 5:95] = 255  # a white square inside a 5 px black border
    assert np.allclose(preprocessor(0.81)(image), 1.0)  # crop side 0.9 -> 90 px: the border is gone
    assert preprocessor(1.0)(image).min() < 0.0


def test_matches_the_checkpoints_processor(checkpoint):
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(str(checkpoint))
    ours = ImagePreprocessor.from_image_processor(processor.image_processor)
    image = np.random.default_rng(0).integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    theirs = processor.image_processor(images=image, return_tensors="np")["pixel_values"][0]
    np.testing.assert_allclose(ours(image), theirs, atol=1e-5)


@pytest.mark.parametrize(
    ("instruction", "prompt"),
    [("Pick up the RED block", "In: What action should the robot take to pick up the red block?\nOut:")],
)
def test_prompt_lowercases_the_instruction(instruction, prompt):
    assert format_prompt("In: What action should the robot take to {instruction}?\nOut:", instruction) == prompt
