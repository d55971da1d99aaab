"""uint8 digit images to PNG (Pillow): single samples for the app, grids for model cards."""
from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image


def tile(images: np.ndarray, cols: int = 8, pad: int = 2) -> np.ndarray:
    """(N, H, W) uint8 -> one (rows*(H+pad)+pad, cols*(W+pad)+pad) uint8 mosaic."""
    n, h, w = images.shape
    rows = max(1, -(-n // cols))
    out = np.zeros((rows * (h + pad) + pad, cols * (w + pad) + pad), np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = img
    return out


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """A 2-D uint8 array as PNG bytes, upscaled by nearest neighbour so pixels stay sharp."""
    img = Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8), mode="L")
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def save_png(image: np.ndarray, path: Path, scale: int = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(png_bytes(image, scale))
    os.replace(tmp, path)
