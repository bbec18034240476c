"""A pinhole camera and the named views used to look at a head.

World coordinates follow ``FaceMesh``: metres, Y up, the face looking toward +Z.  The head's
own left side is therefore at +X (facing +Z with +Y up, the right hand points to -X).

Named views (the direction from the target toward the eye):

* ``front``: from +Z, looking at the face.
* ``three-quarter``: yawed 45 degrees from the front toward the head's left (+X).
* ``profile``: from +X, showing the head's left side; the face points to the image's left.
* ``back``: from -Z.

Matrices are numpy float32 in the usual maths convention (column vectors, ``clip = P @ V @ p``);
transpose them when writing to a GLSL ``mat4`` uniform (GLSL reads column-major).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from faceeditor.render.errors import UnknownViewError

#: Unit directions from the target toward the eye for each named view.
VIEW_DIRECTIONS: dict[str, tuple[float, float, float]] = {
    "front": (0.0, 0.0, 1.0),
    "three-quarter": (math.sin(math.radians(45.0)), 0.0, math.cos(math.radians(45.0))),
    "profile": (1.0, 0.0, 0.0),
    "back": (0.0, 0.0, -1.0),
}

DEFAULT_FOV_Y_DEGREES = 25.0


@dataclasses.dataclass(frozen=True)
class Camera:
    """A perspective camera.

    Attributes:
        eye: (3,) camera position in world space.
        target: (3,) point looked at.
        up: (3,) approximate up direction (must not be parallel to ``target - eye``).
        fov_y: vertical field of view in degrees.
        near, far: clip plane distances, ``0 < near < far``.
    """

    eye: tuple[float, float, float]
    target: tuple[float, float, float] = (0.0, 0.0, 0.0)
    up: tuple[float, float, float] = (0.0, 1.0, 0.0)
    fov_y: float = DEFAULT_FOV_Y_DEGREES
    near: float = 0.01
    far: float = 100.0

    def __post_init__(self) -> None:
        if not 0.0 < self.fov_y < 180.0:
            raise ValueError(f"fov_y must be in (0, 180) degrees, got {self.fov_y}")
        if not 0.0 < self.near < self.far:
            raise ValueError(f"need 0 < near < far, got near={self.near}, far={self.far}")
        forward = np.subtract(self.target, self.eye)
        if np.linalg.norm(forward) == 0.0:
            raise ValueError(f"eye and target coincide at {self.eye}")
        if np.linalg.norm(np.cross(forward, self.up)) < 1e-9 * np.linalg.norm(forward):
            raise ValueError(f"up {self.up} is parallel to the view direction {tuple(forward)}")

    def view_matrix(self) -> np.ndarray:
        """(4, 4) float32 world-to-camera transform (camera looks down its -Z axis)."""
        eye = np.asarray(self.eye, dtype=np.float64)
        forward = np.asarray(self.target, dtype=np.float64) - eye
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, self.up)
        right /= np.linalg.norm(right)
        true_up = np.cross(right, forward)
        view = np.eye(4)
        view[0, :3], view[1, :3], view[2, :3] = right, true_up, -forward
        view[:3, 3] = -view[:3, :3] @ eye
        return view.astype(np.float32)

    def projection_matrix(self, aspect: float) -> np.ndarray:
        """(4, 4) float32 OpenGL perspective projection for ``aspect = width / height``."""
        if aspect <= 0.0:
            raise ValueError(f"aspect must be positive, got {aspect}")
        f = 1.0 / math.tan(math.radians(self.fov_y) / 2.0)
        n, fa = self.near, self.far
        proj = np.zeros((4, 4))
        proj[0, 0] = f / aspect
        proj[1, 1] = f
        proj[2, 2] = (fa + n) / (n - fa)
        proj[2, 3] = 2.0 * fa * n / (n - fa)
        proj[3, 2] = -1.0
        return proj.astype(np.float32)

    @classmethod
    def framing(
        cls,
        view: str,
        vertices: np.ndarray,
        aspect: float = 1.0,
        fov_y: float = DEFAULT_FOV_Y_DEGREES,
        margin: float = 1.1,
    ) -> Camera:
        """The named ``view`` placed so the bounding box of ``vertices`` (N, 3) fills the frame.

        The eye looks at the box centre from ``VIEW_DIRECTIONS[view]`` and is pulled back until
        every box corner projects inside the frame, shrunk by ``1 / margin``.
        """
        if view not in VIEW_DIRECTIONS:
            raise UnknownViewError(f"unknown view {view!r}; known views: {sorted(VIEW_DIRECTIONS)}")
        points = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
        if len(points) == 0:
            raise ValueError("cannot frame an empty set of vertices")
        lo, hi = points.min(axis=0), points.max(axis=0)
        centre = (lo + hi) / 2.0
        corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                            for z in (lo[2], hi[2])]) - centre
        backward = np.asarray(VIEW_DIRECTIONS[view])
        right = np.cross((0.0, 1.0, 0.0), backward)
        right /= np.linalg.norm(right)
        up = np.cross(backward, right)
        tan_y = math.tan(math.radians(fov_y) / 2.0) / margin
        tan_x = tan_y * aspect
        depth = corners @ backward  # toward the eye
        distance = max(
            float(np.max(depth + np.abs(corners @ right) / tan_x)),
            float(np.max(depth + np.abs(corners @ up) / tan_y)),
            1e-6,
        )
        radius = max(float(np.linalg.norm(hi - lo)) / 2.0, 1e-6)
        near = max(distance - radius, distance * 0.01) * 0.9
        far = (distance + radius) * 1.1
        eye = centre + backward * distance
        return cls(eye=_triple(eye), target=_triple(centre), up=(0.0, 1.0, 0.0), fov_y=fov_y,
                   near=near, far=far)


def _triple(values: np.ndarray) -> tuple[float, float, float]:
    x, y, z = (float(v) for v in values)
    return (x, y, z)
