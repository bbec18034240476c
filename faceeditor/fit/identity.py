"""The head's identity predicted straight from the detected landmarks: the centre of the photo
fit's identity prior.

The face-mesh network shrinks every face toward its own average, and its points sit a few
millimetres off the same skin point from head to head, so a fit that starts from the population
mean and trades landmark error against the prior ends up too close to the average head. A linear
map learned on synthetic photos of known heads (packaging/build_identity_regression.py) from the
detected landmarks to the head's true identity sliders (in the prior's latent units) undoes the
shrinkage on average; the fit's prior is centred there instead of at the population mean.

    prior = predict_identity(model, detected)   # (468, 3) pixels -> IdentityPrior
    prior.centre                                 # (P,) parameter vector

Features are the landmark correction's (``fit.correction.normalise``: the detected points in a
normalised 2D frame, the detector's depth scaled alike); the prediction is a ridge regression on
the features' principal components. The regression's own error (its cross-validated residuals
on the training renders) is a Gaussian around that centre: ``IdentityPrior`` carries both, and the
photo fit weighs the identity by that covariance (real faces' sliders move together) instead of
by independent spreads.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import numpy as np

from faceeditor.fit.correction import normalise
from faceeditor.fit.landmarks import LandmarkFileError, resource_path
from faceeditor.model.face_model import FaceModel

FILE_NAME = "identity_regression.npz"


@dataclasses.dataclass(frozen=True)
class IdentityRegression:
    """Linear map from detected landmarks to identity latents.

    Attributes:
        names: (G,) the identity sliders predicted.
        reference: (468, 2) the normalised frame's reference shape.
        feature_mean: (F,) mean feature (F = 468 * 3).
        components: (K, F) principal directions of the features.
        coefficients: (K, G) ridge regression from component scores to latents.
        latent_mean: (G,) mean latent of the training heads.
        residual_covariance: (G, G) covariance of the true latents around the prediction
            (cross-validated on the training renders), or None in an older file.
    """

    names: tuple[str, ...]
    reference: np.ndarray
    feature_mean: np.ndarray
    components: np.ndarray
    coefficients: np.ndarray
    latent_mean: np.ndarray
    residual_covariance: np.ndarray | None = None

    def latents(self, detected: np.ndarray) -> np.ndarray:
        """(G,) predicted latents of (468, 3) detected landmarks (or (B, 468, 3) -> (B, G))."""
        points = np.asarray(detected, np.float64)
        single = points.ndim == 2
        features, _ = normalise(points[None] if single else points, self.reference)
        out = (features - self.feature_mean) @ self.components.T @ self.coefficients
        out = out + self.latent_mean
        return out[0] if single else out

    def centre(self, model: FaceModel, detected: np.ndarray) -> np.ndarray:
        """(P,) parameter vector: the predicted identity, every other parameter at the prior's
        mean, clipped to the sliders' ranges."""
        from faceeditor.model.prior import latent_scales

        mean, spread = latent_scales(model)
        z = np.zeros(len(mean))
        z[[model.spec[name].index for name in self.names]] = self.latents(detected)
        return np.clip(mean + spread * z, model.spec.minimum, model.spec.maximum)

    def prior(self, model: FaceModel, detected: np.ndarray) -> IdentityPrior:
        """The photo fit's identity prior for (468, 3) detected landmarks: ``centre`` and, when
        the file has it, the residual covariance."""
        index = np.array([model.spec[name].index for name in self.names], np.int64)
        return IdentityPrior(self.centre(model, detected), index, self.residual_covariance)

    def save(self, path: Path, **extra) -> None:
        """Write the arrays rounded to 5 decimals (float32): the detector's last-digit noise
        between machines does not change the file."""
        keys = ["reference", "feature_mean", "components", "coefficients", "latent_mean"]
        if self.residual_covariance is not None:
            keys.append("residual_covariance")
        arrays = {k: np.round(getattr(self, k), 5).astype(np.float32) for k in keys}
        np.savez_compressed(path, names=np.array(self.names), **arrays, **extra)


