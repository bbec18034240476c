"""A learned correction of the detector's landmarks toward the head's true surface points.

MediaPipe's face mesh is a regression network: its 468 points shrink toward its own average face
and sit a few millimetres off the same skin point from head to head, in a way that depends on
the face's shape. The error is largely systematic, so a linear map from the detected points to
their error, learned on synthetic photos of known heads (packaging/build_landmark_correction.py),
removes much of it before the fit.

    corrected = correct_landmarks(detected)     # (468, 3) photo pixels -> (468, 2)

Features are the detected points in a normalised frame (the 2D similarity that best maps them
onto a reference shape, z scaled alike); the output is each landmark's offset in that frame,
from a ridge regression on the features' principal components, mapped back into the photo.
"""

from __future__ import annotations

import dataclasses
import logging
from functools import lru_cache
from pathlib import Path

import numpy as np

from faceeditor.fit.landmarks import LandmarkFileError, resource_path

log = logging.getLogger(__name__)

FILE_NAME = "landmark_correction.npz"


@dataclasses.dataclass(frozen=True)
class LandmarkCorrection:
    """Linear landmark correction.

    Attributes:
        reference: (468, 2) the normalised frame's reference shape (centred, unit RMS size).
        feature_mean: (F,) mean feature (F = 468 * 3).
        components: (K, F) principal directions of the features.
        coefficients: (K, 936) ridge regression from component scores to offsets.
        offset_mean: (936,) mean offset (normalised units).
    """

    reference: np.ndarray
    feature_mean: np.ndarray
    components: np.ndarray
    coefficients: np.ndarray
    offset_mean: np.ndarray

    def offsets(self, detected: np.ndarray) -> np.ndarray:
        """(468, 2) pixel offsets to add to (468, 3) detected landmarks (or (B, 468, 3) ->
        (B, 468, 2))."""
        points = np.asarray(detected, np.float64)
        single = points.ndim == 2
        points = points[None] if single else points
        features, frames = normalise(points, self.reference)
        scores = (features - self.feature_mean) @ self.components.T
        moved = (scores @ self.coefficients + self.offset_mean).reshape(len(points), -1, 2)
        scale, rotation = frames
        # normalised = scale * (pixel - centre) @ rotation.T  ->  pixel offset = moved @ R / s
        out = np.einsum("bni,bij->bnj", moved, rotation) / scale[:, None, None]
        return out[0] if single else out

    def correct(self, detected: np.ndarray) -> np.ndarray:
        """(468, 2) corrected landmark pixels."""
        detected = np.asarray(detected, np.float64)
        return detected[..., :2] + self.offsets(detected)

    def save(self, path: Path, **extra) -> None:
        np.savez_compressed(path, reference=self.reference.astype(np.float32),
                            feature_mean=self.feature_mean.astype(np.float32),
                            components=self.components.astype(np.float32),
                            coefficients=self.coefficients.astype(np.float32),
                            offset_mean=self.offset_mean.astype(np.float32), **extra)


def normalise(points: np.ndarray, reference: np.ndarray
              ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """(B, 468, 3) detected points -> ((B, 1404) features, (scale (B,), rotation (B, 2, 2))).

    The frame is the 2D similarity taking the points' x, y onto ``reference`` (least squares):
    normalised = scale * (xy - centre) @ rotation.T; z (relative depth) is centred and scaled.
    """
    xy = points[..., :2]
    centred = xy - xy.mean(1, keepdims=True)
    # rotation and scale of the Procrustes fit centred -> reference, per sample
    a = np.einsum("bni,nj->bij", centred, reference)  # (B, 2, 2) cross-covariance
    u, _, vt = np.linalg.svd(a)
    d = np.sign(np.linalg.det(u @ vt))
    fix = np.ones((len(points), 2))
    fix[:, 1] = d
    rotation = np.einsum("bji,bj,bkj->bik", vt, fix, u)  # R = V diag(1, d) U^T
    rotated = np.einsum("bij,bnj->bni", rotation, centred)
    scale = (np.einsum("bni,ni->b", rotated, reference)
             / np.maximum((rotated ** 2).sum((1, 2)), 1e-12))
    normal_xy = rotated * scale[:, None, None]
    z = points[..., 2] if points.shape[-1] > 2 else np.zeros(points.shape[:2])
    z = (z - z.mean(1, keepdims=True)) * scale[:, None]
    features = np.concatenate([normal_xy.reshape(len(points), -1), z], 1)
    return features, (scale, rotation)


def fit_correction(detected: np.ndarray, truth: np.ndarray, components: int = 40,
                   ridge: float = 1.0) -> LandmarkCorrection:
    """Learn the correction from (B, 468, 3) detected and (B, 468, 2) true landmark pixels.

    ``ridge`` is relative to the mean eigenvalue of the kept components.
    """
    detected = np.asarray(detected, np.float64)
    truth = np.asarray(truth, np.float64)
    reference = detected[..., :2].mean(0)
    for _ in range(3):  # the reference shape: the mean of the normalised shapes
        reference = reference - reference.mean(0)
        reference /= np.sqrt((reference ** 2).sum(1).mean())
        features, _ = normalise(detected, reference)
        reference = features[:, :936].mean(0).reshape(-1, 2)
    reference = reference - reference.mean(0)
    reference /= np.sqrt((reference ** 2).sum(1).mean())
    features, (scale, rotation) = normalise(detected, reference)
    offsets = np.einsum("bij,bnj->bni", rotation, truth - detected[..., :2])
    offsets = (offsets * scale[:, None, None]).reshape(len(detected), -1)
    feature_mean = features.mean(0)
    offset_mean = offsets.mean(0)
    _, values, vt = np.linalg.svd(features - feature_mean, full_matrices=False)
    basis = vt[:components]
    scores = (features - feature_mean) @ basis.T
    eigen = values[:components] ** 2
    penalty = ridge * eigen.mean()
    coefficients = np.linalg.solve(scores.T @ scores + penalty * np.eye(len(basis)),
                                   scores.T @ (offsets - offset_mean))
    return LandmarkCorrection(reference, feature_mean, basis, coefficients, offset_mean)


@lru_cache(maxsize=2)
def landmark_correction(path: Path | None = None) -> LandmarkCorrection:
    """The shipped correction (resources/fit/landmark_correction.npz), cached."""
    path = resource_path(FILE_NAME) if path is None else Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            result = LandmarkCorrection(*(data[k].astype(np.float64) for k in (
                "reference", "feature_mean", "components", "coefficients", "offset_mean")))
    except (OSError, KeyError, ValueError) as error:
        raise LandmarkFileError(f"landmark correction {path} is unreadable: {error}") from error
    if result.reference.shape != (468, 2) or result.coefficients.shape[1] != 936:
        raise LandmarkFileError(f"landmark correction {path} has the wrong shape")
    return result


def correct_landmarks(detected: np.ndarray) -> np.ndarray:
    """(468, 2) the detected (468, 3) landmarks moved toward the head's true surface points."""
    return landmark_correction().correct(detected)
