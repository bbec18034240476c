"""Points bound to the head's surface: one triangle and three barycentric weights per point.

The one representation of "a place on the face" that moves with every slider: landmarks
(anthropometric points, the 68-point iBUG layout, MediaPipe correspondences), hair roots, a
grabbed point in the viewport. Bind once against any mesh of the topology (``closest`` or
``of_vertices``), then ``positions`` / ``frames`` evaluate them on any evaluated head, numpy or
torch (gradients flow through torch vertices).

    points = SurfacePoints.closest(targets, mesh.vertices, mesh.faces)   # bind once
    xyz = points.positions(model.evaluate(params).vertices, mesh.faces)  # (N, 3) on a new head
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np


def _xp(array):
    if isinstance(array, np.ndarray):
        return np
    import torch

    return torch


@dataclasses.dataclass(frozen=True)
class SurfacePoints:
    """N points on a triangle mesh.

    Attributes:
        triangles: (N,) int64 triangle (face) indices.
        weights: (N, 3) float64 barycentric weights of the triangle's corners (each row sums to 1).
    """

    triangles: np.ndarray
    weights: np.ndarray

    def __post_init__(self):
        triangles = np.asarray(self.triangles, np.int64).reshape(-1)
        weights = np.asarray(self.weights, np.float64).reshape(-1, 3)
        if len(triangles) != len(weights):
            raise ValueError(f"{len(triangles)} triangles but {len(weights)} weight rows")
        object.__setattr__(self, "triangles", triangles)
        object.__setattr__(self, "weights", weights)

    def __len__(self) -> int:
        return len(self.triangles)

    def __getitem__(self, index) -> SurfacePoints:
        """A subset (index array, slice or boolean mask) as new ``SurfacePoints``."""
        return SurfacePoints(self.triangles[index], self.weights[index])

    # -- evaluation --------------------------------------------------------------------------

    def corners(self, faces: np.ndarray) -> np.ndarray:
        """(N, 3) vertex indices of each point's triangle."""
        return np.asarray(faces)[self.triangles]

    def positions(self, vertices: Any, faces: np.ndarray) -> Any:
        """(N, 3) positions on ``vertices`` ((V, 3) numpy or torch; (B, V, 3) gives (B, N, 3))."""
        xp = _xp(vertices)
        corners = self.corners(faces)
        weights = self.weights if xp is np else xp.as_tensor(
            self.weights, dtype=vertices.dtype, device=vertices.device)
        if xp is np:
            weights = weights.astype(vertices.dtype, copy=False)
        picked = vertices[..., corners, :]  # (..., N, 3, 3)
        return (picked * weights[..., None]).sum(-2)

    def frames(self, vertices: Any, faces: np.ndarray, normals: Any | None = None) -> Any:
        """(N, 3, 3) right-handed orthonormal frames, rows (tangent, bitangent, normal).

        The normal is the interpolated vertex normal when ``normals`` ((V, 3)) is given (smooth
        across triangles), else the triangle's face normal; the tangent is the triangle's first
        edge made orthogonal to it. Offsets expressed in these frames follow the surface as it
        bends (hair roots, eyelashes).
        """
        xp = _xp(vertices)
        corners = self.corners(faces)
        a, b, c = (vertices[..., corners[:, i], :] for i in range(3))
        if normals is None:
            n = _cross(xp, b - a, c - a)
        else:
            n = self.positions(normals, faces)
        n = n / _norm(xp, n)
        edge = b - a
        t = edge - (edge * n).sum(-1, keepdims=True) * n
        t = t / _norm(xp, t)
        s = _cross(xp, n, t)
        return xp.stack([t, s, n], -2)

    # -- binding -----------------------------------------------------------------------------

    @classmethod
    def of_vertices(cls, vertex_ids, faces: np.ndarray) -> SurfacePoints:
        """Points exactly at mesh vertices (each on the lowest-numbered triangle using it)."""
        vertex_ids = np.asarray(vertex_ids, np.int64).reshape(-1)
        faces = np.asarray(faces)
        first = np.full(int(faces.max()) + 1, -1, np.int64)
        corner_of = np.zeros(len(first), np.int64)
        flat = faces.reshape(-1)
        # numpy fancy assignment keeps the last write: visit corners backwards so the lowest
        # triangle (and its first corner) using a vertex wins
        order = np.arange(len(flat))[::-1]
        first[flat[order]] = order // 3
        corner_of[flat[order]] = order % 3
        if (missing := vertex_ids[first[vertex_ids] < 0]).size:
            raise ValueError(f"vertices {missing[:5].tolist()} belong to no triangle")
        weights = np.zeros((len(vertex_ids), 3))
        weights[np.arange(len(vertex_ids)), corner_of[vertex_ids]] = 1.0
        return cls(first[vertex_ids], weights)

    @classmethod
    def closest(cls, points: np.ndarray, vertices: np.ndarray, faces: np.ndarray,
                candidates: np.ndarray | None = None, chunk: int = 256) -> SurfacePoints:
        """The nearest surface point to each of ``points`` ((N, 3)), brute force over triangles.

        ``candidates`` ((F',) triangle indices) limits the search (e.g. to the skin). Ties go
        to the lowest triangle index, so the result does not depend on the machine.
        """
        return cls(*closest_points(points, vertices, faces, candidates, chunk)[:2])

    # -- storage -----------------------------------------------------------------------------

    def to_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        return {f"{prefix}triangles": self.triangles, f"{prefix}weights": self.weights}

    @classmethod
    def from_arrays(cls, arrays, prefix: str = "") -> SurfacePoints:
        return cls(arrays[f"{prefix}triangles"], arrays[f"{prefix}weights"])

    def save(self, path: str | Path) -> None:
        import io

        from faceeditor.fileio import write_atomic

        buffer = io.BytesIO()
        np.savez(buffer, **self.to_arrays())
        write_atomic(Path(path), buffer.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> SurfacePoints:
        with np.load(path, allow_pickle=False) as data:
            return cls.from_arrays(data)


def _cross(xp, u, v):
    if xp is np:
        return np.cross(u, v)
    return xp.linalg.cross(u, v)


def _norm(xp, v):
    if xp is np:
        return np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-20)
    return v.norm(dim=-1, keepdim=True).clamp_min(1e-20)


