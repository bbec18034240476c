"""Hair bound to the head: card points and painted layers that follow any evaluated head.

Every card vertex (the left and right edge of a strand point) is a surface point (triangle +
barycentric weights, ``SurfacePoints``) plus an offset expressed in that triangle's frame
(tangent, bitangent, the mean of its corners' vertex normals). Evaluating on a new head is a
gather, a few (M, 3) products and no search:

    cards = CardLayer.bind(name, strands, head, shear)   # once, on the rest head
    mesh = cards.evaluate(vertices, faces, normals)      # every frame, any head / expression

Eyelash points the lid could reach at some expression are lifted back out while evaluating
(``collision.Guard``); scalp hair and beards bind each card edge to its own nearest skin and
brows ride on their root's triangle, and need none.

Painted layers (``CapLayer``: hair painted on the scalp, a beard's shadow) are skin triangles
lifted ``CAP_OFFSET`` along the vertex normals, with a per-vertex opacity.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from faceeditor.hair.collision import Guard
from faceeditor.hair.head import HeadShape
from faceeditor.hair.strands import ATLAS_COLUMNS, Strands, card_sides, normalize
from faceeditor.model.face_model import vertex_normals
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

    Evaluation is one sparse product: every card vertex (the left and right edge of each centre
    line point) is its barycentric mix of three head vertices plus its offset in the triangle
    frame, i.e. a row of ``matrix`` applied to the stacked (head vertices, frame rows of the used
    triangles); the strand tangent is likewise fixed in the left edge's frame. Scalp hair and
    beards bind each edge to its own nearest skin, so a card's edges follow the skin under them
    (an ear, a folding chin) rather than the frame of the skin under its centre.
    """

    name: str
    points: SurfacePoints  # (N*K*2,) binding of the card vertices (left, right edge)
    offsets: np.ndarray  # (N*K*2, 3) in the triangle's frame
    unique_triangles: np.ndarray  # (U,)
    shape: tuple[int, int]  # (N, K)
    matrix: object  # scipy.sparse csr (3 N*K, V + 3U): card vertices, tangents
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
        centre = strands.points.reshape(-1, 1, 3)
        tangent = normalize(np.gradient(strands.points, axis=1)).reshape(-1, 3)
        side = card_sides(strands.points, strands.ref, strands.widths).reshape(-1, 1, 3)
        edges = (centre + np.array([-1.0, 1.0])[:, None] * side).reshape(-1, 3)  # left, right
        if strands.rigid:
            triangles = np.repeat(strands.root_triangles, 2 * k)
            weights = np.repeat(strands.root_weights, 2 * k, axis=0)
        else:
            triangles, weights = head.nearest_surface(edges)
        points = SurfacePoints(triangles, weights)
        unique, inverse = np.unique(points.triangles, return_inverse=True)
        frames = _frames(head.vertices, head.faces, unique, head.normals)[inverse]  # (2M, 3, 3)
        base = points.positions(head.vertices, head.faces)
        offsets = np.einsum("mij,mj->mi", frames, edges - base)
        tangents = np.einsum("mij,mj->mi", frames[::2], tangent)
        matrix = _evaluation_matrix(points.corners(head.faces), weights, inverse.reshape(-1),
                                    offsets, tangents, len(head.vertices), len(unique))
        # static attributes: two vertices (left, right edge) per centre point
        column = strands.column.astype(np.float64)
        u0 = (column + _U_INSET) / len(ATLAS_COLUMNS)
        u1 = (column + 1 - _U_INSET) / len(ATLAS_COLUMNS)
        v = np.broadcast_to(np.linspace(0.0, 1.0, k), (n, k))
        uvs = np.stack([np.stack([np.broadcast_to(u0[:, None], (n, k)), v], -1),
                        np.stack([np.broadcast_to(u1[:, None], (n, k)), v], -1)], 2)
        colour = np.concatenate([strands.colours, strands.shade[:, None]], 1)
        colours = np.broadcast_to(colour[:, None, None, :], (n, k, 2, 4))
        return cls(name, points, offsets, unique, (n, k), matrix,
                   uvs.reshape(-1, 2).astype(np.float32),
                   np.ascontiguousarray(colours.reshape(-1, 4), np.float32),
                   strip_indices(n, k),
                   Guard.none() if shear is None else Guard.of(centre[:, 0], head, shear))

    def __len__(self) -> int:
        return self.shape[0]

    def _stacked(self, vertices: np.ndarray, faces: np.ndarray, normals: np.ndarray
                 ) -> np.ndarray:
        frames = _frames(vertices, faces, self.unique_triangles, normals)
        return np.concatenate([vertices, frames.reshape(-1, 3)], 0)

    def centre_lines(self, vertices: np.ndarray, faces: np.ndarray,
                     normals: np.ndarray | None = None) -> np.ndarray:
        """(N, K, 3) card centre lines (between the edges) on a head with these ``vertices``
        (and vertex ``normals``, computed when omitted)."""
        if normals is None:
            normals = vertex_normals(vertices, np.asarray(faces))
        rows = self.matrix.shape[0] // 3 * 2
        edges = self.matrix[:rows] @ self._stacked(vertices, faces, normals)
        return edges.reshape(*self.shape, 2, 3).mean(2)

    def evaluate(self, vertices: np.ndarray, faces: np.ndarray, normals: np.ndarray
                 ) -> HairMesh:
        out = self.matrix @ self._stacked(vertices, faces, normals).astype(np.float32, copy=False)
        rows = len(out) // 3 * 2
        positions, tangent = out[:rows], out[rows:]
        if len(self.guard):
            pairs = positions.reshape(-1, 2, 3)
            lift = self.guard.apply(pairs.mean(1), vertices, normals)
            pairs[self.guard.points] += lift[:, None]
        tangents = np.broadcast_to(tangent[:, None], (len(tangent), 2, 3)).reshape(-1, 3)
        return HairMesh(self.name, "cards", positions, tangents, self.uvs, self.colours,
                        self.indices)


def _evaluation_matrix(corners, weights, frame_of, offsets, tangents, num_vertices,
                       num_frames):
    """Sparse (P + P/2, V + 3U): row p card vertex p (barycentric mix of 3 head vertices plus
    its offset in its frame), row P + m the tangent of centre point m (in the frame of its left
    edge, vertex 2m)."""
    from scipy import sparse

    p, m = len(weights), len(tangents)
    frame_columns = num_vertices + 3 * frame_of[:, None] + np.arange(3)[None]  # (P, 3)
    rows = [np.repeat(np.arange(p), 3)] * 2 + [p + np.repeat(np.arange(m), 3)]
    cols = [corners.reshape(-1), frame_columns.reshape(-1), frame_columns[::2].reshape(-1)]
    vals = [weights.reshape(-1), offsets.reshape(-1), tangents.reshape(-1)]
    matrix = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(p + m, num_vertices + 3 * num_frames), dtype=np.float32)
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


def _frames(vertices: np.ndarray, faces: np.ndarray, triangles: np.ndarray,
            normals: np.ndarray) -> np.ndarray:
    """(U, 3, 3) frames of ``triangles`` (rows: tangent, bitangent, normal). The normal is the
    mean of the corners' vertex normals: a small triangle's own normal can turn over where the
    surface crumples (an earlobe's underside on a child's head) while its corners' normals,
    averaged over their neighbours, still point out."""
    thirds = np.full((len(triangles), 3), 1.0 / 3.0)
    return SurfacePoints(triangles, thirds).frames(vertices, faces, normals)
