"""The Farkas landmarks (``resources/landmarks/farkas.json``, a landmark set of
``faceeditor.model.landmarks``) with the regions of the landmarks that are extremes.

The file's ``names``/``triangles``/``weights`` bind every landmark to the surface (as every
landmark set does); its ``extremes`` entry gives, for a landmark such as "the most lateral point
of the cheek", the candidate vertices and a unit direction: on each head that landmark is the
candidate furthest along the direction (``NamedPoints.positions(..., extremes=True)``), as a
caliper would find it. Written by ``packaging/build_farkas_landmarks.py``.
"""

from __future__ import annotations

import dataclasses
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from faceeditor.fileio import resource_file
from faceeditor.model.landmarks import LandmarkError, landmarks_path, load_landmarks
from faceeditor.model.surface import SurfacePoints

SET_NAME = "farkas"
#: Metres: a landmark that is an extreme blends the candidates within about this much of the
#: furthest one (``NamedPoints.positions``). The head's vertices are 2-4 mm apart where the
#: calipers touch (chin, columella, nasion), so the furthest vertex alone jumps by that much
#: between nearly equal heads, a step the prior's fit cannot see in its linear model.
SOFTNESS = 0.0005



@dataclasses.dataclass(frozen=True, eq=False)
class NamedPoints:
    """Named points on the mesh: ``names[i]`` is bound by ``points[i]``; ``extremes`` maps a
    name to ((K,) candidate vertex ids, (3,) direction) for landmarks that are extremes."""

    names: tuple[str, ...]
    points: SurfacePoints
    extremes: dict = dataclasses.field(default_factory=dict)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"unknown landmark {name!r}; known: {', '.join(self.names)}") from None

    def positions(self, vertices: Any, faces: np.ndarray, extremes: bool = True,
                  softness: float = SOFTNESS) -> Any:
        """(N, 3) (or (B, N, 3)) positions in ``names`` order on ``vertices`` in metres ((V, 3)
        or (B, V, 3), numpy or torch). ``extremes``: landmarks with a region are found on this
        head (its support point, blended over the candidates within about ``softness`` metres
        of the furthest; 0: the furthest vertex itself); else every landmark is its bound
        surface point."""
        bound = self.points.positions(vertices, faces)
        if not extremes or not self.extremes:
            return bound
        columns = []
        for i, name in enumerate(self.names):
            if name not in self.extremes:
                columns.append(bound[..., i, :])
                continue
            candidates, direction = self.extremes[name]
            region = vertices[..., candidates, :]  # (..., K, 3)
            along = (region * _like(direction, region)).sum(-1)  # (..., K)
            if softness <= 0:
                pick = along.argmax(-1)  # first maximum: lowest vertex id on ties
                columns.append(_take(region, pick))
            else:
                columns.append(_soft_support(region, along, softness))
        return _stack(columns, bound)


def _soft_support(region: Any, along: Any, softness: float) -> Any:
    """(..., 3) the candidates ``region`` (..., K, 3) averaged with weights exp((along -
    max along) / softness): a caliper's contact on the smooth skin the mesh approximates, which
    moves continuously where the furthest vertex jumps to a neighbour."""
    if isinstance(region, np.ndarray):
        weights = np.exp((along - along.max(-1, keepdims=True)) / softness)
        weights /= weights.sum(-1, keepdims=True)
        return (weights[..., None] * region).sum(-2)
    import torch

    weights = torch.softmax(along / softness, -1)
    return (weights[..., None] * region).sum(-2)


def _like(array: np.ndarray, like: Any) -> Any:
    if isinstance(like, np.ndarray):
        return array.astype(like.dtype, copy=False)
    import torch

    return torch.as_tensor(array, dtype=like.dtype, device=like.device)


def _take(region: Any, pick: Any) -> Any:
    """region (..., K, 3), pick (...) -> (..., 3)."""
    if isinstance(region, np.ndarray):
        return np.take_along_axis(region, pick[..., None, None], axis=-2)[..., 0, :]
    index = pick[..., None, None].expand(*pick.shape, 1, 3)
    return region.gather(-2, index)[..., 0, :]


def _stack(columns: list, like: Any) -> Any:
    if isinstance(like, np.ndarray):
        return np.stack(columns, -2)
    import torch

    return torch.stack(columns, -2)


def resource_path(relative: str) -> Path:
    """A file under ``resources/`` (``fileio.resource_file``)."""
    return resource_file(relative)


@lru_cache(maxsize=2)
def farkas_landmarks(path: Path | None = None) -> NamedPoints:
    """The Farkas landmarks of the embedded head model, with their extreme regions."""
    path = landmarks_path(SET_NAME) if path is None else Path(path)
    bound = load_landmarks(SET_NAME, path)
    try:
        entries = json.loads(path.read_text(encoding="utf-8")).get("extremes", {})
        extremes = {name: (np.asarray(e["candidates"], np.int64),
                           np.asarray(e["direction"], np.float64))
                    for name, e in entries.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise LandmarkError(f"cannot read the extremes of {path}: {error}") from None
    unknown = set(extremes) - set(bound.names)
    if unknown:
        raise LandmarkError(f"{path}: extremes for unknown landmarks {sorted(unknown)}")
    return NamedPoints(bound.names, bound.points, extremes)
