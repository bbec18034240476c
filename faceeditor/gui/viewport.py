"""The 3D viewport: a QOpenGLWindow drawing the face with faceeditor.render's renderer.

It is a window embedded with ``QWidget.createWindowContainer`` rather than a QOpenGLWidget: a
QOpenGLWidget makes Qt compose the whole main window through OpenGL on every frame, which on a
software rasteriser (Xvfb/llvmpipe) costs about 15 ms per frame before the face is drawn.

moderngl wraps Qt's own OpenGL context (created in ``initializeGL``); every ``paintGL`` binds
the window's framebuffer with ``ctx.detect_framebuffer(self.defaultFramebufferObject())``.
The GPU buffers are built once and rewritten in place when the parameters change; the model is
evaluated lazily, at most once per presented frame.

Mouse: left drag orbits, middle drag (or Shift + left) pans, the wheel / pinch zooms.

Frames drawn while something changes are not antialiased, and when they take longer than
``FRAME_BUDGET_MS`` (a software rasteriser) they are drawn at 3/4 or 1/2 size and stretched.
Once the picture has been still for ``REFINE_DELAY_MS`` it is drawn again at full size at the
still quality (``STILL_QUALITY``: smooth surface, shadows, occlusion, detail maps) and
antialiased: by FXAA for ``normal`` (a software rasteriser shades every sample, so
multisampling would triple the frame), into a multisampled target for a multisampled level.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import moderngl
import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QNativeGestureEvent, QWheelEvent
from PySide6.QtOpenGL import QOpenGLWindow

from faceeditor.model.mesh import FaceMesh
from faceeditor.render.camera import OrbitCamera
from faceeditor.render.errors import RenderError
from faceeditor.render.framebuffer import OffscreenTarget
from faceeditor.hair import hair_for
from faceeditor.render.hair_pass import HairPass
from faceeditor.render.offscreen import OffscreenRenderer
from faceeditor.render.quality import INTERACTIVE
from faceeditor.render.scaled import ScaledTarget
from faceeditor.render.shading import LIGHTING_PRESETS, VIEW_MODES
from faceeditor.state import ParameterState

log = logging.getLogger(__name__)

ORBIT_DEGREES_PER_PIXEL = 0.4
#: After this long without a new frame, draw the still picture once more with 4x multisampling
#: (interactive frames skip it: on a software rasteriser it triples the cost of a frame).
REFINE_DELAY_MS = 250
REFINE_SAMPLES = 4
#: Renderer quality of the still (refined) frame and of interactive frames.
STILL_QUALITY = "normal"
INTERACTIVE_QUALITY = INTERACTIVE
#: Interactive frames aim at this paint time; slower ones switch to a lower drawing scale.
FRAME_BUDGET_MS = 20.0
SCALES = (1.0, 0.75, 0.5)
ALBEDO_PREVIEW_SIZE = 1024
TURNTABLE_DEGREES_PER_SECOND = 30.0
#: Named views on keys, as (yaw, pitch) in degrees.
NAMED_VIEWS = {"front": (0.0, 0.0), "side": (90.0, 0.0), "three-quarter": (35.0, 5.0)}


@dataclasses.dataclass
class ViewSettings:
    """How the viewport draws; saved in projects and (lighting) in the user settings."""

    lighting: str = "studio"
    mode: str = "shaded"
    wireframe: bool = False
    background: tuple[int, int, int] = (58, 60, 66)
    turntable: bool = False

    def to_json(self) -> dict[str, object]:
        return {"lighting": self.lighting, "mode": self.mode, "wireframe": self.wireframe,
                "background": list(self.background), "turntable": self.turntable}

    @classmethod
    def from_json(cls, data: dict) -> ViewSettings:
        """Read what ``to_json`` wrote; unknown or malformed entries keep their defaults."""
        settings = cls()
        if data.get("lighting") in LIGHTING_PRESETS:
            settings.lighting = data["lighting"]
        if data.get("mode") in VIEW_MODES:
            settings.mode = data["mode"]
        settings.wireframe = bool(data.get("wireframe", False))
        background = data.get("background")
        if (isinstance(background, list) and len(background) == 3
                and all(isinstance(v, int) and 0 <= v <= 255 for v in background)):
            settings.background = (background[0], background[1], background[2])
        settings.turntable = bool(data.get("turntable", False))
        return settings


class Viewport(QOpenGLWindow):
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
        self._scaled: ScaledTarget | None = None
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

    def set_photo_albedo(self, image: np.ndarray | None) -> None:
        """Show an (H, W, 3) uint8 albedo (a photo projected by a fit) instead of the generated
        skin texture; ``None`` goes back to the generated one."""
        self.photo_albedo = None if image is None else np.ascontiguousarray(image)
        self._photo_dirty = True
        self._albedo_dirty = True
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

    def _update_backend_albedo(self) -> None:
        """Upload the backend's albedo when the values or the wanted size changed: its preview
        size during an interactive frame of a drag, full size otherwise. A full-size albedo can
        take seconds on a CPU (StyleGAN2 at 1024 px), so it is made by a worker: until it
        arrives the preview-size albedo of the same values is shown."""
        if self._full_albedo_pending is not None:
            image, self._full_albedo_pending = self._full_albedo_pending, None
            self.renderer.set_albedo_map(image)
            self._backend_albedo_size = None
            self.albedo_status = "ready" if image is not None else "unavailable"
        dragging = self.state.interacting and not self._still
        size = self.backend.preview_albedo_size if dragging else None
        if not self._albedo_dirty and size == self._backend_albedo_size:
            return
        preview = self.backend.preview_albedo_size
        if size is None and preview is not None:
            if self._albedo_dirty or self._backend_albedo_size != preview:
                self._upload_backend_albedo(preview)
            self._albedo_dirty = False
            self._start_full_albedo()
            return
        self._albedo_dirty = False
        self._upload_backend_albedo(size)

    def _upload_backend_albedo(self, size: int | None) -> None:
        image = self.backend.evaluate_albedo(self.state.vector, albedo_size=size)
        self.renderer.set_albedo_map(image)
        self._backend_albedo_size = size
        self.albedo_status = "ready" if image is not None else "unavailable"

    def _start_full_albedo(self) -> None:
        """Ask a worker thread for the full-size albedo of the current values."""
        self._full_albedo_request += 1
        request, backend = self._full_albedo_request, self.backend
        vector = np.array(self.state.vector, copy=True)

        def work() -> None:
            try:
                image = backend.evaluate_albedo(vector, albedo_size=None)
            except Exception as error:  # noqa: BLE001 - reported, never lost in the thread
                log.error("full-size albedo failed: %s", error)
                return
            try:
                self._fullAlbedoReady.emit(request, image)
            except RuntimeError:  # the window closed while the albedo was being made
                log.debug("full-size albedo finished after its viewport was closed")

        QThreadPool.globalInstance().start(work)

    def _receive_full_albedo(self, request: int, image: object) -> None:
        """A worker's full-size albedo: shown unless the values moved on meanwhile."""
        if request != self._full_albedo_request or self._albedo_dirty:
            return
        self._full_albedo_pending = image
        self.update()

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
        camera, background = self.orbit.camera(), self.settings.background
        width, height = framebuffer.viewport[2:]
        self._interactive_frame = not self._still
        self.renderer.quality = INTERACTIVE_QUALITY if self._interactive_frame else STILL_QUALITY
        self._update_hair(mesh)
        if not self._interactive_frame and not self.renderer.quality.multisample:
            # the still frame single-sampled, its edges smoothed by FXAA on the way to the window
            if self._scaled is None:
                self._scaled = ScaledTarget(self.ctx)
            self.renderer.draw_into(self._scaled.target(width, height), mesh, camera, background)
            self._scaled.stretch_onto(framebuffer, antialias=True)
            framebuffer.use()
            return
        if not self._interactive_frame:
            target = self._msaa_target(width, height)
            self.renderer.draw_into(target.draw, mesh, camera, background)
            # Resolve into a texture of the same formats, then draw it over the window: a blit
            # into the window's own framebuffer fails when its formats differ from ours
            # (GL_INVALID_OPERATION on Xvfb/llvmpipe), which left the previous frame on screen.
            if self._scaled is None:
                self._scaled = ScaledTarget(self.ctx)
            self.ctx.copy_framebuffer(dst=self._scaled.target(width, height), src=target.draw)
            self._scaled.stretch_onto(framebuffer)
            framebuffer.use()
            return
        if self.scale < 1.0:
            if self._scaled is None:
                self._scaled = ScaledTarget(self.ctx)
            small = self._scaled.target(round(width * self.scale), round(height * self.scale))
            self.renderer.draw_into(small, mesh, camera, background)
            self._scaled.stretch_onto(framebuffer)
        else:
            self.renderer.draw_into(framebuffer, mesh, camera, background)
        if self.refine_when_idle:
            self._refine_timer.start()

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
        """Three interactive frames over budget: draw smaller; ten well under: draw larger."""
        if not (self.adaptive_resolution and self._interactive_frame):
            return
        index = SCALES.index(self.scale)
        if milliseconds > FRAME_BUDGET_MS:
            self._slow_frames, self._fast_frames = self._slow_frames + 1, 0
            if self._slow_frames >= 3 and index + 1 < len(SCALES):
                self.scale, self._slow_frames = SCALES[index + 1], 0
                log.info("viewport frames take %.0f ms; drawing at scale %.2f while "
                         "interacting", milliseconds, self.scale)
        elif milliseconds < FRAME_BUDGET_MS * 0.5:
            self._fast_frames, self._slow_frames = self._fast_frames + 1, 0
            if self._fast_frames >= 10 and index > 0:
                self.scale, self._fast_frames = SCALES[index - 1], 0
        else:
            self._slow_frames = self._fast_frames = 0

    def _start_albedo(self) -> None:
        """After the first frame (start-up shows the head first, then its skin): create the
        skin-texture generator and draw the texture."""
        if self.ctx is None or self._albedo_drawer is not None or self.backend is not None:
            return
        self.makeCurrent()
        try:
            self._albedo_drawer = self._create_albedo_drawer()
        finally:
            self.doneCurrent()
        self._albedo_dirty = self._albedo_drawer is not None
        if self._albedo_drawer is None:
            self.albedo_status = "unavailable"
        self.invalidate()

    def _create_albedo_drawer(self):
        """The GPU skin-texture generator on this context, or None (flat colours) when the
        albedo package or its assets are missing or its shader does not build here."""
        try:
            from faceeditor.albedo.gpu import GpuAlbedo

            return GpuAlbedo(size=ALBEDO_PREVIEW_SIZE, ctx=self.ctx)
        except (ImportError, RenderError, RuntimeError, OSError, moderngl.Error) as error:
            log.warning("no skin texture in the viewport: %s", error)
            self.albedoUnavailable.emit(f"Skin texture unavailable ({error}); showing flat "
                                        "colours")
            return None

    def _draw_albedo(self) -> None:
        """Redraw the skin texture for the current appearance parameters (one GPU pass)."""
        assert self._albedo_drawer is not None and self.renderer is not None
        texture = self._albedo_drawer.draw(self.state.values())
        texture.build_mipmaps()
        texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        self._albedo_texture = texture
        self.renderer.set_albedo_texture(texture)
        self._update_detail_maps()
        self.albedo_status = "ready"

    def _update_detail_maps(self) -> None:
        """Normal and material maps of the current detail parameters (pores, wrinkles), made
        again only when those change."""
        from faceeditor.albedo.layers import AlbedoAssetError
        from faceeditor.albedo.maps import DETAIL_PARAMS, material_map, normal_map

        values = self.state.values()
        key = tuple(float(values.get(name, -1.0)) for name in DETAIL_PARAMS)
        if key == self._detail_key:
            return
        try:
            self._detail_maps = (normal_map(values, ALBEDO_PREVIEW_SIZE),
                                 material_map(values, ALBEDO_PREVIEW_SIZE))
        except AlbedoAssetError as error:
            log.warning("no skin detail maps in the viewport: %s", error)
            self._detail_maps = None
        self._detail_key = key
        assert self.renderer is not None
        self.renderer.set_detail_maps(*(self._detail_maps or (None, None)))

    def pixel_size(self) -> tuple[int, int]:
        """(width, height) of the framebuffer in device pixels (HiDPI aware)."""
        ratio = self.devicePixelRatio()
        return max(round(self.width() * ratio), 1), max(round(self.height() * ratio), 1)

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

    def invalidate(self) -> None:
        """Something visible changed: draw a fast frame now, an antialiased one when still."""
        self._still = False
        self.update()

    def resizeGL(self, width: int, height: int) -> None:
        self._still = False

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

    # ----------------------------------------------------------------- camera
    def set_orbit(self, orbit: OrbitCamera) -> None:
        self.orbit = orbit
        self._framed = True
        self.cameraChanged.emit()
        self.invalidate()

    def frame_face(self, view: str | None = None) -> None:
        """Fit the head in the view, keeping the current direction unless ``view`` is named."""
        yaw, pitch = NAMED_VIEWS[view] if view else (self.orbit.yaw, self.orbit.pitch)
        framed = OrbitCamera.framing("front", self.current_mesh().vertices,
                                     aspect=max(self.width(), 1) / max(self.height(), 1),
                                     margin=1.15)
        self.set_orbit(dataclasses.replace(framed, yaw=yaw, pitch=pitch))

    def show_view(self, view: str) -> None:
        """Look from a named view (front, side, three-quarter) at the current distance."""
        yaw, pitch = NAMED_VIEWS[view]
        self.set_orbit(dataclasses.replace(self.orbit, yaw=yaw, pitch=pitch))

    def _turntable_step(self) -> None:
        now = time.perf_counter()
        elapsed, self._turntable_clock = now - self._turntable_clock, now
        self.set_orbit(self.orbit.orbited(TURNTABLE_DEGREES_PER_SECOND * elapsed, 0.0))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.tool is not None and self.tool.mouse_press(event):
            event.accept()
            return
        self._drag_origin = event.position()
        self._drag_button = event.button()
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._drag_button = Qt.MouseButton.MiddleButton
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_origin is None and self.tool is not None and self.tool.mouse_move(event):
            return
        if self._drag_origin is None:
            return
        delta = event.position() - self._drag_origin
        self._drag_origin = event.position()
        if self._drag_button == Qt.MouseButton.LeftButton:
            self.set_orbit(self.orbit.orbited(-delta.x() * ORBIT_DEGREES_PER_PIXEL,
                                              delta.y() * ORBIT_DEGREES_PER_PIXEL))
        elif self._drag_button in (Qt.MouseButton.MiddleButton, Qt.MouseButton.RightButton):
            scale = 2.0 * np.tan(np.radians(self.orbit.fov_y) / 2.0) / max(self.height(), 1)
            self.set_orbit(self.orbit.panned(-delta.x() * scale, delta.y() * scale))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_origin is None and self.tool is not None and self.tool.mouse_release(event):
            return
        self._drag_origin = None

    def wheelEvent(self, event: QWheelEvent) -> None:
        pixels, angle = event.pixelDelta(), event.angleDelta()
        if not pixels.isNull() and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            # trackpad two-finger scroll with Shift pans
            scale = 2.0 * np.tan(np.radians(self.orbit.fov_y) / 2.0) / max(self.height(), 1)
            self.set_orbit(self.orbit.panned(-pixels.x() * scale, pixels.y() * scale))
        else:
            steps = angle.y() / 120.0 if not angle.isNull() else pixels.y() / 50.0
            self.set_orbit(self.orbit.zoomed(0.9 ** steps))
        event.accept()

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.Leave and self.tool is not None:
            self.tool.mouse_leave()
        if isinstance(event, QNativeGestureEvent):
            if event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
                self.set_orbit(self.orbit.zoomed(1.0 / (1.0 + event.value())))
                return True
            if event.gestureType() == Qt.NativeGestureType.RotateNativeGesture:
                self.set_orbit(self.orbit.orbited(event.value(), 0.0))
                return True
        return super().event(event)

    def release_gl(self) -> None:
        """Free the GPU objects (call before the widget is destroyed)."""
        if self.renderer is not None and self.ctx is not None:
            self.makeCurrent()
            try:
                if self._msaa is not None:
                    self._msaa.release()
                    self._msaa = None
                if self._scaled is not None:
                    self._scaled.release()
                    self._scaled = None
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
