"""Highlights drawn over the face in the viewport: the region under the cursor, pins, the
grabbed point.

A render pass of ``OffscreenRenderer.passes``: each layer redraws a subset of the mesh's
triangles with the face program and its ``u_overlay`` colour mixed over the shaded surface,
depth-tested with ``<=`` against the surface just drawn (the same vertices give the same
depth), so only the visible part of a region lights up and the shading shows through.
"""

from __future__ import annotations

import dataclasses

import moderngl
import numpy as np

from faceeditor.render.camera import Camera
from faceeditor.render.geometry import ATTRIBUTE_FORMATS
from faceeditor.render.program import set_uniform, write_matrix
from faceeditor.sculpt.picking import faces_near

__all__ = ["LAYER_COLOURS", "HighlightPass", "faces_near"]

#: Linear RGB and mix factor of each layer, drawn in this order.
LAYER_COLOURS = {
    "region": (0.10, 0.45, 1.00, 0.22),
    "pins": (1.00, 0.12, 0.10, 0.85),
    "grab": (1.00, 0.80, 0.05, 0.90),
}


@dataclasses.dataclass
class _Layer:
    faces: np.ndarray  # (F',) triangle indices
    buffer: moderngl.Buffer | None = None
    vao: moderngl.VertexArray | None = None
    geometry: object | None = None  # the MeshGeometry the vertex array was made for
    program: object | None = None  # the face program it feeds


class HighlightPass:
    """Layers of highlighted triangles (``set_faces(layer, faces)``), drawn after the face by
    ``renderer`` (``OffscreenRenderer.add_pass``: it calls ``draw(ctx, camera, aspect,
    lighting)`` with the face program's camera uniforms already set)."""

    def __init__(self, renderer) -> None:
        self.renderer = renderer
        self._layers: dict[str, _Layer] = {}
        self._stale: list[_Layer] = []  # replaced layers whose GPU objects await a context

    def set_faces(self, layer: str, faces: np.ndarray | None) -> bool:
        """Highlight ``faces`` ((F',) triangle indices) as ``layer`` (None or empty: nothing).
        Returns whether anything changed (the caller redraws)."""
        if layer not in LAYER_COLOURS:
            raise ValueError(f"unknown highlight layer {layer!r}; layers: {', '.join(LAYER_COLOURS)}")
        faces = np.zeros(0, np.int64) if faces is None else np.asarray(faces, np.int64)
        old = self._layers.get(layer)
        if old is not None and np.array_equal(old.faces, faces):
            return False
        if old is not None:
            self._stale.append(old)
        self._layers[layer] = _Layer(faces)
        return True

    def faces(self, layer: str) -> np.ndarray:
        """(F',) triangles highlighted as ``layer``."""
        found = self._layers.get(layer)
        return found.faces if found is not None else np.zeros(0, np.int64)

    def draw(self, ctx: moderngl.Context, camera: Camera, aspect: float, lighting=None) -> None:
        """Draw every layer into the bound framebuffer (the renderer's context is current)."""
        self._release_stale()
        renderer = self.renderer
        geometry = renderer.geometry
        if geometry is None or not any(len(layer.faces) for layer in self._layers.values()):
            return
        program = renderer.active_program  # the variant the head was drawn with
        write_matrix(program, "u_view", camera.view_matrix())
        write_matrix(program, "u_projection", camera.projection_matrix(aspect))
        ctx.enable_only(moderngl.DEPTH_TEST)
        ctx.depth_func = "<="
        try:
            for name, colour in LAYER_COLOURS.items():
                layer = self._layers.get(name)
                if layer is None or not len(layer.faces):
                    continue
                if layer.geometry is not geometry or layer.program is not program:
                    self._build(layer, ctx, program, geometry)
                set_uniform(program, "u_overlay", colour)
                layer.vao.render(moderngl.TRIANGLES)
        finally:
            ctx.depth_func = "<"
            set_uniform(program, "u_overlay", (0.0, 0.0, 0.0, 0.0))

    def _build(self, layer: _Layer, ctx, program, geometry) -> None:
        self._free(layer)
        faces = layer.faces
        # a still frame draws the Loop-subdivided surface: face f's children are 4f .. 4f + 3
        for _ in range(self.renderer.quality.subdivision):
            faces = (faces[:, None] * 4 + np.arange(4)).reshape(-1)
        indices = np.ascontiguousarray(geometry.split.indices[faces], np.uint32)
        layer.buffer = ctx.buffer(indices)
        content = [(buffer, ATTRIBUTE_FORMATS[name], name)
                   for name, buffer in geometry.buffers.items() if name in program]
        layer.vao = ctx.vertex_array(program, content, index_buffer=layer.buffer,
                                     index_element_size=4)
        layer.geometry, layer.program = geometry, program

    def _release_stale(self) -> None:
        for layer in self._stale:
            self._free(layer)
        self._stale.clear()

    @staticmethod
    def _free(layer: _Layer) -> None:
        if layer.vao is not None:
            layer.vao.release()
        if layer.buffer is not None:
            layer.buffer.release()
        layer.vao = layer.buffer = layer.geometry = layer.program = None

    def release(self) -> None:
        """Free the GPU objects (the renderer's context must be current)."""
        self._release_stale()
        for layer in self._layers.values():
            self._free(layer)

