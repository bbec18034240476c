"""Head pose from the face mesh, and the mesh index tables it relies on."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from faceeditor.detect import (
    align_similarity, detect_faces, estimate_pose, face_landmarks, mesh_regions,
)
from faceeditor.detect.pose import _rot_x, _rot_y, pose_from_rotation, to_camera

data = pytest.importorskip("skimage.data")


def landmarks_of(image: np.ndarray) -> np.ndarray:
    faces = detect_faces(image)
    assert faces
    return face_landmarks(image, faces[0])


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return data.astronaut()


@pytest.fixture(scope="module")
def points(astronaut) -> np.ndarray:
    return landmarks_of(astronaut)


@pytest.fixture(scope="module")
def mirrored_points(astronaut) -> np.ndarray:
    """Landmarks of the mirror image, mapped back into the photo's x."""
    flipped = landmarks_of(np.ascontiguousarray(astronaut[:, ::-1]))
    flipped[:, 0] = astronaut.shape[1] - flipped[:, 0]
    return flipped


def test_mirror_pairs_and_midline_match_the_mirror_image(points, mirrored_points):
    regions = mesh_regions()
    iod = np.linalg.norm(points[33, :2] - points[263, :2])  # neighbours on the outline: ~0.15 iod
    for right, left in regions["mirror_pairs_right_left"]:
        assert points[right, 0] < points[left, 0], (right, left)  # subject's right = photo left
        # in the mirror image the subject's right point lands where her left one was
        assert np.linalg.norm(mirrored_points[right, :2] - points[left, :2]) < 0.08 * iod
        assert np.linalg.norm(mirrored_points[left, :2] - points[right, :2]) < 0.08 * iod
    for index in regions["midline"]:
        assert np.linalg.norm(mirrored_points[index, :2] - points[index, :2]) < 0.08 * iod
    assert set(regions["face_oval"]) >= {regions["named"]["chin"], regions["named"]["forehead_top"]}


def test_astronaut_faces_the_camera_and_her_mirror_image_turns_the_other_way(astronaut, points):
    pose = estimate_pose(points)
    assert abs(pose.yaw) < 8 and abs(pose.roll) < 8 and abs(pose.pitch) < 15
    mirrored = estimate_pose(landmarks_of(np.ascontiguousarray(astronaut[:, ::-1])))
    assert mirrored.yaw == pytest.approx(-pose.yaw, abs=3)
    assert mirrored.roll == pytest.approx(-pose.roll, abs=3)
    assert mirrored.pitch == pytest.approx(pose.pitch, abs=2)


@pytest.mark.parametrize("degrees", [30, -25])
def test_roll_follows_the_photo_turned_in_its_plane(astronaut, points, degrees):
    turned = np.asarray(Image.fromarray(astronaut).rotate(degrees, Image.Resampling.BILINEAR,
                                                          center=(222, 128)))
    before, after = estimate_pose(points), estimate_pose(landmarks_of(turned))
    assert after.roll - before.roll == pytest.approx(degrees, abs=3)
    # turning the photo turns the head about the camera axis: the rotations differ by Rz
    a = math.radians(degrees)
    rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    assert np.abs(after.rotation - rz @ before.rotation).max() < 0.06


def test_cameraman_looks_down_toward_the_photos_right():
    grey = data.camera()
    pose = estimate_pose(landmarks_of(np.stack([grey] * 3, axis=-1)))
    assert pose.yaw > 30 and pose.pitch < -10


def test_angles_round_trip_through_the_rotation():
    rz = np.array([[math.cos(0.1), -math.sin(0.1), 0], [math.sin(0.1), math.cos(0.1), 0], [0, 0, 1]])
    rotation = _rot_y(math.radians(35)) @ _rot_x(math.radians(-12)) @ rz
    pose = pose_from_rotation(rotation)
    assert (pose.yaw, pose.pitch, pose.roll) == pytest.approx((35, 12, math.degrees(0.1)))


def test_reference_pose_recovers_a_known_rotation(points):
    camera = to_camera(points)
    true = _rot_y(math.radians(-20)) @ _rot_x(math.radians(-8))
    reference = (camera - camera.mean(axis=0)) @ true / 3.7  # head frame = camera frame turned back
    pose = estimate_pose(points, reference=reference)
    np.testing.assert_allclose(pose.rotation, true, atol=1e-9)
    assert (pose.yaw, pose.pitch) == pytest.approx((-20, 8))
    subset = np.arange(0, 468, 3)
    assert estimate_pose(points, reference[subset], subset).yaw == pytest.approx(-20)


def test_align_similarity_finds_scale_rotation_translation_and_never_a_mirror():
    rng = np.random.default_rng(3)
    source = rng.normal(size=(50, 3))
    rotation = _rot_y(0.7) @ _rot_x(-0.3)
    target = 2.5 * source @ rotation.T + (1.0, -2.0, 3.0)
    scale, found, shift = align_similarity(source, target)
    assert scale == pytest.approx(2.5)
    np.testing.assert_allclose(found, rotation, atol=1e-12)
    np.testing.assert_allclose(shift, (1.0, -2.0, 3.0), atol=1e-12)
    _, proper, _ = align_similarity(source, source * (-1, 1, 1))  # a mirror image
    assert np.linalg.det(proper) == pytest.approx(1.0)
