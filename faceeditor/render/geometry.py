"""GPU vertex arrays for a ``FaceMesh``.

A ``FaceMesh`` shares positions across UV seams (``faces`` and ``face_uvs`` index different
arrays); the GPU needs one index per vertex, so vertices are split: each unique
(vertex index, uv index, part id) triple of a face corner becomes one GPU vertex.  Including the
part keeps a vertex on the border of two parts (lip skin / mouth cavity) from blending colours.

The split depends only on topology, so ``SeamSplit`` is computed once and ``MeshGeometry.update``
rewrites positions and normals of a new mesh with the same topology into the existing buffers.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import moderngl
import numpy as np

from faceeditor.model.mesh import PART_NAMES, FaceMesh
from faceeditor.render.errors import TopologyMismatchError
from faceeditor.render.program import check_attributes

log = logging.getLogger(__name__)

#: moderngl formats of the vertex attributes ``MeshGeometry`` provides.
ATTRIBUTE_FORMATS: dict[str, str] = {
    "in_position": "3f",
    "in_normal": "3f",
    "in_texcoord_0": "2f",
    "in_part_id": "u4",
    "in_surface": "3f",
}

#: Per-vertex shading inputs where none were computed: (occlusion, LUT curvature, wet lid).
DEFAULT_SURFACE = (1.0, 0.04, 0.0)

#: Parts whose back faces are always hidden behind their own front faces (the mouth's parts
#: are seen from inside): frames may cull them (``MeshGeometry.culling_indices``).
CLOSED_PARTS = ("skin", "eyes")


def to_numpy(array: Any, dtype: type = np.float32) -> np.ndarray:
    """A contiguous numpy copy-or-view of a numpy array or (possibly grad-carrying) torch tensor."""
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    return np.ascontiguousarray(array, dtype=dtype)


@dataclasses.dataclass(frozen=True, eq=False)
class SeamSplit:
    """How a topology maps to GPU vertices; N GPU vertices, F faces, V mesh vertices.

    Attributes:
        vertex_index: (N,) int64 mesh vertex behind each GPU vertex.
        uv_index: (N,) int64 entry of ``uvs`` behind each GPU vertex.
        part_id: (N,) uint32 part (index into ``PART_NAMES``) of each GPU vertex.
        indices: (F, 3) uint32 GPU vertex indices, same winding as ``faces``.
        vertex_count: V, the number of mesh vertices the topology expects.
    """

    vertex_index: np.ndarray
    uv_index: np.ndarray
    part_id: np.ndarray
    indices: np.ndarray
    vertex_count: int
    _topology: tuple[np.ndarray, ...] = dataclasses.field(repr=False)

    @classmethod
    def from_mesh(cls, mesh: FaceMesh) -> SeamSplit:
        faces = np.asarray(mesh.faces, dtype=np.int64)
        face_uvs = np.asarray(mesh.face_uvs, dtype=np.int64)
        parts = np.asarray(mesh.face_parts, dtype=np.int64)
        uvs = np.asarray(mesh.uvs, dtype=np.float32)
        vertex_count = int(np.shape(mesh.vertices)[0])
        _validate_topology(faces, face_uvs, parts, uvs, vertex_count)
        part_count, uv_count = len(PART_NAMES), len(uvs)
        corner_parts = np.repeat(parts[:, None], 3, axis=1)
        keys = (faces * uv_count + face_uvs) * part_count + corner_parts
        unique_keys, inverse = np.unique(keys.ravel(), return_inverse=True)
        split = cls(
            vertex_index=unique_keys // (uv_count * part_count),
            uv_index=(unique_keys // part_count) % uv_count,
            part_id=(unique_keys % part_count).astype(np.uint32),
            indices=inverse.reshape(-1, 3).astype(np.uint32),
            vertex_count=vertex_count,
            _topology=tuple(a.copy() for a in (mesh.faces, mesh.face_uvs, mesh.face_parts, uvs)),
        )
        log.debug("split %d vertices into %d GPU vertices for %d faces",
                  vertex_count, len(unique_keys), len(faces))
        return split

    def matches(self, mesh: FaceMesh) -> bool:
        """Whether ``mesh`` has exactly the topology (faces, face_uvs, parts, uvs) of this split."""
        if int(np.shape(mesh.vertices)[0]) != self.vertex_count:
            return False
        current = (mesh.faces, mesh.face_uvs, mesh.face_parts, mesh.uvs)
        return all(np.array_equal(mine, theirs) for mine, theirs in zip(self._topology, current))


def _validate_topology(faces: np.ndarray, face_uvs: np.ndarray, parts: np.ndarray,
                       uvs: np.ndarray, vertex_count: int) -> None:
    if faces.ndim != 2 or faces.shape[1] != 3 or face_uvs.shape != faces.shape:
        raise ValueError(f"faces {faces.shape} and face_uvs {face_uvs.shape} must both be (F, 3)")
    if parts.shape != (len(faces),):
        raise ValueError(f"face_parts has shape {parts.shape}, expected ({len(faces)},)")
    if uvs.ndim != 2 or uvs.shape[1] != 2:
        raise ValueError(f"uvs has shape {uvs.shape}, expected (T, 2)")
    checks = ((faces, vertex_count, "faces"), (face_uvs, len(uvs), "face_uvs"),
              (parts, len(PART_NAMES), "face_parts"))
    for array, limit, name in checks:
        if array.size and (array.min() < 0 or array.max() >= limit):
            raise ValueError(f"{name} values span [{array.min()}, {array.max()}], "
                             f"outside [0, {limit})")


class MeshGeometry:
    """Vertex and index buffers for one topology; positions/normals are rewritten in place.

    Buffers: ``position_buffer``, ``normal_buffer`` and ``surface_buffer`` (N, 3) float32,
    dynamic;
    ``texcoord_buffer`` (N, 2) float32; ``part_buffer`` (N,) uint32; ``index_buffer`` (F, 3)
    uint32.
    """

    def __init__(self, ctx: moderngl.Context, mesh: FaceMesh, split: SeamSplit | None = None):
        self.split = split if split is not None else SeamSplit.from_mesh(mesh)
        count = len(self.split.vertex_index)
        uvs = np.asarray(mesh.uvs, dtype=np.float32)[self.split.uv_index]
        self.position_buffer = ctx.buffer(reserve=count * 12, dynamic=True)
        self.normal_buffer = ctx.buffer(reserve=count * 12, dynamic=True)
        self.surface_buffer = ctx.buffer(reserve=count * 12, dynamic=True)
        self.texcoord_buffer = ctx.buffer(np.ascontiguousarray(uvs))
        self.part_buffer = ctx.buffer(self.split.part_id)
        self.index_buffer = ctx.buffer(self.split.indices)
        self._culling: tuple[moderngl.Buffer, int] | None = None
        self.update(mesh)

    def depth_vertex_array(self, ctx: moderngl.Context,
                           program: moderngl.Program) -> moderngl.VertexArray:
        """A vertex array feeding only positions (shadow and depth passes)."""
        return ctx.vertex_array(program, [(self.position_buffer, "3f", "in_position")],
                                index_buffer=self.index_buffer, index_element_size=4)

    @property
    def buffers(self) -> dict[str, moderngl.Buffer]:
        """The vertex buffer of each attribute in ``ATTRIBUTE_FORMATS``."""
        return {
            "in_position": self.position_buffer,
            "in_normal": self.normal_buffer,
            "in_texcoord_0": self.texcoord_buffer,
            "in_part_id": self.part_buffer,
            "in_surface": self.surface_buffer,
        }

    def update(self, mesh: FaceMesh, surface: np.ndarray | None = None) -> None:
        """Write the vertices and normals of ``mesh`` (same topology) into the existing buffers,
        and ``surface`` (V, 3) per-vertex shading inputs (``DEFAULT_SURFACE`` when None)."""
        if not self.split.matches(mesh):
            raise TopologyMismatchError(
                "mesh topology differs from the one this geometry was built for "
                f"(vertices {np.shape(mesh.vertices)[0]} vs {self.split.vertex_count}, "
                f"faces {np.shape(mesh.faces)[0]} vs {len(self.split.indices)})"
            )
        vertices = to_numpy(mesh.vertices)
        normals = to_numpy(mesh.normals)
        expected = (self.split.vertex_count, 3)
        if vertices.shape != expected or normals.shape != expected:
            raise ValueError(f"vertices {vertices.shape} and normals {normals.shape} must be "
                             f"{expected}")
        self.position_buffer.write(np.ascontiguousarray(vertices[self.split.vertex_index]))
        self.normal_buffer.write(np.ascontiguousarray(normals[self.split.vertex_index]))
        if surface is None:
            values = np.broadcast_to(np.asarray(DEFAULT_SURFACE, np.float32),
                                     (len(self.split.vertex_index), 3))
        else:
            values = to_numpy(surface)[self.split.vertex_index]
        self.surface_buffer.write(np.ascontiguousarray(values, dtype=np.float32))

    def vertex_array(self, ctx: moderngl.Context, program: moderngl.Program,
                     program_name: str, index_buffer: moderngl.Buffer | None = None
                     ) -> moderngl.VertexArray:
        """A vertex array binding these buffers to ``program``'s inputs (checked by name/type),
        drawing the triangles of ``index_buffer`` (default ``index_buffer``)."""
        check_attributes(program, program_name, ATTRIBUTE_FORMATS, "MeshGeometry")
        content = [(buffer, ATTRIBUTE_FORMATS[name], name)
                   for name, buffer in self.buffers.items() if name in program]
        return ctx.vertex_array(program, content, index_buffer=index_buffer or self.index_buffer,
                                index_element_size=4)

    def culling_indices(self, ctx: moderngl.Context) -> tuple[moderngl.Buffer, int]:
        """An index buffer of the triangles with those of ``CLOSED_PARTS`` first (in their
        order), and how many those are (made on first use)."""
        if self._culling is None:
            parts = self.split.part_id[self.split.indices[:, 0]]
            closed = np.isin(parts, [PART_NAMES.index(name) for name in CLOSED_PARTS])
            order = np.concatenate([np.flatnonzero(closed), np.flatnonzero(~closed)])
            self._culling = (ctx.buffer(np.ascontiguousarray(self.split.indices[order])),
                             int(closed.sum()))
        return self._culling

    def release(self) -> None:
        for buffer in (*self.buffers.values(), self.index_buffer):
            buffer.release()
        if self._culling is not None:
            self._culling[0].release()
            self._culling = None
