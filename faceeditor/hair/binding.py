"""Hair bound to the head: card points and painted layers that follow any evaluated head.

Every card point is a surface point (triangle + barycentric weights, ``SurfacePoints``) plus an
offset and a half-width vector expressed in that triangle's frame (tangent, bitangent, face
normal). Evaluating on a new head is a gather, a few (M, 3) products and no search:

    cards = CardLayer.bind(name, strands, head, shear)   # once, on the rest head
    mesh = cards.evaluate(vertices, faces, normals)      # every frame, any head / expression

Eyelash points the lid could reach at some expression are lifted back out while evaluating
(``collision.Guard``); scalp hair, brows and beards ride on their nearest skin and need none.

Painted layers (``CapLayer``: hair painted on the scalp, a beard's shadow) are skin triangles
lifted ``CAP_OFFSET`` along the vertex normals, with a per-vertex opacity.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from faceeditor.hair.collision import Guard
from faceeditor.hair.head import HeadShape
from faceeditor.hair.strands import ATLAS_COLUMNS, Strands, normalize
from faceeditor.model.surface import SurfacePoints

#: Painted layers float this far (metres) above the skin.
CAP_OFFSET = 0.0004
#: UV inset of a card inside its atlas column (keeps mipmaps from bleeding across columns).
_U_INSET = 0.02


@dataclasses.dataclass
class HairMesh:
    """One evaluated hair layer, ready to draw or export.

    Attributes:
        name: the part (``hair``, ``eyebrows``, ``eyelashes``, ``beard``).
        kind: ``cards`` (alpha from the strand atlas) or ``cap`` (alpha from ``colours``).
        positions, tangents: (n, 3) float32 (tangents: along the strand, unit).
        uvs: (n, 2) float32 atlas coordinates (v = 0 at the root).
        colours: (n, 4) float32 linear RGB and, for cards, ambient occlusion; for caps, opacity.
        indices: (m, 3) uint32 triangles.
    """

    name: str
    kind: str
    positions: np.ndarray
    tangents: np.ndarray
    uvs: np.ndarray
    colours: np.ndarray
    indices: np.ndarray


@dataclasses.dataclass
class CardLayer:
    """N cards of K points bound to the head (see the module docstring).

    Evaluation is one sparse product: every centre point is its barycentric mix of three head
    vertices plus its offset in the triangle frame, i.e. a row of ``matrix`` applied to the
    stacked (head vertices, frame rows of the used triangles); its half-width vector and strand
    tangent are likewise fixed in the frame. Card edges are centre -+ half width.
    """

    name: str
    points: SurfacePoints  # (N*K,) binding of the centre line points
    offsets: np.ndarray  # (N*K, 3) in the triangle's frame
    sides: np.ndarray  # (N*K, 3) half-width vectors in the triangle's frame
    unique_triangles: np.ndarray  # (U,)
    shape: tuple[int, int]  # (N, K)
    matrix: object  # scipy.sparse csr (3 N*K, V + 3U): centre points, half widths, tangents
    uvs: np.ndarray  # (N*K*2, 2) float32
    colours: np.ndarray  # (N*K*2, 4) float32
    indices: np.ndarray  # (N*(K-1)*2, 3) uint32
    guard: Guard  # centre points lifted out of the head while evaluating

    @classmethod
    def bind(cls, name: str, strands: Strands, head: HeadShape,
             shear: np.ndarray | None = None) -> CardLayer:
        """Bind ``strands`` to ``head``. With ``shear`` ((V,), ``collision.expression_shear``:
        how far the head's surface shears over the expressions) the points it could reach
        are guarded (pushed out while evaluating)."""
        n, k = strands.points.shape[:2]
        centre = strands.points.reshape(-1, 3)
        tangent = normalize(np.gradient(strands.points, axis=1))
        side = normalize(np.cross(tangent, strands.ref)) * (strands.widths[..., None] / 2)
        if strands.rigid:
            triangles = np.repeat(strands.root_triangles, k)
            weights = np.repeat(strands.root_weights, k, axis=0)
        else:
            triangles, weights = head.nearest_surface(centre)
        points = SurfacePoints(triangles, weights)
        unique, inverse = np.unique(points.triangles, return_inverse=True)
        frames = _frames(head.vertices, head.faces, unique)[inverse]  # (M, 3, 3)
        base = points.positions(head.vertices, head.faces)
        offsets = np.einsum("mij,mj->mi", frames, centre - base)
        sides = np.einsum("mij,mj->mi", frames, side.reshape(-1, 3))
        tangents = np.einsum("mij,mj->mi", frames, tangent.reshape(-1, 3))
        matrix = _evaluation_matrix(points.corners(head.faces), weights, inverse.reshape(-1),
                                    offsets, sides, tangents, len(head.vertices), len(unique))
        # static attributes: two vertices (left, right edge) per centre point
        column = strands.column.astype(np.float64)
        u0 = (column + _U_INSET) / len(ATLAS_COLUMNS)
        u1 = (column + 1 - _U_INSET) / len(ATLAS_COLUMNS)
        v = np.broadcast_to(np.linspace(0.0, 1.0, k), (n, k))
        uvs = np.stack([np.stack([np.broadcast_to(u0[:, None], (n, k)), v], -1),
                        np.stack([np.broadcast_to(u1[:, None], (n, k)), v], -1)], 2)
        colour = np.concatenate([strands.colours, strands.shade[:, None]], 1)
        colours = np.broadcast_to(colour[:, None, None, :], (n, k, 2, 4))
        return cls(name, points, offsets, sides, unique, (n, k), matrix,
                   uvs.reshape(-1, 2).astype(np.float32),
                   np.ascontiguousarray(colours.reshape(-1, 4), np.float32),
                   strip_indices(n, k),
                   Guard.none() if shear is None else Guard.of(centre, head, shear))

    def __len__(self) -> int:
        return self.shape[0]

    def _stacked(self, vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
        frames = _frames(vertices, faces, self.unique_triangles)
        return np.concatenate([vertices, frames.reshape(-1, 3)], 0)

    def centre_lines(self, vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
        """(N, K, 3) card centre lines on a head with these ``vertices``."""
        rows = self.matrix.shape[0] // 3
        return (self.matrix[:rows] @ self._stacked(vertices, faces)).reshape(*self.shape, 3)

    def evaluate(self, vertices: np.ndarray, faces: np.ndarray, normals: np.ndarray
                 ) -> HairMesh:
        out = self.matrix @ self._stacked(vertices, faces).astype(np.float32, copy=False)
        self.guard.apply(out[:len(out) // 3], vertices, normals)
        centre, side, tangent = out.reshape(3, -1, 1, 3)
        positions = np.concatenate([centre - side, centre + side], 1).reshape(-1, 3)
        tangents = np.broadcast_to(tangent, (len(tangent), 2, 3)).reshape(-1, 3)
        return HairMesh(self.name, "cards", positions, tangents, self.uvs, self.colours,
                        self.indices)


def _evaluation_matrix(corners, weights, frame_of, offsets, sides, tangents, num_vertices,
                       num_frames):
    """Sparse (3M, V + 3U): row m the centre point m (barycentric mix of 3 head vertices plus
    its offset in the frame), row M + m its half-width vector, row 2M + m its tangent."""
    from scipy import sparse

    m = len(weights)
    frame_columns = num_vertices + 3 * frame_of[:, None] + np.arange(3)[None]  # (M, 3)
    r = np.repeat(np.arange(m), 3)
    rows = [r, r, m + r, 2 * m + r]
    cols = [corners.reshape(-1)] + [frame_columns.reshape(-1)] * 3
    vals = [weights.reshape(-1), offsets.reshape(-1), sides.reshape(-1), tangents.reshape(-1)]
    matrix = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(3 * m, num_vertices + 3 * num_frames), dtype=np.float32)
    matrix.sum_duplicates()
    return matrix


@dataclasses.dataclass
class CapLayer:
    """Skin triangles painted with hair colour (scalp under the cards, beard shadow)."""

    name: str
    vertex_ids: np.ndarray  # (C,) head vertices used
    indices: np.ndarray  # (T, 3) uint32 into vertex_ids
    colours: np.ndarray  # (C, 4) float32: linear RGB, opacity

    @classmethod
    def of(cls, name: str, head: HeadShape, coverage: np.ndarray, colour: np.ndarray
           ) -> CapLayer | None:
        """A cap over the skin triangles where ``coverage`` ((V,) 0..1) is above zero."""
        faces = head.faces[head.skin]
        faces = faces[(coverage[faces] > 0.01).any(1)]
        if not len(faces):
            return None
        ids, local = np.unique(faces, return_inverse=True)
        colours = np.concatenate([np.broadcast_to(colour, (len(ids), 3)),
                                  np.clip(coverage[ids], 0, 1)[:, None]], 1)
        return cls(name, ids, local.reshape(-1, 3).astype(np.uint32),
                   colours.astype(np.float32))

    def evaluate(self, vertices: np.ndarray, normals: np.ndarray) -> HairMesh:
        positions = vertices[self.vertex_ids] + CAP_OFFSET * normals[self.vertex_ids]
        tangents = np.zeros_like(positions)
        uvs = np.zeros((len(self.vertex_ids), 2), np.float32)
        return HairMesh(self.name, "cap", positions.astype(np.float32), tangents, uvs,
                        self.colours, self.indices)


def strip_indices(n: int, k: int) -> np.ndarray:
    """(n*(k-1)*2, 3) uint32 triangles of n ribbons of k vertex pairs (left, right)."""
    base = (np.arange(n)[:, None] * k * 2 + np.arange(k - 1)[None] * 2).reshape(-1)
    quads = np.stack([base, base + 1, base + 3, base, base + 3, base + 2], -1)
    return quads.reshape(-1, 3).astype(np.uint32)


def _frames(vertices: np.ndarray, faces: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(U, 3, 3) frames (rows: tangent, bitangent, face normal) of ``triangles``."""
    ones = np.zeros((len(triangles), 3))
    ones[:, 0] = 1.0
    return SurfacePoints(triangles, ones).frames(vertices, faces)
