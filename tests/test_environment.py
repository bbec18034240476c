"""Checks that the machine can run the rest of the suite.

A failure here means a system library is missing (see packaging/install-system-deps.sh),
not that faceeditor is broken.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import numpy as np
import pytest

CLEAR_RGBA = (255, 128, 0, 255)


def test_egl_context_renders_offscreen(gl_context, record_property):
    ctx = gl_context
    fbo = ctx.simple_framebuffer((4, 4), components=4)
    try:
        with ctx.scope(fbo):
            fbo.clear(*(c / 255 for c in CLEAR_RGBA))
            pixels = np.frombuffer(fbo.read(components=4), dtype=np.uint8).reshape(4, 4, 4)
    finally:
        fbo.release()

    assert (pixels == CLEAR_RGBA).all(), f"read back {pixels[0, 0]}, cleared to {CLEAR_RGBA}"
    assert ctx.version_code >= 330, f"OpenGL {ctx.version_code} is older than 3.3 core"
    # "llvmpipe (LLVM ...)" on a machine without a GPU: Mesa's software rasteriser.
    renderer = ctx.info["GL_RENDERER"]
    assert renderer and renderer != "unknown", f"no GL_RENDERER string: {renderer!r}"
    record_property("GL_RENDERER", renderer)


def test_qt_shows_a_window(qtbot):
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    widget.resize(64, 48)
    qtbot.addWidget(widget)
    with qtbot.waitExposed(widget):
        widget.show()

    assert widget.isVisible()
    assert widget.windowHandle().isExposed()
    # `make test` asks for xcb under Xvfb; a plain headless `pytest` gets offscreen.
    assert QGuiApplication.platformName() == os.environ["QT_QPA_PLATFORM"]


def test_qt_opengl_widget_renders_with_moderngl(qtbot):
    """The pattern the viewport uses: moderngl drawing into a QOpenGLWidget's framebuffer."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtOpenGLWidgets import QOpenGLWidget

    if QGuiApplication.platformName() != "xcb":
        pytest.skip("QOpenGLWidget needs a display; run under xvfb-run (make test)")

    import moderngl

    assert not _current_egl_context(), (
        "an EGL context is current on the main thread, so Qt cannot make its GLX context "
        "current (libglvnd); use moderngl standalone contexts inside `with ctx:`"
    )

    class ClearingWidget(QOpenGLWidget):
        def initializeGL(self) -> None:
            self.ctx = moderngl.create_context()

        def paintGL(self) -> None:
            fbo = self.ctx.detect_framebuffer(self.defaultFramebufferObject())
            fbo.use()
            fbo.clear(*(c / 255 for c in CLEAR_RGBA))

    widget = ClearingWidget()
    widget.resize(32, 32)
    qtbot.addWidget(widget)
    with qtbot.waitExposed(widget):
        widget.show()

    image = widget.grabFramebuffer()
    color = image.pixelColor(image.width() // 2, image.height() // 2)
    assert (color.red(), color.green(), color.blue(), color.alpha()) == CLEAR_RGBA
    assert widget.ctx.error == "GL_NO_ERROR"


def _current_egl_context() -> int | None:
    egl = ctypes.CDLL(ctypes.util.find_library("EGL"))
    egl.eglGetCurrentContext.restype = ctypes.c_void_p
    return egl.eglGetCurrentContext()


def test_torch_torchvision_open_clip_import_together():
    """The pinned version set works: a tiny random open_clip model encodes an image and text."""
    import open_clip
    import torch
    import torchvision  # noqa: F401  (open_clip needs it; this is the import that breaks first)

    model = open_clip.create_model("ViT-B-32", pretrained=None)
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    with torch.no_grad():
        image = model.encode_image(torch.zeros(1, 3, 224, 224))
        text = model.encode_text(tokenizer(["a smiling face"]))
    assert image.shape == text.shape == (1, 512)
