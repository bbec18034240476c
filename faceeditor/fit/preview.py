"""Pictures that let a user judge a fit: the head drawn in the photo's own camera over the photo,
and a scan next to the fitted head.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from faceeditor.fit.camera import HeadPose, PhotoCamera
from faceeditor.model.mesh import FaceMesh

if TYPE_CHECKING:
    from faceeditor.render.shading import StudioLighting

#: A background colour no skin render produces, to find the head's pixels exactly.
_KEY = (255, 0, 255)


def posed_mesh(mesh: FaceMesh, pose: HeadPose) -> FaceMesh:
    """``mesh`` moved into camera space by ``pose`` (vertices and normals)."""
    rotation = pose.matrix
    vertices = (np.asarray(mesh.vertices, np.float64) @ rotation.T + pose.translation)
    normals = np.asarray(mesh.normals, np.float64) @ rotation.T
    return dataclasses.replace(mesh, vertices=vertices.astype(np.float32),
                               normals=normals.astype(np.float32))


def render_in_photo(mesh: FaceMesh, pose: HeadPose, camera: PhotoCamera,
                    albedo: np.ndarray | None = None, max_size: int = 1024,
                    lighting: StudioLighting | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The head rendered in the photo's camera: ((h, w, 3) uint8 image, (h, w) bool coverage).

    The render is the photo's size, scaled down to at most ``max_size`` on its longer side;
    ``lighting``: None for the renderer's default.
    """
    from faceeditor.render import OffscreenRenderer

    scale = min(1.0, max_size / max(camera.width, camera.height))
    width = max(16, int(round(camera.width * scale)))
    height = max(16, int(round(camera.height * scale)))
    render_camera = dataclasses.replace(camera, width=width, height=height,
                                        focal=camera.focal * height / camera.height)
    with OffscreenRenderer(width, height, lighting=lighting) as renderer:
        if albedo is not None:
            renderer.set_albedo_map(albedo)
        image = renderer.render(posed_mesh(mesh, pose), render_camera.render_camera(),
                                background=_KEY)
    # anti-aliased edge pixels mixed with the key colour count as photo
    distance = np.abs(image.astype(np.int16) - np.array(_KEY, np.int16)).sum(-1)
    covered = distance > 200
    return image, covered


def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    from PIL import Image

    if image.shape[1] == width and image.shape[0] == height:
        return image
    mode = "L" if image.ndim == 2 else "RGB"
    data = image.astype(np.uint8) * (255 if image.dtype == bool else 1)
    resized = np.asarray(Image.fromarray(data, mode).resize((width, height), Image.BILINEAR))
    return resized > 127 if image.dtype == bool else resized


def photo_preview(photo: np.ndarray, rendered: np.ndarray, covered: np.ndarray,
                  detected: np.ndarray | None = None, fitted: np.ndarray | None = None
                  ) -> np.ndarray:
    """Three panels side by side: the photo with landmarks (detected green, fitted red), the
    head composited over the photo, and a half-transparent overlay."""
    height, width = photo.shape[:2]
    scale = rendered.shape[0] / height
    small = resize(photo, rendered.shape[1], rendered.shape[0])
    marked = small.copy()
    for points, colour in ((detected, (40, 230, 60)), (fitted, (240, 40, 40))):
        if points is None:
            continue
        _dots(marked, np.asarray(points)[:, :2] * scale, colour)
    composite = np.where(covered[..., None], rendered, small)
    overlay = small.copy()
    blend = 0.5 * rendered.astype(np.float32) + 0.5 * small.astype(np.float32)
    overlay[covered] = blend[covered].astype(np.uint8)
    gap = np.full((rendered.shape[0], 4, 3), 255, np.uint8)
    return np.concatenate([marked, gap, composite, gap, overlay], 1)


def side_by_side(*images: np.ndarray) -> np.ndarray:
    """Images of one height next to each other with a thin white gap."""
    height = max(image.shape[0] for image in images)
    parts = []
    for image in images:
        if image.shape[0] != height:
            image = resize(image, int(round(image.shape[1] * height / image.shape[0])), height)
        parts += [image, np.full((height, 4, 3), 255, np.uint8)]
    return np.concatenate(parts[:-1], 1)


def _dots(image: np.ndarray, points: np.ndarray, colour: tuple[int, int, int]) -> None:
    radius = max(1, int(round(max(image.shape[:2]) / 400)))
    for x, y in points:
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        ix, iy = int(x), int(y)
        image[max(iy - radius, 0):iy + radius + 1, max(ix - radius, 0):ix + radius + 1] = colour
