"""Wavefront OBJ export of a FaceMesh: positions, UVs and normals, one group per part."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from faceeditor.fileio import write_atomic
from faceeditor.model.mesh import PART_NAMES, FaceMesh


def obj_text(mesh: FaceMesh, header: str = "") -> str:
    """The OBJ file for ``mesh`` (1-based indices; normals share the vertex indices)."""
    vertices = np.asarray(mesh.vertices, np.float64)
    normals = np.asarray(mesh.normals, np.float64)
    out = io.StringIO()
    for line in header.splitlines():
        out.write(f"# {line}\n")
    np.savetxt(out, vertices, fmt="v %.6f %.6f %.6f")
    np.savetxt(out, np.asarray(mesh.uvs, np.float64), fmt="vt %.6f %.6f")
    np.savetxt(out, normals, fmt="vn %.5f %.5f %.5f")
    for part_index, part in enumerate(PART_NAMES):
        chosen = np.flatnonzero(mesh.face_parts == part_index)
        if not len(chosen):
            continue
        out.write(f"g {part}\n")
        v = mesh.faces[chosen] + 1
        t = mesh.face_uvs[chosen] + 1
        corners = np.stack([v, t, v], -1).reshape(len(chosen), 9)
        np.savetxt(out, corners, fmt="f %d/%d/%d %d/%d/%d %d/%d/%d")
    return out.getvalue()


def write_obj(mesh: FaceMesh, path: Path, header: str = "") -> None:
    """Save ``mesh`` as an OBJ file at ``path`` (atomically)."""
    write_atomic(Path(path), obj_text(mesh, header).encode())
