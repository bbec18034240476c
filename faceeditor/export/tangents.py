"""Per-vertex tangents from UVs, for normal mapping (in the spirit of MikkTSpace).

Works on GPU vertices (already split at UV seams, so every vertex has one UV): each triangle's
tangent and bitangent solve ``dP = T du + B dv``; corners accumulate them weighted by the
corner angle, the tangent is made orthogonal to the vertex normal (Gram-Schmidt) and the sign
``w`` records whether (N, T, B) is right-handed, as glTF expects: ``B = cross(N, T.xyz) * w``.

UVs here have their origin at the bottom left (OpenGL, ``FaceMesh.uvs``), so ``B`` points to the
top of the texture image, the +Y (green) direction of a glTF / OpenGL normal map.
"""

from __future__ import annotations

import numpy as np


def vertex_tangents(positions: np.ndarray, normals: np.ndarray, uvs: np.ndarray,
                    triangles: np.ndarray) -> np.ndarray:
    """(N, 4) float32 unit tangents (xyz) with handedness w = +1 or -1.

    Args:
        positions: (N, 3) vertex positions.
        normals: (N, 3) unit vertex normals.
        uvs: (N, 2) texture coordinates, origin bottom left.
        triangles: (F, 3) vertex indices.
    Vertices whose UV triangles are all degenerate get any unit vector orthogonal to the normal.
    """
    p = np.asarray(positions, np.float64)
    n = np.asarray(normals, np.float64)
    t = np.asarray(uvs, np.float64)
    tri = np.asarray(triangles, np.int64)

    # 1. Per-triangle tangent and bitangent from the UV derivatives.
    e1 = p[tri[:, 1]] - p[tri[:, 0]]
    e2 = p[tri[:, 2]] - p[tri[:, 0]]
    d1 = t[tri[:, 1]] - t[tri[:, 0]]
    d2 = t[tri[:, 2]] - t[tri[:, 0]]
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    scale = np.where(np.abs(det) > 1e-20, 1.0 / np.where(det == 0, 1.0, det), 0.0)[:, None]
    face_t = (e1 * d2[:, 1:2] - e2 * d1[:, 1:2]) * scale
    face_b = (e2 * d1[:, 0:1] - e1 * d2[:, 0:1]) * scale
    face_t = _unit(face_t)
    face_b = _unit(face_b)

    # 2. Accumulate per corner, weighted by the corner angle.
    angles = _corner_angles(p, tri)
    corners = tri.ravel()
    tangent = _scatter_add(corners, (face_t[:, None] * angles[:, :, None]).reshape(-1, 3), len(p))
    bitangent = _scatter_add(corners, (face_b[:, None] * angles[:, :, None]).reshape(-1, 3),
                             len(p))

    # 3. Orthogonalise against the normal; fall back to any orthogonal vector where degenerate.
    tangent -= n * np.sum(n * tangent, axis=1, keepdims=True)
    length = np.linalg.norm(tangent, axis=1)
    bad = length < 1e-12
    if bad.any():
        tangent[bad] = _any_orthogonal(n[bad])
        length[bad] = np.linalg.norm(tangent[bad], axis=1)
    tangent /= length[:, None]
    handedness = np.where(np.sum(np.cross(n, tangent) * bitangent, axis=1) < 0.0, -1.0, 1.0)
    return np.concatenate([tangent, handedness[:, None]], axis=1).astype(np.float32)


def _scatter_add(index: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """(count, 3): the sum of the (M, 3) ``values`` landing on each of the (M,) ``index``."""
    return np.stack([np.bincount(index, weights=values[:, c], minlength=count)
                     for c in range(3)], axis=1)


def _unit(vectors: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(length > 0, length, 1.0)


def _corner_angles(p: np.ndarray, tri: np.ndarray) -> np.ndarray:
    """(F, 3) interior angle of each triangle corner."""
    angles = np.empty(tri.shape, np.float64)
    for k in range(3):
        a = _unit(p[tri[:, (k + 1) % 3]] - p[tri[:, k]])
        b = _unit(p[tri[:, (k + 2) % 3]] - p[tri[:, k]])
        angles[:, k] = np.arccos(np.clip(np.sum(a * b, axis=1), -1.0, 1.0))
    return angles


def _any_orthogonal(n: np.ndarray) -> np.ndarray:
    """(M, 3) a vector orthogonal to each unit vector in ``n``."""
    helper = np.where(np.abs(n[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    return np.cross(n, helper)
