"""The geometry an export writes: a base head plus one morph delta per ARKit expression.

The model is linear in its expression parameters, so the morph target of expression ``k`` is
exactly ``evaluate(neutral with k = 1) - evaluate(neutral)``, for any identity; a renderer that
adds ``sum_k w_k * delta_k`` to the base reproduces ``evaluate`` with those expression values.
Loop subdivision is linear too, so a subdivided delta is ``S @ delta``.

The current expression is either baked into the base (and every default weight is 0), or the base
is neutral and the current expression values become the default morph weights.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from faceeditor.model.face_model import FaceModel, NormalTopology, vertex_normals
from faceeditor.model.mesh import FaceMesh
from faceeditor.model.subdivide import LoopSubdivision


@dataclasses.dataclass(frozen=True)
class ExportGeometry:
    """A head ready to write; V vertices of ``base``, K morph targets.

    Attributes:
        base: the base mesh (numpy arrays).
        morph_names: K ARKit expression names, in the model's spec order.
        position_deltas: (K, V, 3) float32 vertex offsets of each expression at weight 1.
        normal_deltas: (K, V, 3) float32 change of the vertex normals at weight 1.
        default_weights: (K,) float32 weights to show by default (all 0 when baked).
    """

    base: FaceMesh
    morph_names: tuple[str, ...]
    position_deltas: np.ndarray
    normal_deltas: np.ndarray
    default_weights: np.ndarray

    @property
    def morph_count(self) -> int:
        return len(self.morph_names)

    def posed_mesh(self, weights: np.ndarray | None = None) -> FaceMesh:
        """The base with the morphs added at ``weights`` (K,) (default: ``default_weights``),
        normals recomputed."""
        weights = self.default_weights if weights is None else np.asarray(weights, np.float32)
        if not weights.any():
            return self.base
        vertices = self.base.vertices + np.tensordot(weights, self.position_deltas, axes=1)
        return dataclasses.replace(self.base, vertices=vertices,
                                   normals=vertex_normals(vertices, self.base.faces))


def export_geometry(
    model: FaceModel,
    params: Mapping[str, float],
    *,
    morphs: bool = True,
    bake_expression: bool = True,
    subdivisions: int = 0,
) -> ExportGeometry:
    """The base mesh and expression morphs of the head ``params`` (validated by the model).

    Args:
        morphs: include the 52 expression morph targets (else K = 0; the expression is baked).
        bake_expression: with morphs, bake the current expression into the base (True) or keep
            the base neutral and make the expression values the default weights (False).
        subdivisions: 0 or 1 levels of Loop subdivision.
    """
    if subdivisions not in (0, 1):
        raise ValueError(f"subdivision level must be 0 or 1, got {subdivisions}")
    names = tuple(p.name for p in model.spec.of_kind("expression"))
    vector = np.asarray(model.vector(params), np.float32)
    expression_index = np.array([model.spec[name].index for name in names])
    weights = vector[expression_index].copy()
    keep_expression = bake_expression or not morphs
    base_vector = vector.copy()
    if not keep_expression:
        base_vector[expression_index] = 0.0
    base = model.evaluate(base_vector)

    if morphs:
        deltas = _expression_deltas(model, expression_index)
    else:
        deltas = np.zeros((0,) + base.vertices.shape, np.float32)
    if subdivisions:
        base, deltas = _subdivided(base, deltas)
    normal_deltas = _normal_deltas(base, deltas)
    return ExportGeometry(
        base=base,
        morph_names=names if morphs else (),
        position_deltas=deltas.astype(np.float32, copy=False),
        normal_deltas=normal_deltas,
        default_weights=(np.zeros_like(weights) if keep_expression else weights)
        if morphs else np.zeros(0, np.float32),
    )


def mesh_geometry(mesh: FaceMesh, *, subdivisions: int = 0) -> ExportGeometry:
    """An ``ExportGeometry`` without morph targets: ``mesh`` as it is (a research backend's
    head), Loop-subdivided ``subdivisions`` (0 or 1) times."""
    if subdivisions not in (0, 1):
        raise ValueError(f"subdivision level must be 0 or 1, got {subdivisions}")
    base = FaceMesh(vertices=np.asarray(mesh.vertices, np.float32),
                    normals=np.asarray(mesh.normals, np.float32),
                    faces=np.asarray(mesh.faces), uvs=np.asarray(mesh.uvs, np.float32),
                    face_uvs=np.asarray(mesh.face_uvs), face_parts=np.asarray(mesh.face_parts))
    deltas = np.zeros((0,) + base.vertices.shape, np.float32)
    if subdivisions:
        base, deltas = _subdivided(base, deltas)
    return ExportGeometry(base=base, morph_names=(), position_deltas=deltas,
                          normal_deltas=np.zeros_like(deltas),
                          default_weights=np.zeros(0, np.float32))


def _subdivided(base: FaceMesh, deltas: np.ndarray) -> tuple[FaceMesh, np.ndarray]:
    """``base`` after one level of Loop subdivision (normals recomputed) and the (K, V, 3)
    ``deltas`` carried along (subdivision is linear)."""
    step = LoopSubdivision.from_topology(base.faces, base.face_uvs, len(base.vertices),
                                         len(base.uvs))
    vertices = step.apply(base.vertices)
    base = FaceMesh(vertices=vertices, normals=vertex_normals(vertices, step.faces),
                    faces=step.faces, uvs=step.apply_uvs(base.uvs), face_uvs=step.face_uvs,
                    face_parts=step.apply_face_data(base.face_parts))
    deltas = step.apply(deltas) if len(deltas) else np.zeros((0,) + vertices.shape, np.float32)
    return base, deltas


def _expression_deltas(model: FaceModel, expression_index: np.ndarray) -> np.ndarray:
    """(K, V, 3) offsets of each expression at 1 from the default neutral head."""
    neutral = np.asarray(model.vector(None), np.float32)
    neutral[expression_index] = 0.0
    batch = np.repeat(neutral[None], len(expression_index) + 1, axis=0)
    batch[np.arange(1, len(batch)), expression_index] = 1.0
    vertices = model.vertices(batch)
    return (vertices[1:] - vertices[:1]).astype(np.float32)


def _normal_deltas(base: FaceMesh, deltas: np.ndarray) -> np.ndarray:
    """(K, V, 3) change of the area-weighted normals when each delta is applied at weight 1."""
    if not len(deltas):
        return np.zeros_like(deltas, dtype=np.float32)
    # one target at a time takes the model's fast single-mesh path (4x the batched one)
    topology = NormalTopology.of(base.faces, len(base.vertices))
    vertices = np.asarray(base.vertices, np.float32)
    out = np.empty(deltas.shape, np.float32)
    for k, delta in enumerate(deltas):
        out[k] = vertex_normals(vertices + delta, base.faces, topology)
    out -= np.asarray(base.normals, np.float32)[None]
    return out
