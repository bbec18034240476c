"""Depth maps seen from a direction: the key light's shadow map, and the views of the ambient-
occlusion bake (``occlusion.py``).

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
