"""Sizes of a shape change in millimetres, measured on the model: "5 mm wider nose".

``feature_change(model, vector, effect, axis)`` evaluates the head at ``vector`` and with the
concept's full ``effect`` added, takes the vertices the change moves, and returns how much the
extent of that region along ``axis`` grows (mm) and how big the region is now (mm).  The engine
divides the asked-for millimetres by the growth to get the intensity; a percentage is a fraction
of the region's current size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from faceeditor.model.spec import side_of

#: Model coordinates are metres.
MM_PER_UNIT = 1000.0

#: A vertex counts as part of the feature when it moves at least this fraction of the largest
#: displacement.
MOVED_FRACTION = 0.5

#: Axis of a concept by the end of its name (x: width, y: height, z: depth); other concepts use
#: the axis along which the region's extent changes most.
AXIS_BY_SUFFIX = {"_wide": 0, "_narrow": 0, "_long": 1, "_short": 1, "_high": 1, "_low": 1,
                  "_thick": 0, "_thin": 0, "_full": 2, "_flat": 2, "_protruding": 2}


@dataclasses.dataclass(frozen=True)
class FeatureChange:
    """How a concept's full effect changes the feature it acts on.

    Attributes:
        axis: 0 (x, width), 1 (y, height) or 2 (z, depth).
        growth_mm: change of the region's extent along ``axis`` at full intensity (signed).
        size_mm: the region's current extent along ``axis``.
    """

    axis: int
    growth_mm: float
    size_mm: float


def concept_axis(name: str) -> int | None:
    return next((axis for suffix, axis in AXIS_BY_SUFFIX.items() if name.endswith(suffix)), None)


def feature_change(model, vector: np.ndarray, effect: Mapping[str, float],
                   axis: int | None = None) -> FeatureChange | None:
    """The size change of ``effect`` (parameter units, full intensity) on the head ``vector``.

    Args:
        model: the face model.
        vector: (P,) current parameter values.
        effect: {parameter: change}; names the model lacks are ignored.
        axis: the axis to measure along (None: the one that changes most).
    Returns:
        FeatureChange, or None when the effect moves nothing measurable.
    """
    spec = model.spec
    changed = np.array(vector, np.float32)
    for name, value in effect.items():
        if name in spec:
            p = spec[name]
            changed[p.index] = np.clip(changed[p.index] + value, p.minimum, p.maximum)
    before = model.vertices(np.asarray(vector, np.float32)[None])[0]
    after = model.vertices(changed[None])[0]
    shift = after - before
    moved = np.linalg.norm(shift, axis=1)
    if moved.max() * MM_PER_UNIT < 1e-3:
        return None
    region = moved >= MOVED_FRACTION * moved.max()
    if any(side_of(name) is not None for name in effect):
        region &= before[:, 0] > 0  # a pair (both ears): measure one of them
    points, moves = before[region], shift[region]
    # growth along an axis: how far the region's two sides move apart (each side outward)
    centre = 0.5 * (points.min(axis=0) + points.max(axis=0))
    outward = np.sign(points - centre)
    growth = 2.0 * np.mean(moves * outward, axis=0) * MM_PER_UNIT
    size = np.ptp(points, axis=0) * MM_PER_UNIT
    if axis is None:
        axis = int(np.argmax(np.abs(growth)))
    if abs(growth[axis]) < 1e-3:
        return None
    return FeatureChange(axis, float(growth[axis]), float(size[axis]))
