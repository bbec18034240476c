"""Least squares of surface points to 3D targets over chosen parameters (fitting, sculpting).

    new = solve_point_targets(model, params, points, targets_mm, None, free=["nose_hump"],
                              prior_weight=1.0, symmetric=True, iterations=8)

The head model is linear in its *coefficients*: every vertex is ``c @ basis + template`` minus
a re-centring translation that is itself linear in the phenotype coefficients (see
``FaceModel``). So for a fixed set of surface points the positions are

    positions(theta) = c(theta) @ M + b        M: (C, N, 3), b: (N, 3)

with ``M`` gathered once from the basis columns of the points' triangle corners. ``c(theta)`` is
linear in the expression sliders, piecewise linear in the bipolar local and asymmetry sliders
(the positive part drives one target, the negative part its opposite) and smooth in the eight
phenotype macros. The Jacobian is therefore exact (one-sided, or the mean of both sides at a
slider's kink at 0) for every slider and a central finite difference for the macros; a
Levenberg-Marquardt loop with box bounds converges in a few steps, each a handful of small
matrix products (no mesh is evaluated).

Cost (millimetres, latent units of ``faceeditor.model.prior``)::

    sum_k w_k |p_k(theta) - t_k|^2  +  prior_weight * sum_free (z_i - z_i0)^2
                                    +  mean_weight  * sum_free  z_i^2

``z = (value - mean) / spread`` is the prior's latent coordinate. The first prior term keeps
parameters the points do not constrain where they were (an edit moves only what it must); the
optional second one pulls toward the average head (fitting from scratch). ``prior_weight = 1``
makes one prior standard deviation of change cost as much as 1 mm of point error.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence

import numpy as np

from faceeditor.model.face_model import FaceModel
from faceeditor.model.prior import latent_scales
from faceeditor.model.surface import SurfacePoints

log = logging.getLogger(__name__)

#: Model units (metres) -> target units (millimetres).
MM = 1000.0
#: Finite-difference step of the phenotype macros (their range is 0..1).
_MACRO_STEP = 1e-4


class SolverError(ValueError):
    """Inputs the solver cannot work with (shapes, names)."""


def solve_point_targets(model: FaceModel, params: Mapping[str, float] | np.ndarray,
                        points: SurfacePoints, targets: np.ndarray,
                        weights: np.ndarray | None = None, free: Sequence[str] = (),
                        prior_weight: float = 1.0, symmetric: bool = False,
                        iterations: int = 10, *, mean_weight: float = 0.0) -> dict[str, float]:
    """New parameters that move ``points`` toward ``targets``.

    Args:
        model: the embedded ``FaceModel``, or a FLAME-based backend (``point_problem``).
        params: current values ({name: value}, missing names at their defaults, or a (P,)
            vector in spec order).
        points: N ``SurfacePoints`` bound to the model's mesh.
        targets: (N, 3) wanted positions in millimetres, model space (Y up, face toward +Z).
        weights: (N,) non-negative weight per point (None: all 1).
        free: names of the parameters the solver may move; every other one stays as it is.
        prior_weight: weight of the change of each free parameter in latent units (mm^2 per
            squared prior standard deviation); > 0 keeps unconstrained parameters still.
        symmetric: tie each free left/right parameter to its mirror partner (the partner is
            freed too): both move by the same amount.
        iterations: Levenberg-Marquardt steps at most (stops early when converged).
        mean_weight: optional pull of the free parameters toward the average head (z = 0).
    Returns:
        {name: value} for every parameter of the model.
    """
    problem = point_problem(model, points, free, symmetric)
    start = full_vector(model, params)
    solution = problem.solve(start, targets, weights, prior_weight=prior_weight,
                             mean_weight=mean_weight, iterations=iterations)
    return model.spec.to_dict(solution)


def point_problem(model, points: SurfacePoints, free: Sequence[str],
                  symmetric: bool = False) -> PointProblem:
    """The ``PointProblem`` of ``points`` on ``model``: the embedded ``FaceModel``, or a
    FLAME-based research backend (``faceeditor.fit.flame_points``, linear in its components).

    Raises:
        SolverError: a model without a point solver (e.g. a StyleGAN-only backend).
    """
    if isinstance(model, FaceModel):
        return PointProblem.build(model, points, free, symmetric)
    from faceeditor.fit.flame_points import FlamePointProblem, flame_geometry

    if flame_geometry(model) is not None:
        return FlamePointProblem.build(model, points, free, symmetric)
    raise SolverError(f"no point solver for {type(model).__name__} models")


def full_vector(model: FaceModel, params: Mapping[str, float] | np.ndarray) -> np.ndarray:
    """(P,) float64 parameter vector from a mapping (defaults filled in, clamped) or a vector."""
    if isinstance(params, Mapping):
        vector = model.spec.defaults.astype(np.float64)
        for name, value in params.items():
            vector[model.spec[name].index] = model.spec.clamp(name, float(value))
        return vector
    vector = np.asarray(params, np.float64).reshape(-1)
    if len(vector) != len(model.spec):
        raise SolverError(f"parameter vector must have {len(model.spec)} values, got {len(vector)}")
    return vector.copy()


def free_variables(model: FaceModel, free: Sequence[str], symmetric: bool) -> list[list[int]]:
    """Groups of parameter indices that move together: one group per solver variable.

    Without ``symmetric`` every free parameter is its own group; with it, a parameter and its
    mirror partner share one group (the partner is added even when not listed).
    """
    spec = model.spec
    groups: list[list[int]] = []
    seen: set[int] = set()
    for name in free:
        param = spec[name]  # UnknownParameterError for a bad name
        if param.index in seen:
            continue
        members = [param.index]
        if symmetric and param.mirror:
            members.append(spec[param.mirror].index)
        members = [m for m in members if m not in seen]
        seen.update(members)
        groups.append(members)
    return groups


def slider_rows(model: FaceModel) -> dict[int, tuple[int, int]]:
    """Parameter index -> (positive basis row, negative basis row or -1) for every slider
    (local, asymmetry, expression), cached on the model."""
    cached = model.__dict__.get("_fit_slider_rows")
    if cached is not None:
        return cached
    sizes = model.asset.block_sizes()
    start, row = {}, 0
    for block in ("phen", "expr", "local_pos", "local_neg", "asym_pos", "asym_neg"):
        start[block] = row
        row += sizes[block]
    table: dict[int, tuple[int, int]] = {}
    for i, index in enumerate(model._expr_index):
        table[int(index)] = (start["expr"] + i, -1)
    for block, indices in (("local", model._local_index), ("asym", model._asym_index)):
        for i, index in enumerate(indices):
            table[int(index)] = (start[f"{block}_pos"] + i, start[f"{block}_neg"] + i)
    model.__dict__["_fit_slider_rows"] = table
    return table


@dataclasses.dataclass
class PointProblem:
    """The linear structure of N surface points over chosen free parameters.

    Attributes:
        model: the head model.
        groups: parameter indices per solver variable (``free_variables``).
        matrix: (C, N, 3) float64 position change (millimetres) per unit of each basis
            coefficient, re-centring folded into the phenotype rows.
        offset: (N, 3) float64 positions (millimetres) when every coefficient is 0.
        mean, spread: (P,) the prior's latent scales.
    """

    model: FaceModel
    groups: list[list[int]]
    matrix: np.ndarray
    offset: np.ndarray
    mean: np.ndarray
    spread: np.ndarray

    @classmethod
    def build(cls, model: FaceModel, points: SurfacePoints, free: Sequence[str],
              symmetric: bool = False) -> PointProblem:
        asset = model.asset
        if len(points) and int(points.triangles.max()) >= len(asset.faces):
            raise SolverError("surface points are bound to a different mesh "
                              f"(triangle {int(points.triangles.max())} of {len(asset.faces)})")
        corners = points.corners(asset.faces).astype(np.int64)  # (N, 3)
        num_vertices = asset.num_vertices
        weights = points.weights
        matrix = np.empty((len(asset.basis), len(points), 3))
        for axis in range(3):
            columns = asset.basis[:, axis * num_vertices + corners.reshape(-1)]
            matrix[:, :, axis] = (columns.reshape(len(asset.basis), -1, 3).astype(np.float64)
                                  * weights).sum(-1)
        n_phen = len(model._phen_centroids)
        matrix[:n_phen] -= model._phen_centroids[:, None, :].astype(np.float64)
        template = points.positions(asset.template.astype(np.float64), asset.faces)
        offset = template + model._default_centroid.astype(np.float64)
        mean, spread = latent_scales(model)
        return cls(model, free_variables(model, free, symmetric), matrix * MM, offset * MM,
                   mean, spread)

    # -- evaluation ------------------------------------------------------------------------

    def positions(self, vector: np.ndarray) -> np.ndarray:
        """(P,) or (B, P) parameter vectors -> (N, 3) or (B, N, 3) positions in millimetres."""
        values = np.atleast_2d(np.asarray(vector, np.float64))
        coefficients = self.model.coefficients(values)
        flat = self.matrix.reshape(len(self.matrix), -1)
        out = (coefficients @ flat).reshape(len(values), *self.offset.shape) + self.offset
        return out if np.ndim(vector) == 2 else out[0]

    def jacobian(self, vector: np.ndarray) -> np.ndarray:
        """(N, 3, G) derivative of the positions by each solver variable at ``vector``."""
        columns = self.coefficient_jacobian(vector)  # (C, G), mostly zero rows
        rows = np.flatnonzero(np.abs(columns).sum(1))
        if not len(rows):
            return np.zeros((*self.offset.shape, len(self.groups)))
        flat = self.matrix[rows].reshape(len(rows), -1)
        return (columns[rows].T @ flat).T.reshape(*self.offset.shape, len(self.groups))

    def coefficient_jacobian(self, vector: np.ndarray) -> np.ndarray:
        """(C, G) derivative of the basis coefficients by each solver variable."""
        model = self.model
        num_coefficients = len(self.matrix)
        out = np.zeros((num_coefficients, len(self.groups)))
        phen_index = model._phen_index
        macro_columns = None
        for g, members in enumerate(self.groups):
            for index in members:
                kind = model.spec.params[index].kind
                if kind == "phenotype":
                    if macro_columns is None:
                        macro_columns = self._macro_jacobian(vector)
                    out[:macro_columns.shape[0], g] += \
                        macro_columns[:, int(np.flatnonzero(phen_index == index)[0])]
                elif kind in ("local", "asym", "expression"):
                    for row, slope in self._slider_rows(index, vector[index]):
                        out[row, g] += slope
        return out

    def _slider_rows(self, index: int, value: float) -> list[tuple[int, float]]:
        """Basis rows a slider drives and d(coefficient)/d(value) for each, at ``value``."""
        positive, negative = slider_rows(self.model)[index]
        if negative < 0:  # an expression: one row, linear
            return [(positive, 1.0)]
        if value > 0:
            return [(positive, 1.0)]
        if value < 0:
            return [(negative, -1.0)]
        # at the kink: the mean of both sides (exact when the two targets are opposites)
        return [(positive, 0.5), (negative, -0.5)]

    def _macro_jacobian(self, vector: np.ndarray) -> np.ndarray:
        """(96, 8) central finite difference of the phenotype coefficients by the macros."""
        model = self.model
        macros = vector[model._phen_index].astype(np.float64)
        count = len(macros)
        steps = np.eye(count) * _MACRO_STEP
        batch = np.concatenate([macros + steps, macros - steps])
        values = model.phenotype_coefficients(batch).astype(np.float64)
        return ((values[:count] - values[count:]) / (2 * _MACRO_STEP)).T

    # -- solving ---------------------------------------------------------------------------

    def solve(self, start: np.ndarray, targets: np.ndarray, weights: np.ndarray | None = None,
              prior_weight: float = 1.0, mean_weight: float = 0.0,
              iterations: int = 10) -> np.ndarray:
        """(P,) float64 parameters after at most ``iterations`` damped Gauss-Newton steps."""
        targets = np.asarray(targets, np.float64)
        n = len(self.offset)
        if targets.shape != (n, 3):
            raise SolverError(f"targets must have shape ({n}, 3), got {targets.shape}")
        if not np.isfinite(targets).all():
            raise SolverError("targets contain NaN or infinite values")
        w = np.ones(n) if weights is None else np.asarray(weights, np.float64).reshape(-1)
        if w.shape != (n,) or (w < 0).any() or not np.isfinite(w).all():
            raise SolverError(f"weights must be {n} finite non-negative numbers")
        if prior_weight < 0 or mean_weight < 0:
            raise SolverError("prior weights must not be negative")
        vector = np.asarray(start, np.float64).copy()
        if not self.groups or iterations <= 0:
            return vector
        spec = self.model.spec
        lower = spec.minimum.astype(np.float64)
        upper = spec.maximum.astype(np.float64)
        # membership (G, P): every member of a variable moves by the variable's step
        members = np.zeros((len(self.groups), len(vector)))
        for g, indices in enumerate(self.groups):
            members[g, indices] = 1.0
        free = members.sum(0) > 0
        lead = np.array([indices[0] for indices in self.groups])
        inverse_var = 1.0 / self.spread ** 2
        curvature_prior = (prior_weight + mean_weight) * (members @ inverse_var)
        z_start = (vector - self.mean) / self.spread
        sqrt_w = np.sqrt(w)[:, None]

        def cost(v: np.ndarray) -> float:
            residual = (self.positions(v) - targets) * sqrt_w
            z = ((v - self.mean) / self.spread)[free]
            return float((residual ** 2).sum() + prior_weight * ((z - z_start[free]) ** 2).sum()
                         + mean_weight * (z ** 2).sum())

        current = cost(vector)
        damping = 1e-3
        for _ in range(iterations):
            residual = ((self.positions(vector) - targets) * sqrt_w).reshape(-1)
            jac = (self.jacobian(vector) * sqrt_w[:, :, None]).reshape(-1, len(self.groups))
            z = (vector - self.mean) / self.spread
            grad_prior = members @ ((prior_weight * (z - z_start) + mean_weight * z) / self.spread)
            hessian = jac.T @ jac + np.diag(curvature_prior)
            gradient = jac.T @ residual + grad_prior
            # variables held at a bound by the gradient are fixed for this step
            at_lower = (vector[lead] <= lower[lead]) & (gradient > 0)
            at_upper = (vector[lead] >= upper[lead]) & (gradient < 0)
            active = ~(at_lower | at_upper)
            if not active.any():
                break
            improved = False
            for _attempt in range(8):
                h = hessian[np.ix_(active, active)]
                h = h + damping * np.diag(np.diag(h) + 1e-9)
                step = np.zeros(len(self.groups))
                step[active] = -np.linalg.solve(h, gradient[active])
                candidate = np.clip(vector + step @ members, lower, upper)
                value = cost(candidate)
                if value <= current:
                    improved = True
                    break
                damping *= 10.0
            if not improved:
                break
            change = current - value
            vector, current = candidate, value
            damping = max(damping / 10.0, 1e-9)
            if change <= 1e-10 * max(current, 1e-12) or np.abs(step).max() < 1e-7:
                break
        return vector


def levenberg_marquardt(x0: np.ndarray, residuals, jacobian, lower: np.ndarray | None = None,
                        upper: np.ndarray | None = None, iterations: int = 10) -> np.ndarray:
    """Minimise ``|residuals(x)|^2`` from ``x0`` within box bounds by damped Gauss-Newton steps.

    Variables held at a bound by the gradient are left out of a step (an active set), so
    sliders that start at a bound (expressions at 0) do not stall the others.

    Args:
        x0: (n,) start.
        residuals: x -> (R,) residual vector (priors included as rows).
        jacobian: x -> (R, n) its derivative.
        lower, upper: (n,) bounds (None: unbounded; use +-inf for free entries).
        iterations: steps at most; stops early when a step no longer lowers the cost.
    Returns:
        (n,) the best x found.
    """
    x = np.asarray(x0, np.float64).copy()
    lower = np.full(len(x), -np.inf) if lower is None else np.asarray(lower, np.float64)
    upper = np.full(len(x), np.inf) if upper is None else np.asarray(upper, np.float64)
    x = np.clip(x, lower, upper)
    r = residuals(x)
    current = float(r @ r)
    damping = 1e-3
    for _ in range(iterations):
        jac = jacobian(x)
        hessian = jac.T @ jac
        gradient = jac.T @ r
        free = ~(((x <= lower) & (gradient > 0)) | ((x >= upper) & (gradient < 0)))
        if not free.any():
            break
        h = hessian[np.ix_(free, free)]
        diagonal = np.diag(h) + 1e-9
        improved = False
        for _attempt in range(8):
            step = np.zeros(len(x))
            step[free] = -np.linalg.solve(h + damping * np.diag(diagonal), gradient[free])
            candidate = np.clip(x + step, lower, upper)
            r_candidate = residuals(candidate)
            value = float(r_candidate @ r_candidate)
            if value <= current:
                improved = True
                break
            damping *= 10.0
        if not improved:
            break
        change = current - value
        x, r, current = candidate, r_candidate, value
        damping = max(damping / 10.0, 1e-9)
        if change <= 1e-9 * max(current, 1e-12):
            break
    return x
