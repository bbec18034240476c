"""Head pose (yaw, pitch, roll) from the 468 face-mesh landmarks, in closed form.

The face mesh gives x, y in photo pixels and z depth at the same scale (a weak-perspective
camera), so the points are a 3D shape in camera space and the pose is a rotation, found without
iterations or randomness:
  - with a `reference` (the same landmarks on a 3D head, e.g. the mean head's correspondence):
    the least-squares similarity (Umeyama) from the reference to the points;
  - without: the face's own frame. x = mean of the left-minus-right vectors of 26 mirror pairs
    (eyes, mouth corners, brows, the face outline), z = normal of the plane through the face
    outline (forehead top, temples, cheeks, jaw, chin), made orthogonal to x; y = z cross x.
    Zero yaw and roll are exact (symmetry plane facing the camera, eye line level); zero pitch
    means the face outline faces the camera.

Frames: camera x right, y up, z toward the viewer (so photo y and the mesh's z are negated);
head x toward the subject's left, y up, z out of the face (faceeditor's model convention).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .runtime import resource_path


@dataclass(frozen=True, eq=False)
class HeadPose:
    """yaw > 0: the face turns toward the photo's right (the subject's left);
    pitch > 0: the face tilts up; roll > 0: the head turns anticlockwise in the photo (the
    eye line rises to the right). Degrees. rotation: (3, 3) head frame -> camera frame."""

    yaw: float
    pitch: float
    roll: float
    rotation: np.ndarray


@lru_cache(maxsize=1)
def mesh_regions() -> dict:
    """Index sets of the face mesh (resources/detect/face_mesh_regions.json)."""
    path = resource_path("face_mesh_regions.json")
    return json.loads(path.read_text(encoding="utf-8"))


def estimate_pose(points: np.ndarray, reference: np.ndarray | None = None,
                  indices: np.ndarray | None = None) -> HeadPose:
    """Pose of the face whose (468, 3) landmarks are `points` (x, y pixels; z relative depth).

    reference: (K, 3) the landmarks `indices` (K,) (default: all 468) on a 3D head in the head
    frame (any unit); the rotation is then the best similarity from it to the points.
    """
    camera = to_camera(points)
    if reference is not None:
        indices = np.arange(len(camera)) if indices is None else np.asarray(indices)
        _, rotation, _ = align_similarity(np.asarray(reference, np.float64), camera[indices])
    else:
        rotation = face_frame(camera)
    return pose_from_rotation(rotation)


def to_camera(points: np.ndarray) -> np.ndarray:
    """(N, 3) mesh points (x right, y down, z away) -> camera frame (x right, y up, z to viewer)."""
    camera = np.asarray(points, np.float64)[:, :3].copy()
    camera[:, 1:] *= -1.0
    return camera


def face_frame(camera: np.ndarray) -> np.ndarray:
    """(3, 3) rotation whose columns are the face's x, y, z axes in the camera frame."""
    regions = mesh_regions()
    pairs = np.asarray(regions["mirror_pairs_right_left"])
    lateral = (camera[pairs[:, 1]] - camera[pairs[:, 0]]).sum(axis=0)
    x_axis = lateral / np.linalg.norm(lateral)
    outline = camera[regions["face_oval"]]
    _, _, vt = np.linalg.svd(outline - outline.mean(axis=0))
    normal = vt[2] if vt[2, 2] >= 0 else -vt[2]  # the face looks toward the camera
    z_axis = normal - normal.dot(x_axis) * x_axis
    z_axis /= np.linalg.norm(z_axis)
    return np.stack([x_axis, np.cross(z_axis, x_axis), z_axis], axis=1)


def align_similarity(source: np.ndarray, target: np.ndarray,
                     weights: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """Least-squares similarity target ~ scale * rotation @ source + translation (Umeyama 1991).

    source, target: (N, 3); weights: (N,) >= 0 or None. Returns (scale, (3, 3) proper rotation,
    (3,) translation). Closed form (one SVD); reflections are excluded.
    """
    w = np.ones(len(source)) if weights is None else np.asarray(weights, np.float64)
    w = w / w.sum()
    mu_s, mu_t = w @ source, w @ target
    s, t = source - mu_s, target - mu_t
    covariance = (t * w[:, None]).T @ s
    u, sigma, vt = np.linalg.svd(covariance)
    sign = np.ones(3)
    sign[2] = 1.0 if np.linalg.det(u) * np.linalg.det(vt) > 0 else -1.0
    rotation = (u * sign) @ vt
    variance = float(w @ (s * s).sum(axis=1))
    scale = float((sigma * sign).sum() / variance) if variance > 0 else 1.0
    return scale, rotation, mu_t - scale * rotation @ mu_s


def pose_from_rotation(rotation: np.ndarray) -> HeadPose:
    """Yaw, pitch, roll of rotation = Ry(yaw) Rx(-pitch) Rz(roll) (head -> camera frame)."""
    forward = rotation[:, 2]
    yaw = math.atan2(forward[0], forward[2])
    pitch = math.atan2(forward[1], math.hypot(forward[0], forward[2]))
    turn = _rot_y(yaw) @ _rot_x(-pitch)
    in_plane = turn.T @ rotation
    roll = math.atan2(in_plane[1, 0], in_plane[0, 0])
    return HeadPose(math.degrees(yaw), math.degrees(pitch), math.degrees(roll), rotation)


def _rot_x(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _rot_y(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
