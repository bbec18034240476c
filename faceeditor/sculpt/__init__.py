"""Sculpting by dragging the face: the grabbed point follows the cursor and the solver turns the
drag into slider values (``faceeditor.fit.solver``). No Qt here; ``faceeditor.gui.sculpt_tool``
is the viewport's thin layer over ``SculptSession`` (``FlameSculptSession`` for a FLAME model;
``session_for(state)`` picks)."""

from faceeditor.sculpt.flame import FlameSculptSession, session_for
from faceeditor.sculpt.picking import Hit, Ray, drag_target, pick, project
from faceeditor.sculpt.regions import RegionMap, region_map, sculpt_sliders
from faceeditor.sculpt.session import SculptError, SculptSession

__all__ = ["FlameSculptSession", "Hit", "Ray", "RegionMap", "SculptError", "SculptSession",
           "drag_target", "pick", "project", "region_map", "sculpt_sliders", "session_for"]
