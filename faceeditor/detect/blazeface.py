"""Face detection with MediaPipe's BlazeFace models (short range and full range).

Recipe (settings from the MediaPipe face-detection model card and graph options):
  1. letterbox the photo into the model's square input (128 px short range, 192 px full range),
     values scaled to [-1, 1];
  2. SSD anchors: fixed-size anchors centred on each feature-map cell; short range has strides
     8 (2 anchors a cell) and 16 (6 a cell) = 896, full range stride 4 (1 a cell) = 2304;
  3. decode the 16 regressor values per anchor: box centre/size and 6 keypoints, offsets in input
     pixels relative to the anchor centre; score = sigmoid(clip(logit, ±100));
  4. drop scores below 0.5 (short) / 0.6 (full), undo the letterbox into photo pixels;
  5. weighted non-maximum suppression (IoU > 0.3 clusters, averaged with score weights).
`faceeditor.detect.detect_faces` then confirms each box with the face mesh's presence score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from .runtime import FULL_RANGE, SHORT_RANGE, load_model

KEYPOINT_NAMES = ("right_eye", "left_eye", "nose_tip", "mouth_center", "right_ear", "left_ear")
"""The 6 keypoints of a FaceBox, the subject's right/left (right eye is on the photo's left)."""

NMS_IOU = 0.3


@dataclass(frozen=True)
class DetectorSpec:
    model: str
    strides: tuple[int, ...]  # one entry per SSD layer
    anchors_per_layer: int  # anchors a layer adds to each cell (aspect ratio 1, + interpolated)
    min_score: float


SPECS = {
    "short": DetectorSpec(SHORT_RANGE, (8, 16, 16, 16), 2, 0.5),
    "full": DetectorSpec(FULL_RANGE, (4,), 1, 0.6),
}


@dataclass(frozen=True, eq=False)
class FaceBox:
    """A detected face in photo pixels (x right, y down, pixel i spans [i, i+1]).

    box: (x0, y0, x1, y1); score: detector confidence in [0, 1];
    keypoints: (6, 2) float32, in KEYPOINT_NAMES order;
    presence: the face mesh's confirmation in [0, 1] (None: not checked).
    """

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray = field(repr=False)
    presence: float | None = None

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def center(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)

    @property
    def area(self) -> float:
        return max(self.width, 0.0) * max(self.height, 0.0)


def detect_boxes(image: np.ndarray, model: str = "auto") -> list[FaceBox]:
    """BlazeFace's detections in an (H, W, 3) uint8 RGB photo, largest first, unconfirmed.

    model: "short" (faces filling a good part of the frame, selfies and portraits), "full"
    (smaller, farther faces, group photos) or "auto" (both: every short-range face, plus the
    full-range faces that overlap none of them by IoU > 0.3).
    """
    small, factor = shrink(_check_image(image))
    return merge_detections([model_boxes(small, factor, name) for name in model_names(model)])


def model_names(model: str) -> tuple[str, ...]:
    names = ("short", "full") if model == "auto" else (model,)
    if any(name not in SPECS for name in names):
        raise ValueError(f"unknown detector model {model!r}; use 'auto', 'short' or 'full'")
    return names


def shrink(image: np.ndarray) -> tuple[np.ndarray, int]:
    """A big photo box-averaged once by an integer factor to >= 2x the largest model input
    (fast, and exact coordinates: small pixel i covers photo pixels [i*f, (i+1)*f))."""
    factor = max(1, max(image.shape[:2]) // (2 * 192))
    if factor == 1:
        return image, 1
    return np.asarray(Image.fromarray(image).reduce(factor)), factor


def model_boxes(small: np.ndarray, factor: int, name: str) -> list[FaceBox]:
    """One model's suppressed detections on `small`, in the photo's pixels.

    The full-range model also looks at square tiles (see `tile_windows`), so faces that are
    small in a wide or large photo (group photos) are found too. A tile's detections that touch
    a cut made by the tile are dropped (another tile sees the whole face); the rest are added,
    best score first, where they overlap no face found in the whole photo or a better tile.
    """
    faces = weighted_nms(*_run_detector(small, SPECS[name]))
    if name == "full":
        height, width = small.shape[:2]
        found = []
        for x0, y0, side in tile_windows(height, width):
            cuts = np.array([x0 > 0, y0 > 0, x0 + side < width, y0 + side < height])
            tile = np.ascontiguousarray(small[y0:y0 + side, x0:x0 + side])
            for face in weighted_nms(*_run_detector(tile, SPECS[name])):
                box = np.array(face.box)
                margin = 0.02 * side
                touching = np.array([box[0] < margin, box[1] < margin,
                                     box[2] > side - margin, box[3] > side - margin])
                if not (touching & cuts).any():
                    found.append(_moved(face, (x0, y0), 1))
        faces = suppress_by_score(found, kept=faces)
    return [_moved(face, (0, 0), factor) for face in faces]


def tile_windows(height: int, width: int) -> list[tuple[int, int, int]]:
    """Square windows (x0, y0, side) of half the photo's short side, overlapping by a third
    (so every face up to a third of the window fits whole in one); none below 96 px."""
    side = min(height, width) // 2
    if side < 96:
        return []
    step = 2 * side / 3
    starts = [np.linspace(0, extent - side, math.ceil((extent - side) / step) + 1)
              for extent in (width, height)]
    return [(int(round(x)), int(round(y)), side) for y in starts[1] for x in starts[0]]


def suppress_by_score(faces: list[FaceBox], kept: list[FaceBox] | None = None) -> list[FaceBox]:
    """`kept` plus `faces` best score first (ties: left, then top), each face dropped where it
    overlaps one kept before it by IoU > 0.3."""
    kept = list(kept or [])
    for face in sorted(faces, key=lambda f: (-f.score, f.box[0], f.box[1])):
        corners = np.array([f.box for f in kept]).reshape(-1, 4)
        if not (_iou(np.array(face.box), corners) > NMS_IOU).any():
            kept.append(face)
    return kept


def _moved(face: FaceBox, offset: tuple[float, float], scale: float) -> FaceBox:
    """The face with offset added, then scaled (tile -> small image -> photo pixels)."""
    shift = np.asarray(offset, np.float64)
    box = (np.asarray(face.box) + np.tile(shift, 2)) * scale
    keypoints = ((face.keypoints.astype(np.float64) + shift) * scale).astype(np.float32)
    return FaceBox(tuple(float(v) for v in box), face.score, keypoints, face.presence)


def merge_detections(groups: list[list[FaceBox]]) -> list[FaceBox]:
    """Faces of all groups, a face dropped where an earlier group's face overlaps it (IoU >
    0.3); largest first (ties: higher score, then left, then top)."""
    faces: list[FaceBox] = []
    for group in groups:
        corners = np.array([f.box for f in faces]).reshape(-1, 4)
        faces += [f for f in group if not (_iou(np.array(f.box), corners) > NMS_IOU).any()]
    return sorted(faces, key=lambda f: (-f.area, -f.score, f.box[0], f.box[1]))


def ssd_anchor_centers(input_size: int, strides: tuple[int, ...], per_layer: int) -> np.ndarray:
    """(N, 2) anchor centres in [0, 1] (x, y), in the model's output order.

    Consecutive layers with the same stride share one feature map; each cell then holds all of
    their anchors. Row-major over cells, anchors of a cell together.
    """
    centers = []
    layer = 0
    while layer < len(strides):
        same = layer
        while same < len(strides) and strides[same] == strides[layer]:
            same += 1
        stride = strides[layer]
        cells = math.ceil(input_size / stride)
        grid = (np.arange(cells, dtype=np.float64) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        cell_centers = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centers.append(np.repeat(cell_centers, (same - layer) * per_layer, axis=0))
        layer = same
    return np.concatenate(centers)


def decode_boxes(raw: np.ndarray, anchors: np.ndarray, input_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Regressor output (N, 16) -> boxes (N, 4) x0,y0,x1,y1 and keypoints (N, 6, 2), in [0, 1]."""
    raw = raw.astype(np.float64) / input_size
    center = raw[:, 0:2] + anchors
    half = raw[:, 2:4] / 2
    boxes = np.concatenate([center - half, center + half], axis=1)
    keypoints = raw[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :]
    return boxes, keypoints


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray,
                 iou_threshold: float = NMS_IOU) -> list[FaceBox]:
    """MediaPipe's weighted suppression: the best remaining detection takes every detection that
    overlaps it by IoU > threshold, and the cluster's boxes/keypoints are averaged with score
    weights (the cluster keeps the best score). Ties in score keep input order (stable sort)."""
    remaining = np.argsort(-scores, kind="stable")
    faces = []
    while remaining.size:
        best = remaining[0]
        overlap = _iou(boxes[best], boxes[remaining])
        cluster = remaining[overlap > iou_threshold]
        if cluster.size == 0:  # a degenerate (zero-area) box overlaps nothing, not even itself
            cluster = remaining[:1]
        weights = scores[cluster] / scores[cluster].sum()
        box = (boxes[cluster] * weights[:, None]).sum(axis=0)
        points = (keypoints[cluster] * weights[:, None, None]).sum(axis=0)
        faces.append(FaceBox(tuple(float(v) for v in box), float(scores[best]),
                             points.astype(np.float32)))
        remaining = remaining[~np.isin(remaining, cluster)]
    return faces


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda b: np.clip(b[..., 2] - b[..., 0], 0, None) * np.clip(b[..., 3] - b[..., 1], 0, None)  # noqa: E731
    union = area(box) + area(others) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def _run_detector(image: np.ndarray, spec: DetectorSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes (N, 4), keypoints (N, 6, 2) in photo pixels and scores (N,) above the threshold."""
    model = load_model(spec.model)
    size = model.input_size[0]
    tensor, scale, pad = letterbox(image, size)
    outputs = model.run(tensor[None])
    raw = next(o for o in outputs if o.shape[-1] == 16).reshape(-1, 16)
    logits = next(o for o in outputs if o.shape[-1] == 1).reshape(-1)
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -100.0, 100.0)))
    keep = scores >= spec.min_score
    anchors = ssd_anchor_centers(size, spec.strides, spec.anchors_per_layer)
    boxes, keypoints = decode_boxes(raw[keep], anchors[keep], size)
    # input-tensor pixels -> photo pixels: undo the padding, then the resize
    boxes = (boxes * size - np.tile(pad, 2)) / np.tile(scale, 2)
    keypoints = (keypoints * size - pad) / scale
    return boxes, keypoints, scores[keep]


def letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The photo scaled to fit a size x size square, centred, black borders, values in [-1, 1].

    Returns (size, size, 3) float32, scale (2,) = resized/original per axis, pad (2,) = left/top
    border in pixels: photo pixel p lands at p * scale + pad.
    """
    height, width = image.shape[:2]
    factor = size / max(width, height)
    new_w, new_h = max(1, round(width * factor)), max(1, round(height * factor))
    resized = Image.fromarray(image).resize((new_w, new_h), Image.Resampling.BILINEAR,
                                            reducing_gap=None)
    canvas = np.full((size, size, 3), -1.0, np.float32)  # black border
    left, top = (size - new_w) // 2, (size - new_h) // 2
    canvas[top:top + new_h, left:left + new_w] = np.asarray(resized, np.float32) / 127.5 - 1.0
    return canvas, np.array([new_w / width, new_h / height]), np.array([left, top], np.float64)


def _check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}; "
                         "read photos with faceeditor.detect.load_photo")
    return np.ascontiguousarray(image)
