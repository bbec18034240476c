"""An offscreen colour + depth target: multisampled when asked, resolved to a plain framebuffer
that is read back into numpy."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import moderngl
import numpy as np

log = logging.getLogger(__name__)


class OffscreenTarget:
    """RGBA8 colour and depth renderbuffers of ``size = (width, height)``.

    With ``samples > 1`` drawing goes to a multisampled framebuffer that ``read`` resolves into a
    single-sampled one; ``samples`` is clamped to the context's ``max_samples``.
    """

    def __init__(self, ctx: moderngl.Context, width: int, height: int, samples: int = 4):
        if width <= 0 or height <= 0:
            raise ValueError(f"framebuffer size must be positive, got {width}x{height}")
        if samples < 0:
            raise ValueError(f"samples must be >= 0, got {samples}")
        self.ctx = ctx
        ensure_valid_binding(ctx)
        self.size = (int(width), int(height))
        self.samples = min(int(samples), ctx.max_samples) if samples > 1 else 0
        if self.samples != samples and samples > 1:
            log.info("requested %d samples, context supports %d", samples, self.samples)
        self.resolved = ctx.framebuffer(
            color_attachments=[ctx.renderbuffer(self.size, 4)],
            depth_attachment=ctx.depth_renderbuffer(self.size),
        )
        if self.samples:
            self.draw = ctx.framebuffer(
                color_attachments=[ctx.renderbuffer(self.size, 4, samples=self.samples)],
                depth_attachment=ctx.depth_renderbuffer(self.size, samples=self.samples),
            )
        else:
            self.draw = self.resolved

    @contextlib.contextmanager
    def drawing(self, background: tuple[int, int, int]) -> Iterator[None]:
        """Bind the draw framebuffer cleared to the 8-bit sRGB ``background`` colour; afterwards
        bind again whatever framebuffer was bound before."""
        ensure_valid_binding(self.ctx)
        previous = getattr(self.ctx, "fbo", None)
        self.draw.use()
        r, g, b = (channel / 255.0 for channel in background)
        self.draw.clear(r, g, b, 1.0, depth=1.0)
        try:
            yield
        finally:
            if previous is not None and not self._owns(previous):
                previous.use()

    def read(self) -> np.ndarray:
        """(H, W, 3) uint8 pixels, top row first (GL stores rows bottom-up)."""
        if self.draw is not self.resolved:
            self.ctx.copy_framebuffer(dst=self.resolved, src=self.draw)
        width, height = self.size
        data = self.resolved.read(components=3, alignment=1)
        return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)[::-1].copy()

    def _owns(self, framebuffer: moderngl.Framebuffer) -> bool:
        return framebuffer is self.draw or framebuffer is self.resolved

    def release(self) -> None:
        """Release the framebuffers; when one of them is bound, bind framebuffer 0 first so the
        context is not left pointing at a deleted object."""
        bound = getattr(self.ctx, "fbo", None)
        if bound is not None and self._owns(bound):
            bind_default_framebuffer(self.ctx)
        framebuffers = {id(fb): fb for fb in (self.draw, self.resolved)}.values()
        for framebuffer in framebuffers:
            for attachment in (*framebuffer.color_attachments, framebuffer.depth_attachment):
                attachment.release()
            framebuffer.release()


def bind_default_framebuffer(ctx: moderngl.Context) -> None:
    """Bind framebuffer 0 (the window's, or none for a standalone context)."""
    ctx.detect_framebuffer(0).use()


def ensure_valid_binding(ctx: moderngl.Context) -> None:
    """Bind framebuffer 0 if the bound framebuffer was released while bound.

    moderngl rebinds "the bound framebuffer" after creating or blitting framebuffers; when that
    one was released, the rebind raises GL_INVALID_OPERATION in whatever runs next.
    """
    bound = getattr(ctx, "fbo", None)
    if bound is not None and isinstance(bound.mglo, moderngl.InvalidObject):
        log.warning("the bound framebuffer was released while bound; binding framebuffer 0")
        bind_default_framebuffer(ctx)
