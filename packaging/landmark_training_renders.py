"""Synthetic photos of known heads through the real detector: training data for the landmark
correction (packaging/build_landmark_correction.py) and its test.

Each sample is a head drawn from the prior (``faceeditor.model.prior.sample``) with two random
expressions, rendered by the app's renderer (``fit.preview.render_in_photo``, as
benchmarks/fit_quality.py does) at a random yaw (-45..45 degrees), pitch (-12..12), roll
(-8..8), distance and lighting preset, and run through the vendored detector
(``faceeditor.detect``). Kept per sample: the detected (468, 3) landmarks and the true pixels of
the same 468 skin points (``fit.landmarks.mediapipe468`` on the true mesh, projected by the true
camera). Seeds start at ``SEED_BASE`` (the benchmark's heads use seeds 1000..1999).

    python packaging/landmark_training_renders.py --count 400 -o out/landmark_renders.npz
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from pathlib import Path

from faceeditor.cli import limit_blas_threads

limit_blas_threads()
import numpy as np  # noqa: E402

log = logging.getLogger(__name__)

#: First prior seed of the training heads (disjoint from the benchmark's 1000 + i).
ROOT = Path(__file__).resolve().parents[1]
SEED_BASE = 50_000
EXPRESSIONS = ("mouthSmileLeft", "mouthSmileRight", "jawOpen", "browInnerUp", "eyeBlinkLeft",
               "eyeBlinkRight", "mouthFunnel", "cheekPuff", "browDownRight", "browDownLeft",
               "mouthPucker", "mouthFrownLeft", "mouthFrownRight", "eyeSquintLeft",
               "mouthStretchRight", "mouthRollLower")
LIGHTS = ("studio", "soft daylight", "flat")
SIZE = 512


def training_head(model, seed: int) -> tuple[dict[str, float], np.random.Generator]:
    """The true parameters of training head ``seed`` (prior head + two expressions) and the
    random stream its photo is drawn from next (pose, light, background)."""
    from faceeditor.model.prior import sample

    rng = np.random.default_rng([seed, 7])
    params = sample(model, seed)
    for name in rng.choice(EXPRESSIONS, 2, replace=False):
        params[name] = float(rng.uniform(0.2, 0.8))
    return params, rng


def render_sample(model, seed: int) -> dict | None:
    """One synthetic photo of prior head ``seed`` and its detected and true landmarks
    (None when the detector finds no face)."""
    from faceeditor.detect import detect_faces, face_landmarks
    from faceeditor.export.textures import skin_albedo
    from faceeditor.fit.camera import HeadPose, PhotoCamera, rotation_matrix, rotation_vector
    from faceeditor.fit.landmarks import mediapipe468
    from faceeditor.fit.preview import render_in_photo
    from faceeditor.render.shading import LIGHTING_PRESETS

    params, rng = training_head(model, seed)
    yaw, pitch, roll = rng.uniform(-45, 45), rng.uniform(-12, 12), rng.uniform(-8, 8)
    rotation = (rotation_matrix(np.array([0.0, 0.0, math.radians(roll)]))
                @ rotation_matrix(np.array([math.radians(pitch), 0.0, 0.0]))
                @ rotation_matrix(np.array([0.0, math.radians(yaw), 0.0])))
    pose = HeadPose(rotation_vector(rotation),
                    np.array([rng.uniform(-0.02, 0.02), 0.03 + rng.uniform(-0.02, 0.02),
                              -0.75 * rng.uniform(0.85, 1.2)]))
    camera = PhotoCamera(SIZE, SIZE, 2.2 * SIZE)
    mesh = model.evaluate(params)
    light = LIGHTS[int(rng.integers(len(LIGHTS)))]
    image, covered = render_in_photo(mesh, pose, camera, skin_albedo(params, 512),
                                     lighting=LIGHTING_PRESETS[light])
    grey = np.uint8(rng.integers(60, 180))
    image = np.where(covered[..., None], image, grey)
    faces = detect_faces(image)
    if not faces:
        return None
    detected = face_landmarks(image, faces[0])
    landmarks = mediapipe468()
    points = landmarks.points.positions(np.asarray(mesh.vertices, np.float64), mesh.faces)
    truth = camera.project(pose.apply(points))
    return {"detected": detected.astype(np.float32), "truth": truth.astype(np.float32),
            "yaw": yaw, "pitch": pitch, "roll": roll, "image": image}


def learning_arguments(description: str, output: Path) -> argparse.Namespace:
    """The command line shared by the scripts that learn from the renders
    (``build_landmark_correction.py``, ``build_identity_regression.py``), parsed; the renders
    are made first (in a process of their own) when ``--renders`` does not exist."""
    import subprocess
    import sys

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--renders", type=Path, default=ROOT / "out" / "landmark_renders.npz")
    parser.add_argument("--count", type=int, default=1400, help="renders to make if missing")
    parser.add_argument("--components", type=int, default=80)
    parser.add_argument("--ridge", type=float, default=0.001)
    parser.add_argument("--holdout", type=int, default=100)
    parser.add_argument("-o", "--output", type=Path, default=output)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.renders.is_file():
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--count",
                        str(args.count), "-o", str(args.renders)], check=True)
    return args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--start", type=int, default=0, help="first sample index")
    parser.add_argument("-o", "--output", type=Path, default=Path("out/landmark_renders.npz"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from faceeditor.model import load_default_model

    model = load_default_model()
    keys = ("detected", "truth", "yaw", "pitch", "roll")
    rows: dict[str, list] = {k: [] for k in keys}
    seeds = []
    started = time.perf_counter()
    for i in range(args.start, args.start + args.count):
        result = render_sample(model, SEED_BASE + i)
        if result is None:
            log.info("seed %d: no face", SEED_BASE + i)
            continue
        seeds.append(SEED_BASE + i)
        for k in keys:
            rows[k].append(result[k])
        if len(seeds) % 25 == 0:
            log.info("%d samples, %.0f s", len(seeds), time.perf_counter() - started)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.output, seeds=np.array(seeds), **{
        k: np.asarray(v, np.float32) for k, v in rows.items()})
    log.info("wrote %s (%d samples)", args.output, len(seeds))


if __name__ == "__main__":
    main()
