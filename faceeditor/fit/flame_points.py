"""Surface points of a FLAME head (FLAME and AlbedoGAN backends) for the point solver.

For a fixed pose FLAME is affine in its shape and expression coefficients ``c``::

    v_shaped = T + D c                         D = [shapedirs | exprdirs]
    joints   = R v_shaped = R T + (R D) c      R: the joint regressor
    v_i      = B_i (v_shaped_i + P_i) + sum_j w_ij a_j(joints) - centre

where ``B_i = sum_j w_ij world_j`` is the blended rotation of vertex i, ``P_i`` its pose
correctives and ``a_j`` the skinning translation of joint j, linear in the joints for fixed
rotations (``kinematic_chain``). So a point's position is ``c @ M(pose) + b(pose)`` exactly,
with ``M`` gathered for the points' triangle corners only: the same form as the embedded model's
``PointProblem`` and solved by the same damped Gauss-Newton loop (``PointProblem.solve``). The
pose (the jaw) enters nonlinearly; its Jacobian columns are finite differences of that map.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from faceeditor.backends.flame import kinematic_chain, rodrigues
from faceeditor.fit.solver import MM, PointProblem, SolverError, free_variables
from faceeditor.model.surface import SurfacePoints

#: Finite-difference step of the pose parameters, radians.
POSE_STEP = 1e-5
#: Linear maps kept per model (a drag solves the same points again and again).
CACHED_MAPS = 8


def flame_geometry(model):
    """The ``FlameGeometry`` of a FLAME-based backend, or None for any other model."""
    from faceeditor.backends.flame_backend import FlameGeometry

    geometry = getattr(model, "geometry", None)
    return geometry if isinstance(geometry, FlameGeometry) else None


def joint_basis(geometry) -> tuple[np.ndarray, np.ndarray]:
    """(J, 3) rest joints of the template and (J, 3, K) their change per coefficient (shape,
    then expression), cached on ``geometry``."""
    cached = geometry.__dict__.get("_fit_joint_basis")
    if cached is None:
        flame = geometry.flame
        regressor = flame.j_regressor.astype(np.float64)
        directions = np.concatenate([flame.shapedirs, flame.exprdirs], 1).reshape(
            flame.num_vertices, 3, -1)
        basis = np.einsum("jv,vak->jak", regressor, directions, optimize=True)
        cached = (regressor @ flame.v_template.astype(np.float64), basis)
        geometry.__dict__["_fit_joint_basis"] = cached
    return cached


@dataclasses.dataclass(frozen=True)
class _Corners:
    """The constant data of the triangle corners of some points (U unique vertices).

    Attributes:
        index: (N, 3) each point's corners as rows of the arrays below; blend: (N, 3) their
            barycentric weights (a corner of weight 0 may stand for another of the point's).
        template: (U, 3) template positions; directions: (U * 3, K) per coefficient (rows
            vertex-major, as FLAME stores them); posedirs: (9 (J - 1), U * 3) pose
            correctives; weights: (U, J) skinning weights.
    """

    index: np.ndarray
    blend: np.ndarray
    template: np.ndarray
    directions: np.ndarray
    posedirs: np.ndarray
    weights: np.ndarray


def _corner_data(geometry, points: SurfacePoints) -> _Corners:
    """``_Corners`` of ``points``, cached on ``geometry`` (the last ``CACHED_MAPS`` sets)."""
    cache = geometry.__dict__.setdefault("_fit_point_corners", {})
    key = (points.triangles.tobytes(), points.weights.tobytes())
    if key in cache:
        return cache[key]
    flame = geometry.flame
    corners = points.corners(flame.faces).astype(np.int64)  # (N, 3)
    # a point at a vertex needs only that vertex: its other corners stand in for it
    strongest = corners[np.arange(len(corners)), np.argmax(points.weights, 1)]
    corners = np.where(points.weights != 0.0, corners, strongest[:, None])
    used, inverse = np.unique(corners, return_inverse=True)
    rows = (used[:, None] * 3 + np.arange(3)).reshape(-1)
    directions = np.concatenate([flame.shapedirs[rows], flame.exprdirs[rows]], 1)
    while len(cache) >= CACHED_MAPS:
        cache.pop(next(iter(cache)))  # the oldest
    cache[key] = _Corners(inverse.reshape(corners.shape), points.weights,
                          flame.v_template[used].astype(np.float64),
                          directions.astype(np.float64),
                          flame.posedirs[:, rows].astype(np.float64),
                          flame.weights[used].astype(np.float64))
    return cache[key]


@dataclasses.dataclass
class FlamePointProblem(PointProblem):
    """``PointProblem`` of a FLAME-based backend (see the module doc).

    Only the free coefficients get columns: the others keep their values through a solve, so
    their part is folded into the offset. ``matrix`` (K', N, 3) and ``offset`` (N, 3) hold the
    map at ``key`` (the pose and the fixed coefficients), refreshed when a vector with another
    one is evaluated (the jaw's pose, when it is free).

    Attributes (besides ``PointProblem``'s):
        geometry: the backend's ``FlameGeometry``.
        points: the surface points.
        coefficients: (K,) parameter indices of the shape then expression coefficients.
        free_columns: (K',) the free ones among them (positions in ``coefficients``).
        pose_index: (J * 3,) parameter indices of the pose, ``JOINT_NAMES`` order.
        group_column: (G,) the position in ``free_columns`` of each solver variable that is
            one coefficient, -1 for any other.
        key: the pose and fixed coefficients ``matrix`` and ``offset`` belong to.
    """

    geometry: object
    points: SurfacePoints
    coefficients: np.ndarray
    free_columns: np.ndarray
    pose_index: np.ndarray
    group_column: np.ndarray
    key: bytes = b""
    _shaped: tuple = ()  # (fixed coefficients' bytes, the pose-independent arrays)

    @classmethod
    def build(cls, model, points: SurfacePoints, free, symmetric: bool = False
              ) -> FlamePointProblem:
        geometry = flame_geometry(model)
        if geometry is None:
            raise SolverError(f"{type(model).__name__} is not a FLAME model")
        faces = geometry.flame.faces
        if len(points) and int(points.triangles.max()) >= len(faces):
            raise SolverError("surface points are bound to a different mesh "
                              f"(triangle {int(points.triangles.max())} of {len(faces)})")
        spec = model.spec
        groups = free_variables(model, free, symmetric)
        coefficients = np.concatenate([spec.indices("shape"), spec.indices("expression")])
        members = {index for group in groups for index in group}
        free_columns = np.flatnonzero([int(index) in members for index in coefficients])
        column_of = {int(coefficients[k]): c for c, k in enumerate(free_columns)}
        group_column = np.array([column_of.get(group[0], -1) if len(group) == 1 else -1
                                 for group in groups], np.int64)
        return cls(model, groups, np.zeros((len(free_columns), len(points), 3)),
                   np.zeros((len(points), 3)), spec.defaults.astype(np.float64),
                   np.asarray(model.latent_scale(), np.float64), geometry, points,
                   coefficients, free_columns, spec.indices("pose"), group_column)

    # -- the linear map at one pose -------------------------------------------------------

    def _set_state(self, vector: np.ndarray) -> None:
        """``matrix`` and ``offset`` for the pose and fixed coefficients of ``vector``."""
        pose = np.asarray(vector[self.pose_index], np.float64)
        fixed = np.asarray(vector[self.coefficients], np.float64).copy()
        fixed[self.free_columns] = 0.0
        key = pose.tobytes() + fixed.tobytes()
        if key == self.key:
            return
        cache = self.geometry.__dict__.setdefault("_fit_point_maps", {})
        full = (self.points.triangles.tobytes(), self.points.weights.tobytes(),
                self.free_columns.tobytes(), key)
        if full not in cache:
            while len(cache) >= CACHED_MAPS:
                cache.pop(next(iter(cache)))  # the oldest
            cache[full] = self.linear_map(pose, fixed)
        self.matrix, self.offset = cache[full]
        self.key = key

    def _shaped_parts(self, fixed: np.ndarray) -> tuple:
        """What does not depend on the pose: the corners shaped by the ``fixed``
        coefficients (U, 3), the free directions (U, 3, K'), the joints (J, 3) and their free
        directions (J, 3, K')."""
        key = fixed.tobytes()
        if not self._shaped or self._shaped[0] != key:
            corners = _corner_data(self.geometry, self.points)
            rest_joints, joint_directions = joint_basis(self.geometry)
            shaped = corners.template + (corners.directions @ fixed).reshape(-1, 3)
            directions = corners.directions[:, self.free_columns].reshape(len(shaped), 3, -1)
            self._shaped = (key, (shaped, directions, rest_joints + joint_directions @ fixed,
                                  joint_directions[:, :, self.free_columns]))
        return self._shaped[1]

    def linear_map(self, pose: np.ndarray, fixed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(K', N, 3) millimetres per free coefficient and (N, 3) millimetres with the free
        ones at 0, for ``pose`` ((J * 3,) axis-angles) and the ``fixed`` (K,) coefficients (0
        at the free columns)."""
        flame = self.geometry.flame
        corners = _corner_data(self.geometry, self.points)
        shaped, directions, joints, joint_directions = self._shaped_parts(fixed)
        count = len(shaped)
        rotations = rodrigues(np.asarray(pose, np.float64).reshape(-1, 3))
        feature = (rotations[1:] - np.eye(3)).reshape(-1)
        posed = shaped + (feature @ corners.posedirs).reshape(-1, 3)
        world, rest_translation = kinematic_chain(rotations, flame.parents, joints)
        _, translation_directions = kinematic_chain(rotations, flame.parents, joint_directions)
        weights = corners.weights  # (U, J)
        blended = (weights @ world.reshape(len(world), 9)).reshape(-1, 3, 3)
        matrix = np.matmul(blended, directions) + (
            weights @ translation_directions.reshape(len(world), -1)).reshape(count, 3, -1)
        offset = (np.matmul(blended, posed[:, :, None])[:, :, 0] + weights @ rest_translation
                  - self.geometry.centre)
        # points: barycentric blends of their corners
        matrix = np.einsum("nc,ncak->kna", corners.blend, matrix[corners.index])  # (K', N, 3)
        return (np.ascontiguousarray(matrix) * MM,
                np.einsum("nc,nca->na", corners.blend, offset[corners.index]) * MM)

    # -- evaluation ------------------------------------------------------------------------

    def positions(self, vector: np.ndarray) -> np.ndarray:
        """(P,) or (B, P) parameter vectors -> (N, 3) or (B, N, 3) positions in millimetres."""
        values = np.atleast_2d(np.asarray(vector, np.float64))
        out = np.stack([self._positions(v) for v in values])
        return out if np.ndim(vector) == 2 else out[0]

    def _positions(self, vector: np.ndarray) -> np.ndarray:
        self._set_state(vector)
        flat = self.matrix.reshape(len(self.matrix), -1)
        free = vector[self.coefficients[self.free_columns]]
        return (free @ flat).reshape(self.offset.shape) + self.offset

    def jacobian(self, vector: np.ndarray) -> np.ndarray:
        """(N, 3, G) derivative of the positions by each solver variable at ``vector``."""
        vector = np.asarray(vector, np.float64)
        self._set_state(vector)
        here = self._positions(vector)
        out = np.zeros((*self.offset.shape, len(self.groups)))
        single = self.group_column >= 0
        out[:, :, single] = self.matrix[self.group_column[single]].transpose(1, 2, 0)
        column_of = {int(self.coefficients[k]): c for c, k in enumerate(self.free_columns)}
        for g in np.flatnonzero(~single):
            for index in self.groups[g]:
                if index in column_of:
                    out[:, :, g] += self.matrix[column_of[index]]
                elif index in self.pose_index:  # a forward difference: one more map
                    step = np.zeros(len(vector))
                    step[index] = POSE_STEP
                    out[:, :, g] += (self._positions(vector + step) - here) / POSE_STEP
        self._set_state(vector)
        return out


__all__ = ["FlamePointProblem", "flame_geometry", "joint_basis"]
