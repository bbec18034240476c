"""Per-vertex ambient occlusion of the current shape, baked on the GPU from depth maps.

The mesh is drawn along ``directions`` (a Fibonacci spiral over the sphere) into one depth atlas,
a tile per direction, with the orthographic views of ``shadow.orthos_along``.  Only front faces
are drawn: a surface seen from outside is met first on a front face, so the back faces change
no depth that a vertex is compared with, and culling them halves the rasteriser's work.  A second
pass draws one fragment per vertex that looks the vertex up in every tile (``occlusion.frag``),
so only the (V,) result is read back.
"""

from __future__ import annotations

import logging

import moderngl
import numpy as np

from faceeditor.render.framebuffer import ensure_valid_binding
from faceeditor.render.light_transport import _sphere_directions
from faceeditor.render.program import load_program, read_shader_source, set_uniform, write_matrix
from faceeditor.render.shadow import DEPTH_PROGRAM, bounding_sphere, orthos_along, view_bases

log = logging.getLogger(__name__)

GATHER_SHADERS = ("stretch.vert.glsl", "occlusion.frag.glsl")  # a viewport-covering triangle
#: Texture units of the gather pass (above those of the face and hair programs).
UNITS = {"u_depth_atlas": 8, "u_positions": 9, "u_normals": 10, "u_views": 11}
GATHER_WIDTH = 128  # vertices per row of the vertex textures


