"""One level of Loop subdivision for triangle meshes, used to export a smoother head.

Loop's rule is linear in the vertex positions, so it is stored as a sparse matrix ``S``
(``new_vertices = S @ vertices``) that depends only on the topology. Build it once with
``LoopSubdivision.from_topology`` and apply it to every mesh of that topology: the evaluated
head, and each expression morph target or morph delta (a delta subdivides to ``S @ delta``).

Rules (Loop 1987, with Warren's weights and Hoppe et al.'s crease rules):

* Edge point of an interior edge ``(a, b)`` with opposite corners ``c`` and ``d``:
  ``3/8 (a + b) + 1/8 (c + d)``.
* Edge point of a crease edge (a boundary edge with one face, or a non-manifold edge with more
  than two): the midpoint ``1/2 (a + b)``.
* Smooth vertex with ``n`` neighbours: ``(1 - n beta) v + beta * sum(neighbours)``, with
  ``beta = 3 / (8 n)`` for ``n > 3`` and ``3 / 16`` for ``n = 3``.
* Crease vertex (on exactly two crease edges): ``3/4 v + 1/8 (n1 + n2)`` over its two crease
  neighbours, so open boundaries (neck cut, eye sockets, mouth) stay curves of the boundary.
* Corner vertex (on more than two crease edges, e.g. where two boundary loops touch): stays
  where it is. A vertex ending a single crease edge follows the smooth rule.

UVs are subdivided linearly: every original UV corner keeps its coordinates and every UV edge
gets its midpoint in UV space. UV edges are distinct pairs of ``face_uvs`` indices, so a seam
edge (one position edge, a different UV edge on each side) gets one position midpoint and two
UV midpoints. Each child face inherits its parent's part; children of face ``f`` are the faces
``4 f .. 4 f + 3``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from faceeditor.model.face_model import vertex_normals
from faceeditor.model.mesh import FaceMesh

__all__ = ["LoopSubdivision", "subdivide"]

#: Columns (coordinates times batch items) that ``LoopSubdivision.apply`` gathers per pass.
_COLUMNS_PER_PASS = 16


@dataclasses.dataclass(frozen=True, eq=False)
class LoopSubdivision:
    """The topology of one Loop subdivision step, precomputed for a fixed input topology.

    The position operator ``S`` is a (V + E, V) sparse matrix in CSR form (``indptr``,
    ``indices``, ``weights``); rows ``0 .. V-1`` are the moved original vertices, row ``V + e``
    is the new vertex on ``edges[e]``. Every row has at least one entry. To hand it to another
    library: ``scipy.sparse.csr_matrix((weights, indices, indptr), shape=shape)`` or
    ``torch.sparse_csr_tensor(indptr, indices, weights, size=shape)``.

    Attributes:
        num_vertices: V, vertices of the input.
        num_uvs: T, UV coordinates of the input.
        edges: (E, 2) int64 unique undirected position edges, sorted, ``edges[:, 0] < edges[:, 1]``
            (equal only for a degenerate face that repeats a vertex).
        uv_edges: (E_uv, 2) int64 unique undirected UV edges; new UV ``T + k`` is the midpoint
            of ``uv_edges[k]``.
        faces: (4 F, 3) int32 faces of the subdivided mesh, same orientation as the parents.
        face_uvs: (4 F, 3) int32 UV corners of the subdivided mesh.
        indptr: (V + E + 1,) int64 CSR row pointers of ``S``.
        indices: (nnz,) int64 CSR column indices of ``S``.
        weights: (nnz,) float64 CSR values of ``S``; each row sums to 1.
    """

    num_vertices: int
    num_uvs: int
    edges: np.ndarray
    uv_edges: np.ndarray
    faces: np.ndarray
    face_uvs: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of ``S``: (V + E, V)."""
        return (self.num_vertices + len(self.edges), self.num_vertices)

    @classmethod
    def from_topology(
        cls, faces: np.ndarray, face_uvs: np.ndarray, num_vertices: int, num_uvs: int
    ) -> LoopSubdivision:
        """Precompute one Loop step for triangles ``faces`` (F, 3) with UV corners ``face_uvs``."""
        faces = _index_array("faces", faces, num_vertices)
        face_uvs = _index_array("face_uvs", face_uvs, num_uvs)
        if face_uvs.shape != faces.shape:
            raise ValueError(f"face_uvs has shape {face_uvs.shape}, faces has {faces.shape}")

        edges, face_edges, edge_faces, opposite = _unique_edges(faces, num_vertices)
        uv_edges, face_uv_edges, _, _ = _unique_edges(face_uvs, num_uvs)
        indptr, indices, weights = _loop_operator(
            num_vertices, edges, edge_faces, face_edges, opposite
        )

        new_faces = _split_faces(faces, face_edges + num_vertices)
        new_face_uvs = _split_faces(face_uvs, face_uv_edges + num_uvs)
        return cls(
            num_vertices=int(num_vertices),
            num_uvs=int(num_uvs),
            edges=edges,
            uv_edges=uv_edges,
            faces=new_faces.astype(np.int32),
            face_uvs=new_face_uvs.astype(np.int32),
            indptr=indptr,
            indices=indices,
            weights=weights,
        )

    def apply(self, vertices: np.ndarray) -> np.ndarray:
        """``S @ vertices`` for positions or morph deltas of shape (V, C) or (..., V, C).

        Returns a contiguous (V + E, C) or (..., V + E, C) array, computed in the input's
        floating dtype (float64 for integer input).
        """
        if not isinstance(vertices, np.ndarray):
            raise TypeError(f"apply expects a numpy array, got {type(vertices).__name__}")
        if vertices.ndim < 2 or vertices.shape[-2] != self.num_vertices:
            raise ValueError(
                f"expected an array of shape (..., {self.num_vertices}, C), got {vertices.shape}"
            )
        dtype = vertices.dtype if np.issubdtype(vertices.dtype, np.floating) else np.float64
        if self.num_vertices == 0:  # reduceat cannot reduce zero segments
            return np.zeros(vertices.shape, dtype=dtype)
        # Put the vertex axis first and every other axis in the columns, so that one gather and
        # one segment sum serve a whole batch; a few columns at a time keep the gather in cache.
        columns = np.moveaxis(vertices, -2, 0).reshape(self.num_vertices, -1).astype(dtype)
        weights = self.weights.astype(dtype)[:, None]
        out = np.empty((self.shape[0], columns.shape[1]), dtype=dtype)
        for start in range(0, columns.shape[1], _COLUMNS_PER_PASS):
            block = np.ascontiguousarray(columns[:, start : start + _COLUMNS_PER_PASS])
            gathered = np.take(block, self.indices, axis=0)
            gathered *= weights
            out[:, start : start + _COLUMNS_PER_PASS] = np.add.reduceat(
                gathered, self.indptr[:-1], axis=0
            )
        out = out.reshape((self.shape[0],) + vertices.shape[:-2] + vertices.shape[-1:])
        return np.ascontiguousarray(np.moveaxis(out, 0, -2))

    def apply_uvs(self, uvs: np.ndarray) -> np.ndarray:
        """(T + E_uv, 2) UVs: the original ones, then the midpoint of each UV edge."""
        if not isinstance(uvs, np.ndarray):
            raise TypeError(f"apply_uvs expects a numpy array, got {type(uvs).__name__}")
        if uvs.ndim != 2 or uvs.shape[0] != self.num_uvs:
            raise ValueError(f"expected uvs of shape ({self.num_uvs}, 2), got {uvs.shape}")
        midpoints = 0.5 * (uvs[self.uv_edges[:, 0]] + uvs[self.uv_edges[:, 1]])
        return np.concatenate([uvs, midpoints.astype(uvs.dtype, copy=False)])

    def apply_face_data(self, per_face: np.ndarray) -> np.ndarray:
        """Per-face values (F, ...) for the subdivided faces: each child copies its parent."""
        if len(per_face) * 4 != len(self.faces):
            raise ValueError(
                f"expected {len(self.faces) // 4} per-face values, got {len(per_face)}"
            )
        return np.repeat(per_face, 4, axis=0)


