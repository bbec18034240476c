"""Rendering one batch item: the lit image on its background and the per-pixel labels.

``ItemRenderer(size)`` owns one headless OpenGL context for a worker's lifetime. ``render``
poses the head, frames it, lights it and returns a ``RenderedItem``: the colour image (the
procedural background drawn as a pass behind the head and its hair), and from one extra label pass (the skin's vertex shader and
``shaders/labels.frag.glsl``, float32 targets, no multisampling) the segmentation, depth,
view-space normals and the triangle seen in each pixel.
"""

from __future__ import annotations

import dataclasses
import math
from importlib import resources

import moderngl
import numpy as np

from faceeditor.batch import hair as batch_hair
from faceeditor.batch.backdrop import BackdropPass
from faceeditor.batch.backgrounds import background
from faceeditor.batch.scene import Scene, scene_lighting
from faceeditor.model.mesh import PART_NAMES, FaceMesh
from faceeditor.render.camera import Camera
from faceeditor.render.errors import ShaderError
from faceeditor.render.geometry import MeshGeometry, to_numpy
from faceeditor.render.offscreen import OffscreenRenderer
from faceeditor.render.program import read_shader_source, write_matrix

#: Segmentation classes (pixel value = index).
CLASSES: tuple[str, ...] = ("background", "skin", "brows", "eyes", "lips", "teeth",
                            "mouth_interior", "hair")
#: Display colours of the classes (the segmentation PNG's palette).
CLASS_COLOURS: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0), (224, 172, 140), (90, 50, 20), (250, 250, 250), (200, 40, 60), (255, 240, 160),
    (110, 0, 30), (140, 90, 40))
#: Class of each model part (``PART_NAMES`` order); lips and brows are cut out of the skin by
#: the albedo layers' masks.
PART_CLASSES = {"skin": "skin", "eyes": "eyes", "tongue": "mouth_interior", "teeth": "teeth",
                "mouth_cavity": "mouth_interior"}
DEPTH_SCALE = 1e-4   # metres per unit of the 16-bit depth PNG (0.1 mm; 6.5 m at most)
ALBEDO_SIZE = 1024  # edge of the skin textures (albedo, normal, material) behind each image


@dataclasses.dataclass(frozen=True)
class RenderedItem:
    """One rendered item; H = W = size.

    Attributes:
        image: (H, W, 3) uint8 sRGB, the head over its background.
        segmentation: (H, W) uint8 class indices into ``CLASSES``.
        depth: (H, W) float32 metres along the camera axis, 0 where no head.
        normals: (H, W, 3) float32 unit normals in camera space (x right, y up, z toward the
            camera; OpenGL convention), 0 where no head.
        triangle: (H, W) int64 mesh triangle seen in each pixel, -1 where no head.
        camera: the camera (world space = the posed head).
        mesh: the posed mesh that was drawn.
        pivot: (3,) point the head was rotated about (model space, metres).
        background_kind: name of the procedural background.
    """

    image: np.ndarray
    segmentation: np.ndarray
    depth: np.ndarray
    normals: np.ndarray
    triangle: np.ndarray
    camera: Camera
    mesh: FaceMesh
    pivot: np.ndarray
    background_kind: str


def pivot_of(mesh: FaceMesh) -> np.ndarray:
    """(3,) the point heads turn about: the centre of the mesh's bounding box."""
    vertices = to_numpy(mesh.vertices, np.float64)
    return (vertices.min(0) + vertices.max(0)) / 2.0


def posed(mesh: FaceMesh, rotation: np.ndarray, pivot: np.ndarray) -> FaceMesh:
    """``mesh`` rotated by (3, 3) ``rotation`` about ``pivot``."""
    turned = (to_numpy(mesh.vertices, np.float64) - pivot) @ rotation.T + pivot
    normals = to_numpy(mesh.normals, np.float64) @ rotation.T
    return dataclasses.replace(mesh, vertices=turned.astype(np.float32),
                               normals=normals.astype(np.float32))


def scene_camera(scene: Scene, points: np.ndarray) -> Camera:
    """The front view framing ``points`` (N, 3) with the scene's field of view, margin and
    shift."""
    framed = Camera.framing("front", points, fov_y=scene.fov_y, margin=scene.margin)
    distance = float(np.linalg.norm(np.subtract(framed.eye, framed.target)))
    height = 2.0 * distance * math.tan(math.radians(scene.fov_y) / 2.0)
    offset = np.array([scene.shift[0], scene.shift[1], 0.0]) * height
    return dataclasses.replace(framed, eye=tuple(float(v) for v in framed.eye + offset),
                               target=tuple(float(v) for v in framed.target + offset))


