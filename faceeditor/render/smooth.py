"""The surface drawn at each quality level: Loop-subdivided geometry plus per-vertex shading
inputs (ambient occlusion, curvature, wet lid margin), cached per topology and per shape.

Per topology (once): the Loop stencils (``model.subdivide.LoopSubdivision``), the edges for
curvature and the eyeballs' vertices.  Per shape (once per evaluated mesh): occlusion,
curvature and the lower-lid margin are computed on the base mesh (5k vertices) and carried through the same stencils as
the positions, so one bake serves every level.  A new mesh object with the same topology reuses
everything but the per-shape work; the mesh drawn last is remembered by identity.

Per-vertex ``surface`` values, (V, 3) float32:

* 0: ambient occlusion in [0, 1] (1 = open sky), cosine-weighted visibility (``occlusion.py``);
* 1: curvature ``v`` of the pre-integrated skin LUT (``light_transport.LUT_RADIUS_MM / r``);
* 2: wet lower-lid margin in [0, 1] (the tear film along the lid's inner rim).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import numpy as np

from faceeditor.model.mesh import PART_NAMES, FaceMesh
from faceeditor.model.subdivide import LoopSubdivision
from faceeditor.render.geometry import to_numpy
from faceeditor.render.light_transport import LUT_MIN_CURVATURE, LUT_RADIUS_MM

log = logging.getLogger(__name__)

#: Curvature used where none was computed (a 5 cm radius, a cheek).
DEFAULT_CURVATURE = max(LUT_RADIUS_MM / 50.0, LUT_MIN_CURVATURE)
WET_LINE_REACH_M = 0.003   # lid-margin skin lies this close to the eyeball's sphere
#: Eye frames when the mesh has no eyes: centres far away, axes forward (no cornea bulge).
DEFAULT_EYES = np.array([[[0.0, 0.0, -1e3], [0.0, 0.0, 1.0]]] * 2, np.float32)


@dataclasses.dataclass(frozen=True, eq=False)
class _Topology:
    """What depends only on faces/uvs: stencils per level, edges, the eyeballs' vertices."""

    steps: tuple[LoopSubdivision, ...]
    faces: tuple[np.ndarray, ...]        # faces of level 0, 1, ...
    face_uvs: tuple[np.ndarray, ...]
    uvs: tuple[np.ndarray, ...]
    face_parts: tuple[np.ndarray, ...]
    edges: np.ndarray                    # (E, 2) of the base mesh
    eye_sides: tuple[np.ndarray, ...]    # vertex indices of each eyeball
    iris_weights: tuple[np.ndarray, ...]  # weight of each eyeball vertex in its iris centroid
    key: tuple[int, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class SmoothSurface:
    """A mesh ready to draw: ``mesh`` (possibly subdivided), ``surface`` (V, 3) float32 and
    ``eyes`` (2, 2, 3) float32: per eye (head's right, left) the eyeball centre and the unit
    optical axis in world space (the shader bulges the cornea around it)."""

    mesh: FaceMesh
    surface: np.ndarray
    eyes: np.ndarray


Baker = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


class SurfaceCache:
    """Subdivides meshes and attaches per-vertex shading inputs, reusing earlier work.

    ``occlusion`` bakes (V,) ambient occlusion from (vertices, normals, faces); ``None`` leaves
    occlusion at 1.  Holds at most one topology and, per level, the last shape.
    """

    def __init__(self, occlusion: Baker | None = None):
        self.occlusion = occlusion
        self._topology: _Topology | None = None
        self._base_mesh: FaceMesh | None = None
        self._base_surface: np.ndarray | None = None
        self._baked_occlusion = False
        self._eyes = DEFAULT_EYES
        self._levels: dict[int, SmoothSurface] = {}
        self._plain: SmoothSurface | None = None
        self._contact: np.ndarray | None = None

    def set_contact(self, contact: np.ndarray | None) -> None:
        """Multiply the occlusion by ``contact`` ((V,) per base vertex, e.g. the hair's contact
        occlusion on the skin; ``None``: 1) from now on. Compared by identity: passing the same
        array again costs nothing."""
        if contact is not self._contact:
            self._contact, self._levels, self._plain = contact, {}, None

    def get(self, mesh: FaceMesh, level: int, occlusion: bool) -> SmoothSurface:
        """``mesh`` subdivided ``level`` times (0 = as is) with its surface values; with
        ``occlusion`` the ambient occlusion is baked (once per shape) if a baker was given."""
        if mesh is not self._base_mesh:
            topology = self._topology_of(mesh, max(level, 1))
            self._base_mesh, self._levels = mesh, {}
            vertices, normals = to_numpy(mesh.vertices), to_numpy(mesh.normals)
            surface = np.empty((len(vertices), 3), np.float32)
            surface[:, 0] = 1.0
            surface[:, 1] = vertex_curvature(vertices, normals, topology.edges)
            # the wet line depends on the shape (which lid vertices lie on the eyeball), so it
            # is found per shape: a head must render the same whatever was drawn before it
            surface[:, 2] = _wet_line(mesh, vertices, topology.edges,
                                      {"eye_sides": topology.eye_sides,
                                       "iris_weights": topology.iris_weights})
            self._base_surface, self._baked_occlusion = surface, False
            self._eyes = eye_frames(vertices, topology.eye_sides, topology.iris_weights)
        topology = self._topology_of(mesh, level)
        assert self._base_surface is not None
        if occlusion and self.occlusion is not None and not self._baked_occlusion:
            self._base_surface[:, 0] = self.occlusion(
                to_numpy(mesh.vertices), to_numpy(mesh.normals), np.asarray(mesh.faces))
            self._baked_occlusion = True
            self._levels = {}
        if level not in self._levels:
            self._levels[level] = self._subdivided(mesh, topology, level)
        return self._levels[level]

    def plain(self, mesh: FaceMesh) -> SmoothSurface:
        """``mesh`` as is with constant surface values (open sky, a cheek's curvature, no wet
        line) and no eyes: interactive frames, which cost no per-shape work (curvature and
        wet line take ~15 ms a shape). The same object while ``mesh`` is."""
        if self._plain is None or self._plain.mesh is not mesh:
            count = int(np.shape(mesh.vertices)[0])
            surface = self._plain.surface if self._plain is not None else None
            if surface is None or len(surface) != count:
                surface = np.empty((count, 3), np.float32)
                surface[:] = (1.0, DEFAULT_CURVATURE, 0.0)
                if self._contact is not None and len(self._contact) == count:
                    surface[:, 0] = self._contact
            self._plain = SmoothSurface(mesh, surface, DEFAULT_EYES)
        return self._plain

    def _topology_of(self, mesh: FaceMesh, level: int) -> _Topology:
        key = (id(mesh.faces), id(mesh.face_uvs), id(mesh.face_parts), len(mesh.uvs),
               int(np.shape(mesh.vertices)[0]))
        current = self._topology
        if current is not None and current.key != key and _same_topology(current, mesh):
            current = dataclasses.replace(current, key=key)  # equal arrays, new objects
            self._topology = current
        if current is None or current.key != key:
            faces = np.asarray(mesh.faces)
            eyes = _eye_vertices(mesh)
            edges = np.unique(np.sort(np.concatenate(
                [faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1), axis=0)
            current = _Topology(steps=(), faces=(faces,), face_uvs=(np.asarray(mesh.face_uvs),),
                                uvs=(np.asarray(mesh.uvs, np.float32),),
                                face_parts=(np.asarray(mesh.face_parts),), edges=edges,
                                **eyes, key=key)
            self._base_mesh = None
        while len(current.steps) < level:
            i = len(current.steps)
            step = LoopSubdivision.from_topology(
                current.faces[i], current.face_uvs[i], num_vertices=_vertex_count(current, i,
                                                                                   mesh),
                num_uvs=len(current.uvs[i]))
            current = dataclasses.replace(
                current, steps=current.steps + (step,), faces=current.faces + (step.faces,),
                face_uvs=current.face_uvs + (step.face_uvs,),
                uvs=current.uvs + (step.apply_uvs(current.uvs[i]),),
                face_parts=current.face_parts + (step.apply_face_data(current.face_parts[i]),))
            log.debug("subdivision stencil for level %d: %d vertices", i + 1, step.shape[0])
        self._topology = current
        return current

    def _subdivided(self, mesh: FaceMesh, topology: _Topology, level: int) -> SmoothSurface:
        assert self._base_surface is not None
        base = self._base_surface.copy()
        if self._contact is not None and len(self._contact) == len(base):
            base[:, 0] *= self._contact
        if level == 0:
            return SmoothSurface(mesh, base, self._eyes)
        # positions, normals and surface values through the same stencil in one pass
        columns = np.concatenate([to_numpy(mesh.vertices), to_numpy(mesh.normals),
                                  base], axis=1)
        for step in topology.steps[:level]:
            columns = step.apply(columns)
        normals = columns[:, 3:6]
        normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
        smooth = FaceMesh(vertices=np.ascontiguousarray(columns[:, :3]),
                          normals=np.ascontiguousarray(normals),
                          faces=topology.faces[level], uvs=topology.uvs[level],
                          face_uvs=topology.face_uvs[level], face_parts=topology.face_parts[level])
        return SmoothSurface(smooth, np.ascontiguousarray(columns[:, 6:9], dtype=np.float32),
                             self._eyes)


def _vertex_count(topology: _Topology, level: int, mesh: FaceMesh) -> int:
    return int(np.shape(mesh.vertices)[0]) if level == 0 else topology.steps[level - 1].shape[0]


def _same_topology(topology: _Topology, mesh: FaceMesh) -> bool:
    return (int(np.shape(mesh.vertices)[0]) == (topology.steps[0].num_vertices
                                                if topology.steps else -1)
            and np.array_equal(topology.faces[0], mesh.faces)
            and np.array_equal(topology.face_uvs[0], mesh.face_uvs)
            and np.array_equal(topology.face_parts[0], mesh.face_parts)
            and np.array_equal(topology.uvs[0], mesh.uvs))


def vertex_curvature(vertices: np.ndarray, normals: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """(V,) LUT curvature ``LUT_RADIUS_MM / r`` per vertex, clipped to [min, 1].

    Each edge (i, j) estimates the normal curvature ``|(n_i - n_j) . (p_i - p_j)| / |p_i -
    p_j|^2`` (1 / metres); a vertex takes the mean over its edges.
    """
    if len(edges) == 0:
        return np.full(len(vertices), DEFAULT_CURVATURE, np.float32)
    i, j = edges[:, 0], edges[:, 1]
    dp = vertices[i] - vertices[j]
    dn = normals[i] - normals[j]
    length2 = np.maximum(np.einsum("ij,ij->i", dp, dp), 1e-14)
    k = np.abs(np.einsum("ij,ij->i", dn, dp)) / length2
    total = np.bincount(i, k, len(vertices)) + np.bincount(j, k, len(vertices))
    count = np.maximum(np.bincount(i, None, len(vertices)) + np.bincount(j, None, len(vertices)),
                       1)
    radius_mm = 1000.0 / np.maximum(total / count, 1e-6)
    return np.clip(LUT_RADIUS_MM / radius_mm, LUT_MIN_CURVATURE, 1.0).astype(np.float32)


def _wet_line(mesh: FaceMesh, vertices: np.ndarray, edges: np.ndarray,
              eyes: dict[str, tuple[np.ndarray, ...]]) -> np.ndarray:
    """(V,) 1 on skin vertices of the lower lids' inner rim (skin lying on the eyeball's
    sphere in front of it, below the iris centre), 0.5 one ring outward, 0 elsewhere."""
    wet = np.zeros(len(vertices), np.float32)
    skin = np.zeros(len(vertices), bool)
    faces = np.asarray(mesh.faces)
    skin[faces[np.asarray(mesh.face_parts) == PART_NAMES.index("skin")].ravel()] = True
    for side, weight in zip(eyes["eye_sides"], eyes["iris_weights"]):
        sphere = _fit_sphere(vertices[side].astype(np.float64))
        if sphere is None or weight.sum() <= 0:
            continue
        centre, radius = sphere
        axis = (weight[:, None] * vertices[side]).sum(axis=0) / weight.sum() - centre
        axis /= max(np.linalg.norm(axis), 1e-12)
        offset = vertices - centre
        distance = np.linalg.norm(offset, axis=1)
        on_ball = np.abs(distance - radius) < WET_LINE_REACH_M
        cos_angle = offset @ axis / np.maximum(distance, 1e-12)
        lower = offset[:, 1] < -0.15 * radius
        candidates = np.flatnonzero(skin & on_ball & lower & (cos_angle > 0.5))
        if len(candidates) == 0:
            continue
        # the rim: per direction around the axis, the skin closest to the iris
        across = offset[candidates] - np.outer(offset[candidates] @ axis, axis)
        side_axis = np.cross(axis, (0.0, 1.0, 0.0))
        side_axis /= max(np.linalg.norm(side_axis), 1e-12)
        azimuth = np.arctan2(across @ side_axis, across[:, 1])
        bins = np.floor((azimuth + np.pi) / (2 * np.pi) * 36).astype(np.int64)
        angle = np.arccos(np.clip(cos_angle[candidates], -1, 1))
        closest = np.full(36, np.inf)
        np.minimum.at(closest, bins, angle)
        rim = angle <= closest[bins] + np.radians(2.0)
        wet[candidates[rim]] = 1.0
    # one ring outward at half strength, so the band has a soft outer edge
    ring = np.zeros_like(wet)
    np.maximum.at(ring, edges[:, 0], wet[edges[:, 1]])
    np.maximum.at(ring, edges[:, 1], wet[edges[:, 0]])
    return np.maximum(wet, 0.5 * ring * (wet == 0) * skin)


def _fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Least-squares sphere (centre, radius) through (N, 3) ``points``; None if too few."""
    if len(points) < 8:
        return None
    system = np.concatenate([2 * points, np.ones((len(points), 1))], axis=1)
    solution = np.linalg.lstsq(system, (points ** 2).sum(axis=1), rcond=None)[0]
    centre = solution[:3]
    return centre, float(np.sqrt(max(solution[3] + centre @ centre, 0.0)))


def _eye_vertices(mesh: FaceMesh) -> dict[str, tuple[np.ndarray, ...]]:
    """Vertex indices of each eyeball (head's right, x < 0; left) and, per vertex, its weight
    in the iris centroid (inside the iris in the albedo layers' eye coordinates)."""
    from faceeditor.albedo.layers import AlbedoAssetError, load_layers

    faces = np.asarray(mesh.faces)
    eye_faces = np.asarray(mesh.face_parts) == PART_NAMES.index("eyes")
    indices = np.unique(faces[eye_faces])
    if len(indices) < 8:
        return {"eye_sides": (), "iris_weights": ()}
    # the UV of each eye vertex (any corner that uses it)
    corner_uv = np.asarray(mesh.face_uvs)[eye_faces].ravel()
    corner_vertex = faces[eye_faces].ravel()
    first = np.unique(corner_vertex, return_index=True)[1]
    uvs = np.asarray(mesh.uvs)[corner_uv[first]]
    try:
        layers = load_layers()
        size = layers.resolution
        texel = np.clip((uvs * size).astype(np.int64), 0, size - 1)
        radius = layers.mask("eye_theta")[texel[:, 1], texel[:, 0]] * 4.0
        inside = layers.mask("eyeball")[texel[:, 1], texel[:, 0]] > 0.5
        weights = np.where(inside, np.clip(1.0 - radius, 0.0, 1.0), 0.0)
    except AlbedoAssetError:
        weights = np.ones(len(indices))
    sides = _eyeballs(faces[eye_faces], indices, to_numpy(mesh.vertices)[indices, 0])
    return {"eye_sides": tuple(indices[side] for side in sides),
            "iris_weights": tuple(weights[side].astype(np.float64) for side in sides)}


def _eyeballs(eye_faces: np.ndarray, indices: np.ndarray,
              x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right, left) boolean masks over ``indices`` (the eye part's sorted vertex ids): the
    eye faces' two connected pieces, the one with the smaller mean ``x`` first. From the
    topology, not from each vertex's side of x = 0: that depends on the head's pose and shape
    (a posed head put one vertex of an eyeball on the wrong side), and the split is kept for
    every later head of the same topology. Anything but two pieces: split at x = 0."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    local = np.searchsorted(indices, eye_faces)
    edges = np.concatenate([local[:, [0, 1]], local[:, [1, 2]], local[:, [2, 0]]])
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])),
                       shape=(len(indices), len(indices)))
    count, labels = connected_components(graph, directed=False)
    if count != 2:
        return x < 0, x >= 0
    first = labels == 0
    if x[first].mean() > x[~first].mean():
        first = ~first
    return first, ~first


def eye_frames(vertices: np.ndarray, sides: tuple[np.ndarray, ...],
               weights: tuple[np.ndarray, ...]) -> np.ndarray:
    """(2, 2, 3) float32 eyeball centre (least-squares sphere through its vertices) and optical
    axis (toward the iris centroid) of each eye; ``DEFAULT_EYES`` where an eye is missing."""
    frames = DEFAULT_EYES.copy()
    for k, (side, weight) in enumerate(zip(sides, weights)):
        if len(side) < 8 or weight.sum() <= 0:
            continue
        points = vertices[side].astype(np.float64)
        centre = _fit_sphere(points)[0]
        axis = (weight[:, None] * points).sum(axis=0) / weight.sum() - centre
        norm = np.linalg.norm(axis)
        if norm > 1e-9:
            frames[k] = (centre, axis / norm)
    return frames
