"""The photometric stage of the photo fit: after the landmark fit, the photo's lighting and the
skin parameters from the shading of the visible skin, then (optionally) the identity, expression
and pose refined by that shading together with the landmarks.

    result = fit_photometric(model, photo, landmark_fit, face_mask)
    result.params      # landmark fit's sliders (refined) + skin_melanin, skin_hemoglobin
    result.lighting    # shading.Lighting in the photo's camera

Stages:

1. skin samples: visible plain skin (``shading.skin_samples``) of the landmark-fitted head;
2. lighting and skin: SH light, colour balance, melanin and hemoglobin
   (``shading.fit_lighting_and_skin``, priors from ``faceeditor.model.prior``);
3. shape: one Levenberg-Marquardt solve over pose + the landmark fit's free sliders whose
   residuals are the landmark fit's (reprojection in mm and the shape/expression priors) and the
   skin samples' shading misfit (lighting and albedo held); the shading rows' Jacobian is taken
   once, by finite differences of the vertex normals along each slider's vertex motion;
4. lighting and skin again on the refined head.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from faceeditor.fit.camera import HeadPose
from faceeditor.fit.photo import PhotoFit, expression_names, identity_names, landmark_objective
from faceeditor.fit.shading import (Lighting, SkinFit, SkinSamples, camera_normals,
                                    fit_lighting_and_skin, skin_detail, skin_samples)
from faceeditor.fit.solver import levenberg_marquardt
from faceeditor.model.face_model import FaceModel, vertex_normals
from faceeditor.model.prior import latent_scales

log = logging.getLogger(__name__)

#: Weight of the shading rows against the landmarks: the skin's misfit counts as this many
#: landmark-millimetres squared per unit of pixel noise (``shading.PIXEL_NOISE``, or the skin
#: fit's misfit when larger; 0 turns stage 3 off).
#: 20 synthetic heads (benchmarks/fit_quality.py): median face error 0.97 -> 0.93 mm at 300;
#: with the predicted identity prior 1000 (tuned on 60 other synthetic heads, seeds 60000..:
#: median 0.826 mm at 300, 0.798 at 1000, 0.802 at 2000; earlier prior: 0.804 at 3000, 0.885
#: at 10000).
SHAPE_WEIGHT = 1000.0
SHAPE_ITERATIONS = 6
#: At most this many skin samples in the shape solve (its normal equations grow with them).
SHAPE_SAMPLES = 1500
#: Fewer visible skin samples than this and the photo keeps its colour-based skin tone.
MIN_SAMPLES = 50
#: Largest vertex move (metres) of the finite differences of the normals.
_NORMAL_STEP = 2e-5
_ROTATION_STEP = 1e-5


@dataclasses.dataclass(frozen=True)
class PhotometricFit:
    """Result of ``fit_photometric``.

    Attributes:
        params: every parameter, skin sliders included.
        pose: the head's (refined) pose.
        lighting: the photo's lighting.
        skin: the final ``SkinFit``.
        samples: the skin samples used.
        projected: (468, 2) the landmarks of the (refined) head in the photo.
    """

    params: dict[str, float]
    pose: HeadPose
    lighting: Lighting
    skin: SkinFit
    samples: SkinSamples
    projected: np.ndarray


def fit_photometric(model: FaceModel, photo: np.ndarray, fit: PhotoFit, face_mask: np.ndarray,
                    start_skin: dict[str, float], refine_shape: bool = True) -> PhotometricFit:
    """Lighting, skin parameters and (``refine_shape``) shading-refined shape of a photo."""
    from faceeditor.fit.landmarks import eye_distance

    params = dict(fit.params) | start_skin
    mesh = model.evaluate(params)
    detail = skin_detail(params)
    samples = skin_samples(mesh, fit.pose, fit.camera, photo, face_mask, detail,
                           eye_distance(fit.landmarks))
    if len(samples) < MIN_SAMPLES:  # a tiny or odd photo: keep the colour-based skin tone
        log.info("photometric fit skipped: %d skin samples", len(samples))
        skin = SkinFit(Lighting.uniform(), start_skin["skin_melanin"],
                       start_skin["skin_hemoglobin"], np.ones(len(samples), bool), 0.0)
        return PhotometricFit(params, fit.pose, skin.lighting, skin, samples, fit.projected)
    prior = skin_prior(model)
    skin = fit_lighting_and_skin(samples, samples.normals(mesh, fit.pose), start_skin, prior)
    pose, projected = fit.pose, fit.projected
    if refine_shape and SHAPE_WEIGHT > 0 and skin.inliers.sum() > 100:
        chosen = np.flatnonzero(skin.inliers)
        if len(chosen) > SHAPE_SAMPLES:
            chosen = chosen[np.linspace(0, len(chosen) - 1, SHAPE_SAMPLES).round().astype(int)]
        inliers = samples.subset(chosen)
        params, pose, projected = _refine_shape(model, fit, params, inliers, skin)
        mesh = model.evaluate(params)
        skin = fit_lighting_and_skin(samples, samples.normals(mesh, pose), skin.params, prior)
    params |= skin.params
    return PhotometricFit(params, pose, skin.lighting, skin, samples, projected)


def skin_prior(model: FaceModel) -> tuple[np.ndarray, np.ndarray]:
    """((2,) mean, (2,) spread) of ``skin_melanin`` and ``skin_hemoglobin`` under the prior."""
    mean, spread = latent_scales(model)
    index = [model.spec["skin_melanin"].index, model.spec["skin_hemoglobin"].index]
    return mean[index], spread[index]


def _refine_shape(model: FaceModel, fit: PhotoFit, params: dict[str, float],
                  samples: SkinSamples, skin: SkinFit
                  ) -> tuple[dict[str, float], HeadPose, np.ndarray]:
    """Pose and the landmark fit's free sliders under landmarks + shading (stage 3), and the
    projected landmarks."""
    from faceeditor.fit.landmarks import mediapipe468
    from faceeditor.fit.solver import full_vector

    free = identity_names(model) + expression_names(model)
    vector = full_vector(model, params)
    objective = landmark_objective(model, mediapipe468(), fit.landmarks, fit.camera, vector,
                                   free, fit.centre)
    shading_rows = _ShadingRows(model, samples, skin, objective, fit.pose, vector)
    x0 = np.concatenate([fit.pose.as_vector(), vector[objective.index]])

    def residuals(x):
        return np.concatenate([objective.residuals(x), shading_rows.residuals(x)])

    def jacobian(x):
        return np.concatenate([objective.jacobian(x), shading_rows.jacobian])

    before = shading_rows.residuals(x0)
    x = levenberg_marquardt(x0, residuals, jacobian, *objective.bounds(),
                            iterations=SHAPE_ITERATIONS)
    after = shading_rows.residuals(x)
    log.info("shading refinement: skin misfit %.4f -> %.4f (rms, linear)",
             np.sqrt((before ** 2).mean()) / shading_rows.scale,
             np.sqrt((after ** 2).mean()) / shading_rows.scale)
    return model.spec.to_dict(objective.vector(x)), HeadPose.from_vector(x[:6]), \
        objective.pixels(x)


class _ShadingRows:
    """Shading residual rows of the skin samples for the landmark objective's variable
    ``x = [rotvec, translation, free sliders]``, and their Jacobian at the start (fixed)."""

    def __init__(self, model, samples: SkinSamples, skin: SkinFit, objective, pose: HeadPose,
                 vector: np.ndarray):
        from faceeditor.fit.shading import PIXEL_NOISE

        self.model, self.samples, self.objective = model, samples, objective
        self.lighting = skin.lighting
        self.albedo = samples.detail * skin.albedo()
        self.scale = np.sqrt(SHAPE_WEIGHT / len(samples)) / max(PIXEL_NOISE, skin.residual)
        mesh = model.evaluate(vector)
        self.faces = mesh.faces
        self.jacobian = self._jacobian(np.asarray(mesh.vertices, np.float64),
                                       np.asarray(mesh.normals, np.float64), pose, vector)

    def predict(self, normals: np.ndarray) -> np.ndarray:
        """(..., N, 3) camera normals -> (..., N * 3) predicted colours."""
        flat = normals.reshape(-1, 3)
        shade = self.lighting.shading(flat).reshape(*normals.shape)
        return (self.albedo * shade).reshape(*normals.shape[:-2], -1)

    def residuals(self, x: np.ndarray) -> np.ndarray:
        mesh = self.model.evaluate(self.objective.vector(x))
        normals = camera_normals(self.samples.points, np.asarray(mesh.normals, np.float64),
                                 mesh.faces, HeadPose.from_vector(x[:6]).matrix)
        return (self.predict(normals) - self.samples.colours.reshape(-1)) * self.scale

    def _jacobian(self, vertices, normals, pose: HeadPose, vector) -> np.ndarray:
        points, faces = self.samples.points, self.faces
        base_normals = camera_normals(points, normals, faces, pose.matrix)
        base = self.predict(base_normals)
        columns = np.zeros((len(base), 6 + len(self.objective.index)))
        for axis in range(3):  # rotation; translation does not change the shading
            step = np.zeros(6)
            step[axis] = _ROTATION_STEP
            turned = HeadPose.from_vector(pose.as_vector() + step).matrix
            columns[:, axis] = (self.predict(camera_normals(points, normals, faces, turned))
                                - base) / _ROTATION_STEP
        motion = self._vertex_motion(vector)  # (G, V, 3) metres per slider unit
        for start in range(0, len(motion), 32):
            block = motion[start:start + 32]
            size = np.abs(block).max(axis=(1, 2))
            eps = _NORMAL_STEP / np.maximum(size, 1e-12)
            moved = vertex_normals(vertices[None] + eps[:, None, None] * block, faces)
            shaded = self.predict(camera_normals(points, moved, faces, pose.matrix))
            columns[:, 6 + start:6 + start + len(block)] = ((shaded - base) / eps[:, None]).T
        return columns * self.scale

    def _vertex_motion(self, vector: np.ndarray) -> np.ndarray:
        """(G, V, 3) vertex velocity per unit of each free slider (the model is linear in its
        basis coefficients; ``coefficient_jacobian`` maps sliders to them)."""
        asset = self.model.asset
        coefficients = self.objective.problem.coefficient_jacobian(vector)  # (C, G)
        rows = np.flatnonzero(np.abs(coefficients).sum(1))
        flat = coefficients[rows].T.astype(np.float32) @ asset.basis[rows]  # (G, 3V)
        return flat.reshape(len(flat), 3, asset.num_vertices).transpose(0, 2, 1).astype(
            np.float64)