def intrinsics(camera: Camera, width: int, height: int) -> np.ndarray:
    """(3, 3) pinhole matrix K in pixels (OpenCV: u right, v down, origin at the image's top
    left corner, pixel centres at half-integers)."""
    f = (height / 2.0) / math.tan(math.radians(camera.fov_y) / 2.0)
    return np.array([[f, 0.0, width / 2.0], [0.0, f, height / 2.0], [0.0, 0.0, 1.0]])


def extrinsics(camera: Camera) -> np.ndarray:
    """(4, 4) world -> camera transform in the OpenCV convention (x right, y down, z forward)."""
    return np.diag([1.0, -1.0, -1.0, 1.0]) @ camera.view_matrix().astype(np.float64)


def project(points: np.ndarray, camera: Camera, width: int, height: int) -> tuple[np.ndarray,
                                                                                   np.ndarray]:
    """World points (N, 3) -> ((N, 2) pixel coordinates, (N, 3) OpenCV camera coordinates)."""
    world_to_camera = extrinsics(camera)
    cam = np.asarray(points, np.float64) @ world_to_camera[:3, :3].T + world_to_camera[:3, 3]
    uv = cam @ intrinsics(camera, width, height).T
    return uv[:, :2] / uv[:, 2:3], cam


class LabelPass:
    """The label program and its float32 targets on a context the caller keeps current."""

    def __init__(self, ctx: moderngl.Context, size: int):
        self.ctx, self.size = ctx, int(size)
        # the skin's own vertex shader, so labels follow the same surface
        defines = {"PART_COUNT": len(PART_NAMES), "PART_SKIN": PART_NAMES.index("skin"),
                   "LIGHT_COUNT": 3}
        fragment = resources.files(__package__).joinpath("shaders", "labels.frag.glsl")
        try:
            self.program = ctx.program(
                vertex_shader=read_shader_source("face.vert.glsl", defines),
                fragment_shader=fragment.read_text(encoding="utf-8"))
        except moderngl.Error as error:
            raise ShaderError(f"label shaders failed to build: {error}") from error
        shape = (self.size, self.size)
        self.targets = [ctx.texture(shape, 4, dtype="f4") for _ in range(2)]
        self.depth = ctx.depth_renderbuffer(shape)
        self.framebuffer = ctx.framebuffer(color_attachments=self.targets,
                                           depth_attachment=self.depth)
        self.geometry: MeshGeometry | None = None
        self.vao: moderngl.VertexArray | None = None

    def draw(self, mesh: FaceMesh, camera: Camera,
             after=None) -> tuple[np.ndarray, np.ndarray]:
        """((H, W, 4) normal + depth, (H, W, 4) u, v, part, triangle), top row first;
        ``after()``, if given, draws more (hair) into the targets before they are read."""
        if self.geometry is None or not self.geometry.split.matches(mesh):
            self.release_geometry()
            self.geometry = MeshGeometry(self.ctx, mesh)
            self.vao = self.geometry.vertex_array(self.ctx, self.program, "labels")
        else:
            self.geometry.update(mesh)
        write_matrix(self.program, "u_view", camera.view_matrix())
        write_matrix(self.program, "u_projection", camera.projection_matrix(1.0))
        self.framebuffer.use()
        self.framebuffer.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        self.ctx.enable_only(moderngl.DEPTH_TEST)
        self.vao.render(moderngl.TRIANGLES)
        if after is not None:
            after()
        out = [np.frombuffer(t.read(), np.float32).reshape(self.size, self.size, 4)[::-1].copy()
               for t in self.targets]
        self.ctx.detect_framebuffer(0).use()
        return out[0], out[1]

    def release_geometry(self) -> None:
        if self.vao is not None:
            self.vao.release()
            self.vao = None
        if self.geometry is not None:
            self.geometry.release()
            self.geometry = None

    def release(self) -> None:
        self.release_geometry()
        self.framebuffer.release()
        for target in self.targets:
            target.release()
        self.depth.release()
        self.program.release()


