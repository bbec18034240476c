"""Keeping eyelashes outside the lids at every expression: a cheap push-out while evaluating.

A card point bound rigidly to one triangle (a lash on its lid margin) rides on it; the surface
beside it can still bend over it (a closing lid, a young head's rounder lids). At bind time the
points at risk are picked: those whose height above the rest head is less than how far the
surface near them moves along its normal relative to its neighbours over the 52 expressions
(``expression_shear``, measured once per model) plus ``MARGIN``. Each keeps its ``CANDIDATES``
nearest outer-surface vertices (skin and eyeballs); evaluating lifts it along the normal of the
candidate it is deepest under (of those it lies near) until it is at least its rest height (at
most ``CAP``) above that vertex's tangent plane.

Scalp hair and beards bind each card edge to its own nearest skin (and brows ride on their root's
triangle), and need no guard (measured over the 52 expressions and extreme shapes,
tests/test_hair.py); guarding them would cost several milliseconds a frame for nothing.

    guard = Guard.of(rest_centres, head, shear)               # once, when binding
    guard.apply(centres, vertices, normals)                   # every evaluation, in place
"""

from __future__ import annotations

import dataclasses

import numpy as np

from faceeditor.hair.head import HeadShape

#: Candidate surface vertices kept per guarded point (its nearest at rest); the SEARCH nearest
#: say how far the surface near it moves.
CANDIDATES = 4
SEARCH = 12
#: Neighbours a vertex's shear is measured against.
NEIGHBOURS = 8
#: A candidate vertex's tangent plane stands for the surface this far (metres) beside it, and
#: down to this depth below it.
REACH = 0.004
DEPTH = 0.012
#: Guarded points are kept at least min(rest height, CAP) (metres) above the surface.
CAP = 0.0008
#: Points lower than the nearby surface's shear plus this (metres) are guarded.
MARGIN = 0.001


def expression_shear(model, head: HeadShape) -> np.ndarray:
    """(V,) float32: how far (metres) the ``NEIGHBOURS`` nearest vertices of each head vertex
    move at most along its normal relative to it over the expressions at 1.0 (0 off the outer
    surface). A lid closing or lips pressing shear; a jaw opening carries its beard along."""
    ids = head.outer_vertex_ids
    _, near = head.vertex_tree.query(head.vertices[ids], k=NEIGHBOURS)
    normals = head.normals[ids].astype(np.float32)
    shear = np.zeros(len(ids), np.float32)
    # each expression's exact displacement (the model is linear in them): no evaluations
    for delta in model.expression_targets(ids):
        # neighbours rising out of the surface (stretching is harmless)
        rise = np.abs(np.einsum("vnd,vd->vn", delta[near] - delta[:, None], normals))
        shear = np.maximum(shear, rise.max(1))
    out = np.zeros(len(head.vertices), np.float32)
    out[ids] = np.round(shear, 5)  # 0.01 mm: the last bits never pick the guarded points
    return out


@dataclasses.dataclass
class Guard:
    """The guarded points of one card layer and their candidate surface vertices."""

    points: np.ndarray  # (G,) indices into the layer's centre points
    candidates: np.ndarray  # (G, CANDIDATES) head vertex ids
    clearance: np.ndarray  # (G,) float32 metres

    @classmethod
    def of(cls, centres: np.ndarray, head: HeadShape, shear: np.ndarray) -> Guard:
        """Guard the rest ``centres`` ((M, 3)) lower than the surface near them shears over the
        expressions (``shear``, (V,), ``expression_shear``) plus ``MARGIN``."""
        _, near = head.vertex_tree.query(centres, k=SEARCH)
        near = head.outer_vertex_ids[near]  # (M, S), nearest first
        candidates = near[:, :CANDIDATES]
        height = _heights(centres, head.vertices[candidates], head.normals[candidates])
        points = np.flatnonzero(height < shear[near].max(1) + MARGIN)
        clearance = np.clip(height[points], 0.0, CAP)
        return cls(points, candidates[points], clearance.astype(np.float32))

    @classmethod
    def none(cls) -> Guard:
        """A guard of no points (evaluating costs nothing)."""
        return cls(np.zeros(0, np.int64), np.zeros((0, CANDIDATES), np.int64),
                   np.zeros(0, np.float32))

    def __len__(self) -> int:
        return len(self.points)

    def apply(self, centres: np.ndarray, vertices: np.ndarray, normals: np.ndarray) -> np.ndarray:
        """Lift the guarded ``centres`` ((M, 3), changed in place) out of the surface given by
        ``vertices`` and ``normals`` ((V, 3)); returns the (G, 3) lifts."""
        if not len(self.points):
            return np.zeros((0, 3), centres.dtype)
        p = centres[self.points]
        normal = normals[self.candidates]  # (G, C, 3)
        offsets = p[:, None] - vertices[self.candidates]
        height = np.einsum("gcd,gcd->gc", offsets, normal)
        beside = np.einsum("gcd,gcd->gc", offsets, offsets) - height * height
        # a candidate's tangent plane holds near it only: beside it, or too deep, it says nothing
        need = np.where((beside < REACH * REACH) & (height > -DEPTH),
                        self.clearance[:, None] - height, 0.0)
        pick = need.argmax(1)
        rows = np.arange(len(p))
        lift = np.maximum(need[rows, pick], 0.0)[:, None] * normal[rows, pick]
        centres[self.points] += lift
        return lift


def _heights(points, corners, normals):
    """Height of ``points`` ((M, 3)) above the tangent plane of the nearest of their candidate
    vertices ((M, C, 3) positions and normals)."""
    offsets = points[:, None] - corners
    nearest = np.einsum("mcd,mcd->mc", offsets, offsets).argmin(1)
    rows = np.arange(len(points))
    return np.einsum("md,md->m", offsets[rows, nearest], normals[rows, nearest])

