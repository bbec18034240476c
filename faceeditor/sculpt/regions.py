"""Regions of the head (nose, brows, cheeks, mouth ...) and the sliders that sculpt them.

The head model has no painted region map, but its local shape targets are grouped by region
(``ParamSpec.group``: every ``nose-*`` target is in "nose"), and each target moves a patch of the
surface. A vertex belongs to the region whose targets move it most: per target the displacement
is normalised to its own peak, squared, and summed per group, so a region with many targets
acting on a vertex (the lips: mouth targets) wins over one target reaching in from a neighbour
(chin). Targets that move a large part of the head (head size, neck) say nothing about where a
region is and are left out; vertices that no local target moves much are "head" (the skull).

``reach`` is the other half: how far (metres) each parameter, at either end of its range, moves
each vertex. It picks the sliders worth solving for at the grabbed point.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np

from faceeditor.model.mesh import PART_NAMES
from faceeditor.model.spec import GROUP_LABELS, GROUPS, ParameterSpec, side_of

#: A target moving more than this fraction of the skin (above 30 % of its peak) is global.
GLOBAL_TARGET_FRACTION = 0.25
#: Vertices whose strongest normalised influence is below this belong to ``FALLBACK_REGION``.
MIN_INFLUENCE = 0.05
FALLBACK_REGION = "head"
#: Neighbour-averaging steps of the influences: region borders follow the surface, not the
#: noise of single vertices.
SMOOTHING_STEPS = 4
#: Kinds of parameter the shape sculpt moves, and the kind of the expression sculpt.
SHAPE_KINDS = ("local", "asym")
EXPRESSION_KIND = "expression"
#: Points within this distance (metres) of the mid-plane x = 0 are central: sliders of both
#: sides may move them.
CENTRAL_HALF_WIDTH = 0.004
#: A slider that moves the grabbed point less than this (metres, at the end of its range) is
#: not solved for: it cannot help and would only cost time.
MIN_REACH = 0.0002
#: An expression is solved for when it moves the grabbed point at least this fraction of what
#: the expression moving it most does.
EXPRESSION_RELATIVE_REACH = 0.5
#: Neighbouring vertices the free sliders move more than this (metres) are held still.
STILL_REACH = 0.0003
#: Parts of the mesh that can be grabbed.
PICKABLE_PARTS = ("skin", "eyes")


@dataclasses.dataclass(frozen=True)
class RegionMap:
    """The region of every vertex and triangle of one model's mesh.

    Attributes:
        names: region names (``ParamSpec.group`` values, panel order).
        vertex_region: (V,) int index into ``names``.
        face_region: (F,) int index into ``names`` (the most common among its corners).
        reach: (P, V) float32 metres each parameter moves each vertex at most (0 for kinds
            that are not sculpted, e.g. the phenotype macros and appearance).
        pickable: (F,) bool triangles a drag may grab (skin and eyes).
        skin_vertices: (V,) bool vertices of the skin.
    """

    names: tuple[str, ...]
    vertex_region: np.ndarray
    face_region: np.ndarray
    reach: np.ndarray
    pickable: np.ndarray
    skin_vertices: np.ndarray

    def region_of_face(self, triangle: int) -> str:
        return self.names[int(self.face_region[triangle])]

    def faces_of(self, region: str) -> np.ndarray:
        """(F',) triangle indices of ``region`` (pickable ones only)."""
        return np.flatnonzero((self.face_region == self.names.index(region)) & self.pickable)

    @staticmethod
    def label(region: str) -> str:
        return GROUP_LABELS.get(region, region.replace("_", " ").capitalize())


def side_of_point(position: np.ndarray) -> str | None:
    """"left" (+X, the face's own left), "right" or None for a point near the mid-plane."""
    x = float(position[0])
    if abs(x) <= CENTRAL_HALF_WIDTH:
        return None
    return "left" if x > 0 else "right"


def sculpt_sliders(spec: ParameterSpec, regions: RegionMap, region: str, corners: np.ndarray,
                   *, side: str | None, symmetric: bool, expressions: bool) -> list[str]:
    """The parameter names a drag in ``region`` solves for, in spec order.

    Shape sculpt: the region's local shape sliders (and its asymmetry sliders unless the
    symmetry lock is on). Expression sculpt: the ARKit expressions that move the grabbed point
    (its triangle's ``corners``) most (``EXPRESSION_RELATIVE_REACH``). Either way only sliders
    that move it by ``MIN_REACH``; without the
    symmetry lock only central ones and those of the grabbed ``side`` (a central point may use
    both sides); with it, each chosen slider brings its mirror partner (the solver ties them).
    """
    if expressions:
        candidates = [p for p in spec if p.kind == EXPRESSION_KIND]
    else:
        candidates = [p for p in spec if p.kind in SHAPE_KINDS and p.group == region
                      and not (symmetric and p.kind == "asym")]
    reach = {p.name: float(regions.reach[p.index, corners].max()) for p in candidates}
    floor = MIN_REACH
    if expressions and reach:
        # the expressions that move this point most: a readable edit of a few sliders (a
        # smile, not a blend of twenty small ones)
        floor = max(floor, EXPRESSION_RELATIVE_REACH * max(reach.values()))
    chosen: set[str] = set()
    for p in candidates:
        if reach[p.name] < floor:
            continue
        param_side = side_of(p.name)
        if not symmetric and side is not None and param_side not in (None, side):
            continue
        chosen.add(p.name)
        if symmetric and p.mirror:
            chosen.add(p.mirror)
    return [p.name for p in spec if p.name in chosen]


def still_vertices(spec: ParameterSpec, regions: RegionMap, region: str, free: list[str],
                   count: int) -> np.ndarray:
    """(<= count,) skin vertices outside ``region`` that the ``free`` sliders can move by more
    than ``STILL_REACH``, most movable first (ties: lowest vertex): points the solver keeps in
    place so that a drag changes its own region and not the neighbours'."""
    if not free:
        return np.zeros(0, np.int64)
    indices = [spec[name].index for name in free]
    movable = regions.reach[indices].max(0)
    outside = (regions.vertex_region != regions.names.index(region)) & regions.skin_vertices
    candidates = np.flatnonzero(outside & (movable > STILL_REACH))
    order = np.lexsort((candidates, -movable[candidates]))
    return candidates[order[:count]]


@lru_cache(maxsize=4)
def region_map(model) -> RegionMap:
    """The ``RegionMap`` of the embedded head model (cached per model object)."""
    asset, spec = model.asset, model.spec
    num_vertices = asset.num_vertices
    sizes = asset.block_sizes()
    starts = dict(zip(sizes, np.cumsum([0, *sizes.values()])[:-1]))
    rows = asset.basis.reshape(len(asset.basis), 3, num_vertices)
    magnitude = np.sqrt((rows.astype(np.float64) ** 2).sum(1))  # (K, V) metres

    reach = np.zeros((len(spec), num_vertices), np.float32)
    block_of_kind = {"local": ("local_pos", "local_neg"), "asym": ("asym_pos", "asym_neg"),
                     "expression": ("expr",)}
    for kind, blocks in block_of_kind.items():
        for i, p in enumerate(spec.of_kind(kind)):
            reach[p.index] = np.max([magnitude[starts[b] + i] for b in blocks], 0)

    faces = np.asarray(asset.faces)
    skin = np.unique(faces[asset.face_parts == PART_NAMES.index("skin")])
    names = tuple(g for g in GROUPS if any(p.group == g for p in spec.of_kind("local")))
    influence = np.zeros((len(names), num_vertices))
    for i, p in enumerate(spec.of_kind("local")):
        for block in ("local_pos", "local_neg"):
            row = magnitude[starts[block] + i]
            peak = row.max()
            if peak == 0.0:
                continue
            normalised = row / peak
            if (normalised[skin] > 0.3).mean() > GLOBAL_TARGET_FRACTION:
                continue
            influence[names.index(p.group)] += normalised ** 2
    influence = _smooth(influence, faces, SMOOTHING_STEPS)
    vertex_region = np.argmax(influence, 0)  # first maximum: panel order breaks ties
    vertex_region[np.sqrt(influence.max(0)) < MIN_INFLUENCE] = names.index(FALLBACK_REGION)
    corner_regions = vertex_region[faces]  # (F, 3)
    counts = np.stack([(corner_regions == r).sum(1) for r in range(len(names))], 1)
    face_region = np.argmax(counts, 1)
    pickable = np.isin(asset.face_parts, [PART_NAMES.index(p) for p in PICKABLE_PARTS])
    skin_vertices = np.zeros(num_vertices, bool)
    skin_vertices[skin] = True
    for array in (vertex_region, face_region, reach, pickable, skin_vertices):
        array.setflags(write=False)
    return RegionMap(names, vertex_region, face_region, reach, pickable, skin_vertices)


def _smooth(values: np.ndarray, faces: np.ndarray, steps: int) -> np.ndarray:
    """(G, V) per-vertex values averaged ``steps`` times with their mesh neighbours."""
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]).astype(np.int64)
    edges = np.unique(np.sort(edges, 1), axis=0)
    source = np.concatenate([edges[:, 0], edges[:, 1]])
    target = np.concatenate([edges[:, 1], edges[:, 0]])
    count = 1.0 + np.bincount(target, minlength=values.shape[1])
    for _ in range(steps):
        summed = values.copy()
        for row, out in zip(values, summed):
            out += np.bincount(target, weights=row[source], minlength=values.shape[1])
        values = summed / count
    return values


__all__ = ["RegionMap", "region_map", "sculpt_sliders", "side_of_point", "still_vertices"]
