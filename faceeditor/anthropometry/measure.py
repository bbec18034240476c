"""Head and face measurements in millimetres from the Farkas landmarks.

The measurement table is data (``resources/anthropometry/measurements.csv``): a ``distance`` is
the straight (caliper) distance between two landmarks, ``a_*``/``b_*`` meaning the mean of the
left and right sides; an ``index`` is ``100 * a / b`` of two distances.

    measure(model.evaluate(params))          # {"head_length": 187.2, ...} for one head
    measure_batch(model.vertices(vectors))   # {"head_length": (B,) array, ...}
"""

from __future__ import annotations

import csv
import dataclasses
from functools import lru_cache
from typing import Any

import numpy as np

from faceeditor.anthropometry.landmarks import NamedPoints, farkas_landmarks, resource_path
from faceeditor.model.mesh import FaceMesh

MM_PER_METRE = 1000.0


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One row of the measurement table."""

    name: str
    kind: str  # "distance" or "index"
    a: str
    b: str
    label: str

    def sides(self) -> list[tuple[str, str]]:
        """The landmark pairs whose distances are averaged (two for ``x_*`` bilateral rows)."""
        if self.a.endswith("_*"):
            return [(self.a[:-1] + s, self.b[:-1] + s) for s in ("l", "r")]
        return [(self.a, self.b)]


@lru_cache(maxsize=1)
def measurements() -> tuple[Measurement, ...]:
    """Every measurement, in table order."""
    with open(resource_path("anthropometry/measurements.csv"), encoding="utf-8", newline="") as f:
        return tuple(Measurement(**row) for row in csv.DictReader(f))


def measurement_names() -> tuple[str, ...]:
    return tuple(m.name for m in measurements())


def _faces_of_model():
    from faceeditor.model.asset import load_asset

    return load_asset().faces


def measure_batch(vertices: Any, faces: np.ndarray | None = None,
                  landmarks: NamedPoints | None = None) -> dict[str, Any]:
    """{name: (B,) array in mm} for (B, V, 3) vertices in metres (numpy or torch; (V, 3) gives
    scalars as 0-d arrays). ``faces`` default to the embedded model's."""
    landmarks = landmarks or farkas_landmarks()
    faces = _faces_of_model() if faces is None else faces
    xyz = landmarks.positions(vertices, faces) * MM_PER_METRE  # (..., N, 3)
    where = {name: i for i, name in enumerate(landmarks.names)}
    out: dict[str, Any] = {}
    for m in measurements():
        if m.kind == "distance":
            total = 0
            for a, b in m.sides():
                d = xyz[..., where[a], :] - xyz[..., where[b], :]
                total = total + ((d * d).sum(-1)) ** 0.5
            out[m.name] = total / len(m.sides())
        elif m.kind == "index":
            out[m.name] = 100.0 * out[m.a] / out[m.b]
        else:
            raise ValueError(f"measurement {m.name}: unknown kind {m.kind!r}")
    return out


def measure(mesh_or_vertices: FaceMesh | Any) -> dict[str, float]:
    """{name: value in mm (indices: percent)} of one head: a ``FaceMesh`` or (V, 3) vertices in
    metres of the embedded model's topology."""
    if isinstance(mesh_or_vertices, FaceMesh):
        vertices, faces = mesh_or_vertices.vertices, mesh_or_vertices.faces
    else:
        vertices, faces = mesh_or_vertices, None
    vertices = np.asarray(vertices, np.float64)
    if vertices.ndim != 2 or vertices.shape[1] != 3:
        raise ValueError(f"vertices must be (V, 3), got {vertices.shape}")
    return {name: float(value) for name, value in measure_batch(vertices, faces).items()}
