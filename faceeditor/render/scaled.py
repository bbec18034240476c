"""Drawing at reduced resolution: render into a smaller texture, then stretch it over the
output with bilinear filtering.

Interactive frames on a software rasteriser cost roughly their pixel count; drawing them at
three quarters or half the size and stretching keeps slider drags fluid, and the still picture
is drawn again at full size afterwards.
"""

from __future__ import annotations

import moderngl

from faceeditor.render.framebuffer import ensure_valid_binding
from faceeditor.render.program import load_program, read_shader_source, set_uniform

PROGRAM_NAME = "stretch"
ANTIALIAS_PROGRAM = "fxaa"  # same vertex shader, FXAA fragment shader


class ScaledTarget:
    """A colour texture + depth framebuffer of any size, and the pass that stretches it."""

    def __init__(self, ctx: moderngl.Context):
        self.ctx = ctx
        self.program = load_program(ctx, PROGRAM_NAME)
        set_uniform(self.program, "u_image", 0)
        self.vao = ctx.vertex_array(self.program, [])
        self._fxaa: moderngl.Program | None = None
        self._fxaa_vao: moderngl.VertexArray | None = None
        self.size: tuple[int, int] | None = None
        self.framebuffer: moderngl.Framebuffer | None = None
        self._colour: moderngl.Texture | None = None
        self._depth: moderngl.Renderbuffer | None = None

    def target(self, width: int, height: int) -> moderngl.Framebuffer:
        """The framebuffer to draw into, (re)made at ``width`` x ``height``."""
        size = (max(int(width), 1), max(int(height), 1))
        if self.size != size:
            self._release_target()
            ensure_valid_binding(self.ctx)
            self._colour = self.ctx.texture(size, 4)
            self._colour.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self._colour.repeat_x = self._colour.repeat_y = False
            self._depth = self.ctx.depth_renderbuffer(size)
            self.framebuffer = self.ctx.framebuffer([self._colour], self._depth)
            self.size = size
        assert self.framebuffer is not None
        return self.framebuffer

    def stretch_onto(self, output: moderngl.Framebuffer, antialias: bool = False) -> None:
        """Cover ``output`` with the drawn image (no depth test, bilinear filtering); with
        ``antialias`` (drawn at the output's size) smooth its edges with FXAA on the way."""
        if self._colour is None:
            raise RuntimeError("nothing drawn yet: call target() and draw first")
        output.use()
        self.ctx.disable(moderngl.DEPTH_TEST)
        self._colour.use(location=0)
        vao = self.vao
        if antialias:
            if self._fxaa is None:
                vertex = read_shader_source(f"{PROGRAM_NAME}.vert.glsl")
                fragment = read_shader_source(f"{ANTIALIAS_PROGRAM}.frag.glsl")
                self._fxaa = self.ctx.program(vertex_shader=vertex, fragment_shader=fragment)
                set_uniform(self._fxaa, "u_image", 0)
                self._fxaa_vao = self.ctx.vertex_array(self._fxaa, [])
            vao = self._fxaa_vao
        vao.render(moderngl.TRIANGLES, vertices=3)

    def _release_target(self) -> None:
        bound = getattr(self.ctx, "fbo", None)
        if bound is not None and bound is self.framebuffer:
            self.ctx.detect_framebuffer(0).use()
        for item in (self.framebuffer, self._colour, self._depth):
            if item is not None:
                item.release()
        self.framebuffer = self._colour = self._depth = None
        self.size = None

    def release(self) -> None:
        self._release_target()
        for item in (self._fxaa_vao, self._fxaa, self.vao, self.program):
            if item is not None:
                item.release()
