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
pose (the jaw) enters nonlinearly; its Jacobian columns are central differences of that map.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from faceeditor.backends.flame import kinematic_chain, rodrigues
from faceeditor.fit.solver import MM, PointProblem, SolverError, free_variables
from faceeditor.model.surface import SurfacePoints

#: Central-difference step of the pose parameters, radians.
POSE_STEP = 1e-4
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


@dataclasses.dataclass
class FlamePointProblem(PointProblem):
    """``PointProblem`` of a FLAME-based backend (see the module doc).

    Attributes (besides ``PointProblem``'s; ``matrix`` and ``offset`` hold the linear map at
    ``pose``, refreshed when a vector with another pose is evaluated):
        geometry: the backend's ``FlameGeometry``.
        points: the surface points.
        coefficients: (K,) parameter indices of the shape then expression coefficients.
        pose_index: (J * 3,) parameter indices of the pose, ``JOINT_NAMES`` order.
        pose: (J * 3,) the pose ``matrix`` and ``offset`` belong to.
    """

    geometry: object
    points: SurfacePoints
    coefficients: np.ndarray
    pose_index: np.ndarray
    pose: np.ndarray
    group_column: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))

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
        coefficients = np.concatenate([spec.indices("shape"), spec.indices("expression")])
        pose_index = spec.indices("pose")
        problem = cls(model, free_variables(model, free, symmetric), np.zeros(0),
                      np.zeros((len(points), 3)), spec.defaults.astype(np.float64),
                      np.asarray(model.latent_scale(), np.float64), geometry, points,
                      coefficients, pose_index, np.full(len(pose_index), np.nan))
        # the coefficient column of every variable that is one coefficient (-1: any other)
        column_of = {int(index): k for k, index in enumerate(coefficients)}
        problem.group_column = np.array([column_of.get(members[0], -1) if len(members) == 1
                                         else -1 for members in problem.groups], np.int64)
        problem._set_pose(np.zeros(len(pose_index)))
        return problem

    # -- the linear map at one pose -------------------------------------------------------

    def _set_pose(self, pose: np.ndarray) -> None:
        if np.array_equal(pose, self.pose):
            return
        pose = np.array(pose, np.float64)
        cache = self.geometry.__dict__.setdefault("_fit_point_maps", {})
        key = (self.points.triangles.tobytes(), self.points.weights.tobytes(), pose.tobytes())
        if key not in cache:
            while len(cache) >= CACHED_MAPS:
                cache.pop(next(iter(cache)))  # the oldest
            cache[key] = self.linear_map(pose)
        self.matrix, self.offset = cache[key]
        self.pose = pose

    def linear_map(self, pose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(K, N, 3) millimetres per coefficient and (N, 3) millimetres at zero coefficients,
        for the pose ``pose`` ((J * 3,) axis-angles)."""
        flame = self.geometry.flame
        corners = self.points.corners(flame.faces).astype(np.int64)  # (N, 3)
        used, inverse = np.unique(corners, return_inverse=True)
        rows = (used[:, None] * 3 + np.arange(3)).reshape(-1)
        directions = np.concatenate([flame.shapedirs[rows], flame.exprdirs[rows]], 1).reshape(
            len(used), 3, -1).astype(np.float64)  # (U, 3, K)
        rotations = rodrigues(np.asarray(pose, np.float64).reshape(-1, 3))
        feature = (rotations[1:] - np.eye(3)).reshape(-1)
        posed = (flame.v_template[used].astype(np.float64)
                 + (feature @ flame.posedirs[:, rows].astype(np.float64)).reshape(-1, 3))
        rest_joints, joint_directions = joint_basis(self.geometry)
        world, rest_translation = kinematic_chain(rotations, flame.parents, rest_joints)
        _, translation_directions = kinematic_chain(rotations, flame.parents, joint_directions)
        weights = flame.weights[used].astype(np.float64)  # (U, J)
        blended = np.einsum("uj,jab->uab", weights, world)
        matrix = (np.einsum("uab,ubk->uak", blended, directions)
                  + np.einsum("uj,jak->uak", weights, translation_directions))
        offset = (np.einsum("uab,ub->ua", blended, posed) + weights @ rest_translation
                  - self.geometry.centre)
        # points: barycentric blends of their corners
        shape = (*corners.shape, 3)
        corner_weights = self.points.weights[:, :, None]
        matrix = (matrix[inverse.reshape(-1)].reshape(*shape, -1) * corner_weights[..., None]
                  ).sum(1)  # (N, 3, K)
        offset = (offset[inverse.reshape(-1)].reshape(shape) * corner_weights).sum(1)
        return np.ascontiguousarray(matrix.transpose(2, 0, 1)) * MM, offset * MM

    # -- evaluation ------------------------------------------------------------------------

    def positions(self, vector: np.ndarray) -> np.ndarray:
        """(P,) or (B, P) parameter vectors -> (N, 3) or (B, N, 3) positions in millimetres."""
        values = np.atleast_2d(np.asarray(vector, np.float64))
        out = np.stack([self._positions(v) for v in values])
        return out if np.ndim(vector) == 2 else out[0]

    def _positions(self, vector: np.ndarray) -> np.ndarray:
        self._set_pose(vector[self.pose_index])
        flat = self.matrix.reshape(len(self.matrix), -1)
        return (vector[self.coefficients] @ flat).reshape(self.offset.shape) + self.offset

    def jacobian(self, vector: np.ndarray) -> np.ndarray:
        """(N, 3, G) derivative of the positions by each solver variable at ``vector``."""
        vector = np.asarray(vector, np.float64)
        self._set_pose(vector[self.pose_index])
        out = np.zeros((*self.offset.shape, len(self.groups)))
        single = self.group_column >= 0
        out[:, :, single] = self.matrix[self.group_column[single]].transpose(1, 2, 0)
        column_of = {int(index): k for k, index in enumerate(self.coefficients)}
        for g in np.flatnonzero(~single):
            for index in self.groups[g]:
                if index in column_of:
                    out[:, :, g] += self.matrix[column_of[index]]
                elif index in self.pose_index:
                    step = np.zeros(len(vector))
                    step[index] = POSE_STEP
                    out[:, :, g] += (self._positions(vector + step)
                                     - self._positions(vector - step)) / (2 * POSE_STEP)
        self._set_pose(vector[self.pose_index])
        return out


__all__ = ["FlamePointProblem", "flame_geometry", "joint_basis"]
