"""468 dense face landmarks with MediaPipe's Face Mesh model.

Recipe (settings from the MediaPipe face-mesh model card and graph options):
  1. region of interest from the detection: centre of the box, side = 1.5 x its longer side,
     rotated so the line right eye -> left eye is horizontal;
  2. crop that rotated square to 192x192 RGB in [0, 1] (edges replicated outside the photo);
  3. the model gives 468 (x, y, z) in crop pixels (z: depth at the scale of x, smaller = nearer
     the camera, about 0 at the face's centre plane) and a face-presence logit;
  4. map the points back through the same rotation and scale into photo pixels (z scaled like x);
  5. refine once: a new region from the landmarks themselves (box of all points, rotation from
     the outer eye corners 33 -> 263, 1.5x) and run the model again, as MediaPipe does between
     video frames. The second crop is tighter and better centred, which steadies the points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from .blazeface import FaceBox, _check_image, merge_detections, model_boxes, model_names, shrink
from .runtime import FACE_MESH, load_model

NUM_LANDMARKS = 468
MIN_PRESENCE = 0.5
ROI_SCALE = 1.5
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263  # face-mesh indices used for the rotation


@dataclass(frozen=True)
class Roi:
    """A rotated square in photo pixels: centre (cx, cy), side, angle (radians, y down)."""

    cx: float
    cy: float
    side: float
    angle: float

    def crop_to_photo(self, size: int) -> np.ndarray:
        """(2, 3) affine taking crop pixels (u, v) in a size x size crop to photo pixels."""
        cos, sin, s = math.cos(self.angle), math.sin(self.angle), self.side / size
        return np.array([
            [cos * s, -sin * s, self.cx - 0.5 * self.side * (cos - sin)],
            [sin * s, cos * s, self.cy - 0.5 * self.side * (sin + cos)],
        ])

    def corners(self) -> np.ndarray:
        """(4, 2) corners in photo pixels."""
        uv = np.array([[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], np.float64)
        return uv @ self.crop_to_photo(1).T


@dataclass(frozen=True, eq=False)
class FaceMesh:
    """points: (468, 3) float32 photo pixels (z relative depth, same scale as x);
    presence: the model's face-presence probability; roi: the crop the points came from."""

    points: np.ndarray
    presence: float
    roi: Roi


def detect_faces(image: np.ndarray, model: str = "auto") -> list[FaceBox]:
    """Faces in an (H, W, 3) uint8 RGB photo, largest first (empty list: no face).

    BlazeFace proposes boxes (model: "short" for faces filling much of the frame, "full" for
    small, distant faces, "auto" for both merged); each is kept only if the face mesh, run on
    its crop, is confident a face is there (presence >= 0.5). That second opinion removes the
    detector's low-score false positives (hands, patterns, faces of statues at odd angles).
    """
    image = _check_image(image)
    small, factor = shrink(image)
    groups = []
    for name in model_names(model):  # confirmed per model, so one's false box hides no face
        group = []
        for face in model_boxes(small, factor, name):
            roi = roi_from_detection(face)  # checked on the shrunk photo: same answer, faster
            roi = Roi(roi.cx / factor, roi.cy / factor, roi.side / factor, roi.angle)
            presence = _run_mesh(small, roi).presence
            if presence >= MIN_PRESENCE:
                group.append(replace(face, presence=presence))
        groups.append(group)
    return merge_detections(groups)


def face_landmarks(image: np.ndarray, box: FaceBox) -> np.ndarray:
    """(468, 3) float32 landmarks (x, y photo pixels; z relative depth) of the face in `box`."""
    return face_mesh(image, box).points


def face_mesh(image: np.ndarray, box: FaceBox, refine: bool = True) -> FaceMesh:
    """Landmarks with their presence score and crop; `refine` runs the landmark-based 2nd pass."""
    image = _check_image(image)
    mesh = _run_mesh(image, roi_from_detection(box))
    if refine:
        mesh = _run_mesh(image, roi_from_landmarks(mesh.points))
    return mesh


def roi_from_detection(box: FaceBox) -> Roi:
    """Square region around a detection, rotated by its eye keypoints."""
    (rx, ry), (lx, ly) = box.keypoints[0], box.keypoints[1]
    angle = math.atan2(float(ly - ry), float(lx - rx))
    cx, cy = box.center
    return Roi(cx, cy, ROI_SCALE * max(box.width, box.height), angle)


def roi_from_landmarks(points: np.ndarray) -> Roi:
    """Square region around landmarks: their bounding box, rotated by the outer eye corners."""
    xy = points[:, :2].astype(np.float64)
    (rx, ry), (lx, ly) = xy[RIGHT_EYE_OUTER], xy[LEFT_EYE_OUTER]
    angle = math.atan2(ly - ry, lx - rx)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    center = (lo + hi) / 2
    return Roi(float(center[0]), float(center[1]), ROI_SCALE * float((hi - lo).max()), angle)


def crop(image: np.ndarray, roi: Roi, size: int) -> np.ndarray:
    """The rotated square `roi` resampled to (size, size, 3) uint8, bilinear.

    Pixels outside the photo repeat its edge. A region much larger than `size` is first
    box-averaged by an integer factor, so a face in a 40-megapixel photo is not aliased.
    """
    height, width = image.shape[:2]
    corners = roi.corners()
    x0, y0 = np.floor(corners.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int) + 2
    xs = np.clip(np.arange(x0, x1), 0, width - 1)
    ys = np.clip(np.arange(y0, y1), 0, height - 1)
    region = Image.fromarray(np.ascontiguousarray(image[np.ix_(ys, xs)]))
    factor = max(1, int(roi.side / (2 * size)))
    if factor > 1:
        region = region.reduce(factor)
    affine = roi.crop_to_photo(size)
    affine[:, 2] -= (x0, y0)  # photo pixels -> region pixels
    affine /= factor  # region pixels -> reduced pixels
    patch = region.transform((size, size), Image.Transform.AFFINE, tuple(affine.ravel()),
                             resample=Image.Resampling.BILINEAR)
    return np.asarray(patch)


def _run_mesh(image: np.ndarray, roi: Roi) -> FaceMesh:
    model = load_model(FACE_MESH)
    size = model.input_size[0]
    patch = crop(image, roi, size).astype(np.float32) / 255.0
    outputs = model.run(patch[None])
    raw = next(o for o in outputs if o.size == NUM_LANDMARKS * 3).reshape(NUM_LANDMARKS, 3)
    logit = float(next(o for o in outputs if o.size == 1).ravel()[0])
    affine = roi.crop_to_photo(size)
    raw = raw.astype(np.float64)
    points = np.empty((NUM_LANDMARKS, 3))
    points[:, :2] = raw[:, :2] @ affine[:, :2].T + affine[:, 2]
    points[:, 2] = raw[:, 2] * roi.side / size
    presence = 1.0 / (1.0 + math.exp(-min(max(logit, -100.0), 100.0)))
    return FaceMesh(points.astype(np.float32), presence, roi)
