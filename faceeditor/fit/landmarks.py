"""Landmark sets bound to the head's surface (``SurfacePoints`` files in resources/fit/).

``mediapipe468()``: MediaPipe's 468 face-mesh landmarks on our head, built by
packaging/build_fit_landmarks.py (see there for how), with a reliability per landmark and the
face-oval landmarks that slide along the silhouette.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import numpy as np

from faceeditor.fileio import resource_file
from faceeditor.model.surface import SurfacePoints

#: Named MediaPipe indices used by the fitter (subject's own left/right).
RIGHT_EYE = (33, 133)
LEFT_EYE = (362, 263)


class LandmarkFileError(RuntimeError):
    """A landmark correspondence file is missing or malformed (a broken install)."""


@dataclasses.dataclass(frozen=True)
class LandmarkSet:
    """Landmarks bound to the head.

    Attributes:
        points: N ``SurfacePoints`` (468 for MediaPipe).
        reliability: (N,) weights in (0, 1]: how consistently the detector finds each point.
        contour: (N,) bool, landmarks on the face outline (they slide along the silhouette).
        contour_order: (M,) the outline landmarks as a closed loop.
    """

    points: SurfacePoints
    reliability: np.ndarray
    contour: np.ndarray
    contour_order: np.ndarray

    def __len__(self) -> int:
        return len(self.points)


def resource_path(name: str) -> Path:
    """A file of resources/fit/ (``fileio.resource_file``)."""
    return resource_file(f"fit/{name}")


@lru_cache(maxsize=2)
def mediapipe468(path: Path | None = None) -> LandmarkSet:
    """The MediaPipe face-mesh correspondence (cached)."""
    path = resource_path("mediapipe468.npz") if path is None else Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            result = LandmarkSet(SurfacePoints.from_arrays(data),
                                 data["reliability"].astype(np.float64),
                                 data["contour"].astype(bool),
                                 data["contour_order"].astype(np.int64))
    except (OSError, KeyError, ValueError) as error:
        raise LandmarkFileError(f"landmark file {path} is unreadable: {error}") from error
    if len(result.points) != 468:
        raise LandmarkFileError(f"{path} has {len(result.points)} landmarks, expected 468")
    return result


@lru_cache(maxsize=1)
def feature_weights() -> np.ndarray:
    """(468,) weight of each MediaPipe landmark in photo fitting
    (resources/fit/mediapipe_features.json: features count fully, generic skin points less)."""
    import json

    path = resource_path("mediapipe_features.json")
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
        weights = np.full(468, float(table["default_weight"]))
        for group in table["groups"].values():
            weights[np.asarray(group["indices"], np.int64)] = float(group["weight"])
    except (OSError, KeyError, ValueError, IndexError) as error:
        raise LandmarkFileError(f"landmark weights {path} are unreadable: {error}") from error
    return weights


def eye_distance(points2d: np.ndarray) -> float:
    """Distance between the two eye centres (mean of each eye's corners) of 468 landmarks."""
    right = points2d[list(RIGHT_EYE), :2].mean(0)
    left = points2d[list(LEFT_EYE), :2].mean(0)
    return float(np.linalg.norm(left - right))


def contour_normals(points2d: np.ndarray, order: np.ndarray) -> np.ndarray:
    """(N, 2) unit normals of the closed outline polygon at its landmarks (zero elsewhere)."""
    normals = np.zeros((len(points2d), 2))
    loop = points2d[order, :2]
    tangent = np.roll(loop, -1, axis=0) - np.roll(loop, 1, axis=0)
    normal = np.stack([tangent[:, 1], -tangent[:, 0]], 1)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
    normals[order] = normal
    return normals
