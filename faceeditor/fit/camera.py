"""The photo's camera and the head's pose in it.

Camera space: the eye at the origin looking down -Z, +Y up, +X right (OpenGL's, as
``render.camera.Camera``). A model-space point X (metres) lands at ``R X + t``; a pinhole with
focal length ``f`` pixels and principal point at the image centre maps it to pixel
(column, row) = (cx + f x / -z, cy - f y / -z), rows top first, pixel i spanning [i, i + 1]
(the detector's convention).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

#: Focal length in units of the image's longer side when nothing else is known (~45 degrees).
DEFAULT_FOCAL = 1.2
#: Heads are assumed no closer than this (metres): a tight crop of a face means a longer lens.
MIN_DISTANCE = 0.6
#: Average adult inter-ocular distance (outer eye corners are ~90 mm apart; pupils ~63 mm).
PUPIL_DISTANCE = 0.063


def rotation_matrix(rotvec: np.ndarray) -> np.ndarray:
    """(3,) axis * angle (radians) -> (3, 3) rotation (Rodrigues)."""
    rotvec = np.asarray(rotvec, np.float64)
    angle = float(np.linalg.norm(rotvec))
    if angle < 1e-12:
        return np.eye(3)
    k = rotvec / angle
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(angle) * cross + (1 - math.cos(angle)) * cross @ cross


def rotation_vector(matrix: np.ndarray) -> np.ndarray:
    """(3, 3) rotation -> (3,) axis * angle (inverse of ``rotation_matrix``)."""
    matrix = np.asarray(matrix, np.float64)
    cos = min(max((np.trace(matrix) - 1) / 2, -1.0), 1.0)
    angle = math.acos(cos)
    if angle < 1e-9:
        return np.zeros(3)
    axis = np.array([matrix[2, 1] - matrix[1, 2], matrix[0, 2] - matrix[2, 0],
                     matrix[1, 0] - matrix[0, 1]])
    if math.sin(angle) < 1e-6:  # ~180 degrees: the axis from the symmetric part
        values, vectors = np.linalg.eigh((matrix + np.eye(3)) / 2)
        return vectors[:, -1] * angle
    return axis / (2 * math.sin(angle)) * angle


def euler_degrees(rotvec: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees of a head rotation: yaw turns toward the head's left."""
    m = rotation_matrix(rotvec)
    yaw = math.degrees(math.atan2(m[0, 2], m[2, 2]))
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, -m[1, 2]))))
    roll = math.degrees(math.atan2(m[1, 0], m[1, 1]))
    return yaw, pitch, roll


@dataclasses.dataclass(frozen=True)
class PhotoCamera:
    """A pinhole camera of a ``width`` x ``height`` photo, focal length in pixels."""

    width: int
    height: int
    focal: float

    @classmethod
    def for_photo(cls, width: int, height: int, eye_distance_px: float | None = None
                  ) -> PhotoCamera:
        """The default lens for a photo; longer when the eyes are far apart in pixels (a crop)."""
        focal = DEFAULT_FOCAL * max(width, height)
        if eye_distance_px:
            focal = max(focal, eye_distance_px * MIN_DISTANCE / PUPIL_DISTANCE)
        return cls(int(width), int(height), float(focal))

    @property
    def centre(self) -> tuple[float, float]:
        return self.width / 2.0, self.height / 2.0

    @property
    def fov_y(self) -> float:
        """Vertical field of view in degrees (for ``render.camera.Camera``)."""
        return math.degrees(2 * math.atan(self.height / 2.0 / self.focal))

    def project(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) camera-space points -> (..., 2) pixel (column, row)."""
        cx, cy = self.centre
        depth = np.maximum(-points[..., 2], 1e-6)
        return np.stack([cx + self.focal * points[..., 0] / depth,
                         cy - self.focal * points[..., 1] / depth], -1)

    def project_jacobian(self, points: np.ndarray) -> np.ndarray:
        """(N, 2, 3) derivative of ``project`` by the camera-space point."""
        x, y, z = points[:, 0], points[:, 1], points[:, 2]
        depth = np.maximum(-z, 1e-6)
        f = self.focal
        out = np.zeros((len(points), 2, 3))
        out[:, 0, 0] = f / depth
        out[:, 0, 2] = f * x / depth ** 2
        out[:, 1, 1] = -f / depth
        out[:, 1, 2] = -f * y / depth ** 2
        return out

    def render_camera(self, near: float = 0.05, far: float = 20.0):
        """The same camera as a ``render.camera.Camera`` (render at width x height pixels)."""
        from faceeditor.render.camera import Camera

        return Camera(eye=(0.0, 0.0, 0.0), target=(0.0, 0.0, -1.0), up=(0.0, 1.0, 0.0),
                      fov_y=self.fov_y, near=near, far=far)

    def to_json(self) -> dict:
        return {"width": self.width, "height": self.height, "focal": self.focal}


@dataclasses.dataclass(frozen=True)
class HeadPose:
    """Rigid pose of the head in camera space: ``R X + t`` (rotation vector, metres)."""

    rotvec: np.ndarray
    translation: np.ndarray

    @property
    def matrix(self) -> np.ndarray:
        return rotation_matrix(self.rotvec)

    def apply(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) model-space points (metres) -> camera space."""
        return points @ self.matrix.T + self.translation

    def as_vector(self) -> np.ndarray:
        return np.concatenate([self.rotvec, self.translation]).astype(np.float64)

    @classmethod
    def from_vector(cls, vector: np.ndarray) -> HeadPose:
        vector = np.asarray(vector, np.float64)
        return cls(vector[:3].copy(), vector[3:6].copy())

    def to_json(self) -> dict:
        yaw, pitch, roll = euler_degrees(self.rotvec)
        return {"rotvec": [float(v) for v in self.rotvec],
                "translation": [float(v) for v in self.translation],
                "yaw": yaw, "pitch": pitch, "roll": roll}
