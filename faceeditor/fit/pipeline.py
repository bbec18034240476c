"""Photo and scan in, an ordinary project out: the fitting entry points.

    result = fit_input(model, Path("portrait.jpg"), FitOptions(texture="photo"))
    result.params          # every slider, ready for ParameterState / Project
    result.texture         # (S, S, 3) uint8 albedo with the photo projected in, or None
    result.preview()       # (h, w, 3) uint8 picture to judge the fit
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from faceeditor.model.face_model import FaceModel

log = logging.getLogger(__name__)

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif")
SCAN_SUFFIXES = (".obj", ".ply", ".stl", ".glb")
EXPRESSION_MODES = ("keep", "neutral")
TEXTURE_MODES = ("photo", "procedural")

Progress = Callable[[float, str], None]


class FitError(ValueError):
    """An input that cannot be fitted; ``str()`` is one line for the user."""


class NoFaceError(FitError):
    """A photo without a face."""


@dataclasses.dataclass(frozen=True)
class FitOptions:
    """What the user chose.

    Attributes:
        texture: "photo" (project the photo, or a scan's own texture, into the albedo) or
            "procedural" (skin params only).
        expression: "keep" (the photo's expression) or "neutral".
        units: a scan's unit ("mm", "cm", "m") or None to detect it.
        face: which detected face (0 = the largest).
        texture_size: edge of the albedo texture in pixels.
        refine_shape: refine shape and pose by the skin's shading after the landmark fit.
        correct_landmarks: move the detected landmarks by the learned correction
            (``fit.correction``) before fitting the shape.
        predict_identity: centre the identity prior on the identity predicted from the
            landmarks (``fit.identity``) instead of the average head.
        rerender: measure the detector's error on a render of the fitted head over the photo
            (``fit.rerender``), subtract it from the photo's landmarks and fit again.
    """

    texture: str = "photo"
    expression: str = "keep"
    units: str | None = None
    face: int = 0
    texture_size: int = 1024
    refine_shape: bool = True
    correct_landmarks: bool = True
    predict_identity: bool = True
    rerender: bool = True

    def __post_init__(self):
        if self.texture not in TEXTURE_MODES:
            raise FitError(f"--texture must be one of {', '.join(TEXTURE_MODES)}")
        if self.expression not in EXPRESSION_MODES:
            raise FitError(f"--expression must be one of {', '.join(EXPRESSION_MODES)}")


@dataclasses.dataclass
class FitResult:
    """A fitted head.

    Attributes:
        params: every parameter.
        texture: (S, S, 3) uint8 albedo (the photo or the scan's texture carried in) or
            None (procedural).
        kind: "photo" or "scan".
        stats: numbers worth reporting (errors, seconds).
        preview: () -> (h, w, 3) uint8 picture to judge the fit.
        lighting: a photo's fitted ``shading.Lighting`` (None for a scan).
    """

    params: dict[str, float]
    texture: np.ndarray | None
    kind: str
    stats: dict[str, float]
    preview: Callable[[], np.ndarray]
    lighting: object | None = None


def input_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in SCAN_SUFFIXES:
        return "scan"
    if suffix in PHOTO_SUFFIXES:
        return "photo"
    raise FitError(f"{path.name}: unknown input type {suffix or '(no extension)'}; give a photo "
                   f"({', '.join(PHOTO_SUFFIXES[:4])}) or a scan ({', '.join(SCAN_SUFFIXES)})")


def fit_input(model: FaceModel, path: Path, options: FitOptions = FitOptions(),
              progress: Progress | None = None) -> FitResult:
    """Fit a photo or a scan file (by its extension)."""
    path = Path(path)
    if not path.exists():
        raise FitError(f"{path.name}: no such file")
    if input_kind(path) == "scan":
        from faceeditor.fit.scan import fit_scan_file

        return fit_scan_file(model, path, options, progress)
    from faceeditor.detect import PhotoError, load_photo

    try:
        image = load_photo(path)
    except PhotoError as error:
        raise FitError(str(error)) from None
    return fit_photo(model, image, options, progress, name=path.name)


def find_faces(image: np.ndarray, name: str = "photo") -> list:
    """The faces of a photo, largest first; ``NoFaceError`` when there is none."""
    from faceeditor.detect import detect_faces

    faces = detect_faces(image)
    if not faces:
        raise NoFaceError(f"no face found in {name}")
    return faces


def fit_photo(model: FaceModel, image: np.ndarray, options: FitOptions = FitOptions(),
              progress: Progress | None = None, name: str = "photo",
              landmarks: np.ndarray | None = None) -> FitResult:
    """Fit a head to an (H, W, 3) uint8 photo: landmarks, shape, expression, skin, texture."""
    from faceeditor.detect import face_landmarks
    from faceeditor.fit.landmarks import mediapipe468
    from faceeditor.fit.photo import fit_landmarks, landmark_error
    from faceeditor.fit.photometric import fit_photometric
    from faceeditor.fit.skin import fit_skin_tone

    report = progress or (lambda fraction, text: None)
    started = time.perf_counter()
    box = None
    if landmarks is None:
        report(0.0, "finding the face")
        faces = find_faces(image, name)
        if not 0 <= options.face < len(faces):
            raise FitError(f"{name} has {len(faces)} face(s); face {options.face} does not exist")
        box = faces[options.face]
        landmarks = face_landmarks(image, box)
    height, width = image.shape[:2]
    detected = np.asarray(landmarks, np.float64)
    if options.correct_landmarks:
        from faceeditor.fit.correction import correct_landmarks

        landmarks = np.concatenate([correct_landmarks(detected), detected[:, 2:]], 1)
    centre = None
    if options.predict_identity:
        from faceeditor.fit.identity import predict_identity

        centre = predict_identity(model, detected)
    mask = face_mask(image, detected)  # the detector's outline: what the photo shows
    skin_start = fit_skin_tone(image, detected)
    share = 0.3 if options.rerender else 0.6

    def fit_shape(points: np.ndarray, warm=None, offset: float = 0.1):
        fit = fit_landmarks(model, points, width, height, centre=centre, warm=warm,
                            progress=lambda f, text: report(offset + share * 0.8 * f, text))
        report(offset + share * 0.8, "lighting and skin")
        shaded = fit_photometric(model, image, fit, mask, skin_start,
                                 refine_shape=options.refine_shape)
        return dataclasses.replace(fit, params=shaded.params, pose=shaded.pose,
                                   projected=shaded.projected), shaded

    fit, shaded = fit_shape(landmarks)
    if options.rerender:
        fit, shaded = _rerender_refit(model, image, box, fit, shaded, landmarks, options,
                                      report, fit_shape)
    fit = dataclasses.replace(fit, error=landmark_error(fit.projected, fit.landmarks,
                                                         mediapipe468()))
    params = fit.params if options.expression == "keep" else fit.neutral_params(model)
    from faceeditor.fit.hair_colour import fit_hair_colour

    params = dict(params) | fit_hair_colour(image, detected)  # {} when no hair shows
    texture = None
    if options.texture == "photo":
        report(0.8, "projecting the photo into the texture")
        from faceeditor.fit.texture import photo_texture

        texture = photo_texture(model, fit.params, params, fit.pose, fit.camera, image,
                                options.texture_size, mask, shaded.lighting)
    seconds = time.perf_counter() - started
    report(1.0, "done")
    from faceeditor.fit.camera import euler_degrees

    yaw, pitch, roll = euler_degrees(fit.pose.rotvec)
    detected_error = landmark_error(fit.projected, detected, mediapipe468())
    stats = {"landmark_error_percent_eye_distance": fit.error,
             "detected_landmark_error_percent_eye_distance": detected_error,
             "yaw": yaw, "pitch": pitch, "roll": roll, "seconds": seconds}
    log.info("fitted %s in %.1f s: landmark error %.2f%% of the eye distance", name, seconds,
             fit.error)

    def preview() -> np.ndarray:
        from faceeditor.fit.preview import photo_preview, render_in_photo

        mesh = model.evaluate(fit.params)  # the photo's expression, to compare with the photo
        albedo = texture if texture is not None else _procedural_albedo(params)
        rendered, covered = render_in_photo(mesh, fit.pose, fit.camera, albedo)
        return photo_preview(image, rendered, covered, detected, fit.projected)

    return FitResult(params, texture, "photo", stats, preview, shaded.lighting)


def _rerender_refit(model: FaceModel, image: np.ndarray, box, fit, shaded, landmarks,
                    options: FitOptions, report: Progress, fit_shape):
    """The fit again from ``landmarks`` less the detector's error measured on a re-render of
    ``fit`` over the photo (``fit.rerender``), started from ``fit``."""
    from faceeditor.fit import rerender

    report(0.4, "measuring the detector on the fitted head")
    lighting = rerender.studio_lighting(shaded.lighting)
    for _ in range(rerender.ROUNDS):
        # box None (landmarks given): the render's own largest face
        bias = rerender.detector_bias(model, image, box, fit.params, fit.pose, fit.camera,
                                      lighting, correct=options.correct_landmarks)
        if bias is None:
            log.info("re-render: no face found on the fitted head; keeping the first fit")
            return fit, shaded
        log.info("re-render: detector error on the fitted head %.2f px (mean)",
                 float(np.linalg.norm(bias, axis=1).mean()))
        moved = np.concatenate([landmarks[:, :2] - rerender.BIAS_SHARE * bias,
                                landmarks[:, 2:]], 1)
        fit, shaded = fit_shape(moved, warm=fit, offset=0.4)
        lighting = rerender.studio_lighting(shaded.lighting)
    return fit, shaded


def face_mask(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(H, W) bool inside the detected face outline (no hair, background or neck)."""
    from PIL import Image, ImageDraw

    from faceeditor.fit.landmarks import mediapipe468

    outline = landmarks[mediapipe468().contour_order, :2]
    centre = landmarks[:, :2].mean(0)
    outline = centre + (outline - centre) * 0.97  # a little inside: the outline is soft
    canvas = Image.new("L", (image.shape[1], image.shape[0]), 0)
    ImageDraw.Draw(canvas).polygon([tuple(map(float, p)) for p in outline], fill=255)
    mask = np.asarray(canvas) > 127
    # above the brows hair often covers the forehead: keep only skin-coloured pixels there
    from faceeditor.fit.landmarks import eye_distance
    from faceeditor.fit.skin import sample_skin, skin_like, srgb_to_linear

    skin = sample_skin(image, landmarks)
    brow = landmarks[[105, 334, 66, 296, 70, 300, 63, 293], 1].min() - 0.12 * eye_distance(
        landmarks)
    rows = np.flatnonzero(mask.any(1))
    top = rows[rows < brow]
    if len(top):
        part = srgb_to_linear(image[top].astype(np.float64) / 255.0)
        mask[top] &= skin_like(part.reshape(-1, 3), skin).reshape(part.shape[:2])
    return mask


def _procedural_albedo(params: dict[str, float], size: int = 1024) -> np.ndarray | None:
    from faceeditor.export.textures import skin_albedo

    return skin_albedo(params, size)
