"""Sculpting by dragging the face: the grabbed point follows the cursor and the solver turns the
drag into slider values (``faceeditor.fit.solver``). No Qt here; ``faceeditor.gui.sculpt_tool``
is the viewport's thin layer over ``SculptSession``."""

from faceeditor.sculpt.picking import Hit, Ray, drag_target, pick, project
from faceeditor.sculpt.regions import RegionMap, region_map, sculpt_sliders
from faceeditor.sculpt.session import SculptError, SculptSession

__all__ = ["Hit", "Ray", "RegionMap", "SculptError", "SculptSession", "drag_target", "pick",
           "project", "region_map", "sculpt_sliders"]