def subdivide(mesh: FaceMesh) -> FaceMesh:
    """One level of Loop subdivision of ``mesh``, with recomputed area-weighted normals.

    The mesh must hold numpy arrays. A mesh evaluated with torch tensors raises ``TypeError``
    rather than silently dropping its gradients; convert it first, e.g. with
    ``tensor.detach().cpu().numpy()``. Output counts: V + E vertices (E unique position edges),
    4 F faces, T + E_uv UVs (E_uv unique UV edges).
    """
    for name in ("vertices", "faces", "uvs", "face_uvs", "face_parts"):
        value = getattr(mesh, name)
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"subdivide needs numpy arrays, but mesh.{name} is a {type(value).__module__}."
                f"{type(value).__name__}; convert it with .detach().cpu().numpy()"
            )
    step = LoopSubdivision.from_topology(
        mesh.faces, mesh.face_uvs, num_vertices=len(mesh.vertices), num_uvs=len(mesh.uvs)
    )
    vertices = step.apply(mesh.vertices)
    return FaceMesh(
        vertices=vertices,
        normals=vertex_normals(vertices, step.faces),
        faces=step.faces,
        uvs=step.apply_uvs(mesh.uvs),
        face_uvs=step.face_uvs,
        face_parts=step.apply_face_data(mesh.face_parts),
    )


