"""Procedural backgrounds, so a detector trained on the images cannot learn one grey backdrop.

``background(seed, size) -> (size, size, 3) uint8`` picks one of ``KINDS`` and its colours from
``default_rng(seed)``: a flat colour, a linear or radial gradient, smooth colour noise (out of
focus clutter), stripes, soft blobs (bokeh) or hard-edged rectangles (shelves, windows).
Pure numpy; the same seed gives the same pixels on every machine.
"""

from __future__ import annotations

import numpy as np

KINDS = ("flat", "gradient", "radial", "noise", "stripes", "bokeh", "shapes")


def background(seed: int, size: int) -> tuple[np.ndarray, str]:
    """(size, size, 3) uint8 sRGB image and the name of its kind."""
    rng = np.random.default_rng(seed)
    kind = KINDS[int(rng.integers(len(KINDS)))]
    image = _MAKERS[kind](rng, size)
    grain = rng.normal(0.0, 0.012, (size, size, 1)).astype(np.float32)  # sensor noise
    return np.round(np.clip(image + grain, 0.0, 1.0) * 255.0).astype(np.uint8), kind


def _colour(rng: np.random.Generator) -> np.ndarray:
    """A random sRGB colour in [0, 1], muted more often than saturated."""
    hue = rng.random()
    saturation = rng.random() ** 1.5
    value = 0.15 + 0.8 * rng.random()
    k = (np.array([5.0, 3.0, 1.0]) + hue * 6.0) % 6.0
    rgb = value - value * saturation * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return rgb.astype(np.float32)


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(size, size) x and y in [0, 1] (pixel centres)."""
    t = (np.arange(size, dtype=np.float32) + 0.5) / size
    return np.meshgrid(t, t)


def _flat(rng, size):
    return np.broadcast_to(_colour(rng), (size, size, 3)).astype(np.float32)


def _gradient(rng, size):
    x, y = _grid(size)
    angle = rng.random() * 2 * np.pi
    t = np.clip((x - 0.5) * np.cos(angle) + (y - 0.5) * np.sin(angle) + 0.5, 0, 1)[..., None]
    a, b = _colour(rng), _colour(rng)
    return a + (b - a) * t


def _radial(rng, size):
    x, y = _grid(size)
    cx, cy = rng.random(2)
    t = np.clip(np.hypot(x - cx, y - cy) / (0.4 + 0.8 * rng.random()), 0, 1)[..., None]
    a, b = _colour(rng), _colour(rng)
    return a + (b - a) * t


def _smooth_noise(rng, size, cells):
    """(size, size) value noise in [0, 1] from a ``cells`` x ``cells`` lattice, smoothstepped."""
    lattice = rng.random((cells + 1, cells + 1)).astype(np.float32)
    t = np.arange(size, dtype=np.float32) * (cells / size)
    i = np.minimum(t.astype(np.int64), cells - 1)
    f = t - i
    f = f * f * (3 - 2 * f)
    rows = lattice[i] * (1 - f)[:, None] + lattice[i + 1] * f[:, None]     # (size, cells + 1)
    return rows[:, i] * (1 - f)[None, :] + rows[:, i + 1] * f[None, :]


def _noise(rng, size):
    colours = [_colour(rng) for _ in range(3)]
    image = np.zeros((size, size, 3), np.float32)
    weights = [_smooth_noise(rng, size, int(rng.integers(2, 9))) for _ in colours]
    total = sum(weights) + 1e-6
    for colour, weight in zip(colours, weights):
        image += colour * (weight / total)[..., None]
    return image


def _stripes(rng, size):
    x, y = _grid(size)
    angle = rng.random() * np.pi
    period = 0.03 + 0.25 * rng.random()
    u = (x * np.cos(angle) + y * np.sin(angle)) / period
    t = (0.5 + 0.5 * np.sin(2 * np.pi * u)) ** (0.3 + 3 * rng.random())
    a, b = _colour(rng), _colour(rng)
    return a + (b - a) * t[..., None]


def _bokeh(rng, size):
    x, y = _grid(size)
    image = _gradient(rng, size)
    for _ in range(int(rng.integers(6, 25))):
        cx, cy, r = rng.random(), rng.random(), 0.02 + 0.12 * rng.random()
        d = np.hypot(x - cx, y - cy) / r
        alpha = (np.clip(1.2 - d, 0, 1) ** 2 * (0.2 + 0.6 * rng.random()))[..., None]
        image = image + (_colour(rng) - image) * alpha
    return image


def _shapes(rng, size):
    x, y = _grid(size)
    image = _flat(rng, size).copy()
    for _ in range(int(rng.integers(3, 12))):
        x0, y0 = rng.random(2) * 1.2 - 0.1
        w, h = 0.05 + 0.5 * rng.random(2)
        inside = (x >= x0) & (x < x0 + w) & (y >= y0) & (y < y0 + h)
        image[inside] = _colour(rng)
    return image


_MAKERS = {"flat": _flat, "gradient": _gradient, "radial": _radial, "noise": _noise,
           "stripes": _stripes, "bokeh": _bokeh, "shapes": _shapes}
