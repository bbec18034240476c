"""Named points bound to the head's surface, read from a JSON file of ``SurfacePoints``.

The file format (written by ``packaging/build_landmarks.py``)::

    {"format": 1, "model": "anny-head", "asset_version": "1",
     "landmarks": {"prn": {"vertex": 1409, "triangle": 2711, "weights": [1.0, 0.0, 0.0]}, ...}}

``vertex`` is informative; ``triangle`` and ``weights`` are the binding. Any set of named
surface points (anthropometric, iBUG-68, photo correspondences) can use this format and
``read_named_points``. A landmark that is an extreme ("the most lateral point of the cheek")
also has ``candidates`` (vertex ids) and a unit ``direction``: on each head it is the candidate
furthest along the direction (``NamedPoints.positions(..., extremes=True)``).
"""

from __future__ import annotations

import dataclasses
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from faceeditor.model.surface import SurfacePoints

FORMAT_VERSION = 1


class LandmarkFileError(ValueError):
    """A landmarks file is missing, unreadable or of another format."""


@dataclasses.dataclass(frozen=True)
class NamedPoints:
    """Named points on the mesh: ``names[i]`` is bound by ``points[i]``."""

    names: tuple[str, ...]
    points: SurfacePoints
    #: name -> ((K,) candidate vertex ids, (3,) direction) for landmarks that are extremes
    extremes: dict = dataclasses.field(default_factory=dict, compare=False)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"unknown landmark {name!r}; known: {', '.join(self.names)}") from None

    def positions(self, vertices: Any, faces: np.ndarray, extremes: bool = True) -> Any:
        """(N, 3) (or (B, N, 3)) positions in ``names`` order on ``vertices`` ((V, 3) or
        (B, V, 3), numpy or torch). ``extremes``: landmarks with a region are found on this
        head (its support point); else every landmark is its bound surface point."""
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
            pick = along.argmax(-1)  # first maximum: lowest vertex id on ties
            columns.append(_take(region, pick))
        return _stack(columns, bound)


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
    """A file under ``resources/``: the source checkout's when present, else the installed one."""
    checkout = Path(__file__).resolve().parents[2] / "resources" / relative
    if checkout.exists():
        return checkout
    return Path(str(resources.files("faceeditor.resources") / relative))


def read_named_points(path: str | Path, model_id: str | None = None) -> NamedPoints:
    """Read a named-points JSON file (format above); checks the model id when given."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT_VERSION:
            raise LandmarkFileError(f"{path}: format {data.get('format')!r}, expected "
                                    f"{FORMAT_VERSION}")
        if model_id is not None and data.get("model") != model_id:
            raise LandmarkFileError(f"{path} is for model {data.get('model')!r}, not {model_id!r}")
        entries = data["landmarks"]
        names = tuple(entries)
        triangles = [entries[n]["triangle"] for n in names]
        weights = [entries[n]["weights"] for n in names]
        extremes = {n: (np.asarray(e["candidates"], np.int64), np.asarray(e["direction"], float))
                    for n, e in entries.items() if "direction" in e}
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
        raise LandmarkFileError(f"cannot read landmarks from {path}: {error}") from error
    return NamedPoints(names, SurfacePoints(np.array(triangles), np.array(weights)), extremes)


@lru_cache(maxsize=2)
def load_landmarks(path: Path | None = None) -> NamedPoints:
    """The Farkas landmarks of the embedded head model (``resources/anthropometry``)."""
    return read_named_points(path or resource_path("anthropometry/landmarks.json"), "anny-head")