def _index_array(name: str, value: Any, count: int) -> np.ndarray:
    """``value`` as an (F, 3) int64 array of indices below ``count``, or a clear error."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(value).__name__}")
    if value.ndim != 2 or value.shape[1] != 3:
        raise ValueError(f"{name} must have shape (F, 3), got {value.shape}")
    if not np.issubdtype(value.dtype, np.integer):
        raise TypeError(f"{name} must hold integers, got dtype {value.dtype}")
    if value.size and (value.min() < 0 or value.max() >= count):
        raise ValueError(
            f"{name} holds indices in [{value.min()}, {value.max()}], expected [0, {count})"
        )
    return value.astype(np.int64)


def _unique_edges(
    faces: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The undirected edges of triangles ``faces`` whose indices are below ``count``.

    Returns ``edges`` (E, 2) sorted with ``edges[:, 0] <= edges[:, 1]``; ``face_edges`` (F, 3),
    the edge of corner k's side ``(faces[:, k], faces[:, k + 1])``; ``edge_faces`` (E,), how many
    faces share each edge; and ``opposite`` (F, 3), the corner facing each side.
    """
    start = faces
    end = np.roll(faces, -1, axis=1)
    low = np.minimum(start, end).ravel()
    high = np.maximum(start, end).ravel()
    keys, face_edges, edge_faces = np.unique(
        low * count + high, return_inverse=True, return_counts=True
    )
    edges = np.stack([keys // count, keys % count], axis=1) if count else keys.reshape(0, 2)
    return edges, face_edges.reshape(faces.shape), edge_faces, np.roll(faces, 1, axis=1)


def _loop_operator(
    num_vertices: int,
    edges: np.ndarray,
    edge_faces: np.ndarray,
    face_edges: np.ndarray,
    opposite: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays (indptr, indices, weights) of Loop's (V + E, V) position operator."""
    num_edges = len(edges)
    crease = edge_faces != 2
    a, b = edges[:, 0], edges[:, 1]

    # 1. Vertex classes: smooth (0 or 1 crease edges), crease (2), corner (more).
    crease_degree = np.bincount(edges[crease].ravel(), minlength=num_vertices)
    valence = np.bincount(edges.ravel(), minlength=num_vertices)
    is_crease = crease_degree == 2
    is_smooth = crease_degree < 2
    beta = np.where(valence > 3, 3.0 / (8.0 * np.maximum(valence, 1)), 3.0 / 16.0)
    self_weight = np.where(is_smooth, 1.0 - valence * beta, np.where(is_crease, 0.75, 1.0))

    # 2. Triplets (row, column, weight), one list entry per kind of contribution.
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    def add(row: np.ndarray, col: np.ndarray, weight: np.ndarray | float) -> None:
        rows.append(row)
        cols.append(col)
        vals.append(np.broadcast_to(np.asarray(weight, dtype=np.float64), row.shape))

    # Original vertices: the vertex itself (an isolated vertex keeps weight 1), then each
    # neighbour along an edge, seen from both ends.
    vertex = np.arange(num_vertices)
    add(vertex, vertex, self_weight)
    for here, there in ((a, b), (b, a)):
        smooth = is_smooth[here]
        add(here[smooth], there[smooth], beta[here[smooth]])
        along_crease = is_crease[here] & crease
        add(here[along_crease], there[along_crease], 0.125)

    # Edge points: both ends, plus 1/8 of the corner opposite each side of an interior edge.
    edge_row = num_vertices + np.arange(num_edges)
    end_weight = np.where(crease, 0.5, 0.375)
    add(edge_row, a, end_weight)
    add(edge_row, b, end_weight)
    side_edge = face_edges.ravel()
    interior_side = ~crease[side_edge]
    add(num_vertices + side_edge[interior_side], opposite.ravel()[interior_side], 0.125)

    # 3. Sort the triplets by row into CSR; every row has at least its first entry.
    row = np.concatenate(rows)
    order = np.argsort(row, kind="stable")
    counts = np.bincount(row, minlength=num_vertices + num_edges)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return indptr, np.concatenate(cols)[order], np.concatenate(vals)[order]


def _split_faces(corners: np.ndarray, midpoints: np.ndarray) -> np.ndarray:
    """(4 F, 3) children of each triangle: three corner triangles, then the middle one.

    ``midpoints[:, k]`` is the new index on the side from corner k to corner k + 1; the
    children keep the parent's winding.
    """
    c0, c1, c2 = corners.T
    m0, m1, m2 = midpoints.T
    children = np.stack(
        [
            np.stack([c0, m0, m2], axis=1),
            np.stack([c1, m1, m0], axis=1),
            np.stack([c2, m2, m1], axis=1),
            np.stack([m0, m1, m2], axis=1),
        ],
        axis=1,
    )
    return children.reshape(-1, 3)
