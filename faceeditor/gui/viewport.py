"""The 3D viewport: a QOpenGLWindow drawing the face with faceeditor.render's renderer.

It is a window embedded with ``QWidget.createWindowContainer`` rather than a QOpenGLWidget: a
QOpenGLWidget makes Qt compose the whole main window through OpenGL on every frame, which on a
software rasteriser (Xvfb/llvmpipe) costs about 15 ms per frame before the face is drawn.

moderngl wraps Qt's own OpenGL context (created in ``initializeGL``); every ``paintGL`` binds
the window's framebuffer with ``ctx.detect_framebuffer(self.defaultFramebufferObject())``.
The GPU buffers are built once and rewritten in place when the parameters change; the model is
evaluated lazily, at most once per presented frame.

By responsibility: ``viewport_frames`` draws the interactive and still frames (and grabs),
``viewport_navigation`` moves the camera, ``viewport_albedo`` keeps the skin texture; this
module holds the state, the model -> GPU path and the GL lifecycle.
"""

from __future__ import annotations

import logging
import time

import moderngl
import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtOpenGL import QOpenGLWindow

from faceeditor.gui.view_settings import ViewSettings
from faceeditor.gui.viewport_albedo import AlbedoMixin
from faceeditor.gui.viewport_frames import REFINE_DELAY_MS, SCALES, FramesMixin
from faceeditor.gui.viewport_navigation import NavigationMixin
from faceeditor.model.mesh import FaceMesh
from faceeditor.render.camera import OrbitCamera
from faceeditor.render.framebuffer import OffscreenTarget
from faceeditor.render.hair_pass import HairPass
from faceeditor.render.offscreen import OffscreenRenderer
from faceeditor.render.scaled import ScaledTarget
from faceeditor.render.shading import LIGHTING_PRESETS
from faceeditor.state import ParameterState

log = logging.getLogger(__name__)

__all__ = ["Viewport", "ViewSettings"]


