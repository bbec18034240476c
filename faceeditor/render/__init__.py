"""Offscreen OpenGL rendering of ``FaceMesh`` heads (moderngl; no Qt).

Parts, one per GPU concern: ``camera`` (view/projection, named views), ``program`` (shaders from
``shaders/*.glsl``), ``geometry`` (seam-split vertex buffers), ``shading`` (materials and
lights), ``framebuffer`` (multisampled offscreen target), ``offscreen`` (``OffscreenRenderer``),
``contact_sheet`` (tiling and PNG writing).
"""

from faceeditor.render.camera import VIEW_DIRECTIONS, Camera
from faceeditor.render.contact_sheet import contact_sheet, save_png
from faceeditor.render.errors import (
    AttributeMismatchError,
    ContextUnavailableError,
    RenderError,
    ShaderError,
    TopologyMismatchError,
    UnknownViewError,
)
from faceeditor.render.offscreen import OffscreenRenderer, create_headless_context

__all__ = [
    "VIEW_DIRECTIONS",
    "AttributeMismatchError",
    "Camera",
    "ContextUnavailableError",
    "OffscreenRenderer",
    "RenderError",
    "ShaderError",
    "TopologyMismatchError",
    "UnknownViewError",
    "contact_sheet",
    "create_headless_context",
    "save_png",
]
