"""The shading textures of the face program besides the albedo: the tangent-space normal map
and the material map (detail of the current head) and the pre-integrated skin LUT (fixed).

Texture units: 0 albedo (``OffscreenRenderer``), 1 normal map, 2 material map, 3 skin LUT,
4 and 5 the shadow map (comparison and raw samplers, ``shadow.ShadowMap``).
"""

from __future__ import annotations

import moderngl
import numpy as np

from faceeditor.render.light_transport import skin_lut
from faceeditor.render.program import set_uniform

UNITS = {"u_normal_map": 1, "u_material_map": 2, "u_skin_lut": 3, "u_shadow_map": 4,
         "u_shadow_depth": 5}


class ShadingTextures:
    """Owns the LUT and the detail maps of one program (context current while used)."""

    def __init__(self, ctx: moderngl.Context, program: moderngl.Program):
        self.ctx = ctx
        self.program = program
        for name, unit in UNITS.items():
            set_uniform(program, name, unit)
        lut = skin_lut()
        self.lut = ctx.texture((lut.shape[1], lut.shape[0]), 3,
                               np.ascontiguousarray(lut, np.float32), dtype="f4")
        self.lut.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.lut.repeat_x = self.lut.repeat_y = False
        self.normal: moderngl.Texture | None = None
        self.material: moderngl.Texture | None = None
        set_uniform(program, "u_use_detail_maps", False)

    def set_detail_maps(self, normal: np.ndarray | None, material: np.ndarray | None) -> None:
        self._drop()
        if normal is None or material is None:
            set_uniform(self.program, "u_use_detail_maps", False)
            return
        self.normal = self._upload("normal map", normal)
        self.material = self._upload("material map", material)
        set_uniform(self.program, "u_use_detail_maps", True)

    @property
    def active(self) -> bool:
        """Whether detail maps are set (the program's ``u_use_detail_maps``)."""
        return self.normal is not None and self.material is not None

    def _upload(self, label: str, image: np.ndarray) -> moderngl.Texture:
        pixels = np.asarray(image)
        if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] != 3:
            raise ValueError(f"{label} must be (H, W, 3) uint8, got {pixels.shape} {pixels.dtype}")
        height, width = pixels.shape[:2]
        texture = self.ctx.texture((width, height), 3, np.ascontiguousarray(pixels[::-1]),
                                   alignment=1)
        texture.build_mipmaps()
        texture.filter = (moderngl.LINEAR_MIPMAP_NEAREST, moderngl.LINEAR)
        return texture

    def use(self) -> None:
        self.lut.use(location=UNITS["u_skin_lut"])
        if self.normal is not None and self.material is not None:
            self.normal.use(location=UNITS["u_normal_map"])
            self.material.use(location=UNITS["u_material_map"])

    def _drop(self) -> None:
        for texture in (self.normal, self.material):
            if texture is not None:
                texture.release()
        self.normal = self.material = None

    def release(self) -> None:
        self._drop()
        self.lut.release()
