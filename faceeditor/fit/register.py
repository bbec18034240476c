"""Non-rigid registration of the head model to a scan surface (point-to-plane ICP).

    surface = ScanSurface.build(vertices_mm, faces)         # the scan, roughly aligned
    vector, transform, stats = register(problem, surface, vector, SCHEDULE, point_normals)

Each round pairs every model point with the closest point of the scan's *surface* (not the
nearest scan vertex: vertices are millimetres apart, the surface is where the skin is), drops
pairs that are far off or face the other way, and solves the sliders of ``problem`` together
with a small rigid pose of the head (rotation about the points' centre, translation) by
Levenberg-Marquardt (``solver.levenberg_marquardt``). The residual of a pair is its distance
along the scan's normal (millimetres), so the head may slide along the skin where the skin
does not say where it is; the prior (``faceeditor.model.prior``'s latent units, one weight per
round) pulls free sliders toward the average head and is relaxed round by round.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from faceeditor.fit.camera import rotation_matrix
from faceeditor.fit.solver import PointProblem, levenberg_marquardt
from faceeditor.model.face_model import vertex_normals
from faceeditor.model.surface import closest_on_candidates

#: Scan vertices whose triangles are searched for each model point's closest surface point.
NEAREST_VERTICES = 4
#: A pair is dropped when farther than this many times the round's median distance (and
#: farther than ``MIN_REJECT`` millimetres), or when the normals differ by more than ~70 deg.
REJECT_FACTOR = 3.0
MIN_REJECT = 5.0
MIN_NORMAL_DOT = 0.35


@dataclasses.dataclass(frozen=True)
class Round:
    """One ICP round: the prior's weights (mm^2 per squared latent unit) on identity and on
    expression sliders, and solver steps."""

    identity: float
    expression: float
    steps: int


@dataclasses.dataclass
class ScanSurface:
    """A triangle mesh to register against, with a search tree and per-vertex triangle lists.

    Attributes:
        vertices: (V, 3) float64 positions (millimetres, the model's frame).
        faces: (F, 3) int64 triangles.
        normals: (V, 3) float64 unit vertex normals.
        incident: (V, K) int64 triangles using each vertex, padded with -1.
    """

    vertices: np.ndarray
    faces: np.ndarray
    normals: np.ndarray
    incident: np.ndarray
    tree: object

    @classmethod
    def build(cls, vertices: np.ndarray, faces: np.ndarray, max_valence: int = 12
              ) -> ScanSurface:
        from scipy.spatial import cKDTree

        vertices = np.ascontiguousarray(vertices, np.float64)
        faces = np.asarray(faces, np.int64)
        normals = vertex_normals(vertices, faces).astype(np.float64)
        flat = faces.reshape(-1)
        order = np.argsort(flat, kind="stable")
        counts = np.bincount(flat, minlength=len(vertices))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        rank = np.arange(len(flat)) - np.repeat(starts, counts)
        incident = np.full((len(vertices), max_valence), -1, np.int64)
        keep = rank < max_valence
        incident[flat[order][keep], rank[keep]] = order[keep] // 3
        return cls(vertices, faces, normals, incident, cKDTree(vertices))

    def locate(self, points: np.ndarray, nearest: int = NEAREST_VERTICES, chunk: int = 2000
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(triangles (N,), barycentric weights (N, 3), distances (N,)) of the closest surface
        points, searched among the triangles of the ``nearest`` nearest vertices (``chunk``
        points at a time, to bound the memory)."""
        points = np.asarray(points, np.float64).reshape(-1, 3)
        parts = []
        for start in range(0, len(points), chunk):
            block = points[start:start + chunk]
            near = self.tree.query(block, k=nearest)[1].reshape(len(block), nearest)
            candidates = np.sort(self.incident[near].reshape(len(block), -1), axis=1)
            # neighbouring vertices share triangles: search each once (about half the work)
            candidates[:, 1:][candidates[:, 1:] == candidates[:, :-1]] = -1
            candidates = -np.sort(-candidates, axis=1)
            candidates = candidates[:, :max(int((candidates >= 0).sum(1).max()), 1)]
            parts.append(closest_on_candidates(block, self.vertices, self.faces, candidates))
        if len(parts) == 1:
            return parts[0]
        return tuple(np.concatenate(column) for column in zip(*parts))

    def closest(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions (N, 3), unit normals (N, 3), distances (N,)) of the closest surface
        points (``locate``)."""
        triangles, weights, distance = self.locate(points)
        corners = self.faces[triangles]
        position = np.einsum("nk,nkc->nc", weights, self.vertices[corners])
        normal = np.einsum("nk,nkc->nc", weights, self.normals[corners])
        normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
        return position, normal, distance


class PlaneObjective:
    """Point-to-plane residuals (mm) of the model points against fixed scan pairs, over
    ``[rotation vector (3), translation (3 mm), free slider values (G)]``, with prior rows."""

    def __init__(self, problem: PointProblem, start: np.ndarray, targets: np.ndarray,
                 normals: np.ndarray, weights: np.ndarray, stage: Round):
        self.problem = problem
        self.base = start.copy()
        self.index = np.array([members[0] for members in problem.groups], np.int64)
        self.members = problem.groups
        self.targets = targets
        self.normals = normals
        self.sqrt_weight = np.sqrt(weights)
        self.centre = problem.positions(start).mean(0)
        spec = problem.model.spec
        prior = np.array([stage.expression if spec.params[i].kind == "expression"
                          else stage.identity for i in self.index])
        self.prior_scale = np.sqrt(prior) / problem.spread[self.index]
        self.prior_mean = problem.mean[self.index]
        free = np.full(6, np.inf)
        self.lower = np.concatenate([-free, spec.minimum.astype(np.float64)[self.index]])
        self.upper = np.concatenate([free, spec.maximum.astype(np.float64)[self.index]])

    def vector(self, x: np.ndarray) -> np.ndarray:
        values = self.base.copy()
        for value, members in zip(x[6:], self.members):
            values[members] = value
        return values

    def moved(self, x: np.ndarray, points: np.ndarray) -> np.ndarray:
        return (points - self.centre) @ rotation_matrix(x[:3]).T + self.centre + x[3:6]

    def residuals(self, x: np.ndarray) -> np.ndarray:
        points = self.moved(x, self.problem.positions(self.vector(x)))
        plane = ((points - self.targets) * self.normals).sum(1) * self.sqrt_weight
        return np.concatenate([plane, self.prior_scale * (x[6:] - self.prior_mean)])

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        vector = self.vector(x)
        points = self.problem.positions(vector)
        rotation = rotation_matrix(x[:3])
        pose = np.empty((len(points), 6))
        for i in range(3):
            step = np.zeros(len(x))
            step[i] = 1e-6
            difference = self.moved(x + step, points) - self.moved(x - step, points)
            pose[:, i] = (difference * self.normals).sum(1) / 2e-6
        pose[:, 3:] = self.normals
        # d(n . R p)/d(theta) = (R^T n) . dp/d(theta): contract the basis with R^T n first
        turned = self.normals @ rotation
        along = np.einsum("cnk,nk->cn", self.problem.matrix, turned)  # (C, N)
        columns = self.problem.coefficient_jacobian(vector)  # (C, G)
        rows = np.flatnonzero(np.abs(columns).sum(1))
        sliders = along[rows].T @ columns[rows]
        plane = np.concatenate([pose, sliders], 1) * self.sqrt_weight[:, None]
        prior = np.zeros((len(self.index), len(x)))
        prior[:, 6:] = np.diag(self.prior_scale)
        return np.concatenate([plane, prior])


def pairs(surface: ScanSurface, points: np.ndarray, point_normals: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(targets, normals, weights) of the model points' closest scan surface points; far or
    opposite-facing pairs get weight 0."""
    targets, normals, distance = surface.closest(points)
    limit = max(REJECT_FACTOR * float(np.median(distance)), MIN_REJECT)
    facing = (normals * point_normals).sum(1) > MIN_NORMAL_DOT
    return targets, normals, ((distance <= limit) & facing).astype(np.float64)


def register(problem: PointProblem, surface: ScanSurface, start: np.ndarray,
             schedule: Sequence[Round], point_normals: Callable[[np.ndarray], np.ndarray],
             progress: Callable[[float], None] | None = None
             ) -> tuple[np.ndarray, np.ndarray, dict]:
    """Fit ``problem``'s free sliders and a rigid pose to ``surface``.

    Args:
        problem: the model points (millimetres) and free sliders.
        surface: the scan in the model's frame (roughly aligned).
        start: (P,) parameter vector to start from.
        schedule: the rounds.
        point_normals: parameter vector -> (N, 3) unit normals of the model points.
    Returns:
        ((P,) parameters, (4, 4) rigid transform of the model points onto the surface
        (millimetres), stats).
    """
    vector = np.asarray(start, np.float64).copy()
    transform = np.eye(4)
    distance = np.zeros(0)
    for number, stage in enumerate(schedule):
        if progress:
            progress(number / len(schedule))
        points = problem.positions(vector) @ transform[:3, :3].T + transform[:3, 3]
        normals = point_normals(vector) @ transform[:3, :3].T
        targets, target_normals, weights = pairs(surface, points, normals)
        # solve in the model's frame: the pairs moved back by the current transform
        inverse = np.linalg.inv(transform)
        targets = targets @ inverse[:3, :3].T + inverse[:3, 3]
        target_normals = target_normals @ inverse[:3, :3].T
        objective = PlaneObjective(problem, vector, targets, target_normals, weights, stage)
        x0 = np.concatenate([np.zeros(6), vector[objective.index]])
        x = levenberg_marquardt(x0, objective.residuals, objective.jacobian, objective.lower,
                                objective.upper, iterations=stage.steps)
        vector = objective.vector(x)
        step = np.eye(4)
        step[:3, :3] = rotation_matrix(x[:3])
        step[:3, 3] = objective.centre - step[:3, :3] @ objective.centre + x[3:6]
        transform = transform @ step
        distance = np.abs(objective.residuals(x)[:len(weights)])[weights > 0] / np.sqrt(
            weights[weights > 0])
    stats = {"pairs_median_mm": float(np.median(distance)) if len(distance) else np.nan}
    return vector, transform, stats
