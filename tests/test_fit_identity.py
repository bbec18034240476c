"""The identity predicted from the detected landmarks (fit/identity.py), the centre of the photo
fit's identity prior: closer to the true head than the average head on synthetic photos it was
not trained on; a well-formed shipped file; the landmark fit's prior centred on it."""

import dataclasses

import numpy as np
import pytest

from faceeditor.fit.identity import (fit_identity_regression, identity_regression,
                                     predict_identity)
from faceeditor.fit.photo import identity_names
from faceeditor.model import load_default_model
from faceeditor.model.prior import latent_scales


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def identity_only(model, vector):
    """(P,) ``vector``'s identity sliders, everything else at the prior's mean."""
    mean, _ = latent_scales(model)
    index = [model.spec[name].index for name in identity_names(model)]
    out = mean.copy()
    out[index] = vector[index]
    return out


def face_error(model, a, b):
    """Mean distance (mm) of the face vertices of two parameter vectors after similarity
    alignment."""
    from faceeditor.detect.pose import align_similarity as similarity
    from faceeditor.fit.scan import face_vertices

    face = face_vertices(model.evaluate())
    va, vb = (np.asarray(model.evaluate(model.spec.to_dict(v)).vertices, np.float64)[face]
              for v in (a, b))
    scale, rotation, shift = similarity(va, vb)
    return float(np.linalg.norm(va @ (scale * rotation).T + shift - vb, axis=1).mean() * 1000)


def test_predicted_identity_is_closer_to_the_true_head_than_the_average_head(model):
    from test_fit_correction import held_out_render

    from faceeditor.model.prior import sample

    mean, _ = latent_scales(model)
    before, after = [], []
    for seed, yaw, expression in [(90_001, -25.0, "mouthSmileLeft"), (90_002, 15.0, "jawOpen"),
                                  (90_003, 35.0, "browInnerUp"), (90_004, -5.0, "eyeBlinkLeft"),
                                  (90_005, 30.0, "mouthFunnel"), (90_006, -35.0, "cheekPuff"),
                                  (90_007, 5.0, "mouthSmileRight"), (90_008, -15.0, "jawOpen")]:
        detected, _ = held_out_render(model, seed, yaw, expression)
        truth = identity_only(model, model.spec.vector(sample(model, seed)).astype(np.float64))
        before.append(face_error(model, mean, truth))
        after.append(face_error(model, predict_identity(model, detected).centre, truth))
    assert np.mean(after) < 0.9 * np.mean(before), (before, after)


def linear_landmarks(rng, count: int, modes: int):
    """A random reference shape and ``count`` landmark sets that are that shape plus a known
    linear map of ``modes`` latents: (reference (468, 2), latents (count, modes), pixels
    (count, 468, 3))."""
    reference = rng.normal(0, 1, (468, 2))
    reference -= reference.mean(0)
    reference /= np.sqrt((reference ** 2).sum(1).mean())
    latents = rng.normal(0, 1, (count, modes))
    basis = rng.normal(0, 0.02, (modes, 468, 3))
    points = reference[None, :, [0, 1, 0]] * [1, 1, 0] + np.einsum("bk,knc->bnc", latents, basis)
    return reference, latents, points * 100 + [250, 250, 0]  # the frame removes position, scale


def test_a_regression_learned_from_a_known_linear_map_recovers_it():
    reference, latents, points = linear_landmarks(np.random.default_rng(2), 80, 5)
    regression = fit_identity_regression(points[:60], latents[:60], list("abcde"), reference,
                                         components=20, ridge=1e-6)
    error = np.abs(regression.latents(points[60:]) - latents[60:]).mean()
    assert error < 0.1 * np.abs(latents[60:]).mean()


def test_shipped_regression_is_well_formed(model):
    regression = identity_regression()
    assert set(regression.names) == set(identity_names(model))
    assert regression.reference.shape == (468, 2)
    assert regression.components.shape[1] == 468 * 3
    assert regression.coefficients.shape == (len(regression.components), len(regression.names))
    assert np.isfinite(regression.coefficients).all()


def test_landmark_prior_is_centred_on_the_given_identity(model):
    from faceeditor.fit.camera import PhotoCamera
    from faceeditor.fit.landmarks import mediapipe468
    from faceeditor.fit.photo import landmark_objective

    mean, spread = latent_scales(model)
    centre = mean.copy()
    names = identity_names(model)
    index = np.array([model.spec[name].index for name in names])
    centre[index] += 0.5 * spread[index]
    landmarks = np.random.default_rng(3).uniform(100, 400, (468, 2))
    camera = PhotoCamera(512, 512, 1000.0)
    objective = landmark_objective(model, mediapipe468(), landmarks, camera, mean, names, centre)
    x = np.concatenate([np.zeros(6), centre[objective.index]])
    prior_rows = objective.residuals(x)[-len(names):]
    np.testing.assert_allclose(prior_rows, 0.0, atol=1e-12)
    x[6:] = mean[objective.index]
    assert np.abs(objective.residuals(x)[-len(names):]).min() > 0


