"""Landmarks drawn over a photo, for the user to check a detection before fitting."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .blazeface import FaceBox

POINT_COLOUR = (64, 255, 96)
BOX_COLOUR = (255, 200, 0)
KEYPOINT_COLOUR = (255, 64, 64)


def draw_landmarks(image: np.ndarray, points: np.ndarray, box: FaceBox | None = None,
                   radius: float | None = None) -> np.ndarray:
    """A copy of (H, W, 3) uint8 `image` with (N, 2+) `points` as dots (and `box` if given).

    radius: dot radius in pixels; default scales with the spread of the points (about 1/250 of
    the face's size, at least 1 pixel), so dots stay visible on large photos and small on small.
    """
    canvas = Image.fromarray(np.ascontiguousarray(image, np.uint8)).convert("RGB")
    draw = ImageDraw.Draw(canvas)
    xy = np.asarray(points, np.float64)[:, :2]
    if radius is None:
        extent = float(np.ptp(xy, axis=0).max()) if len(xy) else 0.0
        radius = max(1.0, extent / 250.0)
    line = max(1, round(radius))
    if box is not None:
        draw.rectangle(box.box, outline=BOX_COLOUR, width=line)
        for x, y in np.asarray(box.keypoints, np.float64):
            r = 2.5 * radius
            draw.ellipse((x - r, y - r, x + r, y + r), outline=KEYPOINT_COLOUR, width=line)
    for x, y in xy:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=POINT_COLOUR)
    return np.asarray(canvas)
