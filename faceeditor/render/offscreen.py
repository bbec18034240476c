"""Render a ``FaceMesh`` offscreen into a numpy image (no window, no Qt)."""

from __future__ import annotations

import contextlib
import logging
import numbers
from types import TracebackType

import moderngl
import numpy as np

from faceeditor.model.mesh import PART_NAMES, FaceMesh
from faceeditor.render.camera import Camera
from faceeditor.render.errors import ContextUnavailableError, RenderError
from faceeditor.render.framebuffer import OffscreenTarget
from faceeditor.render.llvm_guard import load_triton_first
from faceeditor.render.geometry import MeshGeometry, to_numpy
from faceeditor.render.program import load_program, set_uniform, write_matrix
from faceeditor.render.shading import VIEW_MODES, StudioLighting, apply_shading

log = logging.getLogger(__name__)

PROGRAM_NAME = "face"
DEFAULT_BACKGROUND = (48, 48, 52)
WIREFRAME_OVERLAY = (0.02, 0.02, 0.02, 0.55)  # linear rgb mixed over the surface, alpha
_GL_VERSION = 330


def create_headless_context() -> moderngl.Context:
    """A standalone OpenGL >= 3.3 context on EGL (works without a display).

    The new context is left *not* current: use it inside ``with ctx:``.  (With libglvnd a thread
    holding a current EGL context cannot make Qt's GLX context current.)
    """
    load_triton_first()
    try:
        ctx = moderngl.create_standalone_context(require=_GL_VERSION, backend="egl")
    except Exception as exc:  # moderngl/glcontext raise bare Exception subclasses
        raise ContextUnavailableError(
            f"cannot create a headless EGL OpenGL {_GL_VERSION} context: {exc}; on Debian install "
            "libegl1 libgl1-mesa-dri libegl-mesa0"
        ) from exc
    with ctx:  # leaving the block makes no context current
        pass
    return ctx


