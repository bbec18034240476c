"""The procedural background drawn behind the head as a render pass.

Added to an ``OffscreenRenderer`` before the hair pass, it fills every pixel sample the skin
left empty, so antialiased edges and the soft fringe of hair blend with the real background
(not with a flat clear colour), in a single render.
"""

from __future__ import annotations

import moderngl
import numpy as np

from faceeditor.render.camera import Camera
from faceeditor.render.program import load_program, set_uniform


class BackdropPass:
    """Draws ``image`` ((S, S, 3) uint8 sRGB, top row first) behind everything else."""

    def __init__(self):
        self.image: np.ndarray | None = None
        self._program = self._texture = self._vao = None
        self._uploaded: np.ndarray | None = None

    def set_image(self, image: np.ndarray) -> None:
        self.image = np.ascontiguousarray(image, np.uint8)

    def draw(self, ctx: moderngl.Context, camera: Camera, aspect: float, lighting) -> None:
        if self.image is None:
            return
        if self._program is None:
            self._program = load_program(ctx, "backdrop", package=__package__)
            self._vao = ctx.vertex_array(self._program, [])
        height, width = self.image.shape[:2]
        if self._texture is None or self._texture.size != (width, height):
            if self._texture is not None:
                self._texture.release()
            self._texture = ctx.texture((width, height), 3, alignment=1)
            self._texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
        if self._uploaded is not self.image:
            self._texture.write(np.ascontiguousarray(self.image[::-1]))
            self._uploaded = self.image
        framebuffer = ctx.fbo
        ctx.enable_only(moderngl.DEPTH_TEST)
        framebuffer.depth_mask = False
        try:
            self._texture.use(location=0)
            set_uniform(self._program, "u_image", 0)
            self._vao.render(moderngl.TRIANGLES, vertices=3)
        finally:
            framebuffer.depth_mask = True

    def release(self) -> None:
        for obj in (self._vao, self._texture, self._program):
            if obj is not None:
                obj.release()
        self._program = self._texture = self._vao = None
        self._uploaded = None
