"""The mesh that the face model produces, and the geometry helpers around it."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

#: Names of the parts a face belongs to; ``FaceMesh.face_parts`` holds indices into this tuple.
PART_NAMES: tuple[str, ...] = ("skin", "eyes", "tongue", "teeth", "mouth_cavity")


@dataclasses.dataclass(frozen=True)
class FaceMesh:
    """One evaluated head.

    Coordinates are metres, Y up, the face looking toward +Z, the head centred for viewing.
    Arrays are numpy arrays, or torch tensors when the model was evaluated with tensors
    (then ``vertices`` and ``normals`` carry gradients).

    Attributes:
        vertices: (V, 3) float32 positions.
        normals: (V, 3) float32 unit vertex normals (area-weighted face normals).
        faces: (F, 3) int32 vertex indices, counter-clockwise seen from outside.
        uvs: (T, 2) float32 texture coordinates, origin at the bottom left (OpenGL/OBJ convention).
        face_uvs: (F, 3) int32 indices into ``uvs`` for each face corner (UV seams split here,
            not in ``vertices``).
        face_parts: (F,) uint8 indices into ``PART_NAMES``.
    """

    vertices: Any
    normals: Any
    faces: np.ndarray
    uvs: np.ndarray
    face_uvs: np.ndarray
    face_parts: np.ndarray

    @property
    def part_names(self) -> tuple[str, ...]:
        return PART_NAMES

    def part_faces(self, part: str) -> np.ndarray:
        """(F_part,) indices of the faces that belong to ``part`` (a name from ``PART_NAMES``)."""
        return np.flatnonzero(self.face_parts == PART_NAMES.index(part))