class OffscreenRenderer:
    """Draws meshes into a ``width`` x ``height`` image with ``samples``-times multisampling.

    Owns a standalone EGL context unless ``ctx`` is given.  An owned context is made current
    only while the renderer works (``with ctx:``) and released by ``close``; a given context is
    the caller's: it must be current whenever the renderer is used, and stays open.
    ``render`` sets ``ctx.enable_only(DEPTH_TEST)`` (no face culling) and afterwards binds again
    the framebuffer that was bound before.

    GPU geometry is built for the first mesh and reused, rewriting only positions and normals,
    while later meshes share its topology.  Use as a context manager or call ``close``.
    """

    def __init__(self, width: int, height: int, samples: int = 4,
                 ctx: moderngl.Context | None = None,
                 lighting: StudioLighting | None = None):
        self._owns_ctx = ctx is None
        self.ctx = create_headless_context() if ctx is None else ctx
        self.width, self.height = int(width), int(height)
        self.geometry: MeshGeometry | None = None
        self._vao: moderngl.VertexArray | None = None
        self._albedo_map: moderngl.Texture | None = None
        self._owns_albedo_map = True  # False for a texture given to set_albedo_texture
        self._closed = False
        self.wireframe = False  # draw the triangle edges over the surface
        self._uploaded_mesh: FaceMesh | None = None
        #: Extra passes drawn after the skin with the same camera and lights (e.g. the hair
        #: pass): objects with ``draw(ctx, camera, aspect, lighting)`` and ``release()``.
        self.passes: list = []
        self.lighting = lighting if lighting is not None else StudioLighting()
        defines = {"PART_COUNT": len(PART_NAMES), "PART_SKIN": PART_NAMES.index("skin"),
                   "LIGHT_COUNT": 3}
        try:
            with self._current():
                self.target = OffscreenTarget(self.ctx, self.width, self.height, samples)
                self.program = load_program(self.ctx, PROGRAM_NAME, defines)
                apply_shading(self.program, lighting=lighting)
                set_uniform(self.program, "u_use_albedo_map", False)
        except Exception:
            self._closed = True
            if self._owns_ctx:
                self.ctx.release()  # frees everything created on it
            elif hasattr(self, "target"):
                self.target.release()
            raise

    @property
    def aspect(self) -> float:
        return self.width / self.height

    def camera_for(self, mesh: FaceMesh, view: str) -> Camera:
        """The named ``view`` framing ``mesh``'s bounding box at this renderer's aspect."""
        return Camera.framing(view, to_numpy(mesh.vertices), aspect=self.aspect)

    def render(self, mesh: FaceMesh, view: str | Camera = "front",
               background: tuple[int, int, int] = DEFAULT_BACKGROUND) -> np.ndarray:
        """(H, W, 3) uint8 sRGB image of ``mesh``, top row first.

        Args:
            view: a name from ``camera.VIEW_DIRECTIONS`` (framed to the mesh) or a ``Camera``.
            background: 8-bit sRGB colour; background pixels come back exactly equal to it.
        """
        self._check_open()
        background = _check_background(background)
        camera = view if isinstance(view, Camera) else self.camera_for(mesh, view)
        with self._current():
            with self.target.drawing(background):
                self._draw(mesh, camera, self.aspect)
            return self.target.read()

    def draw_into(self, framebuffer: moderngl.Framebuffer, mesh: FaceMesh, camera: Camera,
                  background: tuple[int, int, int] = DEFAULT_BACKGROUND) -> None:
        """Clear ``framebuffer`` (e.g. a Qt widget's, from ``ctx.detect_framebuffer``) to
        ``background`` and draw ``mesh`` into it; the context must be current (borrowed)."""
        self._check_open()
        r, g, b = (channel / 255.0 for channel in _check_background(background))
        framebuffer.use()
        framebuffer.clear(r, g, b, 1.0, depth=1.0)
        width, height = framebuffer.viewport[2:]
        self._draw(mesh, camera, width / max(height, 1))

    def set_lighting(self, lighting: StudioLighting) -> None:
        """Light with ``lighting`` (e.g. one of ``shading.LIGHTING_PRESETS``) from now on."""
        self._check_open()
        self.lighting = lighting
        with self._current():
            apply_shading(self.program, lighting=lighting)

    def add_pass(self, extra) -> None:
        """Draw ``extra`` after the skin from now on; the renderer releases it on close."""
        self._check_open()
        self.passes.append(extra)

    def set_view_mode(self, mode: str) -> None:
        """Output one of ``shading.VIEW_MODES``: shaded, albedo, normals or shading."""
        if mode not in VIEW_MODES:
            raise ValueError(f"unknown view mode {mode!r}; choose one of {', '.join(VIEW_MODES)}")
        self._check_open()
        with self._current():
            set_uniform(self.program, "u_view_mode", VIEW_MODES.index(mode))

    def _draw(self, mesh: FaceMesh, camera: Camera, aspect: float) -> None:
        """Draw into the bound framebuffer: the surface, then the wireframe overlay if on."""
        vao = self._upload(mesh)
        write_matrix(self.program, "u_view", camera.view_matrix())
        write_matrix(self.program, "u_projection", camera.projection_matrix(aspect))
        self.ctx.enable_only(moderngl.DEPTH_TEST)
        if self._albedo_map is not None:
            self._albedo_map.use(location=0)
        set_uniform(self.program, "u_overlay", (0.0, 0.0, 0.0, 0.0))
        vao.render(moderngl.TRIANGLES)
        for extra in self.passes:
            extra.draw(self.ctx, camera, aspect, self.lighting)
        self.ctx.enable_only(moderngl.DEPTH_TEST)
        if self.wireframe:
            set_uniform(self.program, "u_overlay", WIREFRAME_OVERLAY)
            self.ctx.wireframe = True
            self.ctx.polygon_offset = (-1.0, -1.0)  # lines in front of their own surface
            try:
                vao.render(moderngl.TRIANGLES)
            finally:
                self.ctx.wireframe = False
                self.ctx.polygon_offset = (0.0, 0.0)

    def set_albedo_map(self, image: np.ndarray | None) -> None:
        """Colour every part from an (H, W, 3) uint8 sRGB texture (top row first; UV origin bottom
        left), or go back to the flat skin colour with ``None``."""
        self._check_open()
        pixels = None if image is None else np.asarray(image)
        if pixels is not None and (pixels.dtype != np.uint8 or pixels.ndim != 3
                                   or pixels.shape[2] != 3):
            raise ValueError(
                f"albedo map must be (H, W, 3) uint8, got {pixels.shape} {pixels.dtype}")
        with self._current():
            self._drop_albedo_map()
            set_uniform(self.program, "u_use_albedo_map", pixels is not None)
            if pixels is None:
                return
            height, width = pixels.shape[:2]
            texture = self.ctx.texture((width, height), 3, np.ascontiguousarray(pixels[::-1]),
                                       alignment=1)
            texture.build_mipmaps()
            texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
            self._albedo_map, self._owns_albedo_map = texture, True
            set_uniform(self.program, "u_albedo_map", 0)

    def set_albedo_texture(self, texture: moderngl.Texture | None) -> None:
        """Colour from a texture already on this context (e.g. drawn on the GPU by
        ``faceeditor.albedo.gpu``; row 0 = v 0), which stays the caller's; ``None`` goes back
        to the flat part colours."""
        self._check_open()
        with self._current():
            self._drop_albedo_map()
            set_uniform(self.program, "u_use_albedo_map", texture is not None)
            if texture is not None:
                self._albedo_map, self._owns_albedo_map = texture, False
                set_uniform(self.program, "u_albedo_map", 0)

    def _drop_albedo_map(self) -> None:
        if self._albedo_map is not None and self._owns_albedo_map:
            self._albedo_map.release()
        self._albedo_map = None

    def _upload(self, mesh: FaceMesh) -> moderngl.VertexArray:
        """Reuse the GPU geometry when ``mesh`` shares its topology, else rebuild it.  The mesh
        drawn last is not uploaded again (meshes are not modified in place), so redrawing an
        unchanged head (orbiting the camera) costs no buffer writes."""
        if self.geometry is not None and self._vao is not None:
            if mesh is self._uploaded_mesh:
                return self._vao
            if self.geometry.split.matches(mesh):
                self.geometry.update(mesh)
                self._uploaded_mesh = mesh
                return self._vao
            log.info("mesh topology changed; rebuilding GPU geometry")
        self._release_geometry()
        self.geometry = MeshGeometry(self.ctx, mesh)
        self._vao = self.geometry.vertex_array(self.ctx, self.program, PROGRAM_NAME)
        self._uploaded_mesh = mesh
        return self._vao

    def _current(self) -> contextlib.AbstractContextManager[object]:
        """Make an owned context current for the block; a borrowed one is the caller's job."""
        return self.ctx if self._owns_ctx else contextlib.nullcontext()

    def _release_geometry(self) -> None:
        self._uploaded_mesh = None
        if self._vao is not None:
            self._vao.release()
            self._vao = None
        if self.geometry is not None:
            self.geometry.release()
            self.geometry = None

    def _check_open(self) -> None:
        if self._closed:
            raise RenderError("renderer is closed")

    def close(self) -> None:
        """Release GPU objects, and the context when this renderer created it."""
        if self._closed:
            return
        self._closed = True
        with self._current():
            for extra in self.passes:
                extra.release()
            self._release_geometry()
            self._drop_albedo_map()
            self.program.release()
            self.target.release()
        if self._owns_ctx:
            self.ctx.release()

    def __enter__(self) -> OffscreenRenderer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _check_background(background: tuple[int, int, int]) -> tuple[int, int, int]:
    values = tuple(background)
    if len(values) != 3 or not all(isinstance(v, numbers.Integral) and 0 <= v <= 255
                                   for v in values):
        raise ValueError(f"background must be three integers in [0, 255] (8-bit sRGB), "
                         f"got {background!r}")
    r, g, b = (int(v) for v in values)
    return (r, g, b)
