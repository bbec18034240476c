"""The detector's own error on the fitted head, measured on a re-render (analysis by synthesis).

The face-mesh network's points sit a few pixels off the skin points they stand for, in a way
that depends mostly on the face's shape, its pose and its lighting. After a fit those are known
approximately, so the app's renderer draws the fitted head in the photo's camera and pose,
composited over the photo (same background, same face box), and the detector runs on that
picture. There the true pixels of the landmarks are known (the fitted mesh's points projected),
so the detector's error on the render, ``bias = detected on the render - true``, estimates its
error on the photo; taking (a share of) it off the photo's landmarks and fitting again cancels
part of the error the learned correction (``fit.correction``) leaves. The render's light is the
photo's fitted SH light turned into the renderer's key + ambient (``studio_lighting``).

    bias = detector_bias(model, photo, box, params, pose, camera, studio_lighting(light))
    landmarks = photo_landmarks - BIAS_SHARE * bias

Measured on synthetic heads none of the benchmark's (seeds 60000.., 20 heads, the renderer's
default light; 61000.., 30 heads, random light presets): the landmarks' mean error against the
true skin points 4.57 -> 4.14 px and 4.42 -> 4.31 px; median face error 0.884 -> 0.802 mm and
0.861 -> 0.876 mm, mean 0.863 -> 0.814 and 0.910 -> 0.897 mm. A full share (1.0) helps more
under the default light (median 0.770 mm) and hurts under the others (0.898); a second round
and smoothing the bias over neighbouring landmarks did not help.
"""

from __future__ import annotations

import numpy as np

from faceeditor.fit.camera import HeadPose, PhotoCamera
from faceeditor.fit.landmarks import mediapipe468
from faceeditor.model.face_model import FaceModel

#: Share of the measured bias taken off the photo's landmarks (the render is not the photo: its
#: skin, light and shape differ, so the measured bias is partly noise; the landmark error
#: against the truth is lowest at 0.5-0.75, the face error at 0.75-1 under the default light).
BIAS_SHARE = 0.75
#: Re-render and refit this many times (each measures the bias on the latest fit).
ROUNDS = 1
#: Directions on the sphere tried for the key light of the render (about half face the camera).
LIGHT_DIRECTIONS = 300
#: Size (pixels) of the procedural albedo the fitted head is rendered with.
ALBEDO_SIZE = 512


def studio_lighting(lighting):
    """The renderer's ``StudioLighting`` closest to a photo's fitted SH ``shading.Lighting``:
    one key light over an even ambient; the key's direction (among ``LIGHT_DIRECTIONS``
    directions on the camera's side) and both strengths chosen so the renderer's diffuse light
    (key cosine plus SH ambient, exposure 1) best matches the fitted shading on camera-facing
    normals; colours balanced by the fitted gain."""
    from faceeditor.render.light_transport import _sphere_directions, sh_basis, sh_irradiance
    from faceeditor.render.shading import Light, StudioLighting

    normals = _sphere_directions(512)
    normals = normals[normals[:, 2] > 0.2]
    basis = sh_basis(normals)
    target = basis @ lighting.sh
    dark = Light((0.0, 0.0, 1.0), (0.0, 0.0, 0.0))
    white, black = (1.0, 1.0, 1.0), (0.0, 0.0, 0.0)
    ambient = basis @ sh_irradiance(StudioLighting(dark, dark, dark, white, white, 1.0))[:, 1]
    best = (np.inf, (0.0, 0.0, 1.0), 0.0, max(float(target.mean() / ambient.mean()), 0.0))
    for direction in _sphere_directions(LIGHT_DIRECTIONS):
        if direction[2] < 0.0:
            continue
        direction = tuple(float(v) for v in direction)
        key = StudioLighting(Light(direction, white), dark, dark, black, black, 1.0)
        cosine = np.maximum(normals @ np.asarray(direction), 0.0) + basis @ sh_irradiance(key)[:, 1]
        columns = np.stack([cosine, ambient], 1)
        (a, b), *_ = np.linalg.lstsq(columns, target, rcond=None)
        if a < 0 or b < 0:  # the key alone (the ambient alone is the starting guess)
            a, b = max(float(cosine @ target / (cosine @ cosine)), 0.0), 0.0
        misfit = float(np.linalg.norm(columns @ [a, b] - target))
        if misfit < best[0]:
            best = (misfit, direction, a, b)
    _, direction, a, b = best
    key_colour, ambient_colour = (tuple(float(v) for v in value * np.asarray(lighting.gain))
                                  for value in (a, b))
    return StudioLighting(Light(direction, key_colour), dark, dark, ambient_colour,
                          ambient_colour, 1.0)


def rerender(model: FaceModel, photo: np.ndarray, params: dict[str, float], pose: HeadPose,
             camera: PhotoCamera, lighting=None) -> tuple[np.ndarray, np.ndarray]:
    """The fitted head (procedural skin of ``params``) drawn over ``photo`` in its camera:
    ((H, W, 3) uint8 picture of the photo's size, (468, 2) true pixels of the landmarks).

    ``lighting``: a ``render.shading.StudioLighting`` (None: the renderer's default)."""
    from faceeditor.export.textures import skin_albedo
    from faceeditor.fit.preview import render_in_photo, resize

    mesh = model.evaluate(params)
    image, covered = render_in_photo(mesh, pose, camera, skin_albedo(params, ALBEDO_SIZE),
                                     lighting=lighting)
    height, width = photo.shape[:2]
    image, covered = resize(image, width, height), resize(covered, width, height)
    picture = np.where(covered[..., None], image, photo[..., :3])
    points = mediapipe468().points.positions(np.asarray(mesh.vertices, np.float64), mesh.faces)
    return picture, camera.project(pose.apply(points))


def detector_bias(model: FaceModel, photo: np.ndarray, box, params: dict[str, float],
                  pose: HeadPose, camera: PhotoCamera, lighting=None,
                  correct: bool = True) -> np.ndarray | None:
    """(468, 2) pixels the detector (and, when ``correct``, the learned correction) puts the
    landmarks off their true skin points on a re-render of the fitted head over the photo.

    ``box``: the photo's ``detect.FaceBox`` (the same crop is used on the render); None: the
    render's own largest face, and None is returned when the render shows no face."""
    from faceeditor.detect import detect_faces, face_landmarks

    picture, truth = rerender(model, photo, params, pose, camera, lighting)
    if box is None:
        faces = detect_faces(picture)
        if not faces:
            return None
        box = faces[0]
    detected = np.asarray(face_landmarks(picture, box), np.float64)
    if correct:
        from faceeditor.fit.correction import correct_landmarks

        found = correct_landmarks(detected)
    else:
        found = detected[:, :2]
    return found - truth
