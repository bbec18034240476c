"""Depth maps seen from a direction: the key light's shadow map and the ambient-occlusion bake.

Both draw the mesh with an orthographic projection along a world direction, fitted to the
mesh's bounding sphere (``ortho_along``): NDC depth is then linear in distance, so the shader
can also read thickness (how much flesh the light crossed) from the shadow map for light
transmitted through ears and nostrils.
"""

from __future__ import annotations

import logging

import moderngl
import numpy as np

from faceeditor.render.framebuffer import ensure_valid_binding
from faceeditor.render.program import load_program, write_matrix

log = logging.getLogger(__name__)

DEPTH_PROGRAM = "depth"


def bounding_sphere(vertices: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre (3,) of the bounding box and the radius enclosing every vertex (metres)."""
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    centre = (lo + hi) / 2.0
    radius = float(np.max(np.linalg.norm(vertices - centre, axis=1))) * 1.02 + 1e-6
    return centre, radius


def ortho_along(direction: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray:
    """(4, 4) world -> clip matrix looking along ``-direction`` (``direction`` points toward the
    light) at a sphere; depth 0..1 spans the sphere's ``2 * radius`` linearly."""
    return orthos_along(view_bases(np.asarray(direction)[None]), centre, radius)[0]


def view_bases(directions: np.ndarray) -> np.ndarray:
    """(K, 3, 3) rows right, up, back of a view looking along ``-directions`` (K, 3)."""
    back = np.asarray(directions, np.float64)
    back = back / np.linalg.norm(back, axis=1, keepdims=True)
    helper = np.where((np.abs(back[:, 1]) < 0.95)[:, None], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0])
    right = np.cross(helper, back)
    right /= np.linalg.norm(right, axis=1, keepdims=True)
    up = np.cross(back, right)
    return np.stack([right, up, back], axis=1)