def closest_points(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray,
                   candidates: np.ndarray | None = None, chunk: int = 256):
    """Nearest point on a triangle mesh for each query point (float64, exact, deterministic).

    Returns (triangles (N,) int64, barycentric weights (N, 3), distances (N,) in the units of
    ``vertices``).
    """
    points = np.asarray(points, np.float64).reshape(-1, 3)
    tri_ids = np.arange(len(faces)) if candidates is None else np.asarray(candidates, np.int64)
    corners = np.asarray(vertices, np.float64)[np.asarray(faces)[tri_ids]]  # (F, 3, 3)
    best_tri = np.zeros(len(points), np.int64)
    best_w = np.zeros((len(points), 3))
    best_d = np.zeros(len(points))
    for start in range(0, len(points), chunk):
        p = points[start:start + chunk, None, :]  # (n, 1, 3)
        w = _closest_barycentric(p, corners[None])  # (n, F, 3)
        q = np.einsum("nfk,fkc->nfc", w, corners)
        d2 = ((q - p) ** 2).sum(-1)
        pick = np.argmin(d2, axis=1)  # first minimum: lowest candidate index on ties
        rows = np.arange(len(pick))
        best_tri[start:start + chunk] = tri_ids[pick]
        best_w[start:start + chunk] = w[rows, pick]
        best_d[start:start + chunk] = np.sqrt(d2[rows, pick])
    return best_tri, best_w, best_d


def closest_on_candidates(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray,
                          candidates: np.ndarray):
    """``closest_points`` with each point's own candidate triangles ((N, M) indices, -1 for
    none; every row needs at least one): (triangles (N,), weights (N, 3), distances (N,))."""
    points = np.asarray(points, np.float64).reshape(-1, 3)
    valid = candidates >= 0
    tri_ids = np.where(valid, candidates, 0)
    corners = np.asarray(vertices, np.float64)[np.asarray(faces)[tri_ids]]  # (N, M, 3, 3)
    w = _closest_barycentric(points[:, None, :], corners)  # (N, M, 3)
    q = np.einsum("nmk,nmkc->nmc", w, corners)
    d2 = np.where(valid, ((q - points[:, None, :]) ** 2).sum(-1), np.inf)
    pick = np.argmin(d2, axis=1)
    rows = np.arange(len(points))
    return tri_ids[rows, pick], w[rows, pick], np.sqrt(d2[rows, pick])


def _closest_barycentric(p: np.ndarray, tri: np.ndarray) -> np.ndarray:
    """Barycentric weights of the closest point of each triangle to p (Ericson, 5.1.5).

    p: (n, 1, 3); tri: (1, F, 3, 3). Returns (n, F, 3).
    """
    a, b, c = tri[..., 0, :], tri[..., 1, :], tri[..., 2, :]
    ab, ac, ap = b - a, c - a, p - a
    d1, d2 = (ab * ap).sum(-1), (ac * ap).sum(-1)
    bp = p - b
    d3, d4 = (ab * bp).sum(-1), (ac * bp).sum(-1)
    cp = p - c
    d5, d6 = (ab * cp).sum(-1), (ac * cp).sum(-1)
    va = d3 * d6 - d5 * d4
    vb = d5 * d2 - d1 * d6
    vc = d1 * d4 - d3 * d2
    shape = np.broadcast_shapes(va.shape, d1.shape)
    u = np.zeros(shape)  # weight of b
    v = np.zeros(shape)  # weight of c
    done = np.zeros(shape, bool)

    def assign(mask, uu, vv):
        nonlocal done
        mask = mask & ~done
        u[mask] = np.broadcast_to(uu, shape)[mask]
        v[mask] = np.broadcast_to(vv, shape)[mask]
        done |= mask

    with np.errstate(divide="ignore", invalid="ignore"):
        assign((d1 <= 0) & (d2 <= 0), 0.0, 0.0)                           # vertex a
        assign((d3 >= 0) & (d4 <= d3), 1.0, 0.0)                          # vertex b
        assign((d6 >= 0) & (d5 <= d6), 0.0, 1.0)                          # vertex c
        assign((vc <= 0) & (d1 >= 0) & (d3 <= 0), d1 / (d1 - d3), 0.0)    # edge ab
        assign((vb <= 0) & (d2 >= 0) & (d6 <= 0), 0.0, d2 / (d2 - d6))    # edge ac
        w = (d4 - d3) / ((d4 - d3) + (d5 - d6))
        assign((va <= 0) & (d4 - d3 >= 0) & (d5 - d6 >= 0), 1.0 - w, w)  # edge bc
        denom = va + vb + vc
        assign(np.ones(shape, bool), vb / denom, vc / denom)              # inside
    u = np.nan_to_num(u)
    v = np.nan_to_num(v)
    return np.stack([1.0 - u - v, u, v], -1)
