"""The viewport's frames: interactive frames (cheaper shader, dynamic resolution), the still
frame drawn once the picture stops, window grabs and offscreen screenshots.

Frames drawn while something changes use the renderer's interactive quality (no subdivision,
shadows, occlusion or detail maps, skin and hair lit per vertex, back faces culled, alpha-tested
hair, only the outer cards of long hair) and are not antialiased; their drawing scale follows
their paint time (dynamic resolution): over ``FRAME_BUDGET_MS`` they are drawn at a lower
scale and stretched over the window, well under it at a higher one.  Once the picture has been
still for ``REFINE_DELAY_MS`` it is drawn again at full size at the still quality
(``STILL_QUALITY``: smooth surface, shadows, occlusion, detail maps) and antialiased: by FXAA
for ``normal`` (a software rasteriser shades every sample, so multisampling would triple the
frame), into a multisampled target for a multisampled level.
"""

from __future__ import annotations

import logging
import math

import moderngl
import numpy as np

from faceeditor.hair import hair_for
from faceeditor.model.mesh import FaceMesh
from faceeditor.render.errors import RenderError
from faceeditor.render.framebuffer import OffscreenTarget
from faceeditor.render.hair_pass import HairPass
from faceeditor.render.offscreen import OffscreenRenderer
from faceeditor.render.quality import INTERACTIVE
from faceeditor.render.scaled import ScaledTarget
from faceeditor.render.shading import LIGHTING_PRESETS

log = logging.getLogger(__name__)

#: After this long without a new frame, draw the still picture.
REFINE_DELAY_MS = 250
REFINE_SAMPLES = 4  # of the still frame at a multisampled quality
#: Renderer quality of the still (refined) frame and of interactive frames.
STILL_QUALITY = "normal"
INTERACTIVE_QUALITY = INTERACTIVE
#: Interactive frames aim at this paint time; slower ones switch to a lower drawing scale.
FRAME_BUDGET_MS = 20.0
SCALES = (1.0, 0.75, 0.5, 0.375, 0.3125)
SLOW_FRAMES, FAST_FRAMES = 2, 10


