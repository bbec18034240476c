"""A sculpt session: grab a point of the face, drag it, and the sliders follow (no Qt).

Every change goes through the ``ParameterState``: a drag is one undo step (``begin_interaction``
on the grab, ``end_interaction`` on release). The parameters are found by the fitting solver
(``faceeditor.fit.solver.solve_point_targets``), which moves only the sliders of the grabbed
region (``regions.sculpt_sliders``) and keeps the rest of the face still with its prior term;
pinned points are extra targets that hold their place.

    session = SculptSession(state, model)
    session.grab(mesh, camera, (x, y), size)          # False: nothing under the cursor
    session.drag(mesh, (x, y - 40), size)             # the head follows; returns what moved
    session.release()                                 # one undo step; names of moved sliders
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

import numpy as np

from faceeditor.model.mesh import FaceMesh
from faceeditor.model.surface import SurfacePoints
from faceeditor.render.camera import Camera
from faceeditor.sculpt.picking import Hit, Ray, on_ray_at_depth, pick
from faceeditor.sculpt.regions import (
    RegionMap,
    region_map,
    sculpt_sliders,
    side_of_point,
    still_vertices,
)
from faceeditor.state import ParameterState

log = logging.getLogger(__name__)

#: Relative weight of a pinned point against the grabbed one.
PIN_WEIGHT = 4.0
#: Neighbouring points held still during a drag, and their total weight (the grabbed
#: point weighs 1): they steer the solver toward the sliders that move only the region.
STILL_POINTS = 32
STILL_WEIGHT = 4.0
#: Prior weight handed to the solver: what a change of one prior standard deviation of a
#: slider costs, in squared millimetres of the grabbed point's distance from the cursor.
PRIOR_WEIGHT = 3e-3
#: Solver iterations per live update while dragging, and once more after release.
DRAG_ITERATIONS = 4
SETTLE_ITERATIONS = 30
#: Slider changes smaller than this fraction of the slider's range are not applied.
MIN_CHANGE = 1e-3
#: Two points closer than this (metres) are the same pin.
PIN_RADIUS = 0.004

Solver = Callable[..., dict]


class SculptError(RuntimeError):
    """A sculpt operation that cannot run (e.g. a drag without a grab)."""


@dataclasses.dataclass(frozen=True)
class Grab:
    """The point held by the current drag.

    Attributes:
        point: the grabbed surface point (length 1).
        region: its region name.
        anchor: (3,) where it was grabbed, metres.
        camera: the camera of the drag (the view does not move while dragging).
        free: parameter names the solver may move.
        held: points that keep their place (pins, then neighbours of the region), with
            ``held_positions`` (N, 3) metres at the grab and ``held_weights`` (N,).
        start: (P,) parameter vector at the grab.
        mirror: the grabbed point's mirror partner that follows it mirrored (a model without
            mirrored sliders, e.g. FLAME, under the symmetry lock), or None; ``mirror_anchor``
            (3,) where it was at the grab.
    """

    point: SurfacePoints
    region: str
    anchor: np.ndarray
    camera: Camera
    free: tuple[str, ...]
    held: SurfacePoints
    held_positions: np.ndarray
    held_weights: np.ndarray
    start: np.ndarray
    mirror: SurfacePoints | None = None
    mirror_anchor: np.ndarray | None = None


class SculptSession:
    """Direct manipulation of one ``ParameterState``'s face (the embedded head model; its
    regions are ``RegionMap``'s; ``faceeditor.sculpt.flame`` has the FLAME variant).

    Args:
        state: the parameter state every change goes through.
        model: the head model (``FaceModel``) the solver differentiates.
        solver: ``solve_point_targets`` (injected in tests; default the fitting solver's).
    """

    #: the solver's prior weight, the smallest slider change applied and the solver's
    #: iterations per live update (``PRIOR_WEIGHT``, ``MIN_CHANGE``, ``DRAG_ITERATIONS``)
    prior_weight = PRIOR_WEIGHT
    min_change = MIN_CHANGE
    drag_iterations = DRAG_ITERATIONS

    def __init__(self, state: ParameterState, model, solver: Solver | None = None):
        self.state = state
        self.model = model
        self.regions = self._region_map(model)
        self._solver = solver
        self.expressions = False  # Expression mode: drags move the ARKit expressions
        self.pins = SurfacePoints(np.zeros(0, np.int64), np.zeros((0, 3)))
        self.grab_state: Grab | None = None
        self.last_grab: Grab | None = None  # the grab of the last finished drag
        self.last_solve_ms = 0.0

    @staticmethod
    def _region_map(model) -> RegionMap:
        return region_map(model)

    # ----------------------------------------------------------------- looking
    def hit(self, mesh: FaceMesh, camera: Camera, pixel, size) -> Hit | None:
        """The grabbable surface point under ``pixel`` (None off the head)."""
        return pick(Ray.through_pixel(camera, pixel, size), mesh.vertices, mesh.faces,
                    self.regions.pickable)

    def region_at(self, hit: Hit) -> str:
        return self.regions.region_of_face(hit.triangle)

    def region_label(self, region: str) -> str:
        return RegionMap.label(region)

    def highlight(self, hit: Hit, mesh: FaceMesh) -> np.ndarray:
        """(F',) the triangles a drag at ``hit`` sculpts (what hovering lights up)."""
        return self.regions.faces_of(self.region_at(hit))

    # ----------------------------------------------------------------- pins
    def toggle_pin(self, hit: Hit, mesh: FaceMesh) -> bool:
        """Pin the point of ``hit``, or unpin the pin next to it; True when a pin was added."""
        if len(self.pins):
            positions = self.pins.positions(np.asarray(mesh.vertices, np.float64), mesh.faces)
            near = np.linalg.norm(positions - hit.position, axis=1) < PIN_RADIUS
            if near.any():
                self.pins = self.pins[~near]
                return False
        self.pins = _concatenate(self.pins, hit.point)
        return True

    def clear_pins(self) -> None:
        self.pins = self.pins[:0]

    # ----------------------------------------------------------------- dragging
    @property
    def dragging(self) -> bool:
        return self.grab_state is not None

    def grab(self, mesh: FaceMesh, camera: Camera, pixel, size) -> bool:
        """Grab the point under ``pixel``; False (nothing starts) when there is none or the
        region has no slider that moves it."""
        hit = self.hit(mesh, camera, pixel, size)
        if hit is None:
            return False
        return self.grab_hit(hit, mesh, camera)

    def grab_hit(self, hit: Hit, mesh: FaceMesh, camera: Camera) -> bool:
        region = self.region_at(hit)
        free = self.free_sliders(hit, mesh, region)
        if not free:
            log.info("no %s slider moves this point of the %s", "expression" if
                     self.expressions else "shape", region)
            return False
        vertices = np.asarray(mesh.vertices, np.float64)
        mirror = self.mirror_point(hit, mesh)
        still = self.still_vertices(hit, mesh, region, free, mirror)
        still_points = SurfacePoints.of_vertices(still, mesh.faces)
        held = _concatenate(self.pins, still_points)
        held_weights = np.concatenate([np.full(len(self.pins), PIN_WEIGHT),
                                       self.still_weights(len(still))])
        self.grab_state = Grab(
            hit.point, region, hit.position.copy(), camera, tuple(free), held,
            held.positions(vertices, mesh.faces), held_weights, self.state.vector, mirror,
            None if mirror is None else mirror.positions(vertices, mesh.faces)[0])
        what = "expression" if self.expressions else self.region_label(region).lower()
        self.state.begin_interaction(f"Sculpt {what}")
        return True

    def free_sliders(self, hit: Hit, mesh: FaceMesh, region: str) -> list[str]:
        """The parameter names a drag from ``hit`` solves for (``regions.sculpt_sliders``)."""
        corners = np.asarray(mesh.faces)[hit.triangle]
        return sculpt_sliders(self.state.spec, self.regions, region, corners,
                              side=side_of_point(hit.position),
                              symmetric=self.state.symmetry_lock, expressions=self.expressions)

    def still_vertices(self, hit: Hit, mesh: FaceMesh, region: str, free: list[str],
                       mirror: SurfacePoints | None) -> np.ndarray:
        """(N,) vertices held in place during the drag (besides the pins)."""
        # an expression moves its neighbours by nature (a smile lifts the cheeks): only shape
        # drags hold the neighbouring regions still
        if self.expressions:
            return np.zeros(0, np.int64)
        return still_vertices(self.state.spec, self.regions, region, free, STILL_POINTS)

    @staticmethod
    def still_weights(count: int) -> np.ndarray:
        """(count,) solver weights of the still vertices (``STILL_WEIGHT`` in all)."""
        return np.full(count, STILL_WEIGHT / max(count, 1))

    def mirror_point(self, hit: Hit, mesh: FaceMesh) -> SurfacePoints | None:
        """The point that follows the grabbed one mirrored, or None (here the symmetry lock
        ties mirrored sliders instead)."""
        return None

    def drag(self, mesh: FaceMesh, pixel, size) -> frozenset[str]:
        """Move the grabbed point toward ``pixel`` (``mesh``: the head as it is now); returns
        the names of the sliders that changed in this step."""
        grab = self._require_grab()
        ray = Ray.through_pixel(grab.camera, pixel, size)
        current = grab.point.positions(np.asarray(mesh.vertices, np.float64), mesh.faces)[0]
        # on the cursor's ray, at the point's present depth: the view plane moves, depth is free
        target = on_ray_at_depth(ray, grab.camera, current)
        return self._solve(target, self.drag_iterations)

    def settle(self, mesh: FaceMesh, pixel, size) -> frozenset[str]:
        """One longer solve toward ``pixel`` (after the last move, before release)."""
        grab = self._require_grab()
        ray = Ray.through_pixel(grab.camera, pixel, size)
        current = grab.point.positions(np.asarray(mesh.vertices, np.float64), mesh.faces)[0]
        return self._solve(on_ray_at_depth(ray, grab.camera, current), SETTLE_ITERATIONS)

    def release(self) -> list[str]:
        """End the drag (one undo step); returns the sliders it moved, in spec order."""
        grab = self._require_grab()
        self.grab_state, self.last_grab = None, grab
        self.state.end_interaction()
        moved = np.flatnonzero(self.state.vector != grab.start)
        return [self.state.spec.params[i].name for i in moved]

    def cancel(self) -> None:
        """Abandon the drag: every slider back to where it was at the grab (no undo step)."""
        grab = self._require_grab()
        self.grab_state = None
        self.state.set_values(self.state.spec.to_dict(grab.start), label="Sculpt")
        self.state.end_interaction()

    def _require_grab(self) -> Grab:
        if self.grab_state is None:
            raise SculptError("no point is grabbed")
        return self.grab_state

    def _solve(self, target: np.ndarray, iterations: int) -> frozenset[str]:
        grab = self._require_grab()
        points = _concatenate(grab.point, grab.held)
        targets = np.concatenate([target[None], grab.held_positions]) * 1000.0  # mm
        weights = np.concatenate([[1.0], grab.held_weights])
        if grab.mirror is not None:  # the partner moves by the drag reflected across x = 0
            moved = grab.mirror_anchor + (target - grab.anchor) * (-1.0, 1.0, 1.0)
            points = _concatenate(points, grab.mirror)
            targets = np.concatenate([targets, moved[None] * 1000.0])
            weights = np.concatenate([weights, [1.0]])
        started = time.perf_counter()
        # from the values at the grab each time: the prior measures the whole drag's change,
        # and where the cursor ends decides the result, not the path it took
        solved = self.solver(self.model, grab.start, points, targets, weights,
                             list(grab.free), self.prior_weight, self.state.symmetry_lock,
                             iterations)
        self.last_solve_ms = (time.perf_counter() - started) * 1000.0
        before = self.state.vector
        spec = self.state.spec
        # changes below min_change of a slider's range are solver noise: keep the old value
        values = {name: solved[name] for name in grab.free if name in solved
                  and abs(solved[name] - before[spec[name].index])
                  > self.min_change * (spec[name].maximum - spec[name].minimum)}
        self.state.set_values(values, label=f"Sculpt {grab.region}")
        after = self.state.vector
        return frozenset(self.state.spec.params[i].name
                         for i in np.flatnonzero(before != after))

    @property
    def solver(self) -> Solver:
        if self._solver is None:
            from faceeditor.fit.solver import solve_point_targets

            self._solver = solve_point_targets
        return self._solver


def _concatenate(*parts: SurfacePoints) -> SurfacePoints:
    return SurfacePoints(np.concatenate([p.triangles for p in parts]),
                         np.concatenate([p.weights for p in parts]))


__all__ = ["Grab", "SculptError", "SculptSession"]
