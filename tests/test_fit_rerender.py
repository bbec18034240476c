"""The re-render stage of the photo fit (fit/rerender.py): the detector's error measured on the
fitted head drawn over the photo, taken off the photo's landmarks before a second fit."""

import math

import numpy as np
import pytest

from faceeditor.fit.pipeline import FitOptions, fit_photo
from faceeditor.fit.shading import Lighting
from faceeditor.model import load_default_model


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def synthetic_photo(model, seed, yaw_degrees, expression):
    """A prior head (a seed none of the training renders or the benchmark use) rendered by the
    app's renderer, and the true pixels of its 468 landmarks."""
    from faceeditor.export.textures import skin_albedo
    from faceeditor.fit.camera import HeadPose, PhotoCamera
    from faceeditor.fit.landmarks import mediapipe468
    from faceeditor.fit.preview import render_in_photo
    from faceeditor.model.prior import sample

    params = sample(model, seed) | {expression: 0.5}
    camera = PhotoCamera(448, 448, 2.2 * 448)
    pose = HeadPose(np.array([0.0, math.radians(yaw_degrees), 0.0]), np.array([0, 0.03, -0.75]))
    mesh = model.evaluate(params)
    image, covered = render_in_photo(mesh, pose, camera, skin_albedo(params, 512))
    points = mediapipe468().points.positions(np.asarray(mesh.vertices, np.float64), mesh.faces)
    return np.where(covered[..., None], image, np.uint8(110)), camera.project(pose.apply(points))


@pytest.fixture()
def fitted_landmarks(monkeypatch):
    """The landmarks every landmark fit of the pipeline is given, in order."""
    import faceeditor.fit.photo as photo

    seen = []
    original = photo.fit_landmarks

    def spy(model, detected, *args, **kwargs):
        seen.append(np.asarray(detected, np.float64)[:, :2].copy())
        return original(model, detected, *args, **kwargs)

    monkeypatch.setattr(photo, "fit_landmarks", spy)
    return seen


def test_rerender_moves_the_landmarks_toward_the_true_skin_points(model, fitted_landmarks):
    before, after = [], []
    for seed, yaw, expression in [(90_021, -25.0, "mouthSmileLeft"), (90_022, 10.0, "jawOpen"),
                                  (90_023, 30.0, "browInnerUp")]:
        image, truth = synthetic_photo(model, seed, yaw, expression)
        fitted_landmarks.clear()
        fit_photo(model, image, FitOptions(texture="procedural"))
        assert len(fitted_landmarks) == 2  # the first fit, and the fit after the re-render
        first, second = (np.linalg.norm(points - truth, axis=1).mean()
                         for points in fitted_landmarks)
        before.append(first)
        after.append(second)
    assert np.mean(after) < 0.95 * np.mean(before), (before, after)


def test_switch_turns_the_rerender_off(model, fitted_landmarks, monkeypatch):
    import faceeditor.fit.rerender as rerender

    def refuse(*args, **kwargs):
        raise AssertionError("re-rendered with rerender=False")

    monkeypatch.setattr(rerender, "detector_bias", refuse)
    image, _ = synthetic_photo(model, 90_024, 15.0, "mouthSmileRight")
    result = fit_photo(model, image, FitOptions(texture="procedural", rerender=False))
    assert len(fitted_landmarks) == 1
    assert result.stats["landmark_error_percent_eye_distance"] < 3.0
    with pytest.raises(AssertionError, match="rerender=False"):
        fit_photo(model, image, FitOptions(texture="procedural"))


def test_studio_lighting_follows_the_fitted_light():
    from faceeditor.fit.rerender import studio_lighting
    from faceeditor.render.light_transport import sh_basis

    even = studio_lighting(Lighting.uniform())
    assert max(even.key.colour) < 0.05 and min(even.sky) > 0.5
    # light from the photo's left (the camera's -x) and a little above
    sh = Lighting.uniform().sh.copy()
    direction = np.array([[-0.6, 0.3, 0.74]])
    sh[1:4] = 1.5 * sh[0] * sh_basis(direction / np.linalg.norm(direction))[0, 1:4] / 0.282095
    side = studio_lighting(Lighting(sh, np.array([1.1, 1.0, 0.9])))
    assert side.key.direction[0] < -0.3 and side.key.direction[1] > 0.0
    assert side.key.colour[1] > 0.3
    assert side.key.colour[0] > side.key.colour[1] > side.key.colour[2]  # the colour balance


def test_rerender_with_given_landmarks_finds_the_face_on_the_render(model, fitted_landmarks):
    from faceeditor.detect import detect_faces, face_landmarks

    image, truth = synthetic_photo(model, 90_025, -15.0, "jawOpen")
    landmarks = face_landmarks(image, detect_faces(image)[0])
    fit_photo(model, image, FitOptions(texture="procedural"), landmarks=landmarks)
    assert len(fitted_landmarks) == 2
    first, second = (np.linalg.norm(points - truth, axis=1).mean() for points in fitted_landmarks)
    assert second < first + 0.5  # the render's own face box: the same detector, a close crop