class FramesMixin:
    """Frame drawing of ``Viewport`` (which owns the renderer, the hair pass, the targets and
    the refine timer)."""

    def _draw_frame(self, framebuffer: moderngl.Framebuffer, mesh: FaceMesh) -> None:
        """Draw the interactive or the still frame of ``mesh`` onto the window's framebuffer."""
        camera, background = self.orbit.camera(), self.settings.background
        width, height = framebuffer.viewport[2:]
        self._interactive_frame = not self._still
        self.renderer.quality = INTERACTIVE_QUALITY if self._interactive_frame else STILL_QUALITY
        self._update_hair(mesh)
        if not self._interactive_frame and not self.renderer.quality.multisample:
            # the still frame single-sampled, its edges smoothed by FXAA on the way to the window
            full = self._target("_scaled")
            self.renderer.draw_into(full.target(width, height), mesh, camera, background)
            full.stretch_onto(framebuffer, antialias=True)
            framebuffer.use()
            return
        if not self._interactive_frame:
            target = self._msaa_target(width, height)
            self.renderer.draw_into(target.draw, mesh, camera, background)
            # Resolve into a texture of the same formats, then draw it over the window: a blit
            # into the window's own framebuffer fails when its formats differ from ours
            # (GL_INVALID_OPERATION on Xvfb/llvmpipe), which left the previous frame on screen.
            full = self._target("_scaled")
            self.ctx.copy_framebuffer(dst=full.target(width, height), src=target.draw)
            full.stretch_onto(framebuffer)
            framebuffer.use()
            return
        if self.scale < 1.0:
            # its own target: switching between interactive and still frames reallocates nothing
            small = self._target("_small")
            drawn = small.target(round(width * self.scale), round(height * self.scale))
            self.renderer.draw_into(drawn, mesh, camera, background)
            small.stretch_onto(framebuffer)
        else:
            self.renderer.draw_into(framebuffer, mesh, camera, background)
        if self.refine_when_idle:
            self._refine_timer.start()

    def _target(self, name: str) -> ScaledTarget:
        """The scaled target kept in attribute ``name`` (made on first use)."""
        target = getattr(self, name)
        if target is None:
            target = ScaledTarget(self.ctx)
            setattr(self, name, target)
        return target

    def _update_hair(self, mesh: FaceMesh) -> None:
        """Fit the hair to ``mesh``; alpha-tested only while interacting, soft when still."""
        if self.hair is None:
            return
        self.hair.still = not self._interactive_frame
        if mesh is self._hair_mesh:
            return
        self._hair_mesh = mesh
        if self.backend is not None:  # other topologies have no hair binding
            self.hair.set_meshes([])
            return
        model = self.state.model
        params = self.state.values()
        self.hair.set_meshes(hair_for(model, params).evaluate(mesh))

    def _adapt_scale(self, milliseconds: float) -> None:
        """Dynamic resolution: ``SLOW_FRAMES`` interactive frames over budget draw smaller, at
        once at the scale predicted to fit (a frame costs about its pixel count, scale
        squared); ``FAST_FRAMES`` well under it draw one step larger."""
        if not (self.adaptive_resolution and self._interactive_frame):
            return
        index = SCALES.index(self.scale)
        if milliseconds > FRAME_BUDGET_MS:
            self._slow_frames, self._fast_frames = self._slow_frames + 1, 0
            if self._slow_frames >= SLOW_FRAMES and index + 1 < len(SCALES):
                wanted = min(self.scale * math.sqrt(FRAME_BUDGET_MS / milliseconds),
                             SCALES[index + 1])
                self.scale = next((s for s in SCALES if s <= wanted), SCALES[-1])
                self._slow_frames = 0
                log.info("viewport frames take %.0f ms; drawing at scale %.3g while "
                         "interacting", milliseconds, self.scale)
        elif milliseconds < FRAME_BUDGET_MS * 0.5:
            self._fast_frames, self._slow_frames = self._fast_frames + 1, 0
            if self._fast_frames >= FAST_FRAMES and index > 0:
                self.scale, self._fast_frames = SCALES[index - 1], 0
        else:
            self._slow_frames = self._fast_frames = 0

    def grab_image(self, antialiased: bool = False) -> np.ndarray:
        """(H, W, 3) uint8 of what the viewport shows now, drawn afresh and read back; as the
        still (multisampled) picture when ``antialiased``."""
        if self.ctx is None:
            raise RenderError("the viewport has not been shown yet")
        self.makeCurrent()
        still = self._still
        try:
            self._still = self._still or antialiased
            self.paintGL()
            framebuffer = self.ctx.detect_framebuffer(self.defaultFramebufferObject())
            width, height = self.pixel_size()
            data = framebuffer.read(viewport=(0, 0, width, height), components=3, alignment=1)
            # moderngl selects GL_COLOR_ATTACHMENT0 as the read buffer, which a window's own
            # framebuffer lacks: GL flags GL_INVALID_OPERATION and reads the back buffer as
            # before. Consume that flag so it is not blamed on the next GL call.
            if self.ctx.error not in ("GL_NO_ERROR", "GL_INVALID_OPERATION"):
                log.warning("GL error while reading the viewport back")
        finally:
            self._still = still
            self.doneCurrent()
        return np.frombuffer(data, np.uint8).reshape(height, width, 3)[::-1].copy()

    def _request_refined_frame(self) -> None:
        self._still = self.refine_when_idle
        self.update()

    def _msaa_target(self, width: int, height: int) -> OffscreenTarget:
        """The multisampled target of the idle refinement, (re)made at the widget's size."""
        if self._msaa is None or self._msaa.size != (width, height):
            if self._msaa is not None:
                self._msaa.release()
            self._msaa = OffscreenTarget(self.ctx, width, height, samples=REFINE_SAMPLES)
        return self._msaa

    def render_image(self, width: int, height: int) -> np.ndarray:
        """(height, width, 3) uint8 image of the current view at any size, rendered offscreen
        (4x multisampled) with the viewport's settings; the widget is not resized."""
        if self.renderer is None or self.ctx is None:
            raise RenderError("the viewport has not been shown yet")
        limit = self.ctx.info.get("GL_MAX_RENDERBUFFER_SIZE", 8192)
        if not (0 < width <= limit and 0 < height <= limit):
            raise ValueError(f"screenshot size must be 1..{limit} pixels a side, "
                             f"got {width}x{height}")
        self.makeCurrent()
        try:
            with OffscreenRenderer(width, height, samples=4, ctx=self.ctx,
                                   lighting=LIGHTING_PRESETS[self.settings.lighting],
                                   quality=STILL_QUALITY) as renderer:
                renderer.set_view_mode(self.settings.mode)
                renderer.wireframe = self.settings.wireframe
                if self.backend is not None:
                    renderer.set_albedo_map(self.backend.evaluate_albedo(self.state.vector))
                elif self._albedo_texture is not None:
                    renderer.set_albedo_texture(self._albedo_texture)
                    if self._detail_maps is not None:
                        renderer.set_detail_maps(*self._detail_maps)
                if self.hair is not None and self.hair.meshes:
                    hair = HairPass()
                    renderer.add_pass(hair)
                    hair.set_meshes(self.hair.meshes)
                # same camera; the projection takes the image's aspect, the vertical framing stays
                return renderer.render(self.current_mesh(), self.orbit.camera(),
                                       self.settings.background)
        finally:
            self.doneCurrent()
