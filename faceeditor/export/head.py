"""Export a head to a file: the entry points the command line and the GUI share.

``export_mesh`` writes a GLB or an OBJ bundle of an ``ExportGeometry`` (a mesh with its morph
targets, or none) and a ``TextureSet`` (or None) atomically, reporting progress as
(fraction, message). ``export_head`` evaluates the built-in model (base, ARKit morphs,
subdivision) and ``export_backend`` a research backend (mesh, full-resolution albedo,
subdivision; no morph targets), and both write through ``export_mesh``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from faceeditor.export.gltf import glb_bytes
from faceeditor.export.morphs import ExportGeometry, export_geometry, mesh_geometry
from faceeditor.export.obj import obj_bundle_paths, write_obj_bundle
from faceeditor.export.textures import IMAGE_FORMATS, TEXTURE_SIZES, TextureSet
from faceeditor.fileio import write_atomic
from faceeditor.model.face_model import FaceModel

if TYPE_CHECKING:
    from faceeditor.backends.base import Backend

log = logging.getLogger(__name__)

#: Export formats by file extension.
FORMATS: dict[str, str] = {".glb": "glb", ".obj": "obj"}

Progress = Callable[[float, str], None]


@dataclasses.dataclass(frozen=True)
class ExportOptions:
    """What to write.

    Attributes:
        format: "glb" or "obj".
        texture_size: edge of the square skin textures, one of ``TEXTURE_SIZES``.
        subdivisions: 0 or 1 levels of Loop subdivision.
        morphs: GLB: include the 52 ARKit expression morph targets.
        bake_expression: GLB with morphs: bake the current expression into the mesh (True) or
            keep the mesh neutral with the expression as default morph weights (False).
        expression_files: OBJ: also write one OBJ per ARKit expression.
        image_format: GLB: "png" or "jpeg" for the albedo map (normal and roughness maps are
            always PNG: JPEG artefacts show in lighting).
        hair: write hair, eyebrows, eyelashes and beard (GLB: meshes of their own; OBJ: a
            ``<stem>_hair.obj`` with its MTL and textures beside the head).
        hair_blend: GLB: blended hair cards (alphaMode BLEND) instead of alpha-tested (MASK).
    """

    format: str = "glb"
    texture_size: int = 2048
    subdivisions: int = 0
    morphs: bool = True
    bake_expression: bool = False
    expression_files: bool = False
    image_format: str = "png"
    hair: bool = True
    hair_blend: bool = False

    def __post_init__(self) -> None:
        if self.format not in FORMATS.values():
            raise ValueError(f"export format must be glb or obj, got {self.format!r}")
        if self.texture_size not in TEXTURE_SIZES:
            raise ValueError(f"texture size must be one of {', '.join(map(str, TEXTURE_SIZES))}, "
                             f"got {self.texture_size}")
        if self.subdivisions not in (0, 1):
            raise ValueError(f"subdivision level must be 0 or 1, got {self.subdivisions}")
        if self.image_format not in IMAGE_FORMATS:
            raise ValueError(f"image format must be png or jpeg, got {self.image_format!r}")


def format_for_path(path: Path) -> str:
    """"glb" or "obj" from the file extension, or ``ValueError``."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: cannot tell the format from {suffix or 'no extension'!r}; "
                         f"give a .glb or .obj name or --format")
    return FORMATS[suffix]


def output_files(path: Path, options: ExportOptions, textured: bool,
                 expression_names: tuple[str, ...] = (),
                 texture_labels: tuple[str, ...] = ("albedo", "normal", "roughness")
                 ) -> list[Path]:
    """Every file ``export_head`` (or, with ``texture_labels=("albedo",)``,
    ``export_backend``) will write for ``path`` (to check for existing files first)."""
    if options.format == "glb":
        return [Path(path)]
    names = expression_names if options.expression_files else ()
    files = list(obj_bundle_paths(Path(path), textured, names, texture_labels).values())
    if options.hair:
        files += list(hair_obj_paths(Path(path)).values())
    return files


def hair_obj_paths(path: Path) -> dict[str, Path]:
    """The hair files beside an OBJ at ``path``: ``obj``, ``mtl`` and one texture per part."""
    from faceeditor.export.hair import PART_LABELS

    stem = path.stem + "_hair"
    files = {"obj": path.with_name(stem + ".obj"), "mtl": path.with_name(stem + ".mtl")}
    files.update({part: path.with_name(f"{stem}_{part}.png") for part in PART_LABELS})
    return files