class OcclusionBaker:
    """Per-vertex ambient occlusion from ``directions`` depth maps of ``resolution`` texels.

    Visibility of a vertex along direction ``d``: its position (pushed out along the normal by
    ``NORMAL_OFFSET_M``) is not behind the depth the map holds there.  Occlusion is the
    cosine-weighted share of visible directions over the vertex's hemisphere.
    """

    NORMAL_OFFSET_M = 0.0015
    DEPTH_EPSILON_M = 0.0015

    def __init__(self, ctx: moderngl.Context, directions: int = 64, resolution: int = 128):
        self.ctx = ctx
        self.directions = _sphere_directions(directions)
        self.resolution = int(resolution)
        self.columns = 8
        self.rows = -(-directions // self.columns)
        ensure_valid_binding(ctx)
        self.program = load_program(ctx, DEPTH_PROGRAM)
        size = (self.columns * self.resolution, self.rows * self.resolution)
        self.texture = ctx.depth_texture(size)
        self.texture.compare_func = ""  # read as depth values, not compared
        self.texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.framebuffer = ctx.framebuffer(depth_attachment=self.texture)
        self._bases = view_bases(self.directions)
        vertex, fragment = (read_shader_source(name) for name in GATHER_SHADERS)
        self.gather = ctx.program(vertex_shader=vertex, fragment_shader=fragment)
        for name, unit in UNITS.items():
            set_uniform(self.gather, name, unit)
        set_uniform(self.gather, "u_count", len(self.directions))
        set_uniform(self.gather, "u_columns", self.columns)
        set_uniform(self.gather, "u_resolution", self.resolution)
        set_uniform(self.gather, "u_normal_offset", self.NORMAL_OFFSET_M)
        self._gather_vao = ctx.vertex_array(self.gather, [])
        self._views = self._float_texture((4, len(self.directions)), 4)
        # the mesh's buffers and per-vertex targets, kept while its size stays
        self._buffers: tuple[moderngl.Buffer, moderngl.Buffer, moderngl.VertexArray] | None = None
        self._targets: tuple[moderngl.Texture, ...] = ()
        self._output: moderngl.Framebuffer | None = None

    def _float_texture(self, size: tuple[int, int], components: int) -> moderngl.Texture:
        texture = self.ctx.texture(size, components, dtype="f4")
        texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
        return texture

    def _vertex_array(self, vertices: np.ndarray, faces: np.ndarray) -> moderngl.VertexArray:
        indices = np.ascontiguousarray(faces, np.uint32)
        if self._buffers is not None:
            vbo, ibo, vao = self._buffers
            if vbo.size == vertices.nbytes and ibo.size == indices.nbytes:
                vbo.write(vertices)
                ibo.write(indices)
                return vao
            self._release_buffers()
        vbo, ibo = self.ctx.buffer(vertices), self.ctx.buffer(indices)
        vao = self.ctx.vertex_array(self.program, [(vbo, "3f", "in_position")], index_buffer=ibo,
                                    index_element_size=4)
        self._buffers = (vbo, ibo, vao)
        return vao

    def _vertex_targets(self, count: int) -> tuple[moderngl.Texture, ...]:
        """Position and normal textures for ``count`` vertices, and the output texture."""
        size = (GATHER_WIDTH, -(-count // GATHER_WIDTH))
        if not self._targets or self._targets[0].size != size:
            self._release_targets()
            self._targets = (self._float_texture(size, 3), self._float_texture(size, 3),
                             self._float_texture(size, 1))
            self._output = self.ctx.framebuffer(color_attachments=[self._targets[2]])
        return self._targets

    def _release_buffers(self) -> None:
        for item in self._buffers or ():
            item.release()
        self._buffers = None

    def _release_targets(self) -> None:
        for item in (self._output, *self._targets):
            if item is not None:
                item.release()
        self._targets, self._output = (), None

    def __call__(self, vertices: np.ndarray, normals: np.ndarray, faces: np.ndarray) -> np.ndarray:
        """(V,) float32 occlusion of (V, 3) ``vertices`` with unit ``normals`` on ``faces``."""
        vertices = np.ascontiguousarray(vertices, np.float32)
        centre, radius = bounding_sphere(vertices)
        matrices = orthos_along(self._bases, centre, radius)
        vao = self._vertex_array(vertices, faces)
        previous = getattr(self.ctx, "fbo", None)
        cull_face = self.ctx.cull_face
        try:
            self.framebuffer.use()
            self.framebuffer.clear(depth=1.0)
            self.ctx.enable_only(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
            self.ctx.cull_face = "back"
            res = self.resolution
            for k, matrix in enumerate(matrices):
                self.ctx.viewport = ((k % self.columns) * res, (k // self.columns) * res, res, res)
                write_matrix(self.program, "u_matrix", matrix)
                vao.render(moderngl.TRIANGLES)
            self.ctx.enable_only(moderngl.NOTHING)
            occlusion = self._gather(vertices, normals, matrices, radius)
        finally:
            self.ctx.cull_face = cull_face
            self.ctx.enable_only(moderngl.DEPTH_TEST)
            if previous is not None and not isinstance(previous.mglo, moderngl.InvalidObject):
                previous.use()
        return occlusion

    def _gather(self, vertices: np.ndarray, normals: np.ndarray, matrices: np.ndarray,
                radius: float) -> np.ndarray:
        """Draw the per-vertex pass over the atlas and read the (V,) result back."""
        count = len(vertices)
        positions, normal_texture, result = self._vertex_targets(count)
        padding = positions.width * positions.height - count
        for texture, values in ((positions, vertices), (normal_texture, normals)):
            texture.write(np.concatenate([np.asarray(values, np.float32),
                                          np.zeros((padding, 3), np.float32)]))
        views = np.concatenate([matrices[:, :3], np.zeros((len(matrices), 1, 4), np.float32)],
                               axis=1)
        views[:, 3, :3] = self.directions
        self._views.write(np.ascontiguousarray(views, np.float32))
        set_uniform(self.gather, "u_depth_epsilon", self.DEPTH_EPSILON_M / (2.0 * radius))
        self.texture.use(UNITS["u_depth_atlas"])
        positions.use(UNITS["u_positions"])
        normal_texture.use(UNITS["u_normals"])
        self._views.use(UNITS["u_views"])
        assert self._output is not None
        self._output.use()
        self._gather_vao.render(moderngl.TRIANGLES, vertices=3)
        return np.frombuffer(result.read(), np.float32)[:count].copy()

    def release(self) -> None:
        self._release_buffers()
        self._release_targets()
        for item in (self._gather_vao, self._views, self.gather, self.framebuffer, self.texture,
                     self.program):
            item.release()
