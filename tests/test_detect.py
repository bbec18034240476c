"""Photo input: loading photos, BlazeFace detection and the 468-point face mesh on real photos."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceeditor.detect import (
    KEYPOINT_NAMES, FaceBox, PhotoError, detect_faces, draw_landmarks, face_landmarks, face_mesh,
    load_photo,
)
from faceeditor.detect.blazeface import SPECS, detect_boxes, ssd_anchor_centers, weighted_nms

data = pytest.importorskip("skimage.data")

REFERENCE = Path(__file__).with_name("data") / "mediapipe_reference.npz"
NOSE_TIP, RIGHT_EYE_OUTER, RIGHT_EYE_INNER, LEFT_EYE_INNER, LEFT_EYE_OUTER = 1, 33, 133, 362, 263
UPPER_LIP, LOWER_LIP, CHIN, FOREHEAD = 13, 14, 152, 10


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return data.astronaut()


@pytest.fixture(scope="module")
def face(astronaut) -> FaceBox:
    faces = detect_faces(astronaut)
    assert len(faces) == 1
    return faces[0]


@pytest.fixture(scope="module")
def landmarks(astronaut, face) -> np.ndarray:
    return face_landmarks(astronaut, face)


def rotate_points(points: np.ndarray, degrees: float, center: tuple[float, float]) -> np.ndarray:
    """Where points land when the photo is turned `degrees` anticlockwise about `center` (PIL)."""
    a = math.radians(degrees)
    d = points[:, :2] - center
    return np.stack([center[0] + d[:, 0] * math.cos(a) + d[:, 1] * math.sin(a),
                     center[1] - d[:, 0] * math.sin(a) + d[:, 1] * math.cos(a)], axis=1)


# --- detection ------------------------------------------------------------------------------

def test_astronaut_has_one_face_boxed_around_her_face(face):
    x0, y0, x1, y1 = face.box
    # Her face (hand-measured on the 512x512 photo): eyes at y~101-108, chin at y~176,
    # cheeks at x~180 and x~270; the box must hold them and not much more.
    assert 165 < x0 < 195 and 255 < x1 < 290
    assert 60 < y0 < 100 and 160 < y1 < 195
    assert 0.8 < face.width / face.height < 1.25
    assert face.score > 0.8


def test_keypoints_sit_on_her_eyes_nose_and_mouth(face):
    k = dict(zip(KEYPOINT_NAMES, face.keypoints))
    # Pupils hand-measured at (203, 101) and (247, 108); nose tip ~(222, 128); mouth ~(220, 146).
    assert np.linalg.norm(k["right_eye"] - (203, 101)) < 6
    assert np.linalg.norm(k["left_eye"] - (247, 108)) < 6
    assert np.linalg.norm(k["nose_tip"] - (222, 128)) < 8
    assert np.linalg.norm(k["mouth_center"] - (220, 146)) < 8
    assert k["right_ear"][0] < k["right_eye"][0] < k["left_eye"][0] < k["left_ear"][0]


def test_both_detectors_find_her_and_agree(astronaut, face):
    for model in ("short", "full"):
        (single,) = detect_faces(astronaut, model=model)
        assert np.abs(np.subtract(single.box, face.box)).max() < 15, model


def test_several_faces_come_largest_first(astronaut):
    group = Image.new("RGB", (1100, 512), (128, 128, 128))
    group.paste(Image.fromarray(astronaut).resize((300, 300), Image.Resampling.LANCZOS), (0, 200))
    group.paste(Image.fromarray(astronaut), (560, 0))
    faces = detect_faces(np.asarray(group))
    assert len(faces) == 2
    big, small = faces
    assert big.center[0] > 560 and small.center[0] < 300
    assert big.area / small.area == pytest.approx((512 / 300) ** 2, rel=0.25)


def test_no_face_gives_an_empty_list():
    assert detect_faces(data.coffee()) == []
    assert detect_faces(np.full((300, 400, 3), 128, np.uint8)) == []


def test_letterboxed_wide_and_tall_photos_give_the_same_box(astronaut, face):
    for framed in (astronaut[:, 100:400], astronaut[40:260]):  # tall, then wide
        (cropped,) = detect_faces(framed)
        offset = (100, 0) if framed.shape[1] == 300 else (0, 40)
        moved = np.add(cropped.box, offset * 2)
        assert np.abs(moved - face.box).max() < 8


def test_anchor_layout_matches_the_model_outputs():
    short = ssd_anchor_centers(128, SPECS["short"].strides, SPECS["short"].anchors_per_layer)
    full = ssd_anchor_centers(192, SPECS["full"].strides, SPECS["full"].anchors_per_layer)
    assert short.shape == (896, 2) and full.shape == (2304, 2)
    # stride 8: 16x16 cells, 2 anchors each, row-major; then stride 16: 8x8 cells, 6 each
    np.testing.assert_allclose(short[0], short[1])
    np.testing.assert_allclose(short[:2], [[0.5 / 16, 0.5 / 16]] * 2)
    np.testing.assert_allclose(short[2], [1.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(short[512:518], [[0.5 / 8, 0.5 / 8]] * 6)
    np.testing.assert_allclose(short[-1], [7.5 / 8, 7.5 / 8])
    np.testing.assert_allclose(full[48], [0.5 / 48, 1.5 / 48])


def test_weighted_nms_averages_overlapping_boxes_by_score():
    boxes = np.array([[0, 0, 10, 10], [2, 0, 12, 10], [50, 50, 60, 60]], float)
    keypoints = np.zeros((3, 6, 2))
    keypoints[1] += 3.0
    scores = np.array([0.6, 0.9, 0.7])
    faces = weighted_nms(boxes, keypoints, scores)
    assert [f.score for f in faces] == [0.9, 0.7]
    np.testing.assert_allclose(faces[0].box, [1.2, 0, 11.2, 10])  # (0.6*0 + 0.9*2) / 1.5
    np.testing.assert_allclose(faces[0].keypoints, 1.8, rtol=1e-6)
    assert faces[1].box == (50, 50, 60, 60)


# --- landmarks ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["astronaut", "camera", "astronaut_turned30"])
def test_same_answers_as_mediapipes_own_pipeline(name):
    """Our anchors, decoding, crops and back-projection against MediaPipe 0.10.21 itself on the
    same models (tests/data/make_mediapipe_reference.py). Left differences: resampling (ours is
    antialiased) moves boxes and points by a pixel or two."""
    reference = np.load(REFERENCE)
    image = {"astronaut": data.astronaut(), "camera": np.stack([data.camera()] * 3, axis=-1),
             "astronaut_turned30": np.asarray(Image.fromarray(data.astronaut()).rotate(
                 30, Image.Resampling.BILINEAR, center=(256, 256)))}[name]
    for model in ("short", "full"):
        box = detect_boxes(image, model)[0]
        width = box.width
        assert np.abs(np.subtract(box.box, reference[f"{name}/{model}/box"])).max() < 0.05 * width
        offsets = np.linalg.norm(box.keypoints - reference[f"{name}/{model}/keypoints"], axis=1)
        if name != "camera":  # his face is half profile: its keypoints move ~10 px with resampling
            assert np.median(offsets) < 0.04 * width and offsets.max() < 0.08 * width
    expected = reference[f"{name}/mesh"]
    # MediaPipe's static-image pipeline: short-range box, one mesh pass
    mesh = face_mesh(image, detect_boxes(image, "short")[0], refine=False)
    error = np.linalg.norm(mesh.points[:, :2] - expected[:, :2], axis=1)
    assert np.median(error) < 0.025 * width and error.max() < 0.1 * width
    assert np.corrcoef(mesh.points[:, 2], expected[:, 2])[0, 1] > 0.99
    assert np.std(mesh.points[:, 2]) / np.std(expected[:, 2]) == pytest.approx(1.0, abs=0.05)
    # ours by default (both detectors, mesh check, a refining pass) stays as close
    refined = face_landmarks(image, detect_faces(image)[0])
    assert np.median(np.linalg.norm(refined[:, :2] - expected[:, :2], axis=1)) < 0.025 * width


def test_landmarks_land_on_her_features(landmarks, face):
    assert landmarks.shape == (468, 3) and landmarks.dtype == np.float32
    k = dict(zip(KEYPOINT_NAMES, face.keypoints))
    p = landmarks[:, :2]
    # the mesh and the detector are different models: their eyes, nose and mouth must agree
    assert np.linalg.norm((p[RIGHT_EYE_OUTER] + p[RIGHT_EYE_INNER]) / 2 - k["right_eye"]) < 5
    assert np.linalg.norm((p[LEFT_EYE_OUTER] + p[LEFT_EYE_INNER]) / 2 - k["left_eye"]) < 5
    assert np.linalg.norm(p[NOSE_TIP] - k["nose_tip"]) < 8
    assert np.linalg.norm((p[UPPER_LIP] + p[LOWER_LIP]) / 2 - k["mouth_center"]) < 6
    # anatomy: eye corners left-to-right in the photo, top-to-bottom forehead > eyes > nose >
    # lips > chin, lips open a little (upper above lower), nose tip nearest the camera
    assert p[RIGHT_EYE_OUTER, 0] < p[RIGHT_EYE_INNER, 0] < p[LEFT_EYE_INNER, 0] < p[LEFT_EYE_OUTER, 0]
    assert p[FOREHEAD, 1] < p[RIGHT_EYE_OUTER, 1] < p[NOSE_TIP, 1] < p[UPPER_LIP, 1]
    assert p[UPPER_LIP, 1] < p[LOWER_LIP, 1] < p[CHIN, 1]
    assert NOSE_TIP in np.argsort(landmarks[:, 2])[:5]
    # chin hand-measured at (220, 176)
    assert np.linalg.norm(p[CHIN] - (220, 176)) < 8


def test_landmarks_follow_a_tilted_head(astronaut, landmarks):
    """Rotated crops: turn the photo 30 degrees, the points turn with it."""
    center = (256.0, 256.0)
    turned = np.asarray(Image.fromarray(astronaut).rotate(30, Image.Resampling.BILINEAR,
                                                          center=center))
    (tilted,) = detect_faces(turned)
    points = face_landmarks(turned, tilted)
    expected = rotate_points(landmarks, 30, center)
    error = np.linalg.norm(points[:, :2] - expected, axis=1)
    assert np.median(error) < 2.0 and error.max() < 8.0


def test_large_photo_gives_the_same_landmarks_scaled(astronaut, landmarks):
    big = np.asarray(Image.fromarray(astronaut).resize((3072, 3072), Image.Resampling.BICUBIC))
    faces = detect_faces(big)
    assert len(faces) == 1
    points = face_landmarks(big, faces[0])
    error = np.linalg.norm(points[:, :2] / 6 - landmarks[:, :2], axis=1)
    assert np.median(error) < 1.0
    np.testing.assert_allclose(points[:, 2] / 6, landmarks[:, 2], atol=2.5)


def test_face_partly_outside_the_photo_still_gets_landmarks(astronaut, landmarks):
    cut = astronaut[:, 200:]  # the right half of her face only
    faces = detect_faces(cut)
    assert faces
    mesh = face_mesh(cut, faces[0])
    assert mesh.presence > 0.5
    visible = landmarks[:, 0] > 215
    error = np.linalg.norm(mesh.points[visible, :2] + (200, 0) - landmarks[visible, :2], axis=1)
    assert np.median(error) < 6.0


def test_landmarks_are_repeatable(astronaut, face, landmarks):
    np.testing.assert_array_equal(face_landmarks(astronaut.copy(), face), landmarks)


def test_draw_landmarks_marks_the_points_and_leaves_the_photo_alone(astronaut, face, landmarks):
    before = astronaut.copy()
    drawn = draw_landmarks(astronaut, landmarks, box=face)
    np.testing.assert_array_equal(astronaut, before)
    assert drawn.shape == astronaut.shape and drawn.dtype == np.uint8
    x, y = np.round(landmarks[NOSE_TIP, :2] - 0.5).astype(int)
    assert tuple(drawn[y, x]) == (64, 255, 96)
    assert (drawn != astronaut).any(axis=2).sum() < 0.3 * 512 * 512


# --- loading photos -------------------------------------------------------------------------

def test_exif_rotated_photo_is_turned_upright(tmp_path, astronaut, landmarks):
    """The file stores the photo lying on its side with EXIF orientation 6 (rotate 90 deg CW)."""
    path = tmp_path / "sideways.webp"
    stored = Image.fromarray(np.rot90(astronaut))  # turned 90 deg anticlockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(path, lossless=True, exif=exif)
    loaded = load_photo(path)
    np.testing.assert_array_equal(loaded, astronaut)
    (face,) = detect_faces(loaded)
    np.testing.assert_allclose(face_landmarks(loaded, face), landmarks, atol=1e-3)
    # without the EXIF tag the same pixels are a sideways face, whose landmarks are hers turned
    plain = tmp_path / "plain.png"
    stored.save(plain)
    sideways = load_photo(plain)
    assert sideways.shape == (512, 512, 3)
    assert len(detect_boxes(sideways)) > 1  # BlazeFace alone: the face and weak false ones
    (face,) = detect_faces(sideways)  # the face mesh's presence check drops the false ones
    assert face.presence > 0.9
    points = face_landmarks(sideways, face)
    expected = rotate_points(landmarks, 90, (256.0, 256.0))
    assert np.median(np.linalg.norm(points[:, :2] - expected, axis=1)) < 3.0


@pytest.mark.parametrize("mode, suffix", [("L", ".png"), ("CMYK", ".jpg"), ("RGBA", ".png"),
                                          ("P", ".png"), ("I;16", ".png"), ("RGB", ".webp")])
def test_any_colour_mode_loads_as_rgb_and_finds_her(tmp_path, astronaut, face, mode, suffix):
    image = Image.fromarray(astronaut)
    if mode == "I;16":
        grey = np.asarray(image.convert("L"), np.uint16) * 257
        image = Image.fromarray(grey)
        assert image.mode.startswith("I;16")
    elif mode == "RGBA":
        image = image.convert("RGBA")
        alpha = np.full((512, 512), 255, np.uint8)
        alpha[:, 400:] = 0  # a transparent strip on the right
        image.putalpha(Image.fromarray(alpha))
    elif mode == "P":
        image = image.quantize(256)
    else:
        image = image.convert(mode)
    path = tmp_path / f"photo{suffix}"
    image.save(path, quality=95)
    loaded = load_photo(path)
    assert loaded.shape == (512, 512, 3) and loaded.dtype == np.uint8
    if mode in ("L", "I;16"):
        grey = np.asarray(Image.fromarray(astronaut).convert("L"))
        assert np.abs(loaded[..., 0].astype(int) - grey).max() <= 1
        assert (loaded[..., 0] == loaded[..., 2]).all()
    elif mode == "RGBA":
        assert (loaded[:, 400:] == 255).all()  # transparent becomes white
        np.testing.assert_array_equal(loaded[:, :400], astronaut[:, :400])
    else:
        assert np.abs(loaded.astype(int) - astronaut).mean() < 12
    (found,) = detect_faces(loaded)
    assert np.abs(np.subtract(found.box, face.box)).max() < 8


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"this is a text file, not a picture\n" * 20, "is not a readable image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200), "is not a readable image"),
])
def test_bad_files_raise_one_line_photo_errors(tmp_path, content, message):
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    with pytest.raises(PhotoError, match=message) as caught:
        load_photo(path)
    text = str(caught.value)
    assert "photo.jpg" in text and "\n" not in text


def test_truncated_tiny_missing_and_folder_inputs(tmp_path, astronaut):
    whole = tmp_path / "whole.jpg"
    Image.fromarray(astronaut).save(whole)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[:4000])
    tiny = tmp_path / "tiny.png"
    Image.fromarray(astronaut[:20, :30]).save(tiny)
    for path, message in [(cut, "cut.jpg is damaged or truncated"),
                          (tiny, r"tiny.png is too small \(30x20 pixels"),
                          (tmp_path / "nope.jpg", "nope.jpg: no such file"),
                          (tmp_path, "is a folder")]:
        with pytest.raises(PhotoError, match=message):
            load_photo(path)
    assert isinstance(PhotoError("x"), ValueError)


def test_max_side_scales_big_photos_down_and_small_ones_not(tmp_path, astronaut):
    path = tmp_path / "big.jpg"
    big = Image.fromarray(astronaut).resize((2000, 1600), Image.Resampling.BICUBIC)
    big.save(path, quality=95)
    small = load_photo(path, max_side=500)
    assert small.shape == (400, 500, 3)
    expected = np.asarray(big.resize((500, 400), Image.Resampling.LANCZOS), np.int16)
    assert np.abs(small.astype(np.int16) - expected).mean() < 3
    assert load_photo(path, max_side=4000).shape == (1600, 2000, 3)
    sideways = tmp_path / "sideways.jpg"  # EXIF-rotated: the limit applies to the upright photo
    exif = Image.Exif()
    exif[0x0112] = 6
    big.save(sideways, quality=95, exif=exif)
    assert load_photo(sideways, max_side=500).shape == (500, 400, 3)


def test_detector_rejects_arrays_that_are_not_rgb_photos():
    with pytest.raises(ValueError, match="uint8 RGB"):
        detect_faces(np.zeros((64, 64), np.uint8))
    with pytest.raises(ValueError, match="unknown detector model"):
        detect_faces(np.zeros((64, 64, 3), np.uint8), model="tiny")
