"""Build resources/fit/identity_regression.npz: the identity predicted from the detected landmarks,
the centre of the photo fit's identity prior (``faceeditor.fit.identity``).

How (reproducible, offline; the renders are packaging/build_landmark_correction.py's):

1. packaging/landmark_training_renders.py renders heads drawn from the prior (seeds from 50000,
   disjoint from benchmarks/fit_quality.py's) through the real detector; each head's true
   sliders are drawn again from its seed (``training_head``);
2. ``identity.fit_identity_regression``: ridge regression from the landmark correction's
   normalised features of the detected landmarks to the true identity sliders of the photo fit
   (``fit.photo.identity_names``) in the prior's latent units, on the features' first
   ``--components`` principal components. The last ``--holdout`` renders are held out to report
   the face error of the predicted identity against the average head's, then the file is
   fitted on every render;
3. ``identity.residual_covariance``: the covariance of the true latents around the prediction,
   from 5-fold cross-validation over every render (shrunk 20 % toward its diagonal): the photo
   fit's identity prior around the predicted centre.

    python packaging/build_identity_regression.py [--renders out/landmark_renders.npz]
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from faceeditor.cli import limit_blas_threads

limit_blas_threads()
import numpy as np  # noqa: E402
from landmark_training_renders import learning_arguments, training_head  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "fit" / "identity_regression.npz"
log = logging.getLogger(__name__)


def true_latents(model, seeds: np.ndarray, names: list[str]) -> np.ndarray:
    """(B, G) the training heads' identity sliders in latent units."""
    from faceeditor.model.prior import params_to_latent

    index = [model.spec[name].index for name in names]
    return np.array([params_to_latent(model, training_head(model, int(seed))[0])[index]
                     for seed in seeds])


def face_error(model, a: np.ndarray, b: np.ndarray, face: np.ndarray) -> float:
    """Mean distance (mm) of the face vertices of parameter vectors ``a`` and ``b`` after the
    similarity that best aligns them."""
    from faceeditor.detect.pose import align_similarity as similarity

    va = np.asarray(model.evaluate(model.spec.to_dict(a)).vertices, np.float64)[face]
    vb = np.asarray(model.evaluate(model.spec.to_dict(b)).vertices, np.float64)[face]
    scale, rotation, shift = similarity(va, vb)
    return float(np.linalg.norm(va @ (scale * rotation).T + shift - vb, axis=1).mean() * 1000)


def main() -> None:
    args = learning_arguments(__doc__.splitlines()[0], OUT)
    from faceeditor.fit.correction import landmark_correction
    from faceeditor.fit.identity import fit_identity_regression, residual_covariance
    from faceeditor.fit.photo import identity_names
    from faceeditor.fit.scan import face_vertices
    from faceeditor.model import load_default_model
    from faceeditor.model.prior import latent_scales

    model = load_default_model()
    names = identity_names(model)
    with np.load(args.renders) as data:
        detected, seeds = data["detected"].astype(np.float64), data["seeds"]
    latents = true_latents(model, seeds, names)
    # the checkout's correction (an installed package's resources may be another version)
    reference = landmark_correction(OUT.parent / "landmark_correction.npz").reference
    train = slice(0, len(detected) - args.holdout)
    held = fit_identity_regression(detected[train], latents[train], names, reference,
                                   args.components, args.ridge)
    mean, spread = latent_scales(model)
    index = [model.spec[name].index for name in names]
    face = face_vertices(model.evaluate())
    before, after = [], []
    for points, latent in zip(detected[train.stop:], latents[train.stop:]):
        truth = mean.copy()
        truth[index] = np.clip(mean[index] + spread[index] * latent,
                               model.spec.minimum[index], model.spec.maximum[index])
        before.append(face_error(model, mean, truth, face))
        after.append(face_error(model, held.centre(model, points), truth, face))
    log.info("held-out %d renders: identity face error (mean head -> predicted) median "
             "%.2f -> %.2f mm", args.holdout, np.median(before), np.median(after))
    final = fit_identity_regression(detected, latents, names, reference, args.components,
                                    args.ridge)
    covariance = residual_covariance(detected, latents, names, reference, args.components,
                                     args.ridge)
    final = dataclasses.replace(final, residual_covariance=covariance)
    log.info("residual SD (latent units): median %.2f, range %.2f..%.2f",
             np.median(np.sqrt(np.diag(covariance))), *np.sqrt(np.diag(covariance))[
                 [np.argmin(np.diag(covariance)), np.argmax(np.diag(covariance))]])
    final.save(args.output, samples=np.int64(len(detected)),
               components_kept=np.int64(args.components), ridge=np.float64(args.ridge))
    log.info("wrote %s from %d renders", args.output, len(detected))


if __name__ == "__main__":
    main()
