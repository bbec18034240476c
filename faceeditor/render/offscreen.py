"""Render a ``FaceMesh`` offscreen into a numpy image (no window, no Qt)."""

from __future__ import annotations

import contextlib
import logging
import numbers
from types import TracebackType

import moderngl
import numpy as np

from faceeditor.model.mesh import FaceMesh
from faceeditor.render.camera import Camera
from faceeditor.render.errors import ContextUnavailableError, RenderError
from faceeditor.render.framebuffer import OffscreenTarget, ensure_valid_binding
from faceeditor.render.scaled import ScaledTarget
from faceeditor.render.llvm_guard import load_triton_first
from faceeditor.render.geometry import MeshGeometry, to_numpy
from faceeditor.render.face_program import PROGRAM_NAME, FacePrograms
from faceeditor.render.program import set_uniform, write_matrix
from faceeditor.render.quality import Quality, quality_level
from faceeditor.render.shading import (
    PART_MATERIALS,
    VIEW_MODES,
    PartMaterial,
    StudioLighting,
)
from faceeditor.render.occlusion import OcclusionBaker
from faceeditor.render.shadow import ShadowMap
from faceeditor.render.smooth import SmoothSurface, SurfaceCache
from faceeditor.render.textures import ShadingTextures

log = logging.getLogger(__name__)