def test_residual_covariance_recovers_the_noise_the_landmarks_do_not_explain():
    from faceeditor.fit.identity import residual_covariance

    rng = np.random.default_rng(4)
    reference, seen, points = linear_landmarks(rng, 400, 3)
    # latent 0 and 1 follow the landmarks; latent 2 adds noise the landmarks never show,
    # latent 3 is that noise again (perfectly correlated with 2's)
    hidden = rng.normal(0, 0.5, 400)
    latents = np.stack([seen[:, 0], seen[:, 1], seen[:, 2] + hidden, hidden], 1)
    covariance = residual_covariance(points, latents, list("abcd"), reference, components=20,
                                     ridge=1e-6, shrink=0.0)
    sd = np.sqrt(np.diag(covariance))
    assert sd[0] < 0.05 and sd[1] < 0.05, sd
    assert 0.4 < sd[2] < 0.6 and 0.4 < sd[3] < 0.6, sd
    assert covariance[2, 3] / (sd[2] * sd[3]) > 0.95
    shrunk = residual_covariance(points, latents, list("abcd"), reference, components=20,
                                 ridge=1e-6, shrink=0.5)
    np.testing.assert_allclose(np.diag(shrunk), np.diag(covariance))
    np.testing.assert_allclose(shrunk[2, 3], 0.5 * covariance[2, 3])


def test_identity_prior_root_whitens_the_covariance_of_the_chosen_sliders():
    from faceeditor.fit.identity import IdentityPrior

    rng = np.random.default_rng(5)
    factor = rng.normal(0, 1, (6, 6))
    covariance = factor @ factor.T + 0.1 * np.eye(6)
    index = np.array([10, 11, 12, 13, 14, 15])
    prior = IdentityPrior(np.zeros(20), index, covariance)
    chosen = np.array([14, 11, 12])
    root = prior.root(chosen)
    dz = rng.normal(0, 1, 3)
    sub = covariance[np.ix_([4, 1, 2], [4, 1, 2])]
    np.testing.assert_allclose((root @ dz) @ (root @ dz), dz @ np.linalg.solve(sub, dz))
    assert IdentityPrior(np.zeros(20), index).root(chosen) is None
    with pytest.raises(ValueError, match="no identity covariance"):
        prior.root(np.array([3]))


def test_landmark_prior_weighs_the_identity_by_its_covariance(model):
    from faceeditor.fit.camera import PhotoCamera
    from faceeditor.fit.identity import IdentityPrior
    from faceeditor.fit.landmarks import mediapipe468
    from faceeditor.fit.photo import COVARIANCE_PRIOR, landmark_objective

    mean, spread = latent_scales(model)
    names = identity_names(model)
    index = np.array([model.spec[name].index for name in names])
    rng = np.random.default_rng(6)
    factor = rng.normal(0, 0.3, (len(names), 5))
    covariance = factor @ factor.T + 0.05 * np.eye(len(names))
    centre = mean.copy()
    centre[index] += 0.2 * spread[index]
    prior = IdentityPrior(centre, index, covariance)
    landmarks = rng.uniform(100, 400, (468, 2))
    camera = PhotoCamera(512, 512, 1000.0)
    objective = landmark_objective(model, mediapipe468(), landmarks, camera, mean, names, prior)
    free = len(objective.index)
    x = np.concatenate([np.zeros(6), centre[objective.index]])
    np.testing.assert_allclose(objective.residuals(x)[-free:], 0.0, atol=1e-12)
    step = rng.normal(0, 0.3, free)  # latent units of the solver's (lead) sliders
    x[6:] += step * spread[objective.index]
    rows = objective.residuals(x)[-free:]
    position = {int(i): k for k, i in enumerate(index)}
    rows_of = [position[int(i)] for i in objective.index]
    sub = covariance[np.ix_(rows_of, rows_of)]
    np.testing.assert_allclose(rows @ rows, COVARIANCE_PRIOR * step @ np.linalg.solve(sub, step),
                               rtol=1e-8)
    jacobian = objective.jacobian(x)[-free:, 6:]
    np.testing.assert_allclose(jacobian @ (x[6:] - centre[objective.index]), rows, atol=1e-9)


def test_shipped_regression_has_a_residual_covariance(model):
    regression = identity_regression()
    covariance = regression.residual_covariance
    assert covariance is not None and covariance.shape == (len(regression.names),) * 2
    np.testing.assert_allclose(covariance, covariance.T, atol=1e-5)
    assert np.linalg.eigvalsh(covariance).min() > 0
    # latent units: the fitted prior spreads some sliders up to a few units, none near 0
    sd = np.sqrt(np.diag(covariance))
    assert 0.05 < sd.min() and sd.max() < 5.0 and 0.5 < np.median(sd) < 2.0, sd


def test_a_regression_file_with_a_broken_covariance_is_refused(tmp_path):
    from faceeditor.fit.landmarks import LandmarkFileError

    regression = identity_regression()
    names = len(regression.names)
    for broken in (np.zeros((names, names)), np.eye(names + 1)):
        path = tmp_path / "identity_regression.npz"
        dataclasses.replace(regression, residual_covariance=broken).save(path)
        with pytest.raises(LandmarkFileError, match="covariance"):
            identity_regression(path)
    dataclasses.replace(regression, residual_covariance=None).save(path)
    assert identity_regression(path).residual_covariance is None
