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
from faceeditor.render.geometry import MeshGeometry, to_numpy
from faceeditor.render.program import load_program, set_uniform, write_matrix
from faceeditor.render.shading import StudioLighting, apply_shading

log = logging.getLogger(__name__)

PROGRAM_NAME = "face"
DEFAULT_BACKGROUND = (48, 48, 52)
_GL_VERSION = 330


def create_headless_context() -> moderngl.Context:
    """A standalone OpenGL >= 3.3 context on EGL (works without a display).

    The new context is left *not* current: use it inside ``with ctx:``.  (With libglvnd a thread
    holding a current EGL context cannot make Qt's GLX context current.)
    """
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
        self._closed = False
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
            vao = self._upload(mesh)
            write_matrix(self.program, "u_view", camera.view_matrix())
            write_matrix(self.program, "u_projection", camera.projection_matrix(self.aspect))
            self.ctx.enable_only(moderngl.DEPTH_TEST)
            with self.target.drawing(background):
                if self._albedo_map is not None:
                    self._albedo_map.use(location=0)
                vao.render(moderngl.TRIANGLES)
            return self.target.read()

    def set_albedo_map(self, image: np.ndarray | None) -> None:
        """Colour skin from an (H, W, 3) uint8 sRGB texture (top row first; UV origin bottom
        left), or go back to the flat skin colour with ``None``."""
        self._check_open()
        pixels = None if image is None else np.asarray(image)
        if pixels is not None and (pixels.dtype != np.uint8 or pixels.ndim != 3
                                   or pixels.shape[2] != 3):
            raise ValueError(
                f"albedo map must be (H, W, 3) uint8, got {pixels.shape} {pixels.dtype}")
        with self._current():
            if self._albedo_map is not None:
                self._albedo_map.release()
                self._albedo_map = None
            set_uniform(self.program, "u_use_albedo_map", pixels is not None)
            if pixels is None:
                return
            height, width = pixels.shape[:2]
            texture = self.ctx.texture((width, height), 3, np.ascontiguousarray(pixels[::-1]),
                                       alignment=1)
            texture.build_mipmaps()
            texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
            self._albedo_map = texture
            set_uniform(self.program, "u_albedo_map", 0)

    def _upload(self, mesh: FaceMesh) -> moderngl.VertexArray:
        """Reuse the GPU geometry when ``mesh`` shares its topology, else rebuild it."""
        if self.geometry is not None and self._vao is not None:
            if self.geometry.split.matches(mesh):
                self.geometry.update(mesh)
                return self._vao
            log.info("mesh topology changed; rebuilding GPU geometry")
        self._release_geometry()
        self.geometry = MeshGeometry(self.ctx, mesh)
        self._vao = self.geometry.vertex_array(self.ctx, self.program, PROGRAM_NAME)
        return self._vao

    def _current(self) -> contextlib.AbstractContextManager[object]:
        """Make an owned context current for the block; a borrowed one is the caller's job."""
        return self.ctx if self._owns_ctx else contextlib.nullcontext()

    def _release_geometry(self) -> None:
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
            self._release_geometry()
            if self._albedo_map is not None:
                self._albedo_map.release()
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