class ItemRenderer:
    """Renders scenes at ``size`` x ``size``; one per worker process. Use ``with`` or ``close``."""

    def __init__(self, size: int):
        from faceeditor.albedo.layers import load_layers

        self.size = int(size)
        self.renderer = OffscreenRenderer(self.size, self.size, samples=4)
        self.hair_pass = self.hair_labels = None
        # the background as a pass before the hair: edges and hair blend with it
        self.backdrop = BackdropPass()
        self.renderer.add_pass(self.backdrop)  # released by the renderer
        with self.renderer.ctx:
            self.labels = LabelPass(self.renderer.ctx, self.size)
            if batch_hair.available():
                from faceeditor.render.hair_pass import HairPass

                self.hair_pass = HairPass()
                self.renderer.add_pass(self.hair_pass)  # released by the renderer
                self.hair_labels = batch_hair.HairLabels(self.renderer.ctx)
        layers = load_layers()
        self.region_masks = {name: layers.mask(name) >= 0.5 for name in ("lips", "brows")}

    def render(self, scene: Scene, mesh: FaceMesh, textures=None,
               frame: np.ndarray | None = None, hair: list | None = None) -> RenderedItem:
        """Draw ``mesh`` (unposed) as ``scene`` says with its ``render.still.HeadTextures``
        (None: plain part colours), framing the (N, 3) points ``frame`` (on the unposed mesh;
        default: every vertex), with its ``HairMesh`` layers ``hair``."""
        pivot = pivot_of(mesh)
        rotation = scene.pose.rotation
        mesh = posed(mesh, rotation, pivot)
        points = to_numpy(mesh.vertices, np.float64) if frame is None else \
            (np.asarray(frame, np.float64) - pivot) @ rotation.T + pivot
        camera = scene_camera(scene, points)
        layers = batch_hair.pose_layers(hair or [], rotation, pivot)
        renderer = self.renderer
        renderer.set_lighting(scene_lighting(scene))
        renderer.set_albedo_map(None if textures is None else textures.albedo)
        renderer.set_detail_maps(*((None, None) if textures is None else
                                   (textures.normal, textures.material)))
        if self.hair_pass is not None:
            self.hair_pass.set_meshes(layers)
        backdrop, kind = background(scene.background_seed, self.size)
        self.backdrop.set_image(backdrop)
        image = renderer.render(mesh, camera, (0, 0, 0))

        def draw_hair() -> None:
            if self.hair_labels is not None and layers:
                self.hair_labels.draw(layers, camera, CLASSES)

        with renderer.ctx:
            geometry, surface = self.labels.draw(mesh, camera, draw_hair)
        drawn = geometry[..., 3] > 0.0
        return RenderedItem(
            image=image,
            segmentation=self.segmentation(surface, drawn),
            depth=np.where(drawn, geometry[..., 3], 0.0).astype(np.float32),
            normals=np.where(drawn[..., None], geometry[..., :3], 0.0).astype(np.float32),
            triangle=np.where(drawn, np.round(surface[..., 3]).astype(np.int64), -1),
            camera=camera, mesh=mesh, pivot=pivot, background_kind=kind)

    def segmentation(self, surface: np.ndarray, drawn: np.ndarray) -> np.ndarray:
        """(H, W) class indices from the label pass's part ids and texture coordinates (part
        codes from ``batch.hair.CLASS_CODE_BASE`` up are classes: hair drawn over the head)."""
        code = np.round(surface[..., 2]).astype(np.int64)
        part = np.clip(code, 0, len(PART_NAMES) - 1)
        lookup = np.array([CLASSES.index(PART_CLASSES[name]) for name in PART_NAMES], np.uint8)
        classes = lookup[part]
        resolution = next(iter(self.region_masks.values())).shape[0]
        # layers are stored with row 0 at v = 0
        col = np.clip((surface[..., 0] * resolution).astype(np.int64), 0, resolution - 1)
        row = np.clip((surface[..., 1] * resolution).astype(np.int64), 0, resolution - 1)
        skin = classes == CLASSES.index("skin")
        for name in ("brows", "lips"):
            classes[skin & self.region_masks[name][row, col]] = CLASSES.index(name)
        over = code >= batch_hair.CLASS_CODE_BASE
        classes[over] = (code[over] - batch_hair.CLASS_CODE_BASE).astype(np.uint8)
        classes[~drawn] = CLASSES.index("background")
        return classes

    def close(self) -> None:
        with self.renderer.ctx:
            self.labels.release()
            if self.hair_labels is not None:
                self.hair_labels.release()
        self.renderer.close()

    def __enter__(self) -> ItemRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
