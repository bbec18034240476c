"""Broken geometry: inner parts poking out through the skin (teeth or tongue through the lips,
an eyeball through a lid).

A point is outside the skin when the first skin triangle behind it (along -Z, into the head) faces
it: we are looking at that skin from the outside. For the mouth's inner parts (teeth, tongue) and
the front of the eyeballs that is broken geometry when that skin is close (``NEAR_MM``): a tooth
in front of the lower lip, an eyeball through the lid. Teeth seen through parted lips, or the
cornea in the eye opening, have no skin close behind them along -Z (the ray runs into the mouth or
through the eyeball to the far socket), so they are not counted.

Only skin triangles around the probed vertices on the average head are tested (fixed index
sets), so one check costs a few milliseconds::

    report = breakage(mesh)          # {"teeth": 0, "tongue": 0, "eyes": 0}: offending vertices
    is_broken(model, params)         # any of them
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from faceeditor.model.face_model import FaceModel
from faceeditor.model.mesh import FaceMesh

#: A skin surface closer than this (mm) in front-facing view behind an inner vertex means the
#: vertex pokes through it.
NEAR_MM = 6.0
#: A vertex further than this (mm) in front of the skin is through it. The eyeballs are coarse
#: (112 vertices) and the lids' inner corners fold over them: up to a couple of millimetres
#: there is how the model's own phenotype shapes sit, so only a gross protrusion counts.
TOLERANCE_MM = {"teeth": 0.3, "tongue": 0.3, "eyes": 2.5}
#: With a baseline head: how much further out than there a vertex may lie (mm).
ALLOWANCE_MM = 0.5
#: Eyeball vertices tested: the front cap, this deep (mm) behind the cornea's apex.
EYE_CAP_MM = 6.0
#: Teeth and tongue vertices tested: those within this depth (mm) of the front of the teeth.
FRONT_DEPTH_MM = 14.0


@dataclasses.dataclass(frozen=True)
class _Probe:
    """Inner vertices to test, per part, and the skin triangles around them."""

    part: str
    vertices: np.ndarray  # (N,) vertex ids
    triangles: np.ndarray  # (F,) skin face ids within ``MARGIN_MM`` of those vertices


#: Skin triangles whose centroid lies this close (mm) to the probed vertices' box are tested.
MARGIN_MM = 10.0


@lru_cache(maxsize=4)
def _probes(model: FaceModel) -> tuple[_Probe, ...]:
    mesh = model.evaluate()
    v = mesh.vertices.astype(np.float64) * 1000.0
    faces = mesh.faces
    teeth = np.unique(faces[mesh.part_faces("teeth")])
    tongue = np.unique(faces[mesh.part_faces("tongue")])
    eyes = np.unique(faces[mesh.part_faces("eyes")])
    front = v[teeth, 2].max()
    groups = [("teeth", teeth[v[teeth, 2] > front - FRONT_DEPTH_MM]),
              ("tongue", tongue[v[tongue, 2] > front - FRONT_DEPTH_MM])]
    for side in (eyes[v[eyes, 0] > 0], eyes[v[eyes, 0] < 0]):
        groups.append(("eyes", side[v[side, 2] > v[side, 2].max() - EYE_CAP_MM]))
    skin = mesh.part_faces("skin")
    centroid = v[faces[skin]].mean(1)
    probes = []
    for part, ids in groups:
        low, high = v[ids].min(0) - MARGIN_MM, v[ids].max(0) + MARGIN_MM
        low[2] -= NEAR_MM  # only skin close behind a vertex matters
        near = np.all((centroid > low) & (centroid < high), axis=1)
        probes.append(_Probe(part, ids, skin[near]))
    return tuple(probes)


def _depth_outside(points: np.ndarray, tri: np.ndarray) -> np.ndarray:
    """(N,) mm each point lies in front of the skin (0 when inside): the distance to the first
    triangle behind it along -Z when that triangle faces it and is within ``NEAR_MM``.

    points: (N, 3) mm; tri: (F, 3, 3) mm, counter-clockwise seen from outside.
    """
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    area = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
    valid = np.abs(area) > 1e-12
    a, b, c, area = a[valid], b[valid], c[valid], area[valid]
    px, py = points[:, None, 0], points[:, None, 1]
    w_b = ((px - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (py - a[:, 1])) / area
    w_c = ((b[:, 0] - a[:, 0]) * (py - a[:, 1]) - (px - a[:, 0]) * (b[:, 1] - a[:, 1])) / area
    w_a = 1.0 - w_b - w_c
    inside = (w_a >= 0) & (w_b >= 0) & (w_c >= 0)
    z_hit = w_a * a[:, 2] + w_b * b[:, 2] + w_c * c[:, 2]
    depth = points[:, None, 2] - z_hit  # > 0: the triangle is behind the point
    depth = np.where(inside & (depth > 1e-6), depth, np.inf)
    first = np.argmin(depth, axis=1)
    rows = np.arange(len(points))
    nearest = depth[rows, first]
    facing = area[first] > 0  # counter-clockwise seen from +Z: its outside faces the point
    return np.where(np.isfinite(nearest) & facing & (nearest < NEAR_MM), nearest, 0.0)


def penetration(mesh: FaceMesh, model: FaceModel | None = None) -> dict[str, np.ndarray]:
    """{part: (N,) mm each probed vertex of the part lies in front of the skin} (0 = inside)."""
    from faceeditor.model.face_model import load_default_model

    v = np.asarray(mesh.vertices, np.float64) * 1000.0
    out: dict[str, list] = {"teeth": [], "tongue": [], "eyes": []}
    for probe in _probes(model or load_default_model()):
        out[probe.part].append(_depth_outside(v[probe.vertices], v[mesh.faces[probe.triangles]]))
    return {part: np.concatenate(depths) for part, depths in out.items()}


def breakage(mesh: FaceMesh, model: FaceModel | None = None,
             baseline: dict | None = None) -> dict[str, int]:
    """{part: number of its probed vertices through the skin} (parts: teeth, tongue, eyes).

    A vertex counts when it lies more than ``TOLERANCE_MM`` in front of the skin, and, given a
    ``baseline`` (``penetration`` of a reference head, e.g. the same phenotypes without shape
    changes), more than ``ALLOWANCE_MM`` further out than there: what the phenotypes already
    do is not the shape sliders' doing and cannot be fixed by redrawing them.
    """
    return through_skin(penetration(mesh, model), baseline)


def through_skin(depths: dict[str, np.ndarray], baseline: dict | None = None) -> dict[str, int]:
    """``breakage`` of a ``penetration`` result ``depths``: {part: vertices through the skin}."""
    counts = {}
    for part, depth in depths.items():
        limit = np.full(len(depth), TOLERANCE_MM[part])
        if baseline is not None:
            limit = np.maximum(limit, baseline[part] + ALLOWANCE_MM)
        counts[part] = int((depth > limit).sum())
    return counts


def pierced(depths: dict[str, np.ndarray], baseline: dict | None = None) -> bool:
    """Whether any vertex of a ``penetration`` result is through the skin (``through_skin``)."""
    return any(through_skin(depths, baseline).values())


def is_broken(model: FaceModel, params: Mapping[str, float],
              baseline: dict | None = None) -> bool:
    """Whether the head for ``params`` has an inner part poking through the skin."""
    return any(breakage(model.evaluate(params), model, baseline).values())
