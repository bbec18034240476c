"""Screen <-> world mapping for the viewport camera: rays through pixels, the surface point under
the cursor (ray-mesh intersection) and where a dragged point should go.

Pixels are the viewport's logical pixels, origin at the top left, x right, y down; a view of
``size = (width, height)`` pixels shows the camera's frustum at aspect ``width / height`` (as
``OffscreenRenderer.draw_into`` draws it). World coordinates are ``FaceMesh``'s: metres, Y up,
the face toward +Z.

    ray = Ray.through_pixel(camera, (x, y), size)
    hit = pick(ray, mesh.vertices, mesh.faces)              # None: the cursor is off the head
    target = drag_target(camera, (x2, y2), size, anchor)    # in the plane facing the camera
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from faceeditor.model.surface import SurfacePoints
from faceeditor.render.camera import Camera

#: Triangles seen almost edge-on are still hit (the determinant of Moller-Trumbore).
_PARALLEL_EPSILON = 1e-14


@dataclasses.dataclass(frozen=True)
class Ray:
    """A half-line ``origin + t * direction`` (t >= 0); ``direction`` is a unit (3,) vector."""

    origin: np.ndarray
    direction: np.ndarray

    @classmethod
    def through_pixel(cls, camera: Camera, pixel: tuple[float, float],
                      size: tuple[float, float]) -> Ray:
        """The ray from ``camera``'s eye through ``pixel`` of a ``size`` view."""
        width, height = (max(float(s), 1.0) for s in size)
        x_ndc = 2.0 * float(pixel[0]) / width - 1.0
        y_ndc = 1.0 - 2.0 * float(pixel[1]) / height
        tan_y = math.tan(math.radians(camera.fov_y) / 2.0)
        right, up, forward = camera_axes(camera)
        direction = forward + right * (x_ndc * tan_y * width / height) + up * (y_ndc * tan_y)
        return cls(np.asarray(camera.eye, np.float64), direction / np.linalg.norm(direction))

    def at(self, t: float) -> np.ndarray:
        return self.origin + self.direction * t


def camera_axes(camera: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(right, up, forward) unit world vectors of ``camera`` (forward looks at the target)."""
    view = camera.view_matrix().astype(np.float64)
    return view[0, :3], view[1, :3], -view[2, :3]


def project(camera: Camera, points: np.ndarray, size: tuple[float, float]) -> np.ndarray:
    """(N, 3) world points -> (N, 2) pixels of a ``size`` view (points behind the eye give
    meaningless pixels)."""
    width, height = (max(float(s), 1.0) for s in size)
    points = np.asarray(points, np.float64).reshape(-1, 3)
    homogeneous = np.concatenate([points, np.ones((len(points), 1))], 1)
    clip = homogeneous @ (camera.projection_matrix(width / height).astype(np.float64)
                          @ camera.view_matrix().astype(np.float64)).T
    ndc = clip[:, :2] / clip[:, 3:4]
    return np.stack([(ndc[:, 0] + 1.0) * 0.5 * width, (1.0 - ndc[:, 1]) * 0.5 * height], 1)


@dataclasses.dataclass(frozen=True)
class Hit:
    """Where a ray meets the mesh.

    Attributes:
        point: the hit as ``SurfacePoints`` of length 1 (follows the surface as sliders move).
        position: (3,) world position.
        triangle: index of the triangle hit.
        distance: along the ray, in metres.
    """

    point: SurfacePoints
    position: np.ndarray
    triangle: int
    distance: float


def intersect(ray: Ray, vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """Every triangle ``ray`` crosses (Moller-Trumbore, both sides count).

    Returns (distances (F,), barycentric weights (F, 3)); triangles missed get ``inf``.
    """
    corners = np.asarray(vertices, np.float64)[np.asarray(faces)]  # (F, 3, 3)
    a = corners[:, 0]
    edge1, edge2 = corners[:, 1] - a, corners[:, 2] - a
    p = np.cross(ray.direction, edge2)
    determinant = (edge1 * p).sum(1)
    ok = np.abs(determinant) > _PARALLEL_EPSILON
    inverse = np.where(ok, 1.0 / np.where(ok, determinant, 1.0), 0.0)
    s = ray.origin - a
    u = (s * p).sum(1) * inverse
    q = np.cross(s, edge1)
    v = (q * ray.direction).sum(1) * inverse
    t = (q * edge2).sum(1) * inverse
    hit = ok & (u >= 0.0) & (v >= 0.0) & (u + v <= 1.0) & (t > 0.0)
    distances = np.where(hit, t, np.inf)
    return distances, np.stack([1.0 - u - v, u, v], 1)


def pick(ray: Ray, vertices: np.ndarray, faces: np.ndarray,
         pickable: np.ndarray | None = None) -> Hit | None:
    """The nearest surface point along ``ray``, or None.

    ``pickable`` ((F,) bool) says which triangles may be grabbed: the nearest triangle is
    still found among all of them (teeth in front of the tongue hide it), but a hit on one that
    is not pickable gives None. Ties go to the lowest triangle index.
    """
    distances, weights = intersect(ray, vertices, faces)
    nearest = int(np.argmin(distances))
    if not np.isfinite(distances[nearest]):
        return None
    if pickable is not None and not pickable[nearest]:
        return None
    point = SurfacePoints(np.array([nearest]), weights[nearest][None])
    position = point.positions(np.asarray(vertices, np.float64), faces)[0]
    return Hit(point, position, nearest, float(distances[nearest]))


def drag_target(camera: Camera, pixel: tuple[float, float], size: tuple[float, float],
                anchor: np.ndarray) -> np.ndarray:
    """(3,) where a point grabbed at ``anchor`` goes when the cursor is at ``pixel``: on the
    cursor's ray, in the plane through ``anchor`` that faces the camera. In the front view the
    point moves up/down/sideways; in the profile view sideways drags push it in depth."""
    ray = Ray.through_pixel(camera, pixel, size)
    return on_ray_at_depth(ray, camera, anchor)


def on_ray_at_depth(ray: Ray, camera: Camera, point: np.ndarray) -> np.ndarray:
    """(3,) the point of ``ray`` at the depth (distance along the view direction) of
    ``point``: what the cursor asks for while leaving the depth free."""
    forward = camera_axes(camera)[2]
    depth = float(np.dot(np.asarray(point, np.float64) - ray.origin, forward))
    along = float(np.dot(ray.direction, forward))
    return ray.at(depth / along if abs(along) > 1e-12 else 0.0)


def faces_near(vertices: np.ndarray, faces: np.ndarray, centres: np.ndarray,
               radius: float) -> np.ndarray:
    """(F',) triangles whose centroid lies within ``radius`` of any of ``centres`` ((N, 3))."""
    centres = np.asarray(centres, np.float64).reshape(-1, 3)
    if not len(centres):
        return np.zeros(0, np.int64)
    centroids = np.asarray(vertices, np.float64)[np.asarray(faces)].mean(1)
    near = np.zeros(len(centroids), bool)
    for centre in centres:
        near |= ((centroids - centre) ** 2).sum(1) < radius * radius
    return np.flatnonzero(near)


__all__ = ["Hit", "Ray", "camera_axes", "drag_target", "faces_near", "intersect",
           "on_ray_at_depth", "pick", "project"]