@dataclasses.dataclass(frozen=True)
class IdentityPrior:
    """Gaussian prior of the photo fit's identity sliders, in the prior's latent units.

    Attributes:
        centre: (P,) parameter vector: the predicted identity, every other parameter at the
            prior's mean.
        index: (G,) parameter indices of the covariance's rows.
        covariance: (G, G) latent covariance around ``centre``, or None (independent unit
            spreads).
    """

    centre: np.ndarray
    index: np.ndarray
    covariance: np.ndarray | None = None

    def root(self, index: np.ndarray) -> np.ndarray | None:
        """(K, K) matrix ``R`` with ``|R dz|^2 = dz^T C^-1 dz`` for the latents of parameter
        indices ``index`` (C: the covariance restricted to them; the other sliders integrated
        out), or None without a covariance. Every index must be one of ``self.index``."""
        if self.covariance is None:
            return None
        row = {int(i): k for k, i in enumerate(self.index)}
        try:
            rows = [row[int(i)] for i in index]
        except KeyError as error:
            raise ValueError(f"parameter {error} has no identity covariance") from error
        lower = np.linalg.cholesky(self.covariance[np.ix_(rows, rows)])
        return np.linalg.solve(lower, np.eye(len(rows)))


def residual_covariance(detected: np.ndarray, latents: np.ndarray, names: list[str],
                        reference: np.ndarray, components: int = 60, ridge: float = 0.01,
                        folds: int = 5, shrink: float = 0.2) -> np.ndarray:
    """(G, G) covariance of the true latents around the regression's prediction, from
    ``folds``-fold cross-validation (contiguous folds: deterministic), shrunk by ``shrink``
    toward its diagonal so that it stays well conditioned."""
    latents = np.asarray(latents, np.float64)
    residuals = np.empty_like(latents)
    edges = np.linspace(0, len(latents), folds + 1).round().astype(int)
    for start, stop in zip(edges[:-1], edges[1:]):
        train = np.r_[0:start, stop:len(latents)]
        fold = fit_identity_regression(detected[train], latents[train], names, reference,
                                       components, ridge)
        residuals[start:stop] = latents[start:stop] - fold.latents(detected[start:stop])
    covariance = residuals.T @ residuals / len(residuals)
    return (1 - shrink) * covariance + shrink * np.diag(np.diag(covariance))


def fit_identity_regression(detected: np.ndarray, latents: np.ndarray, names: list[str],
                            reference: np.ndarray, components: int = 60,
                            ridge: float = 0.01) -> IdentityRegression:
    """Learn the map from (B, 468, 3) detected landmarks to (B, G) true identity latents.

    ``reference`` is the normalised frame's shape (the landmark correction's); ``ridge`` is
    relative to the mean eigenvalue of the kept components.
    """
    features, _ = normalise(np.asarray(detected, np.float64), reference)
    latents = np.asarray(latents, np.float64)
    feature_mean = features.mean(0)
    latent_mean = latents.mean(0)
    _, values, vt = np.linalg.svd(features - feature_mean, full_matrices=False)
    basis = vt[:components]
    scores = (features - feature_mean) @ basis.T
    penalty = ridge * (values[:components] ** 2).mean()
    coefficients = np.linalg.solve(scores.T @ scores + penalty * np.eye(len(basis)),
                                   scores.T @ (latents - latent_mean))
    return IdentityRegression(tuple(names), np.asarray(reference, np.float64), feature_mean,
                              basis, coefficients, latent_mean)


@lru_cache(maxsize=2)
def identity_regression(path: Path | None = None) -> IdentityRegression:
    """The shipped regression (resources/fit/identity_regression.npz), cached."""
    path = resource_path(FILE_NAME) if path is None else Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            result = IdentityRegression(
                tuple(str(n) for n in data["names"]),
                *(data[k].astype(np.float64) for k in ("reference", "feature_mean",
                                                       "components", "coefficients",
                                                       "latent_mean")),
                (data["residual_covariance"].astype(np.float64)
                 if "residual_covariance" in data.files else None))
    except (OSError, KeyError, ValueError) as error:
        raise LandmarkFileError(f"identity regression {path} is unreadable: {error}") from error
    if (result.reference.shape != (468, 2)
            or result.coefficients.shape[1] != len(result.names) != len(result.latent_mean)):
        raise LandmarkFileError(f"identity regression {path} has the wrong shape")
    covariance = result.residual_covariance
    if covariance is not None and (covariance.shape != (len(result.names),) * 2
                                   or not np.all(np.linalg.eigvalsh(covariance) > 0)):
        raise LandmarkFileError(f"identity regression {path}: its residual covariance is not "
                                "a covariance")
    return result


def predict_identity(model: FaceModel, detected: np.ndarray) -> IdentityPrior:
    """The identity predicted from (468, 3) detected landmarks (``centre``: other sliders at
    the prior's mean) and its covariance; an unknown slider name in the file is a broken
    install."""
    regression = identity_regression()
    missing = [name for name in regression.names if name not in model.spec]
    if missing:
        raise LandmarkFileError(f"identity regression names unknown sliders: {missing[:3]}")
    return regression.prior(model, detected)
