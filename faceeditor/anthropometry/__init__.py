"""Anthropometry of the head: Farkas landmarks, measurements in mm, and published norms.

One entry point per question: ``measure(mesh)`` for a head's measurements, ``measure_batch``
for many, ``load_norms()`` for the published means and SDs, ``load_landmarks()`` for the points.
"""

from faceeditor.anthropometry.landmarks import (
    LandmarkFileError,
    NamedPoints,
    load_landmarks,
    read_named_points,
)
from faceeditor.anthropometry.measure import (
    Measurement,
    measure,
    measure_batch,
    measurement_names,
    measurements,
)
from faceeditor.anthropometry.norms import Norm, load_norms

__all__ = [
    "LandmarkFileError", "Measurement", "NamedPoints", "Norm", "load_landmarks", "load_norms",
    "measure", "measure_batch", "measurement_names", "measurements", "read_named_points",
]
