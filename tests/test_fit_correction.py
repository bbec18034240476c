"""The learned landmark correction (fit/correction.py): closer to the true skin points on
synthetic photos it was not trained on; a well-formed shipped file."""

import math

import numpy as np
import pytest

from faceeditor.fit.correction import fit_correction, landmark_correction, normalise
from faceeditor.model import load_default_model


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def held_out_render(model, seed, yaw_degrees, expression):
    """A prior head (seed outside the training renders' 50000.. range) with one expression,
    rendered by the app's renderer, its detected landmarks and the true pixels of the same
    skin points."""
    from faceeditor.detect import detect_faces, face_landmarks
    from faceeditor.export.textures import skin_albedo
    from faceeditor.fit.camera import HeadPose, PhotoCamera
    from faceeditor.fit.landmarks import mediapipe468
    from faceeditor.fit.preview import render_in_photo
    from faceeditor.model.prior import sample

    params = sample(model, seed)
    params[expression] = 0.6
    size = 512
    camera = PhotoCamera(size, size, 2.2 * size)
    pose = HeadPose(np.array([0.0, math.radians(yaw_degrees), 0.0]), np.array([0, 0.03, -0.75]))
    mesh = model.evaluate(params)
    image, covered = render_in_photo(mesh, pose, camera, skin_albedo(params, 512))
    image = np.where(covered[..., None], image, np.uint8(115))
    detected = face_landmarks(image, detect_faces(image)[0])
    points = mediapipe468().points.positions(np.asarray(mesh.vertices, np.float64), mesh.faces)
    return detected, camera.project(pose.apply(points))


def test_correction_moves_detected_landmarks_toward_the_true_skin_points(model):
    before, after = [], []
    for seed, yaw, expression in [(90_001, -25.0, "mouthSmileLeft"), (90_002, 15.0, "jawOpen"),
                                  (90_003, 35.0, "browInnerUp")]:
        detected, truth = held_out_render(model, seed, yaw, expression)
        corrected = landmark_correction().correct(detected)
        before.append(np.linalg.norm(detected[:, :2] - truth, axis=1).mean())
        after.append(np.linalg.norm(corrected - truth, axis=1).mean())
    assert all(a < b for a, b in zip(after, before)), (before, after)
    assert np.mean(after) < 0.85 * np.mean(before), (before, after)


def test_normalised_frame_ignores_where_the_face_is_in_the_photo():
    rng = np.random.default_rng(0)
    points = rng.normal(0, 50, (1, 468, 3)) + [300, 200, 0]
    reference = rng.normal(0, 1, (468, 2))
    angle = 0.3
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    moved = points.copy()
    moved[..., :2] = (points[..., :2] - 300) @ rotation.T * 2.0 + 100
    moved[..., 2] *= 2.0
    a, _ = normalise(points, reference)
    b, _ = normalise(moved, reference)
    np.testing.assert_allclose(a, b, atol=1e-9)


def test_a_correction_learned_from_a_known_shift_undoes_it():
    rng = np.random.default_rng(1)
    base = rng.normal(0, 40, (468, 2)) + 256
    modes = rng.normal(0, 1, (8, 468, 2))
    truth = base + np.einsum("bk,knc->bnc", rng.normal(0, 2, (60, 8)), modes)
    # the "detector" shrinks each face toward the mean shape (a regression network's bias)
    mean = truth.mean(0)
    detected = np.concatenate([mean + 0.7 * (truth - mean), np.zeros((60, 468, 1))], 2)
    correction = fit_correction(detected[:50], truth[:50], components=40, ridge=1e-6)
    before = np.abs(detected[50:, :, :2] - truth[50:]).mean()
    after = np.abs(correction.correct(detected[50:]) - truth[50:]).mean()
    assert after < 0.2 * before


def test_shipped_correction_is_well_formed():
    correction = landmark_correction()
    assert correction.reference.shape == (468, 2)
    assert correction.components.shape[1] == 468 * 3
    assert np.isfinite(correction.coefficients).all()
