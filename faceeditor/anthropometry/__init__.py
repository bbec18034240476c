"""Anthropometry of the head: Farkas landmarks, measurements in mm, and published norms.

One entry point per question: ``measure(mesh)`` for a head's measurements, ``measure_batch``
for many, ``load_norms()`` for the published means and SDs, ``farkas_landmarks()`` for the points.
"""

from faceeditor.anthropometry.landmarks import NamedPoints, farkas_landmarks
from faceeditor.anthropometry.measure import (
    Measurement,
    measure,
    measure_batch,
    measurement_names,
    measurements,
)
from faceeditor.anthropometry.norms import Norm, load_norms

__all__ = [
    "Measurement", "NamedPoints", "Norm", "farkas_landmarks", "load_norms", "measure",
    "measure_batch", "measurement_names", "measurements",
]
