"""Fit the head to a photo's 468 face-mesh landmarks: camera, head pose, identity, expression.

    fit = fit_landmarks(model, landmarks, width, height)      # landmarks: (468, 2|3) pixels
    fit.params        # every slider: identity + the photo's expression
    fit.pose, fit.camera

Stages (each a Levenberg-Marquardt solve, ``solver.levenberg_marquardt``):

1. pose: the average head, rotation and translation only, from a roll/distance guess;
2. pose + identity (macros, local shape, asymmetry) + the 52 ARKit expressions, with the prior
   of ``faceeditor.model.prior`` on each (identity and expression weighted separately, so a
   smile lands in ``mouthSmile*`` rather than in the mouth's shape sliders); the identity prior
   is centred on ``centre`` when given (``fit.identity``: the identity predicted from the
   landmarks) instead of the population mean;

``warm`` starts from an earlier fit of the same photo (stage 2 only): the refit after the
re-render stage (``fit.rerender``) moved the landmarks.

Residuals are reprojection errors in pixels scaled to millimetres at the face (the eye
distance in the photo against the average head's), weighted by each landmark's reliability;
face-outline landmarks count only across the outline (they slide along the silhouette).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import numpy as np

from faceeditor.fit.camera import HeadPose, PhotoCamera
from faceeditor.fit.identity import IdentityPrior
from faceeditor.fit.landmarks import (LandmarkSet, contour_normals, eye_distance,
                                     feature_weights, mediapipe468)
from faceeditor.fit.solver import MM, PointProblem, levenberg_marquardt
from faceeditor.model.face_model import FaceModel

log = logging.getLogger(__name__)

#: Prior weights (mm^2 per squared latent unit) of identity and expression parameters. Around
#: the identity predicted from the landmarks (``fit.identity``) 10 is still the best identity
#: weight (60 synthetic heads of seeds 60000.., none of the benchmark's or the training's: 3, 10
#: and 20 within 0.01 mm of each other, 40 and 160 worse).
IDENTITY_PRIOR = 10.0
#: The same weight when the identity prior has its covariance (``fit.identity.IdentityPrior``):
#: mm^2 per squared whitened unit.
COVARIANCE_PRIOR = 10.0
EXPRESSION_PRIOR = 20.0
#: Outline landmarks are less certain than inner ones.
CONTOUR_WEIGHT = 0.5
#: Local shape groups a frontal photo does not show (kept at the prior).
UNSEEN_GROUPS = ("neck", "ears")
#: Expressions the landmarks cannot see.
UNSEEN_EXPRESSIONS = ("tongueOut",)

Progress = Callable[[float, str], None]


class FitCancelled(Exception):
    """The caller's progress callback asked to stop."""


@dataclasses.dataclass(frozen=True)
class PhotoFit:
    """The result of a landmark fit.

    Attributes:
        params: every parameter (identity and the photo's expression).
        camera: the photo's pinhole camera.
        pose: the head's pose in that camera.
        landmarks: (468, 2) detected landmark pixels.
        projected: (468, 2) fitted landmark pixels.
        error: mean landmark reprojection error in % of the eye distance (inner landmarks).
        centre: the identity prior (``fit.identity.IdentityPrior``; None: the population
            mean, independent spreads).
    """

    params: dict[str, float]
    camera: PhotoCamera
    pose: HeadPose
    landmarks: np.ndarray
    projected: np.ndarray
    error: float
    centre: IdentityPrior | None = None

    def neutral_params(self, model: FaceModel) -> dict[str, float]:
        """``params`` with every expression at its default (the neutral identity)."""
        return {name: (model.spec[name].default if model.spec[name].kind == "expression"
                       else value) for name, value in self.params.items()}


def identity_names(model: FaceModel) -> list[str]:
    return [p.name for p in model.spec if p.kind in ("phenotype", "asym")
            or (p.kind == "local" and p.group not in UNSEEN_GROUPS)]


def expression_names(model: FaceModel) -> list[str]:
    return [p.name for p in model.spec.of_kind("expression") if p.name not in UNSEEN_EXPRESSIONS]


