"""The strand alpha atlas, drawn by our own code (no third-party texture).

Four columns (``strands.ATLAS_COLUMNS``) side by side, each a card's worth of strands running
from the root (v = 0, bottom row) to the tip: ``dense`` (many strands, inner layers), ``sparse``
(outer layers, wispy tips), ``fine`` (single hairs: brows, beards), ``lashes`` (a few tapered
lashes). Strands are anti-aliased lines whose width tapers toward a random end.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from faceeditor.hair.strands import ATLAS_COLUMNS

#: (strands per card, line half-width in column widths, shortest strand end, waviness, length
#: of the tapering tip, latest strand start, clumping) per column; lashes taper from near their
#: roots. Scalp strands start at staggered heights (a card's root is no hard line where cards
#: overlap at a parting or the crown) and gather into a few clumps toward their tips.
_COLUMN_STYLE = {
    "dense": (70, 0.012, 0.6, 0.01, 0.3, 0.12, 0.45),
    "sparse": (34, 0.010, 0.45, 0.015, 0.3, 0.2, 0.6),
    "fine": (3, 0.07, 0.8, 0.02, 0.25, 0.0, 0.0),
    "lashes": (3, 0.04, 0.7, 0.0, 0.6, 0.0, 0.0),
}
#: Clumps a card's strands gather into.
_CLUMPS = 3


@lru_cache(maxsize=4)
def strand_atlas(size: int = 512) -> np.ndarray:
    """(size, size) uint8 coverage, top row first (row 0 = v 1, the tips), deterministic."""
    rng = np.random.default_rng(20261202)
    width = size // len(ATLAS_COLUMNS)
    v = (np.arange(size)[::-1] + 0.5) / size  # top row = tips
    u = (np.arange(width) + 0.5) / width
    columns = []
    for name in ATLAS_COLUMNS:
        count, half_width, shortest, wave, tip, latest, clumping = _COLUMN_STYLE[name]
        alpha = np.zeros((size, width))
        margin = 0.08 + half_width
        clumps = rng.uniform(margin + 0.1, 1 - margin - 0.1, _CLUMPS)
        for _ in range(count):
            u0 = rng.uniform(margin, 1 - margin)
            end = rng.uniform(shortest, 1.0)
            start = rng.uniform(0.0, latest)
            clump = clumps[np.argmin(np.abs(clumps - u0))]
            gather = clumping * rng.uniform(0.5, 1.0) * np.clip((v - start) / (end - start), 0, 1)
            centre = (u0 + (clump - u0) * gather
                      + wave * np.sin(2 * np.pi * (v * rng.uniform(1, 3) + rng.random())))
            taper = np.clip((end - v) / tip, 0.0, 1.0) ** 0.7
            w = half_width * rng.uniform(0.7, 1.3) * np.maximum(taper, 0.05)
            distance = np.abs(u[None, :] - centre[:, None]) / (1.0 / width)
            line = np.clip(w[:, None] * width + 0.5 - distance, 0.0, 1.0)
            grown = np.clip((v - start) / 0.04, 0.0, 1.0) if latest > 0 else 1.0
            line *= ((v < end) * grown)[:, None] * rng.uniform(0.75, 1.0)
            alpha = np.maximum(alpha, line)
        columns.append(alpha)
    atlas = np.concatenate(columns, 1)
    return np.round(np.clip(atlas, 0, 1) * 255).astype(np.uint8)
