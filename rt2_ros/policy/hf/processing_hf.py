"""Pre- and post-processing of the `hf` backend: checkpoint checks, prompt, image, action tokens.

Kept free of torch model code so the node, the benchmark and the tests share one definition of what
goes into the model and how its tokens become an Action.
"""

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import safetensors

from rt2_ros.actions.tokenizer import OpenVLAActionTokenizer, load_dataset_statistics

STATISTICS_FILE = "dataset_statistics.json"


def check_checkpoint(path: Path, allow_pickle_weights: bool = False) -> list[Path]:
    """The checkpoint's weight files, after checking the folder is complete and the weights readable.

    Raises FileNotFoundError or ValueError naming the path: a missing folder, config.json or statistics
    file, no weights, pickle-only weights (unless allowed) or a safetensors file whose header is corrupt
    or which is shorter than its header says (a truncated download).
    """
    if not path.is_dir():
        raise FileNotFoundError(f"model_path {path} is not a folder (make one with `rt2-ros random-checkpoint {path}`)")
    for name in ("config.json", STATISTICS_FILE):
        if not (path / name).is_file():
            raise FileNotFoundError(f"model_path {path} has no {name}")
    safetensor_files = sorted(path.glob("*.safetensors"))
    pickle_files = sorted(path.glob("*.bin"))
    if not safetensor_files:
        if not pickle_files:
            raise FileNotFoundError(f"model_path {path} holds no weights (*.safetensors)")
        if not allow_pickle_weights:
            raise ValueError(
                f"model_path {path} holds only pickle weights ({pickle_files[0].name}); loading a pickle can run "
                "code. Convert them to safetensors, or set allow_pickle_weights if you trust the file"
            )
        return pickle_files
    for weights in safetensor_files:
        try:
            with safetensors.safe_open(str(weights), framework="pt") as handle:
                handle.keys()
        except Exception as error:  # SafetensorError is not importable by name across versions
            raise ValueError(f"weights file {weights} is corrupt: {error}") from error
    return safetensor_files


def action_vocab_size(model_config: Any, override: int = 0) -> int:
    """The id the action tokens count back from: OpenVLA's `vocab_size - pad_to_multiple_of`."""
    if override:
        return override
    text_config = model_config.get_text_config() if hasattr(model_config, "get_text_config") else model_config
    return int(text_config.vocab_size) - int(getattr(model_config, "pad_to_multiple_of", 0) or 0)


def load_action_tokenizer(
    path: Path, unnorm_key: str, vocab_size: int, num_bins: int, gripper_open_is_one: bool
) -> OpenVLAActionTokenizer:
    statistics = load_dataset_statistics(path / STATISTICS_FILE, unnorm_key or None)
    return OpenVLAActionTokenizer(vocab_size, statistics, num_bins, gripper_open_is_one)


def format_prompt(template: str, instruction: str) -> str:
    """OpenVLA lower-cases the instruction inside its prompt."""
    return template.format(instruction=instruction.lower())


class ImagePreprocessor:
    """(H, W, 3) uint8 RGB -> (3, h, w) float32 the vision tower reads: centre crop, resize, rescale, normalise.

    The numbers (size, mean, std, rescale factor) are the checkpoint's image processor's; the resize runs in
    OpenCV (area interpolation when shrinking, as an antialiased resize does), so a camera frame costs well
    under a millisecond instead of a PIL round trip.
    """

    def __init__(
        self,
        size: tuple[int, int],
        mean: np.ndarray,
        std: np.ndarray,
        rescale_factor: float = 1 / 255,
        center_crop_scale: float = 1.0,
    ) -> None:
        self.height, self.width = size
        self.scale = (np.float32(rescale_factor) / np.asarray(std, dtype=np.float32)).reshape(3, 1, 1)  # (3, 1, 1)
        self.offset = (np.asarray(mean, dtype=np.float32) / np.asarray(std, dtype=np.float32)).reshape(3, 1, 1)
        self.center_crop_scale = center_crop_scale

    @classmethod
    def from_image_processor(cls, image_processor: Any, center_crop_scale: float = 1.0) -> "ImagePreprocessor":
        size = image_processor.size
        if "height" in size and "width" in size:
            shape = (int(size["height"]), int(size["width"]))
        elif "shortest_edge" in size:
            shape = (int(size["shortest_edge"]),) * 2
        else:
            raise ValueError(f"image processor size {dict(size)} is neither height/width nor shortest_edge")
        do_normalize = getattr(image_processor, "do_normalize", True)
        mean = image_processor.image_mean if do_normalize else [0.0, 0.0, 0.0]
        std = image_processor.image_std if do_normalize else [1.0, 1.0, 1.0]
        rescale = image_processor.rescale_factor if getattr(image_processor, "do_rescale", True) else 1.0
        return cls(shape, np.asarray(mean), np.asarray(std), float(rescale), center_crop_scale)

    def crop(self, image: np.ndarray) -> np.ndarray:
        """Centre crop keeping `center_crop_scale` of the area, same aspect ratio (OpenVLA's eval crop)."""
        if self.center_crop_scale >= 1.0:
            return image
        side = np.sqrt(self.center_crop_scale)
        height, width = image.shape[:2]
        crop_height, crop_width = max(1, round(height * side)), max(1, round(width * side))
        top, left = (height - crop_height) // 2, (width - crop_width) // 2
        return image[top : top + crop_height, left : left + crop_width]

    def __call__(self, image: np.ndarray) -> np.ndarray:
        image = self.crop(image)  # (H', W', 3) uint8
        if image.shape[:2] != (self.height, self.width):
            shrinking = image.shape[0] > self.height or image.shape[1] > self.width
            interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
            image = cv2.resize(image, (self.width, self.height), interpolation=interpolation)  # (h, w, 3)
        chw = np.ascontiguousarray(image.transpose(2, 0, 1), dtype=np.float32)  # (3, h, w) in [0, 255]
        return chw * self.scale - self.offset  # (3, h, w): (x * rescale - mean) / std
