"""A small differentiable renderer in torch, for optimising parameters through images (CLIP).

Two steps, one module:

1. **Visibility** (no gradients): every front-facing triangle is rasterised over the pixel
   centres inside its bounding box (triangles are bucketed by box size so the work is a few
   batched tensor operations), and a depth test per pixel (``scatter_reduce(amin)``) keeps the
   nearest triangle.  The result is a triangle id per pixel.
2. **Shading** (with gradients): for the covered pixels, screen-space barycentric coordinates are
   recomputed from the projected vertices of their triangle, vertex normals are interpolated and
   lit with a camera-fixed key light plus ambient, using each part's albedo from
   ``shading.PART_MATERIALS``.  Gradients flow from pixel colours to vertex positions and normals,
   and from there to the model's parameters (``FaceModel.evaluate`` on a torch vector).

Gradients at silhouettes (a triangle id changing between pixels) are not modelled; the interior
shading and position gradients are what CLIP-guided optimisation needs.  Cameras are the
``render.camera.Camera`` of the OpenGL renderer, so both renderers frame a head identically.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

from faceeditor.model.mesh import PART_NAMES, FaceMesh
from faceeditor.render.camera import Camera
from faceeditor.render.shading import PART_MATERIALS

#: Background colour in [0, 1] sRGB (matches the GUI's neutral grey closely enough for CLIP).
DEFAULT_BACKGROUND = (0.55, 0.55, 0.57)


@dataclasses.dataclass(frozen=True)
class Rasterized:
    """Per-pixel visibility of one image.

    Attributes:
        pixels: (N,) int64 flat indices (row * width + column, top row first) of covered pixels.
        faces: (N,) int64 triangle index seen at each of those pixels.
        width, height: image size.
    """

    pixels: torch.Tensor
    faces: torch.Tensor
    width: int
    height: int

    def coverage(self) -> np.ndarray:
        """(H, W) bool mask of pixels covered by the mesh."""
        mask = np.zeros(self.width * self.height, bool)
        mask[self.pixels.cpu().numpy()] = True
        return mask.reshape(self.height, self.width)


def project(vertices: torch.Tensor, camera: Camera, width: int, height: int) -> torch.Tensor:
    """(V, 3) world positions -> (V, 3): pixel column u, pixel row v (top row first, pixel
    centres at half-integers) and NDC depth; differentiable."""
    view = torch.as_tensor(camera.view_matrix(), dtype=vertices.dtype, device=vertices.device)
    proj = torch.as_tensor(camera.projection_matrix(width / height), dtype=vertices.dtype,
                           device=vertices.device)
    homogeneous = torch.cat([vertices, torch.ones_like(vertices[:, :1])], dim=1)
    clip = homogeneous @ (proj @ view).T
    w = clip[:, 3:4].clamp_min(1e-8)
    ndc = clip[:, :3] / w
    u = (ndc[:, 0] + 1.0) * (width / 2.0)
    v = (1.0 - ndc[:, 1]) * (height / 2.0)
    return torch.stack([u, v, ndc[:, 2]], dim=1)


def rasterize(screen: torch.Tensor, faces: np.ndarray, width: int, height: int) -> Rasterized:
    """Nearest front-facing triangle at every pixel centre (no gradients).

    Args:
        screen: (V, 3) output of ``project``.
        faces: (F, 3) vertex indices, counter-clockwise seen from outside.
    """
    with torch.no_grad():
        tri = screen.detach()[torch.as_tensor(faces, dtype=torch.int64)]  # (F, 3, 3)
        area = _edge(tri[:, 0, :2], tri[:, 1, :2], tri[:, 2, :2])
        # counter-clockwise in NDC (y up) is clockwise in pixel rows (y down): negative area
        front = (area < -1e-9) & (tri[:, :, 2].abs() <= 1.0).all(dim=1)
        ids = torch.nonzero(front).squeeze(1)
        tri = tri[ids]
        lo = torch.ceil(tri[:, :, :2].amin(dim=1) - 0.5).clamp_min(0).long()
        hi = torch.floor(tri[:, :, :2].amax(dim=1) - 0.5)
        hi = torch.minimum(hi, torch.tensor([width - 1.0, height - 1.0])).long()
        size = (hi - lo + 1).amax(dim=1)
        keep = size > 0
        ids, tri, lo, size = ids[keep], tri[keep], lo[keep], size[keep]
        pixel_chunks, depth_chunks, face_chunks = [], [], []
        bucket = 1
        while len(size) and bucket < 2 * max(width, height):
            members = torch.nonzero((size <= bucket) & (size > bucket // 2)).squeeze(1)
            if len(members):
                found = _cover(tri[members], lo[members], bucket, width, height)
                pixel_chunks.append(found[0])
                depth_chunks.append(found[1])
                face_chunks.append(ids[members][found[2]])
            bucket *= 2
        if not pixel_chunks:
            empty = torch.zeros(0, dtype=torch.int64)
            return Rasterized(empty, empty, width, height)
        pixels = torch.cat(pixel_chunks)
        depths = torch.cat(depth_chunks)
        face_ids = torch.cat(face_chunks)
        nearest = torch.full((width * height,), math.inf).scatter_reduce(
            0, pixels, depths, reduce="amin")
        winners = depths <= nearest[pixels]
        face_of_pixel = torch.full((width * height,), -1, dtype=torch.int64)
        face_of_pixel[pixels[winners]] = face_ids[winners]
        covered = torch.nonzero(face_of_pixel >= 0).squeeze(1)
        return Rasterized(covered, face_of_pixel[covered], width, height)


def _edge(a: torch.Tensor, b: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Twice the signed area of (a, b, p), for (..., 2) points."""
    return (b[..., 0] - a[..., 0]) * (p[..., 1] - a[..., 1]) - \
        (b[..., 1] - a[..., 1]) * (p[..., 0] - a[..., 0])


