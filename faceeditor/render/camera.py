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


@dataclasses.dataclass(frozen=True)
class OrbitCamera:
    """An interactive camera orbiting ``target``: the viewport's orbit / pan / zoom state.

    Attributes:
        yaw: degrees around +Y; 0 looks at the face from +Z, 90 from +X (the head's left).
        pitch: degrees above the horizontal plane, limited to (-89, 89).
        distance: metres from ``target`` to the eye.
        target: (3,) point orbited and looked at.
    """

    yaw: float = 0.0
    pitch: float = 0.0
    distance: float = 0.8
    target: tuple[float, float, float] = (0.0, 0.0, 0.0)
    fov_y: float = DEFAULT_FOV_Y_DEGREES

    @property
    def backward(self) -> np.ndarray:
        """(3,) unit direction from the target toward the eye."""
        yaw, pitch = math.radians(self.yaw), math.radians(self.pitch)
        return np.array([math.sin(yaw) * math.cos(pitch), math.sin(pitch),
                         math.cos(yaw) * math.cos(pitch)])

    def camera(self) -> Camera:
        eye = np.asarray(self.target) + self.backward * self.distance
        return Camera(eye=_triple(eye), target=self.target, fov_y=self.fov_y,
                      near=self.distance * 0.05, far=self.distance * 20.0)

    def orbited(self, d_yaw: float, d_pitch: float) -> OrbitCamera:
        pitch = min(max(self.pitch + d_pitch, -89.0), 89.0)
        return dataclasses.replace(self, yaw=(self.yaw + d_yaw) % 360.0, pitch=pitch)

    def panned(self, right: float, up: float) -> OrbitCamera:
        """Move the target by ``right``/``up`` times the distance, in the view plane."""
        backward = self.backward
        right_axis = np.cross((0.0, 1.0, 0.0), backward)
        right_axis /= np.linalg.norm(right_axis)
        up_axis = np.cross(backward, right_axis)
        shift = (right_axis * right + up_axis * up) * self.distance
        return dataclasses.replace(self, target=_triple(np.asarray(self.target) + shift))

    def zoomed(self, factor: float) -> OrbitCamera:
        """Distance times ``factor`` (< 1 moves closer), kept within 5 cm .. 20 m."""
        return dataclasses.replace(self, distance=min(max(self.distance * factor, 0.05), 20.0))

    @classmethod
    def framing(cls, view: str, vertices: np.ndarray, aspect: float = 1.0,
                margin: float = 1.1) -> OrbitCamera:
        """The named ``view`` framing ``vertices`` (N, 3), as an orbit camera."""
        framed = Camera.framing(view, vertices, aspect=aspect, margin=margin)
        offset = np.subtract(framed.eye, framed.target)
        distance = float(np.linalg.norm(offset))
        x, y, z = offset / distance
        return cls(yaw=math.degrees(math.atan2(x, z)), pitch=math.degrees(math.asin(y)),
                   distance=distance, target=framed.target, fov_y=framed.fov_y)

    def to_json(self) -> dict[str, object]:
        return {"yaw": self.yaw, "pitch": self.pitch, "distance": self.distance,
                "target": list(self.target), "fov_y": self.fov_y}

    @classmethod
    def from_json(cls, data: dict) -> OrbitCamera:
        """Inverse of ``to_json``; raises ``ValueError`` for malformed data."""
        try:
            target = tuple(float(v) for v in data["target"])
            if len(target) != 3:
                raise ValueError("target needs 3 numbers")
            camera = cls(yaw=float(data["yaw"]), pitch=float(data["pitch"]),
                         distance=float(data["distance"]), target=_triple(np.array(target)),
                         fov_y=float(data.get("fov_y", DEFAULT_FOV_Y_DEGREES)))
            camera.camera()  # validates distance and fov
        except (KeyError, TypeError) as error:
            raise ValueError(f"bad camera data: {error}") from None
        return camera