def orthos_along(bases: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray:
    """(K, 4, 4) float32 ``ortho_along`` matrices of the views ``bases`` (``view_bases``)."""
    eyes = np.asarray(centre, np.float64) + bases[:, 2] * 2.0 * radius
    view = np.tile(np.eye(4), (len(bases), 1, 1))
    view[:, :3, :3] = bases
    view[:, :3, 3] = -np.einsum("kij,kj->ki", bases, eyes)
    near, far = radius, 3.0 * radius
    proj = np.diag([1.0 / radius, 1.0 / radius, -2.0 / (far - near), 1.0])
    proj[2, 3] = -(far + near) / (far - near)
    return (proj @ view).astype(np.float32)


class ShadowMap:
    """A square depth texture drawn from the key light, with a comparison sampler (PCF) and a
    plain one (raw depth for thickness) bound to the same texture."""

    def __init__(self, ctx: moderngl.Context, size: int):
        self.ctx = ctx
        self.size = int(size)
        ensure_valid_binding(ctx)
        self.program = load_program(ctx, DEPTH_PROGRAM)
        self.texture = ctx.depth_texture((self.size, self.size))
        self.framebuffer = ctx.framebuffer(depth_attachment=self.texture)
        self.compare = ctx.sampler(texture=self.texture, filter=(moderngl.LINEAR, moderngl.LINEAR),
                                   compare_func="<=", repeat_x=False, repeat_y=False,
                                   border_color=(1.0, 1.0, 1.0, 1.0))
        self.raw = ctx.sampler(texture=self.texture, filter=(moderngl.LINEAR, moderngl.LINEAR),
                               compare_func="", repeat_x=False, repeat_y=False,
                               border_color=(1.0, 1.0, 1.0, 1.0))
        self.matrix = np.eye(4, dtype=np.float32)
        self.depth_range = 1.0  # metres from depth 0 to depth 1

    def draw(self, vao: moderngl.VertexArray, vertices: np.ndarray,
             light_direction_world: np.ndarray) -> None:
        """Render ``vao`` (positions of ``vertices``) into the map; leaves this map's
        framebuffer bound (the caller binds its own again)."""
        centre, radius = bounding_sphere(vertices)
        self.matrix = ortho_along(light_direction_world, centre, radius)
        self.depth_range = 2.0 * radius
        self.framebuffer.use()
        self.framebuffer.clear(depth=1.0)
        self.ctx.enable_only(moderngl.DEPTH_TEST)
        write_matrix(self.program, "u_matrix", self.matrix)
        vao.render(moderngl.TRIANGLES)

    def use(self, compare_location: int, raw_location: int) -> None:
        self.compare.use(compare_location)
        self.raw.use(raw_location)

    def release(self) -> None:
        for item in (self.compare, self.raw, self.framebuffer, self.texture, self.program):
            item.release()


class OcclusionBaker:
    """Per-vertex ambient occlusion from ``directions`` depth maps (an atlas, one readback).

    Visibility of a vertex along direction ``d``: its position (pushed out along the normal by
    ``NORMAL_OFFSET_M``) is not behind the depth the map holds there.  Occlusion is the
    cosine-weighted share of visible directions over the vertex's hemisphere.
    """

    NORMAL_OFFSET_M = 0.0015
    DEPTH_EPSILON_M = 0.0015

    def __init__(self, ctx: moderngl.Context, directions: int = 64, resolution: int = 128):
        from faceeditor.render.light_transport import _sphere_directions

        self.ctx = ctx
        self.directions = _sphere_directions(directions)
        self.resolution = int(resolution)
        self.columns = 8
        self.rows = -(-directions // self.columns)
        ensure_valid_binding(ctx)
        self.program = load_program(ctx, DEPTH_PROGRAM)
        size = (self.columns * self.resolution, self.rows * self.resolution)
        self.texture = ctx.depth_texture(size)
        self.framebuffer = ctx.framebuffer(depth_attachment=self.texture)
        self._bases = view_bases(self.directions)
        # the mesh's buffers, kept while its size stays (a new shape rewrites them)
        self._buffers: tuple[moderngl.Buffer, moderngl.Buffer, moderngl.VertexArray] | None = None

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

    def _release_buffers(self) -> None:
        for item in self._buffers or ():
            item.release()
        self._buffers = None

    def __call__(self, vertices: np.ndarray, normals: np.ndarray, faces: np.ndarray) -> np.ndarray:
        """(V,) float32 occlusion of (V, 3) ``vertices`` with unit ``normals`` on ``faces``."""
        vertices = np.ascontiguousarray(vertices, np.float32)
        centre, radius = bounding_sphere(vertices)
        matrices = orthos_along(self._bases, centre, radius)
        vao = self._vertex_array(vertices, faces)
        previous = getattr(self.ctx, "fbo", None)
        try:
            self.framebuffer.use()
            self.framebuffer.clear(depth=1.0)
            self.ctx.enable_only(moderngl.DEPTH_TEST)  # whatever the last pass left
            res = self.resolution
            for k, matrix in enumerate(matrices):
                self.ctx.viewport = ((k % self.columns) * res, (k // self.columns) * res, res, res)
                write_matrix(self.program, "u_matrix", matrix)
                vao.render(moderngl.TRIANGLES)
            depth = np.frombuffer(self.texture.read(), np.float32).reshape(
                self.rows * res, self.columns * res)
        finally:
            if previous is not None and not isinstance(previous.mglo, moderngl.InvalidObject):
                previous.use()
        return self._visibility(vertices, normals, matrices, depth, radius)

    def _visibility(self, vertices: np.ndarray, normals: np.ndarray, matrices: np.ndarray,
                    depth: np.ndarray, radius: float) -> np.ndarray:
        res = self.resolution
        pushed = vertices + normals * self.NORMAL_OFFSET_M
        homogeneous = np.concatenate([pushed, np.ones((len(pushed), 1), np.float32)], axis=1)
        clip = homogeneous @ matrices[:, :3].transpose(0, 2, 1)              # (K, V, 3) NDC
        px = np.clip(((clip[..., 0] + 1) * 0.5 * res).astype(np.int64), 0, res - 1)
        py = np.clip(((clip[..., 1] + 1) * 0.5 * res).astype(np.int64), 0, res - 1)
        k = np.arange(len(matrices))[:, None]
        stored = depth[(k // self.columns) * res + py, (k % self.columns) * res + px]
        mine = clip[..., 2] * 0.5 + 0.5
        visible = mine <= stored + self.DEPTH_EPSILON_M / (2.0 * radius)
        weight = np.maximum(normals @ self.directions.T, 0.0).T               # (K, V)
        total = np.maximum(weight.sum(axis=0), 1e-9)
        return ((visible * weight).sum(axis=0) / total).astype(np.float32)

    def release(self) -> None:
        self._release_buffers()
        for item in (self.framebuffer, self.texture, self.program):
            item.release()