DEFAULT_BACKGROUND = (48, 48, 52)
WIREFRAME_OVERLAY = (0.02, 0.02, 0.02, 0.55)  # linear rgb mixed over the surface, alpha
_GL_VERSION = 330
SHADOW_SOFTNESS_M = 0.0025      # PCF radius on the surface (penumbra of a softbox key light)
SHADOW_BIAS_M = 0.0012
SHADOW_NORMAL_OFFSET_M = 0.0015


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

    ``quality`` (``quality.QUALITY_LEVELS``: draft, normal, high; settable later) decides the
    subdivision, shadows, occlusion bake and supersampling of each frame; the subdivided
    geometry and the per-shape bakes are cached (``smooth.SurfaceCache``).  ``passes`` (see
    ``add_pass``) are drawn after the head with the same camera and lights.
    """

    def __init__(self, width: int, height: int, samples: int = 4,
                 ctx: moderngl.Context | None = None,
                 lighting: StudioLighting | None = None,
                 quality: str | Quality = "draft"):
        self._owns_ctx = ctx is None
        self._quality = quality_level(quality)
        self.ctx = create_headless_context() if ctx is None else ctx
        self.width, self.height = int(width), int(height)
        self.samples = samples
        self._slots: dict[int, _Slot] = {}  # GPU geometry per subdivision level
        self._level = 0  # level of the frame drawn last
        self._albedo_map: moderngl.Texture | None = None
        self._owns_albedo_map = True  # False for a texture given to set_albedo_texture
        self._closed = False
        self.wireframe = False  # draw the triangle edges over the surface
        #: Extra passes drawn after the skin with the same camera and lights (e.g. the hair
        #: pass): objects with ``draw(ctx, camera, aspect, lighting)`` and ``release()``.
        self.passes: list = []
        self.lighting = lighting if lighting is not None else StudioLighting()
        self.materials = dict(PART_MATERIALS)
        self._surfaces = SurfaceCache(occlusion=self._bake_occlusion)
        self._baker: OcclusionBaker | None = None
        self._shadow: ShadowMap | None = None
        self._supersampled: OffscreenTarget | None = None
        self._post: ScaledTarget | None = None  # single-sampled drawing + FXAA
        self.active_program: moderngl.Program  # the face program of the frame drawn last
        try:
            with self._current():
                self.target = OffscreenTarget(self.ctx, self.width, self.height, samples)
                self._programs = FacePrograms(self.ctx, self.materials, self.lighting)
                self.program = self.active_program = self._programs.get(self._quality)
                self.textures = ShadingTextures(self.ctx, self.program)
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

    @property
    def quality(self) -> Quality:
        return self._quality

    @quality.setter
    def quality(self, value: str | Quality) -> None:
        self._quality = quality_level(value)

    @property
    def geometry(self) -> MeshGeometry | None:
        """GPU geometry of the frame drawn last (None before the first frame)."""
        slot = self._slots.get(self._level)
        return None if slot is None else slot.geometry

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
        factor = self._quality.supersample
        with self._current():
            if not self._quality.multisample and self.target.samples:
                return self._render_fxaa(mesh, camera, background)
            target = self.target if factor == 1 else self._supersampled_target(factor)
            with target.drawing(background):
                self._draw(mesh, camera, self.aspect)
            image = target.read()
        if factor > 1:  # box filter: equal background pixels stay exactly equal
            height, width = self.height, self.width
            blocks = image.reshape(height, factor, width, factor, 3).astype(np.uint16)
            image = ((blocks.sum(axis=(1, 3)) + factor * factor // 2) // (factor * factor))
            image = image.astype(np.uint8)
        return image

    def _render_fxaa(self, mesh: FaceMesh, camera: Camera,
                     background: tuple[int, int, int]) -> np.ndarray:
        """Draw single-sampled into a texture, then FXAA it into the resolved target."""
        if self._post is None:
            self._post = ScaledTarget(self.ctx)
        ensure_valid_binding(self.ctx)
        previous = getattr(self.ctx, "fbo", None)
        drawn = self._post.target(self.width, self.height)
        drawn.use()
        r, g, b = (channel / 255.0 for channel in background)
        drawn.clear(r, g, b, 1.0, depth=1.0)
        try:
            self._draw(mesh, camera, self.aspect)
            self._post.stretch_onto(self.target.resolved, antialias=True)
            data = self.target.resolved.read(components=3, alignment=1)
        finally:
            if previous is not None and not isinstance(previous.mglo, moderngl.InvalidObject):
                previous.use()
        return np.frombuffer(data, np.uint8).reshape(self.height, self.width, 3)[::-1].copy()

    def _supersampled_target(self, factor: int) -> OffscreenTarget:
        size = (self.width * factor, self.height * factor)
        if self._supersampled is None or self._supersampled.size != size:
            if self._supersampled is not None:
                self._supersampled.release()
            self._supersampled = OffscreenTarget(self.ctx, *size, self.samples)
        return self._supersampled

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
            self._programs.shade(self.materials, lighting)

    def set_materials(self, materials: dict[str, PartMaterial]) -> None:
        """Shade each part with ``materials`` (default ``shading.PART_MATERIALS``)."""
        self._check_open()
        self.materials = dict(materials)
        with self._current():
            self._programs.shade(self.materials, self.lighting)

    def set_detail_maps(self, normal: np.ndarray | None, material: np.ndarray | None) -> None:
        """Shade with a tangent-space ``normal`` map (S, S, 3) uint8 and a ``material`` map
        (S, S, 3) uint8 (roughness, iris radius, unused), both top row first in the head's UV
        layout (``albedo.maps.normal_map`` / ``material_map``); ``None`` for either turns the
        detail off (flat normals, per-part roughness)."""
        self._check_open()
        with self._current():
            self.textures.set_detail_maps(normal, material)
            self._programs.set("u_use_detail_maps", self.textures.active)

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
            self._programs.set("u_view_mode", VIEW_MODES.index(mode))

    def _draw(self, mesh: FaceMesh, camera: Camera, aspect: float) -> None:
        """Draw into the bound framebuffer: the shadow map, the surface, the extra passes, then
        the wireframe overlay if on."""
        output = self.ctx.fbo
        quality = self._quality
        slot = self._upload(mesh)
        program = self.active_program = self._programs.get(quality)
        view, projection = camera.view_matrix(), camera.projection_matrix(aspect)
        key = np.asarray(self.lighting.key.direction, np.float32)
        key /= np.linalg.norm(key)
        self.ctx.enable_only(moderngl.DEPTH_TEST)
        shadow = self._shadow_map(quality.shadow_size)
        if quality.shadow_size:
            key_world = view[:3, :3].T @ key
            shadow.draw(slot.depth_vao(self.ctx, shadow.program), slot.vertices, key_world)
            if output is not None:
                output.use()
            self.ctx.enable_only(moderngl.DEPTH_TEST)
        shadow.use(compare_location=4, raw_location=5)
        set_uniform(program, "u_shadow_taps", quality.shadow_taps if quality.shadow_size
                    else 0)
        write_matrix(program, "u_shadow_matrix", shadow.matrix)
        set_uniform(program, "u_shadow_radius", SHADOW_SOFTNESS_M / shadow.depth_range)
        set_uniform(program, "u_shadow_bias", SHADOW_BIAS_M / shadow.depth_range)
        set_uniform(program, "u_shadow_depth_range", shadow.depth_range)
        set_uniform(program, "u_shadow_normal_offset", SHADOW_NORMAL_OFFSET_M)
        eyes = slot.uploaded.eyes if slot.uploaded is not None else None
        if eyes is not None:
            centres = eyes[:, 0] @ view[:3, :3].T + view[:3, 3]
            set_uniform(program, "u_eye_centre", centres)
            set_uniform(program, "u_eye_axis", eyes[:, 1] @ view[:3, :3].T)
        write_matrix(program, "u_view", view)
        write_matrix(program, "u_projection", projection)
        if self._albedo_map is not None:
            self._albedo_map.use(location=0)
        self.textures.use()
        set_uniform(program, "u_overlay", (0.0, 0.0, 0.0, 0.0))
        if quality.interactive:
            slot.render_culled(self.ctx, program)
        else:
            slot.vao(self.ctx, program).render(moderngl.TRIANGLES)
        for extra in self.passes:
            extra.draw(self.ctx, camera, aspect, self.lighting)
        self.ctx.enable_only(moderngl.DEPTH_TEST)
        if self.wireframe:
            set_uniform(program, "u_overlay", WIREFRAME_OVERLAY)
            self.ctx.wireframe = True
            self.ctx.polygon_offset = (-1.0, -1.0)  # lines in front of their own surface
            try:
                slot.vao(self.ctx, program).render(moderngl.TRIANGLES)
            finally:
                self.ctx.wireframe = False
                self.ctx.polygon_offset = (0.0, 0.0)

    def _shadow_map(self, size: int) -> ShadowMap:
        """The shadow map of ``size`` texels (a tiny unused one while shadows are off: the
        shadow sampler must always see a depth texture; size 0 keeps the map there is)."""
        if size == 0 and self._shadow is not None:
            return self._shadow
        size = max(int(size), 16)
        if self._shadow is None or self._shadow.size != size:
            if self._shadow is not None:
                self._shadow.release()
            self._shadow = ShadowMap(self.ctx, size)
        return self._shadow

    def _bake_occlusion(self, vertices: np.ndarray, normals: np.ndarray,
                        faces: np.ndarray) -> np.ndarray:
        directions = max(self._quality.occlusion_directions, 16)
        if self._baker is None or len(self._baker.directions) != directions:
            if self._baker is not None:
                self._baker.release()
            self._baker = OcclusionBaker(self.ctx, directions=directions)
        return self._baker(vertices, normals, faces)

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
            self._programs.set("u_use_albedo_map", pixels is not None)
            if pixels is None:
                return
            height, width = pixels.shape[:2]
            texture = self.ctx.texture((width, height), 3, np.ascontiguousarray(pixels[::-1]),
                                       alignment=1)
            texture.build_mipmaps()
            texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
            self._albedo_map, self._owns_albedo_map = texture, True

    def set_albedo_texture(self, texture: moderngl.Texture | None) -> None:
        """Colour from a texture already on this context (e.g. drawn on the GPU by
        ``faceeditor.albedo.gpu``; row 0 = v 0), which stays the caller's; ``None`` goes back
        to the flat part colours."""
        self._check_open()
        with self._current():
            self._drop_albedo_map()
            self._programs.set("u_use_albedo_map", texture is not None)
            if texture is not None:
                self._albedo_map, self._owns_albedo_map = texture, False

    def _drop_albedo_map(self) -> None:
        if self._albedo_map is not None and self._owns_albedo_map:
            self._albedo_map.release()
        self._albedo_map = None

    def _upload(self, mesh: FaceMesh) -> _Slot:
        """The GPU geometry of ``mesh`` at this frame's subdivision level.  Geometry is reused
        while the topology stays (only positions, normals and surface values are rewritten);
        the surface drawn last is not uploaded again (meshes are not modified in place), so
        redrawing an unchanged head (orbiting the camera) costs no buffer writes."""
        level = self._quality.subdivision
        self._surfaces.set_contact(next((contact for contact in (
            getattr(extra, "skin_contact", None) for extra in self.passes)
            if contact is not None), None))
        if self._quality.interactive:
            surface = self._surfaces.plain(mesh)
        else:
            surface = self._surfaces.get(mesh, level, occlusion=self._quality.occlusion)
        self._level = level
        slot = self._slots.get(level)
        if slot is not None:
            if surface is slot.uploaded:
                return slot
            if slot.geometry.split.matches(surface.mesh):
                slot.upload(surface)
                return slot
            log.info("mesh topology changed; rebuilding GPU geometry")
            slot.release()
        geometry = MeshGeometry(self.ctx, surface.mesh)
        slot = _Slot(geometry)
        slot.upload(surface)
        self._slots[level] = slot
        return slot

    def _current(self) -> contextlib.AbstractContextManager[object]:
        """Make an owned context current for the block; a borrowed one is the caller's job."""
        return self.ctx if self._owns_ctx else contextlib.nullcontext()

    def _release_geometry(self) -> None:
        for slot in self._slots.values():
            slot.release()
        self._slots = {}

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
            self.passes = []
            self._release_geometry()
            self._drop_albedo_map()
            for item in (self._shadow, self._baker, self._supersampled, self._post,
                         self.textures):
                if item is not None:
                    item.release()
            self._programs.release()
            self.target.release()
        if self._owns_ctx:
            self.ctx.release()

    def __enter__(self) -> OffscreenRenderer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class _Slot:
    """GPU geometry of one subdivision level, its vertex arrays and the surface uploaded."""

    def __init__(self, geometry: MeshGeometry):
        self.geometry = geometry
        self._vaos: dict[int, moderngl.VertexArray] = {}  # by program (GL name)
        self._culled_vaos: dict[int, moderngl.VertexArray] = {}  # culling_indices, by program
        self._depth_vao: moderngl.VertexArray | None = None
        self.uploaded: SmoothSurface | None = None
        self.vertices = np.zeros((0, 3), np.float32)

    def upload(self, surface: SmoothSurface) -> None:
        self.geometry.update(surface.mesh, surface.surface)
        self.uploaded = surface
        self.vertices = to_numpy(surface.mesh.vertices)

    def vao(self, ctx: moderngl.Context, program: moderngl.Program) -> moderngl.VertexArray:
        """The vertex array feeding this geometry to ``program`` (one of the face programs)."""
        vao = self._vaos.get(program.glo)
        if vao is None:
            vao = self._vaos[program.glo] = self.geometry.vertex_array(ctx, program,
                                                                       PROGRAM_NAME)
        return vao

    def render_culled(self, ctx: moderngl.Context, program: moderngl.Program) -> None:
        """Draw the closed parts with their back faces culled (about half the head's
        triangles and pixels, hidden behind the front faces), then the mouth two-sided."""
        indices, closed = self.geometry.culling_indices(ctx)
        vao = self._culled_vaos.get(program.glo)
        if vao is None:
            vao = self._culled_vaos[program.glo] = self.geometry.vertex_array(
                ctx, program, PROGRAM_NAME, index_buffer=indices)
        faces = ctx.front_face, ctx.cull_face
        ctx.front_face, ctx.cull_face = "ccw", "back"
        ctx.enable(moderngl.CULL_FACE)
        vao.render(moderngl.TRIANGLES, vertices=3 * closed)
        ctx.disable(moderngl.CULL_FACE)
        ctx.front_face, ctx.cull_face = faces
        vao.render(moderngl.TRIANGLES, vertices=indices.size // 4 - 3 * closed,
                   first=3 * closed)

    def depth_vao(self, ctx: moderngl.Context, program: moderngl.Program) -> moderngl.VertexArray:
        if self._depth_vao is None or self._depth_vao.program is not program:
            if self._depth_vao is not None:
                self._depth_vao.release()
            self._depth_vao = self.geometry.depth_vertex_array(ctx, program)
        return self._depth_vao

    def release(self) -> None:
        for vao in (*self._vaos.values(), *self._culled_vaos.values(), self._depth_vao):
            if vao is not None:
                vao.release()
        self.geometry.release()
        self.uploaded = None


def _check_background(background: tuple[int, int, int]) -> tuple[int, int, int]:
    values = tuple(background)
    if len(values) != 3 or not all(isinstance(v, numbers.Integral) and 0 <= v <= 255
                                   for v in values):
        raise ValueError(f"background must be three integers in [0, 255] (8-bit sRGB), "
                         f"got {background!r}")
    r, g, b = (int(v) for v in values)
    return (r, g, b)
