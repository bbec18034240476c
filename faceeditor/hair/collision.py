"""Keeping bound hair outside the head at every expression: a cheap push-out while evaluating.

A card point bound to the rest head (``binding``) rides on one triangle; a neighbouring part that
moves differently (a lid closing over its lashes, lips pressing against a moustache, a young
head's rounder lids) can still come over it. At bind time the points at risk are picked: those
whose height above the rest head is less than how far the surface near them moves over the 52
expressions (``expression_deltas``, measured once per model) plus a margin. Each keeps the
``CANDIDATES`` outer-surface vertices (skin and eyeballs) among its ``SEARCH`` nearest that come
closest to it over those expressions (the lower lip for a moustache); evaluating lifts it along
the normal of the candidate it is deepest under (of those it lies near) until it is at least its
rest height (at most ``CAP``) above that vertex's tangent plane. Points far above a still surface (most of the scalp hair) cost
nothing.

    guard = Guard.of(rest_centres, bound, head, deltas)       # once, when binding
    guard.apply(centres, vertices, normals)                   # every evaluation, in place
"""

from __future__ import annotations

import dataclasses

import numpy as np

from faceeditor.hair.head import HeadShape

#: Candidate surface vertices kept per guarded point, chosen among the SEARCH nearest.
CANDIDATES = 4
SEARCH = 12
#: A candidate vertex's tangent plane stands for the surface this far (metres) beside it, and
#: down to this depth below it.
REACH = 0.004
DEPTH = 0.012
#: Guarded points are kept at least min(rest height, CAP) (metres) above the surface.
CAP = 0.0008
#: Points lower than the nearby surface's motion plus this (metres) are guarded.
MARGIN = 0.002


def expression_deltas(model) -> np.ndarray:
    """(E, V, 3) float32: how each head vertex moves at each of the expressions at 1.0."""
    spec = model.spec
    expressions = spec.indices("expression")
    vectors = np.tile(spec.defaults, (len(expressions) + 1, 1))
    vectors[np.arange(1, len(vectors)), expressions] = 1.0
    vertices = np.asarray(model.evaluate(vectors).vertices, np.float64)
    return (vertices[1:] - vertices[:1]).astype(np.float32)


@dataclasses.dataclass
class Guard:
    """The guarded points of one card layer and their candidate surface vertices."""

    points: np.ndarray  # (G,) indices into the layer's centre points
    candidates: np.ndarray  # (G, CANDIDATES) head vertex ids
    clearance: np.ndarray  # (G,) float32 metres

    @classmethod
    def of(cls, centres: np.ndarray, bound: np.ndarray, head: HeadShape, deltas: np.ndarray
           ) -> Guard:
        """Guard the rest ``centres`` ((M, 3), each riding on the head vertices and weights
        ``bound`` = (corners (M, 3), weights (M, 3))) that the surface near them could reach
        over the expressions ``deltas`` ((E, V, 3), ``expression_deltas``). Their candidates
        are the surface vertices among the ``SEARCH`` nearest that come closest to them."""
        ids = head.outer_vertex_ids
        _, near = head.vertex_tree.query(centres, k=SEARCH)
        near = ids[near]  # (M, S)
        reach = np.linalg.norm(deltas, axis=-1).max(0)  # (V,)
        height = _heights(centres, head.vertices[near[:, :CANDIDATES]],
                          head.normals[near[:, :CANDIDATES]])
        points = np.flatnonzero(height < reach[near].max(1) + MARGIN)
        corners, weights = bound[0][points], bound[1][points]
        closest = np.full((len(points), SEARCH), np.inf, np.float32)
        rest = (head.vertices[near[points]] - centres[points, None]).astype(np.float32)
        for delta in deltas:  # closest approach of each candidate over the expressions
            carried = np.einsum("mk,mkd->md", weights, delta[corners]).astype(np.float32)
            gap = rest + delta[near[points]] - carried[:, None]
            closest = np.minimum(closest, np.einsum("msd,msd->ms", gap, gap))
        closest = np.minimum(closest, np.einsum("msd,msd->ms", rest, rest))
        pick = np.argsort(closest, axis=1, kind="stable")[:, :CANDIDATES]
        candidates = np.take_along_axis(near[points], pick, 1)
        clearance = np.clip(height[points], 0.0, CAP)
        return cls(points, candidates, clearance.astype(np.float32))

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