def _cover(tri: torch.Tensor, lo: torch.Tensor, box: int, width: int, height: int):
    """Pixels inside each of (T, 3, 3) triangles whose boxes fit ``box`` x ``box`` pixels:
    (flat pixel indices, depths, triangle index into ``tri``)."""
    steps = torch.arange(box)
    dx, dy = torch.meshgrid(steps, steps, indexing="xy")
    px = lo[:, 0:1] + dx.reshape(1, -1)  # (T, box*box)
    py = lo[:, 1:2] + dy.reshape(1, -1)
    centre = torch.stack([px + 0.5, py + 0.5], dim=-1).to(tri.dtype)
    bary = barycentric(tri[:, None, :, :2], centre)
    inside = (bary >= -1e-6).all(dim=-1) & (px < width) & (py < height)
    depth = (bary * tri[:, None, :, 2]).sum(dim=-1)
    which, slot = torch.nonzero(inside, as_tuple=True)
    flat = py[which, slot] * width + px[which, slot]
    return flat, depth[which, slot], which


def barycentric(corners: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """(..., 3, 2) triangle corners and (..., 2) points -> (..., 3) barycentric weights."""
    a, b, c = corners[..., 0, :], corners[..., 1, :], corners[..., 2, :]
    area = _edge(a, b, c)
    safe = torch.where(area.abs() < 1e-12, torch.full_like(area, 1e-12), area)
    w0 = _edge(b, c, points) / safe
    w1 = _edge(c, a, points) / safe
    return torch.stack([w0, w1, 1.0 - w0 - w1], dim=-1)


def _part_albedo_linear(dtype: torch.dtype) -> torch.Tensor:
    """(len(PART_NAMES), 3) linear albedo of each part."""
    srgb = np.array([PART_MATERIALS[name].albedo_srgb for name in PART_NAMES], np.float64)
    return torch.as_tensor(srgb ** 2.2, dtype=dtype)


def render(mesh: FaceMesh, camera: Camera, width: int, height: int,
           background: tuple[float, float, float] = DEFAULT_BACKGROUND,
           light: tuple[float, float, float] = (-0.4, 0.5, 1.0),
           ambient: float = 0.35) -> torch.Tensor:
    """(H, W, 3) sRGB image in [0, 1] of a mesh evaluated with torch tensors (top row first).

    Args:
        mesh: ``FaceMesh`` whose ``vertices`` and ``normals`` are (V, 3) torch tensors.
        camera: e.g. ``Camera.framing("front", vertices, aspect=width / height)``.
        light: direction toward the key light in view space (+X right, +Y up, +Z to viewer).
        ambient: linear ambient light added to the key light.
    """
    vertices = torch.as_tensor(mesh.vertices)
    normals = torch.as_tensor(mesh.normals, dtype=vertices.dtype)
    screen = project(vertices, camera, width, height)
    raster = rasterize(screen, mesh.faces, width, height)
    image = torch.as_tensor(background, dtype=vertices.dtype).expand(width * height, 3)
    if len(raster.pixels) == 0:
        return image.reshape(height, width, 3)
    corners = torch.as_tensor(mesh.faces, dtype=torch.int64)[raster.faces]  # (N, 3)
    column = (raster.pixels % width).to(vertices.dtype) + 0.5
    row = torch.div(raster.pixels, width, rounding_mode="floor").to(vertices.dtype) + 0.5
    weights = barycentric(screen[corners][:, :, :2], torch.stack([column, row], dim=1))
    normal = (weights[:, :, None] * normals[corners]).sum(dim=1)
    rotation = torch.as_tensor(camera.view_matrix()[:3, :3], dtype=vertices.dtype)
    normal = torch.nn.functional.normalize(normal @ rotation.T, dim=1)
    to_light = torch.nn.functional.normalize(torch.as_tensor(light, dtype=vertices.dtype), dim=0)
    diffuse = (normal @ to_light).clamp_min(0.0)
    parts = torch.as_tensor(mesh.face_parts.astype(np.int64))[raster.faces]
    linear = _part_albedo_linear(vertices.dtype)[parts] * (ambient + diffuse)[:, None]
    colour = linear.clamp(1e-6, 1.0) ** (1.0 / 2.2)
    image = image.index_copy(0, raster.pixels, colour)
    return image.reshape(height, width, 3)
