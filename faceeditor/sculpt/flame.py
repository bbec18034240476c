"""Sculpting a FLAME head (the FLAME and AlbedoGAN backends): its components follow the drag.

FLAME's components act on the whole head and our files name no regions, so a drag works on the
neighbourhood of the grabbed point: hovering lights up the surface within
``NEIGHBOURHOOD_RADIUS``; the solver moves the shape components that move the point
(Expression mode: the expression components, and the jaw's opening when the point rides on
the jaw), while vertices
beyond ``HOLD_RADIUS`` (the nearest ring and a sparse sample of the rest of the head) hold their
place. FLAME's components have no left/right halves, so the symmetry lock adds the grabbed
point's mirror partner (``mirror_vertices``: the template reflected across x = 0) as a second
target that follows the drag reflected.

The solver is the fitting solver (``faceeditor.fit.flame_points``: FLAME is linear in its
components); the prior is the components' unit Gaussian, a quadratic penalty on their change.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from faceeditor.backends.flame import JOINT_NAMES
from faceeditor.fit.flame_points import flame_geometry, joint_basis
from faceeditor.model.mesh import FaceMesh
from faceeditor.model.surface import SurfacePoints
from faceeditor.sculpt.picking import Hit, faces_near
from faceeditor.sculpt.session import SculptSession

log = logging.getLogger(__name__)

#: The surface a drag sculpts (hover highlight), metres from the grabbed point.
NEIGHBOURHOOD_RADIUS = 0.02
#: Vertices farther than this from the grabbed point (and its mirror) are held; Expression mode
#: holds only beyond the larger radius (an expression moves more of the face, the jaw most).
HOLD_RADIUS = {"shape": 0.035, "expression": 0.06}
#: Held vertices: the nearest ones beyond the radius, and one per cell of a grid of this size
#: (metres) over the rest of the head; each weighs ``HELD_WEIGHT`` (the grabbed point: 1).
RING_POINTS = 32
SPREAD_CELL = 0.025
HELD_WEIGHT = 0.02
#: A component that moves the grabbed point less than this (metres per standard deviation) is
#: not solved for: it cannot help and would only cost time (FLAME's last components).
MIN_REACH = 1e-4
#: A jaw-skinning weight above this at a corner of the grabbed triangle frees the jaw's opening.
JAW_WEIGHT = 0.5
JAW_PARAMS = ("jaw_rx",)
#: Prior weight: what a change of one standard deviation of a component costs, in squared
#: millimetres of the grabbed point's distance from the cursor.
FLAME_PRIOR_WEIGHT = 3e-3
REGION = "surface"
#: A drag reports the components whose change is at least this fraction of the largest one.
REPORT_FRACTION = 0.25


@dataclasses.dataclass(frozen=True)
class FlameRegions:
    """What a FLAME sculpt needs of the topology.

    Attributes:
        mirror: (V,) int64 the mirror partner of every vertex.
        jaw_weight: (V,) float the skinning weight of the jaw joint.
        pickable: None (every triangle may be grabbed).
    """

    mirror: np.ndarray
    jaw_weight: np.ndarray
    pickable: None = None


def mirror_vertices(template: np.ndarray, chunk: int = 512) -> np.ndarray:
    """(V,) the vertex nearest to each vertex of ``template`` reflected across x = 0 (ties: the
    lowest index), computed in float64 so that it is the same on every machine."""
    points = np.asarray(template, np.float64)
    reflected = points * (-1.0, 1.0, 1.0)
    squared = (points ** 2).sum(1)
    out = np.empty(len(points), np.int64)
    for start in range(0, len(points), chunk):
        block = reflected[start:start + chunk]
        distance = (block ** 2).sum(1)[:, None] + squared[None] - 2.0 * block @ points.T
        out[start:start + chunk] = np.argmin(distance, 1)
    return out


def flame_regions(backend) -> FlameRegions:
    """The ``FlameRegions`` of a FLAME-based backend, cached on its geometry."""
    geometry = flame_geometry(backend)
    cached = geometry.__dict__.get("_sculpt_regions")
    if cached is None:
        flame = geometry.flame
        cached = FlameRegions(mirror_vertices(flame.v_template),
                              flame.weights[:, JOINT_NAMES.index("jaw")].astype(np.float64))
        geometry.__dict__["_sculpt_regions"] = cached
    return cached


class FlameSculptSession(SculptSession):
    """``SculptSession`` for a FLAME-based backend (``state.model``)."""

    prior_weight = FLAME_PRIOR_WEIGHT
    # many components share a drag, each with a small part of it: every change counts
    min_change = 0.0
    # linear in the components: one Gauss-Newton step lands, a second settles the jaw's pose
    drag_iterations = 2

    @staticmethod
    def _region_map(model) -> FlameRegions:
        joint_basis(flame_geometry(model))  # the solver's constant data now, not on a drag
        return flame_regions(model)

    def region_at(self, hit: Hit) -> str:
        return REGION

    def region_label(self, region: str) -> str:
        return "Surface around the point" if region == REGION else region

    def highlight(self, hit: Hit, mesh: FaceMesh) -> np.ndarray:
        centres = [hit.position]
        mirror = self.mirror_point(hit, mesh)
        if mirror is not None:
            centres.append(mirror.positions(np.asarray(mesh.vertices, np.float64),
                                            mesh.faces)[0])
        near = faces_near(mesh.vertices, mesh.faces, np.array(centres), NEIGHBOURHOOD_RADIUS)
        return np.union1d(near, [hit.triangle])

    def free_sliders(self, hit: Hit, mesh: FaceMesh, region: str) -> list[str]:
        """The shape (Expression mode: expression) components that move the grabbed point
        (or its mirror partner) by ``MIN_REACH`` per standard deviation, in spec order; in
        Expression mode the jaw's opening too when the point rides on the jaw."""
        spec = self.state.spec
        corners = np.asarray(mesh.faces)[hit.triangle]
        if self.state.symmetry_lock:
            corners = np.concatenate([corners, self.regions.mirror[corners]])
        flame = flame_geometry(self.model).flame
        kind, directions = (("expression", flame.exprdirs) if self.expressions else
                            ("shape", flame.shapedirs))
        rows = directions[(corners[:, None] * 3 + np.arange(3)).reshape(-1)]
        reach = np.sqrt((rows.reshape(len(corners), 3, -1).astype(np.float64) ** 2).sum(1))
        names = [p.name for p, far in zip(spec.of_kind(kind), reach.max(0)) if far >= MIN_REACH]
        if self.expressions and self.regions.jaw_weight[corners].max() > JAW_WEIGHT:
            names += [name for name in JAW_PARAMS if name in spec]
        return names

    def still_vertices(self, hit: Hit, mesh: FaceMesh, region: str, free: list[str],
                       mirror: SurfacePoints | None) -> np.ndarray:
        vertices = np.asarray(mesh.vertices, np.float64)
        centres = [hit.position]
        if mirror is not None:
            centres.append(mirror.positions(vertices, mesh.faces)[0])
        distance = np.min([np.linalg.norm(vertices - c, axis=1) for c in centres], 0)
        radius = HOLD_RADIUS["expression" if self.expressions else "shape"]
        beyond = np.flatnonzero(distance > radius)
        order = beyond[np.lexsort((beyond, distance[beyond]))]  # nearest first, ties: index
        ring, rest = order[:RING_POINTS], np.sort(order[RING_POINTS:])
        # the lowest-numbered vertex of each grid cell: the rest of the head, evenly
        cells = np.floor(vertices[rest] / SPREAD_CELL).astype(np.int64)
        _, first = np.unique(cells, axis=0, return_index=True)
        return np.concatenate([ring, rest[np.sort(first)]])

    @staticmethod
    def still_weights(count: int) -> np.ndarray:
        return np.full(count, HELD_WEIGHT)

    def mirror_point(self, hit: Hit, mesh: FaceMesh) -> SurfacePoints | None:
        """Under the symmetry lock: the surface point at the grabbed one's mirrored corners
        (blended with its barycentric weights), on a triangle around them."""
        if not self.state.symmetry_lock:
            return None
        faces = np.asarray(mesh.faces)
        corners = self.regions.mirror[faces[hit.triangle]]
        vertices = np.asarray(mesh.vertices, np.float64)
        position = hit.point.weights[0] @ vertices[corners]
        around = np.flatnonzero(np.isin(faces, corners).any(1))
        return SurfacePoints.closest(position[None], vertices, faces, candidates=around)

    def release(self) -> list[str]:
        """End the drag (one undo step); the components it moved most (``REPORT_FRACTION`` of
        the largest change, in prior units), largest first (ties: spec order), for the panel
        to show: every component moves a little, the list names those that did the work."""
        moved = super().release()
        if not moved:
            return moved
        spread = np.asarray(self.model.latent_scale(), np.float64)
        change = np.abs(self.state.vector - self.last_grab.start) / spread
        index = np.array([self.state.spec[name].index for name in moved])
        order = np.lexsort((index, -change[index]))
        keep = change[index[order]] >= REPORT_FRACTION * change[index[order[0]]]
        return [moved[i] for i in order[keep]]


def session_for(state, solver=None) -> SculptSession | None:
    """A sculpt session for ``state``'s model: the embedded head's, a FLAME-based backend's,
    or None for a model that cannot be sculpted (a backend without FLAME geometry)."""
    from faceeditor.model.face_model import FaceModel

    if flame_geometry(state.model) is not None:
        return FlameSculptSession(state, state.model, solver)
    if isinstance(state.model, FaceModel):
        return SculptSession(state, state.model, solver)
    return None


__all__ = ["FlameRegions", "FlameSculptSession", "flame_regions", "mirror_vertices",
           "session_for"]