def export_head(model: FaceModel, params: Mapping[str, float], path: Path,
                options: ExportOptions, textures: TextureSet | None = None,
                header: str = "", progress: Progress | None = None) -> list[Path]:
    """Write the head ``params`` to ``path``; the paths written.

    ``textures`` are scaled to ``options.texture_size`` when they have another size.

    Every file is written atomically (a failed export leaves no half-written file). Existing
    files are replaced: callers check ``output_files`` first when they must not be.
    """
    report = progress or (lambda fraction, message: None)
    path = Path(path)
    if textures is not None:
        textures = textures.resized(options.texture_size)
    report(0.0, "evaluating the head")
    obj = options.format == "obj"
    geometry = export_geometry(
        model, params,
        morphs=options.expression_files if obj else options.morphs,
        bake_expression=options.bake_expression and not obj,
        subdivisions=options.subdivisions,
    )
    hair = None
    if options.hair:
        from faceeditor.export.hair import hair_parts

        report(0.2, "fitting the hair")
        hair = hair_parts(model, params, geometry)
    return export_mesh(geometry, path, options, textures, header, report, start=0.3,
                       hair=hair)


def export_backend(backend: Backend, params: Mapping[str, float], path: Path,
                   options: ExportOptions, header: str = "",
                   progress: Progress | None = None) -> list[Path]:
    """Write research ``backend``'s head ``params`` to ``path``; the paths written.

    The mesh is the backend's (subdivided as ``options`` say), its albedo at full resolution
    the only texture (no normal or roughness map; no albedo: plain colours). There are no
    morph targets, so ``options.morphs``, ``bake_expression`` and ``expression_files`` are
    ignored, and so is ``texture_size`` (the albedo keeps its own size).
    """
    report = progress or (lambda fraction, message: None)
    report(0.0, "evaluating the head")
    vector = backend.vector(params)
    geometry = mesh_geometry(backend.evaluate_mesh(vector), subdivisions=options.subdivisions)
    report(0.2, "making the albedo")
    albedo = backend.evaluate_albedo(vector, albedo_size=None)
    textures = None if albedo is None else TextureSet(albedo=np.ascontiguousarray(albedo,
                                                                                  np.uint8))
    return export_mesh(geometry, Path(path), options, textures, header, report, start=0.3)


def export_mesh(geometry: ExportGeometry, path: Path, options: ExportOptions,
                textures: TextureSet | None = None, header: str = "",
                progress: Progress | None = None, start: float = 0.0,
                hair: dict | None = None) -> list[Path]:
    """Write ``geometry`` (with its morph targets, if any) textured by ``textures`` (as they
    are; None: plain colours) to ``path`` in ``options.format``; the paths written.

    Progress runs from ``start`` to 1. Every file is written atomically.
    """
    report = progress or (lambda fraction, message: None)
    path = Path(path)
    report(start, "writing")
    if options.format == "obj":
        written = _write_hair_obj(hair, path, header) if hair else []
        written = write_obj_bundle(geometry, path, textures, header,
                                   options.expression_files) + written
    else:
        def glb_progress(fraction: float, message: str) -> None:
            report(start + (0.95 - start) * fraction, message)

        data = glb_bytes(geometry, textures, options.image_format, glb_progress,
                         hair=hair, hair_blend=options.hair_blend)
        write_atomic(path, data)
        written = [path]
    report(1.0, "done")
    log.info("wrote %s", ", ".join(str(p) for p in written))
    return written


def _write_hair_obj(hair: dict, path: Path, header: str) -> list[Path]:
    """The hair OBJ, its MTL (``map_Kd``/``map_d``) and a texture per part, beside ``path``."""
    from faceeditor.export.hair import obj_hair_mtl, obj_hair_text, part_texture
    from faceeditor.export.textures import encode_image

    files = hair_obj_paths(path)
    written = []
    for part, primitives in hair.items():
        write_atomic(files[part], encode_image(part_texture(primitives), "png"))
        written.append(files[part])
    # each part's materials use that part's texture (its colour painted in)
    mtl = [f"# {line}" for line in header.splitlines()]
    mtl += [obj_hair_mtl({part: primitives}, files[part].name).rstrip("\n")
            for part, primitives in hair.items()]
    write_atomic(files["mtl"], ("\n".join(mtl) + "\n").encode())
    write_atomic(files["obj"], obj_hair_text(hair, files["mtl"].name, header).encode())
    return written + [files["mtl"], files["obj"]]

