"""Tile rendered images into one labelled sheet, and save PNGs atomically."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from faceeditor.fileio import write_atomic

log = logging.getLogger(__name__)

_LABEL_HEIGHT = 18
_PADDING = 4


def contact_sheet(
    images: Sequence[np.ndarray],
    columns: int,
    labels: Sequence[str] | None = None,
    background: tuple[int, int, int] = (255, 255, 255),
) -> np.ndarray:
    """Tile (H_i, W_i, 3) uint8 images row by row into one (H, W, 3) uint8 image.

    Cells are as large as the largest image (smaller images sit top-left in their cell) with
    ``_PADDING`` pixels around; with ``labels`` each cell gets a text strip under its image.
    """
    if not images:
        raise ValueError("contact_sheet needs at least one image")
    if columns < 1:
        raise ValueError(f"columns must be >= 1, got {columns}")
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"got {len(labels)} labels for {len(images)} images")
    for index, image in enumerate(images):
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"image {index} must be (H, W, 3) uint8, got "
                             f"{image.shape} {image.dtype}")
    cell_h = max(image.shape[0] for image in images) + (_LABEL_HEIGHT if labels else 0)
    cell_w = max(image.shape[1] for image in images)
    columns = min(columns, len(images))
    rows = -(-len(images) // columns)
    sheet = Image.new("RGB", (columns * (cell_w + _PADDING) + _PADDING,
                              rows * (cell_h + _PADDING) + _PADDING), background)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for index, image in enumerate(images):
        x = _PADDING + (index % columns) * (cell_w + _PADDING)
        y = _PADDING + (index // columns) * (cell_h + _PADDING)
        sheet.paste(Image.fromarray(image, "RGB"), (x, y))
        if labels:
            draw.text((x + 2, y + image.shape[0] + 3), labels[index], fill=(0, 0, 0), font=font)
    return np.asarray(sheet, dtype=np.uint8).copy()


def save_png(path: str | os.PathLike[str], image: np.ndarray) -> None:
    """Write an (H, W, 3) uint8 image to ``path`` as PNG atomically (temp file + ``os.replace``)."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be (H, W, 3) uint8, got {image.shape} {image.dtype}")
    target = Path(path)
    encoded = io.BytesIO()
    Image.fromarray(image, "RGB").save(encoded, format="PNG")
    write_atomic(target, encoded.getvalue())
    log.debug("wrote %s (%dx%d)", target, image.shape[1], image.shape[0])