class LandmarkObjective:
    """Residuals and Jacobians of the landmark fit for a chosen set of free parameters.

    The solver variable is ``[rotvec (3), translation (3), free parameter values (G)]``.
    """

    def __init__(self, model: FaceModel, landmarks: LandmarkSet, detected: np.ndarray,
                 camera: PhotoCamera, start: np.ndarray, free: list[str],
                 priors: dict[str, float], centre: IdentityPrior | np.ndarray | None = None):
        self.model = model
        self.camera = camera
        self.detected = detected[:, :2].astype(np.float64)
        self.problem = PointProblem.build(model, landmarks.points, free)
        self.index = np.array([members[0] for members in self.problem.groups], np.int64)
        self.base = start.copy()
        self.mm_per_pixel = 1.0
        weights = landmarks.reliability.copy()
        weights[landmarks.contour] *= CONTOUR_WEIGHT
        weights *= feature_weights()
        self.sqrt_weight = np.sqrt(weights)
        self.contour = landmarks.contour
        self.normals = contour_normals(self.detected, landmarks.contour_order)
        kinds = [model.spec.params[i].kind for i in self.index]
        spread = self.problem.spread[self.index]
        # prior rows: root @ (values - prior_mean); independent spreads, or the identity's
        # covariance (``IdentityPrior.root``, latent units) over the free identity sliders
        self.prior_root = np.diag(np.sqrt([priors[kind] for kind in kinds]) / spread)
        # the prior's centre: the population mean, or a (P,) parameter vector (the identity
        # predicted from the landmarks, ``fit.identity``)
        vector = centre.centre if isinstance(centre, IdentityPrior) else centre
        self.prior_mean = (self.problem.mean if vector is None else vector)[self.index]
        if isinstance(centre, IdentityPrior) and centre.covariance is not None:
            block = np.flatnonzero(np.isin(self.index, centre.index))
            if len(block):
                root = centre.root(self.index[block])  # per latent unit
                self.prior_root[np.ix_(block, block)] = (np.sqrt(priors["covariance"]) * root
                                                         / spread[block])
        self.lower = model.spec.minimum.astype(np.float64)[self.index]
        self.upper = model.spec.maximum.astype(np.float64)[self.index]

    def vector(self, x: np.ndarray) -> np.ndarray:
        values = self.base.copy()
        values[self.index] = x[6:]
        return values

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) of the solver variable: the pose is free, sliders keep their range."""
        free = np.full(6, np.inf)
        return np.concatenate([-free, self.lower]), np.concatenate([free, self.upper])

    def pixels(self, x: np.ndarray) -> np.ndarray:
        """(468, 2) projected landmarks."""
        points = self.problem.positions(self.vector(x)) / MM
        return self.camera.project(HeadPose.from_vector(x[:6]).apply(points))

    def _landmark_rows(self, difference: np.ndarray) -> np.ndarray:
        """(N, 2, ...) pixel differences -> (N, 2, ...) weighted residual rows in mm; outline
        landmarks keep only their component across the outline (in row 0)."""
        out = difference * self.mm_per_pixel
        along = (difference * self.normals.reshape(-1, 2, *([1] * (difference.ndim - 2)))).sum(1)
        out[self.contour, 0] = along[self.contour] * self.mm_per_pixel
        out[self.contour, 1] = 0.0
        return out * self.sqrt_weight.reshape(-1, *([1] * (difference.ndim - 1)))

    def residuals(self, x: np.ndarray) -> np.ndarray:
        rows = self._landmark_rows(self.pixels(x) - self.detected).reshape(-1)
        prior = self.prior_root @ (x[6:] - self.prior_mean)
        return np.concatenate([rows, prior])

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        pose = HeadPose.from_vector(x[:6])
        vector = self.vector(x)
        points = self.problem.positions(vector) / MM
        camera_points = pose.apply(points)
        project = self.camera.project_jacobian(camera_points)  # (N, 2, 3)
        model_jac = self.problem.jacobian(vector) / MM  # (N, 3, G)
        param_jac = np.einsum("nij,jk,nkg->nig", project, pose.matrix, model_jac)
        pose_jac = np.empty((len(points), 2, 6))
        for i in range(6):
            step = np.zeros(6)
            step[i] = 1e-6
            plus = self.camera.project(HeadPose.from_vector(x[:6] + step).apply(points))
            minus = self.camera.project(HeadPose.from_vector(x[:6] - step).apply(points))
            pose_jac[:, :, i] = (plus - minus) / 2e-6
        rows = self._landmark_rows(np.concatenate([pose_jac, param_jac], 2))
        rows = rows.reshape(-1, 6 + len(self.index))
        prior = np.zeros((len(self.index), 6 + len(self.index)))
        prior[:, 6:] = self.prior_root
        return np.concatenate([rows, prior])


def landmark_objective(model: FaceModel, landmarks: LandmarkSet, detected: np.ndarray,
                       camera: PhotoCamera, vector: np.ndarray, free: list[str],
                       centre: IdentityPrior | np.ndarray | None = None
                       ) -> LandmarkObjective:
    """The ``LandmarkObjective`` of the photo fit (its priors, centred on ``centre`` or the
    population mean, pixels scaled to millimetres by the eye distance of the head ``vector``
    against the photo's)."""
    priors = {"phenotype": IDENTITY_PRIOR, "local": IDENTITY_PRIOR, "asym": IDENTITY_PRIOR,
              "expression": EXPRESSION_PRIOR, "covariance": COVARIANCE_PRIOR}
    objective = LandmarkObjective(model, landmarks, detected, camera, vector, free, priors,
                                  centre)
    model_eyes = eye_distance(objective.problem.positions(vector)[:, :2])  # mm
    objective.mm_per_pixel = model_eyes / max(eye_distance(detected), 1e-6)
    return objective


def landmark_error(projected: np.ndarray, detected: np.ndarray, landmarks: LandmarkSet) -> float:
    """Mean reprojection error of the inner (not outline) landmarks in % of the eye distance."""
    inner = ~landmarks.contour
    return float(np.linalg.norm(projected - detected[:, :2], axis=1)[inner].mean()
                 / max(eye_distance(detected), 1e-6) * 100.0)


def initial_pose(model: FaceModel, landmarks: LandmarkSet, detected: np.ndarray,
                 camera: PhotoCamera, start: np.ndarray) -> HeadPose:
    """A rough pose: roll from the eye line, distance from the eye distance, centred."""
    problem = PointProblem.build(model, landmarks.points, [])
    points = problem.positions(start) / MM
    model_eyes = eye_distance(points[:, [0, 1]] * [1, -1])
    photo_eyes = max(eye_distance(detected), 1e-6)
    depth = camera.focal * model_eyes / photo_eyes
    right = detected[[33, 133], :2].mean(0)
    left = detected[[362, 263], :2].mean(0)
    # the subject's left eye is on the photo's right; image rows grow downward
    roll = -np.arctan2(left[1] - right[1], left[0] - right[0])
    rotvec = np.array([0.0, 0.0, roll])
    centre2d = detected[:, :2].mean(0)
    cx, cy = camera.centre
    target = np.array([(centre2d[0] - cx) * depth / camera.focal,
                       -(centre2d[1] - cy) * depth / camera.focal, -depth])
    rotated = HeadPose(rotvec, np.zeros(3)).apply(points).mean(0)
    return HeadPose(rotvec, target - rotated)


def fit_landmarks(model: FaceModel, detected: np.ndarray, width: int, height: int,
                  landmarks: LandmarkSet | None = None, iterations: int = 12,
                  start: dict[str, float] | None = None,
                  progress: Progress | None = None,
                  centre: IdentityPrior | None = None,
                  warm: PhotoFit | None = None) -> PhotoFit:
    """Fit pose, identity and expression to (468, 2|3) detected landmark pixels.

    ``warm``: an earlier fit of the same photo to start from (its camera, pose and sliders;
    the pose-only stage is skipped); ``start`` is then ignored."""
    landmarks = mediapipe468() if landmarks is None else landmarks
    detected = np.asarray(detected, np.float64)
    if detected.shape[0] != len(landmarks) or detected.ndim != 2 or detected.shape[1] < 2:
        raise ValueError(f"expected ({len(landmarks)}, 2) landmarks, got {detected.shape}")
    report = progress or (lambda fraction, text: None)
    if warm is not None:
        camera, pose, start = warm.camera, warm.pose, warm.params
    else:
        camera = PhotoCamera.for_photo(width, height, eye_distance(detected))
    vector = model.spec.defaults.astype(np.float64)
    if start:
        for name, value in start.items():
            vector[model.spec[name].index] = value
    if warm is None:
        pose = initial_pose(model, landmarks, detected, camera, vector)

    def stage(free: list[str], pose: HeadPose, vector: np.ndarray, steps: int):
        objective = landmark_objective(model, landmarks, detected, camera, vector, free,
                                       centre)
        x0 = np.concatenate([pose.as_vector(), vector[objective.index]])
        x = levenberg_marquardt(x0, objective.residuals, objective.jacobian,
                                *objective.bounds(), iterations=steps)
        return HeadPose.from_vector(x[:6]), objective.vector(x), objective

    if warm is None:
        report(0.05, "pose")
        pose, vector, _ = stage([], pose, vector, iterations * 2)
    report(0.3, "shape and expression")
    pose, vector, objective = stage(identity_names(model) + expression_names(model), pose,
                                    vector, iterations)
    x = np.concatenate([pose.as_vector(), vector[objective.index]])
    projected = objective.pixels(x)
    error = landmark_error(projected, detected, landmarks)
    report(1.0, "done")
    log.info("landmark fit: %.2f%% of the eye distance", error)
    return PhotoFit(model.spec.to_dict(vector), camera, pose, detected[:, :2].copy(), projected,
                    error, centre)
