from __future__ import annotations

import numpy as np

from manimlib.constants import FRAME_HEIGHT, FRAME_WIDTH
from manimlib.utils.simple_functions import clip


def rgba_to_pixel_array(rgbas: np.ndarray, opacity: float = 1.0) -> np.ndarray:
    """Convert float rgba values in [0, 1] to uint8 pixels, premultiplying alpha."""
    out = np.array(rgbas, dtype=float)
    out[..., :3] *= out[..., 3:4] * opacity
    return (255 * np.clip(out, 0, 1)).astype(np.uint8)


def points_to_pixel_coords(points, pixel_width, pixel_height):
    # Frame center is at the middle of the image, y axis points up
    x = (points[:, 0] / FRAME_WIDTH + 0.5) * pixel_width
    y = (0.5 - points[:, 1] / FRAME_HEIGHT) * pixel_height
    return np.stack([x, y], axis=1).astype(int)


def blend_pixels(below, above):
    """
    Alpha-composite ``above`` onto ``below`` (both uint8 rgba arrays of the
    same shape) with the "over" operator.
    """
    a = above[..., 3:4] / 255.0
    out = below.astype(float)
    out[..., :3] = above[..., :3] * a + out[..., :3] * (1 - a)
    out[..., 3:4] = 255 * (a + out[..., 3:4] / 255.0 * (1 - a))
    return out.astype(np.uint8)


class PixelBuffer:
    """Fixed-size rgba buffer the camera draws into."""

    def __init__(self, width: int, height: int, background=(0, 0, 0, 255)):
        self.width = width
        self.height = height
        self.background = np.array(background, dtype=np.uint8)
        self.data = np.zeros((height, width, 4), dtype=np.uint8)
        self.clear()

    def clear(self):
        self.data[:, :] = self.background

    def set_pixel(self, x: int, y: int, rgba) -> None:
        # Silently ignore writes outside the buffer
        if not (0 <= x < self.width and 0 <= y < self.height):
            return
        self.data[y, x] = rgba

    def get_pixel(self, x, y):
        x = int(clip(x, 0, self.width - 1))
        y = int(clip(y, 0, self.height - 1))
        return self.data[y, x]

    def resize(self, width, height):
        """Resize."""
        self.width, self.height = width, height
        self.data = np.zeros((height, width, 4), dtype=np.uint8)
        self.clear()
