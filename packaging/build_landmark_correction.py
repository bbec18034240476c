"""Build resources/fit/landmark_correction.npz: the learned correction of the detector's landmarks
(``faceeditor.fit.correction``).

How (reproducible, offline, about 30 minutes on one core; the 1400 renders are most of it):

1. packaging/landmark_training_renders.py renders ``--count`` heads drawn from the prior (seeds
   from 50000, disjoint from benchmarks/fit_quality.py's), with random expressions, pose,
   distance and lighting, through the real detector, and keeps the detected landmarks and the
   true pixels of the same skin points (``fit.landmarks.mediapipe468``);
2. ``correction.fit_correction``: ridge regression from the normalised detected landmarks
   (x, y and the detector's z) to each landmark's offset, on the features' first
   ``--components`` principal components; the last ``--holdout`` samples are held out to report
   the landmark error before and after, then the file is fitted on every sample.

    python packaging/build_landmark_correction.py [--renders out/landmark_renders.npz]
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from landmark_training_renders import learning_arguments

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "fit" / "landmark_correction.npz"
log = logging.getLogger(__name__)


def landmark_error(points: np.ndarray, truth: np.ndarray) -> float:
    """Mean distance (pixels) of (B, 468, 2) points to the true ones."""
    return float(np.linalg.norm(points[..., :2] - truth, axis=-1).mean())


def main() -> None:
    args = learning_arguments(__doc__.splitlines()[0], OUT)
    from faceeditor.fit.correction import fit_correction

    with np.load(args.renders) as data:
        detected, truth = data["detected"], data["truth"]
    train, test = slice(0, len(detected) - args.holdout), slice(len(detected) - args.holdout,
                                                               None)
    held = fit_correction(detected[train], truth[train], args.components, args.ridge)
    log.info("held-out %d renders: landmark error %.2f px -> %.2f px", args.holdout,
             landmark_error(detected[test], truth[test]),
             landmark_error(held.correct(detected[test]), truth[test]))
    final = fit_correction(detected, truth, args.components, args.ridge)
    final.save(args.output, samples=np.int64(len(detected)),
               components_kept=np.int64(args.components), ridge=np.float64(args.ridge))
    log.info("wrote %s from %d renders", args.output, len(detected))


if __name__ == "__main__":
    main()
