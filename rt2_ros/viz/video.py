"""Annotated frames → a video file, for the demo (and anything else that records what it saw)."""

from pathlib import Path

import numpy as np


class VideoWriter:
    """Frames (H, W, 3) uint8 RGB → an MP4 (imageio-ffmpeg) or GIF file, written as they come."""

    def __init__(self, path: Path, fps: float) -> None:
        import imageio.v2 as imageio

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        if path.suffix.lower() == ".gif":
            self._writer = imageio.get_writer(path, mode="I", duration=1.0 / fps, loop=0)
        else:
            self._writer = imageio.get_writer(path, fps=fps, codec="libx264", quality=7, macro_block_size=8)
        self.frames = 0

    def add(self, image: np.ndarray) -> None:
        self._writer.append_data(image)
        self.frames += 1

    def close(self) -> None:
        self._writer.close()
