"""Contact occlusion of hair on the skin: how much the cards over each skin vertex darken it.

Computed once per grown hair on the rest head (the cards are bound to the skin, so the factor
stays valid under shape sliders and expressions) and folded into the face shader's ambient
occlusion (``render.smooth.SurfaceCache.contact``): ambient light fully, direct light softly.

For every skin vertex, each card centre point within ``REACH_M`` adds a smooth kernel: a
Gaussian of its distance across the surface (``SPREAD_M``) times a decay of its height above it
(``HEIGHT_M``); points more than ``BELOW_M`` under the surface add nothing. The factor is
``1 - MAX_OCCLUSION * (1 - exp(-STRENGTH * sum))``: 1 far from hair, soft at the hairline.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

REACH_M = 0.015
SPREAD_M = 0.006
HEIGHT_M = 0.008
BELOW_M = 0.002
STRENGTH = 0.9
MAX_OCCLUSION = 0.6


def skin_contact(card_positions: list[np.ndarray], head) -> np.ndarray | None:
    """(V,) float32 factor in [1 - MAX_OCCLUSION, 1] per vertex of ``head`` (a
    ``HeadShape``), from the rest positions of card layers ((2M, 3) left/right edge pairs);
    ``None`` without cards."""
    if not card_positions or not sum(len(p) for p in card_positions):
        return None
    centres = np.concatenate([np.asarray(p, np.float64).reshape(-1, 2, 3).mean(1)
                              for p in card_positions])
    skin = np.unique(head.faces[head.skin])
    vertices, normals = head.vertices[skin], head.normals[skin]
    pairs = cKDTree(vertices).sparse_distance_matrix(cKDTree(centres), REACH_M,
                                                     output_type="ndarray")
    order = np.lexsort((pairs["j"], pairs["i"]))  # integer keys: sums in a fixed order
    rows, cols = pairs["i"][order].astype(np.int64), pairs["j"][order].astype(np.int64)
    offset = centres[cols] - vertices[rows]
    height = np.einsum("ij,ij->i", offset, normals[rows])
    across = np.maximum(np.einsum("ij,ij->i", offset, offset) - height * height, 0.0)
    weight = (np.exp(-across / (2.0 * SPREAD_M ** 2)) * np.exp(-np.maximum(height, 0.0) / HEIGHT_M)
              * (height > -BELOW_M))
    total = np.bincount(rows, weight, len(skin))
    factor = np.ones(len(head.vertices), np.float32)
    factor[skin] = 1.0 - MAX_OCCLUSION * (1.0 - np.exp(-STRENGTH * total))
    return factor
