"""PNG encoding of rendered frames, with Pillow.

The lab's visualization endpoint sends the environments' ``rgb_array`` frames as PNG.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def encode_png(rgb: np.ndarray) -> bytes:
    """Encode an ``H x W x 3`` uint8 image as PNG bytes."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an H x W x 3 uint8 image, got {rgb.shape} {rgb.dtype}")
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()
