"""Wavefront OBJ export of a FaceMesh: positions, UVs and normals, one group per part.

``obj_text`` writes one mesh. ``write_obj_bundle`` adds what artists' tools expect beside it: an
MTL file with a material per part and the texture atlas PNGs (albedo ``map_Kd``, tangent-space normal
``map_Bump``/``norm``, roughness ``map_Pr``), and optionally one OBJ per ARKit expression (the
neutral head with that expression at 1, same vertex order) for pipelines that build blendshapes
from separate files.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from faceeditor.export.morphs import ExportGeometry
from faceeditor.export.textures import TextureSet, encode_image
from faceeditor.fileio import write_atomic
from faceeditor.model.mesh import PART_NAMES, FaceMesh
from faceeditor.render.shading import PART_MATERIALS

#: Texture files beside an OBJ: label -> file name suffix.
TEXTURE_FILES = {"albedo": "_albedo.png", "normal": "_normal.png", "roughness": "_roughness.png"}


def obj_text(mesh: FaceMesh, header: str = "", mtllib: str | None = None) -> str:
    """The OBJ file for ``mesh`` (1-based indices; normals share the vertex indices).

    With ``mtllib`` (an MTL file name) every part group uses the material named after the part.
    """
    vertices = np.asarray(mesh.vertices, np.float64)
    normals = np.asarray(mesh.normals, np.float64)
    out = io.StringIO()
    for line in header.splitlines():
        out.write(f"# {line}\n")
    if mtllib:
        out.write(f"mtllib {mtllib}\n")
    np.savetxt(out, vertices, fmt="v %.6f %.6f %.6f")
    np.savetxt(out, np.asarray(mesh.uvs, np.float64), fmt="vt %.6f %.6f")
    np.savetxt(out, normals, fmt="vn %.5f %.5f %.5f")
    for part_index, part in enumerate(PART_NAMES):
        chosen = np.flatnonzero(mesh.face_parts == part_index)
        if not len(chosen):
            continue
        out.write(f"g {part}\n")
        if mtllib:
            out.write(f"usemtl {part}\n")
        v = mesh.faces[chosen] + 1
        t = mesh.face_uvs[chosen] + 1
        corners = np.stack([v, t, v], -1).reshape(len(chosen), 9)
        np.savetxt(out, corners, fmt="f %d/%d/%d %d/%d/%d %d/%d/%d")
    return out.getvalue()


def write_obj(mesh: FaceMesh, path: Path, header: str = "") -> None:
    """Save ``mesh`` as an OBJ file at ``path`` (atomically)."""
    write_atomic(Path(path), obj_text(mesh, header).encode())


def mtl_text(texture_names: dict[str, str] | None, header: str = "") -> str:
    """The MTL file: one material per part, each textured by ``texture_names`` (label -> file
    name, labels from ``TEXTURE_FILES``; the atlas paints every part) or plain coloured when
    None."""
    out = io.StringIO()
    for line in header.splitlines():
        out.write(f"# {line}\n")
    for part in PART_NAMES:
        material = PART_MATERIALS[part]
        textured = bool(texture_names)
        red, green, blue = (1.0, 1.0, 1.0) if textured else material.albedo_srgb
        out.write(f"\nnewmtl {part}\nKa 0 0 0\nKd {red:.4f} {green:.4f} {blue:.4f}\n"
                  f"Ks {material.specular:.3f} {material.specular:.3f} {material.specular:.3f}\n"
                  f"Ns {material.shininess:.1f}\nd 1\nillum 2\n")
        if textured:
            out.write(f"map_Kd {texture_names['albedo']}\n")
        if textured and "normal" in texture_names:
            out.write(f"map_Bump {texture_names['normal']}\n"
                      f"norm {texture_names['normal']}\n")
        if textured and "roughness" in texture_names:
            out.write(f"map_Pr {texture_names['roughness']}\n")
    return out.getvalue()


def obj_bundle_paths(path: Path, textured: bool, expression_names: tuple[str, ...] = (),
                     texture_labels: tuple[str, ...] = tuple(TEXTURE_FILES)) -> dict[str, Path]:
    """Every file ``obj_bundle`` writes for an OBJ at ``path``, by role.

    Roles: ``obj``, ``mtl``, the ``texture_labels`` of ``TEXTURE_FILES`` (when textured;
    default all three) and ``expression:<name>`` for each expression OBJ
    (``<stem>_<name>.obj``).
    """
    path = Path(path)
    files = {"obj": path, "mtl": path.with_suffix(".mtl")}
    if textured:
        files.update({label: path.with_name(path.stem + suffix)
                      for label, suffix in TEXTURE_FILES.items() if label in texture_labels})
    files.update({f"expression:{name}": path.with_name(f"{path.stem}_{name}.obj")
                  for name in expression_names})
    return files


def write_obj_bundle(geometry: ExportGeometry, path: Path, textures: TextureSet | None = None,
                     header: str = "", expression_files: bool = False) -> list[Path]:
    """Write the OBJ at ``path`` with its MTL, texture PNGs and optional expression OBJs.

    The head in the main OBJ shows the current expression (``geometry``'s default weights on
    its base). Each file is written atomically, the main OBJ last, so a failure never leaves an
    OBJ that names missing files. Returns the paths written.
    """
    names = geometry.morph_names if expression_files else ()
    if expression_files and not geometry.morph_count:
        raise ValueError("one OBJ per expression needs the expression morphs")
    labels = textures.labels if textures is not None else ()
    files = obj_bundle_paths(path, textures is not None, names, labels)
    texture_names = None
    if textures is not None:
        images = {label: getattr(textures, label) for label in labels}
        for label, image in images.items():
            write_atomic(files[label], encode_image(image, "png"))
        texture_names = {label: files[label].name for label in images}
    write_atomic(files["mtl"], mtl_text(texture_names, header).encode())
    mtllib = files["mtl"].name
    for index, name in enumerate(names):
        mesh = geometry.posed_mesh(np.eye(geometry.morph_count, dtype=np.float32)[index])
        write_atomic(files[f"expression:{name}"],
                     obj_text(mesh, f"{header}\nexpression {name} = 1", mtllib).encode())
    write_atomic(files["obj"], obj_text(geometry.posed_mesh(), header, mtllib).encode())
    return list(files.values())