class Viewport(FramesMixin, NavigationMixin, AlbedoMixin, QOpenGLWindow):
    """Draws the face of ``state``; emits ``frameTime(ms)`` after each presented frame."""

    frameTime = Signal(float)
    albedoUnavailable = Signal(str)
    _fullAlbedoReady = Signal(int, object)  # (request number, H x W x 3 image or None)
    cameraChanged = Signal()

    def __init__(self, state: ParameterState):
        super().__init__(QOpenGLWindow.UpdateBehavior.NoPartialUpdate)
        self.state = state
        self.settings = ViewSettings()
        self.orbit = OrbitCamera()
        self.renderer: OffscreenRenderer | None = None
        self.ctx: moderngl.Context | None = None
        self._mesh: FaceMesh | None = None
        self._mesh_dirty = True
        self.hair: HairPass | None = None  # hair, brows, lashes, beard (embedded model only)
        self._hair_mesh: FaceMesh | None = None  # the head the hair pass was fitted to
        self.use_albedo = True  # colour from faceeditor.albedo's GPU generator when available
        self._albedo_drawer = None  # faceeditor.albedo.gpu.GpuAlbedo on this context
        self._albedo_texture: moderngl.Texture | None = None
        self._detail_maps: tuple[np.ndarray, np.ndarray] | None = None  # normal, material
        self._detail_key: tuple[float, ...] | None = None  # detail parameters of the maps
        self._albedo_dirty = False
        self.albedo_status = "pending"  # then "ready" (texture drawn) or "unavailable"
        self.backend = None  # a research backend (faceeditor.backends) evaluates the head
        self._backend_albedo_size: int | None = None  # of the backend albedo shown (None: full)
        self._full_albedo_request = 0  # the newest full-size albedo asked of a worker
        self._full_albedo_pending: object | None = None  # its image, waiting for a paint
        self._fullAlbedoReady.connect(self._receive_full_albedo)
        self.photo_albedo: np.ndarray | None = None  # a fitted photo's texture replaces the skin's
        self._photo_dirty = False
        self._framed = False
        self._drag_origin: QPointF | None = None
        #: a mouse tool (the sculpt tool) offered every mouse event first: its
        #: ``mouse_press/move/release(event)`` return True when they used the event
        self.tool = None
        self._drag_button = Qt.MouseButton.NoButton
        self._paint_started = 0.0
        self.frames_presented = 0
        self._turntable_clock = time.perf_counter()
        self._turntable = QTimer(self, interval=16, timeout=self._turntable_step)
        self.refine_when_idle = True
        self._still = False  # nothing changed since the timer declared the picture still
        self._refine_timer = QTimer(self, singleShot=True, interval=REFINE_DELAY_MS,
                                    timeout=self._request_refined_frame)
        self._msaa: OffscreenTarget | None = None
        self.adaptive_resolution = True
        self.scale = SCALES[0]
        self._scaled: ScaledTarget | None = None  # the still frame, drawn before FXAA
        self._small: ScaledTarget | None = None   # interactive frames below full size
        self._interactive_frame = False
        self._slow_frames = self._fast_frames = 0
        state.add_listener(self._on_values_changed)
        state.add_history_listener(self._on_history_changed)
        self.frameSwapped.connect(self._on_frame_swapped)

    # ----------------------------------------------------------------- model -> GPU
    def set_state(self, state: ParameterState, backend) -> None:
        """Draw ``state``'s head as ``backend`` (a ``faceeditor.backends.Backend``) evaluates
        it: mesh from ``evaluate_mesh``, albedo from ``evaluate_albedo`` (the backend's preview
        size while a slider is dragged, full size otherwise); the camera is framed anew."""
        self.state.remove_listener(self._on_values_changed)
        self.state = state
        self.backend = backend
        state.add_listener(self._on_values_changed)
        state.add_history_listener(self._on_history_changed)
        self._mesh_dirty = self._albedo_dirty = True
        self._backend_albedo_size = None
        self._albedo_texture = None  # the embedded model's GPU texture no longer applies
        self._framed = False
        self.invalidate()

    def _on_values_changed(self, names: frozenset[str]) -> None:
        self._hair_mesh = None
        geometry = [self.state.is_geometry(name) for name in names]
        if any(geometry):
            self._mesh_dirty = True
        if not all(geometry):
            self._albedo_dirty = True
        self.invalidate()

    def _on_history_changed(self) -> None:
        """A drag ended: redraw so that a preview-size backend albedo becomes full size."""
        if self.backend is not None and self._backend_albedo_size is not None:
            self.invalidate()

    def current_mesh(self) -> FaceMesh:
        """The evaluated head for the current values (re-evaluated only after a change)."""
        if self._mesh is None or self._mesh_dirty:
            vector = self.state.vector
            if self.backend is not None:
                self._mesh = self.backend.evaluate_mesh(vector)
            else:
                self._mesh = self.state.model.evaluate(vector.astype(np.float32))
            self._mesh_dirty = False
        return self._mesh

    # ----------------------------------------------------------------- GL
    def initializeGL(self) -> None:
        self.ctx = moderngl.create_context()
        self.renderer = OffscreenRenderer(1, 1, samples=0, ctx=self.ctx)
        self.hair = HairPass()
        self.renderer.add_pass(self.hair)
        self._apply_settings()
        log.info("viewport OpenGL: %s", self.ctx.info.get("GL_RENDERER"))

    def paintGL(self) -> None:
        self._paint_started = time.perf_counter()
        if self.renderer is None or self.ctx is None:
            return
        framebuffer = self.ctx.detect_framebuffer(self.defaultFramebufferObject())
        framebuffer.viewport = (0, 0, *self.pixel_size())
        mesh = self.current_mesh()
        if not self._framed:
            self.frame_face()
        if self._photo_dirty:
            self._photo_dirty = False
            if self.photo_albedo is not None:
                self.renderer.set_albedo_map(self.photo_albedo)
                self.albedo_status = "ready"
        if self.backend is not None:
            self._update_backend_albedo()
        elif self.photo_albedo is not None:
            self._albedo_dirty = False
        elif self._albedo_dirty and self._albedo_drawer is not None:
            self._albedo_dirty = False
            self._draw_albedo()
        self._draw_frame(framebuffer, mesh)

    def pixel_size(self) -> tuple[int, int]:
        """(width, height) of the framebuffer in device pixels (HiDPI aware)."""
        ratio = self.devicePixelRatio()
        return max(round(self.width() * ratio), 1), max(round(self.height() * ratio), 1)

    def invalidate(self) -> None:
        """Something visible changed: draw a fast frame now, an antialiased one when still."""
        self._still = False
        self.update()

    def resizeGL(self, width: int, height: int) -> None:
        self._still = False

    def _on_frame_swapped(self) -> None:
        self.frames_presented += 1
        if self.frames_presented == 1 and self.use_albedo:
            QTimer.singleShot(0, self._start_albedo)
        if self._paint_started:
            milliseconds = (time.perf_counter() - self._paint_started) * 1000.0
            self._adapt_scale(milliseconds)
            self.frameTime.emit(milliseconds)

    def apply_settings(self, settings: ViewSettings) -> None:
        """Use ``settings`` (lighting, mode, wireframe, background, turntable) and redraw."""
        self.settings = settings
        if self.renderer is not None:
            self.makeCurrent()
            try:
                self._apply_settings()
            finally:
                self.doneCurrent()
        self._turntable_clock = time.perf_counter()
        if settings.turntable:
            self._turntable.start()
        else:
            self._turntable.stop()
        self.invalidate()

    def _apply_settings(self) -> None:
        assert self.renderer is not None
        self.renderer.set_lighting(LIGHTING_PRESETS[self.settings.lighting])
        self.renderer.set_view_mode(self.settings.mode)
        self.renderer.wireframe = self.settings.wireframe

    def release_gl(self) -> None:
        """Free the GPU objects (call before the widget is destroyed)."""
        if self.renderer is not None and self.ctx is not None:
            self.makeCurrent()
            try:
                if self._msaa is not None:
                    self._msaa.release()
                    self._msaa = None
                for name in ("_scaled", "_small"):
                    if getattr(self, name) is not None:
                        getattr(self, name).release()
                        setattr(self, name, None)
                if self._albedo_drawer is not None:
                    self.renderer.set_albedo_texture(None)
                    self._albedo_drawer.close()
                    self._albedo_drawer = self._albedo_texture = None
                self.renderer.close()
            finally:
                self.doneCurrent()
            self.renderer = None
            self.hair = None
        self._turntable.stop()
        self._refine_timer.stop()
