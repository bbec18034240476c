"""Fitting the head to a 3D scan (OBJ, PLY, STL, GLB)."""

from __future__ import annotations

from faceeditor.fit.pipeline import FitError


def fit_scan_file(model, path, options, progress=None):
    raise FitError(f"{path.name}: scan fitting is not available in this version yet")
