"""Skin albedo generation in UV space: spectral skin colour, region masks, procedural detail.

The public functions all take the model's parameters ({name: value}; only the albedo ones,
``faceeditor.model.spec.ALBEDO_PARAMS``, are read) and a square texture size, and return
top-row-first uint8 images in the head's UV layout:

* ``albedo(params, size)``: (size, size, 3) sRGB base colour (numpy path; ``gpu.GpuAlbedo``
  draws the same texture with OpenGL for the viewport);
* ``normal_map(params, size)``: (size, size, 3) tangent-space normals;
* ``roughness_map(params, size)``: (size, size) roughness.
"""

from faceeditor.albedo.generator import albedo
from faceeditor.albedo.maps import normal_map, roughness_map

__all__ = ["albedo", "normal_map", "roughness_map"]
