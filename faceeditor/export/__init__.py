"""Mesh export (no Qt): GLB with PBR textures and ARKit morph targets, OBJ + MTL + PNGs.

``export_head`` (the built-in model) and ``export_backend`` (a research backend) are the entry
points; both write through ``export_mesh``, whose ``gltf`` and ``obj`` write the formats from an
``ExportGeometry`` (``morphs``) and a ``TextureSet`` (``textures``).
"""

from faceeditor.export.head import (
    FORMATS,
    ExportOptions,
    export_backend,
    export_head,
    export_mesh,
    format_for_path,
    output_files,
)
from faceeditor.export.morphs import ExportGeometry, export_geometry, mesh_geometry
from faceeditor.export.textures import (
    TEXTURE_SIZES,
    TextureSet,
    TexturesUnavailableError,
    generate_textures,
    skin_textures,
)

__all__ = [
    "FORMATS", "TEXTURE_SIZES", "ExportGeometry", "ExportOptions", "TextureSet",
    "TexturesUnavailableError", "export_backend", "export_geometry", "export_head",
    "export_mesh", "format_for_path", "generate_textures", "mesh_geometry", "output_files",
    "skin_textures",
]
