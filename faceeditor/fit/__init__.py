"""Fitting the head model to data: 3D point targets (solver), photos and scans.

``solve_point_targets`` (``faceeditor.fit.solver``) is the shared least-squares core used by
photo/scan fitting and by sculpting.
"""

from faceeditor.fit.solver import SolverError, solve_point_targets

__all__ = ["SolverError", "solve_point_targets"]
