"""The face program's compiled variants and the state they all share.

The skin shader is compiled per (interactive, shadow taps): the interactive variant leaves out
what a frame drawn while something moves can do without, and the shadow filter's tap count is
a compile-time constant (a loop of a uniform length costs llvmpipe ~10% of the still frame).
Every setting the renderer makes (materials, lights, view mode, which maps are in use) goes
through ``FacePrograms``, which applies it to every variant compiled so far and to each one
compiled later, so switching quality never shows a stale setting.

    programs = FacePrograms(ctx, materials, lighting)
    program = programs.get(quality)          # compiled on first use
    programs.set("u_view_mode", 2)           # every variant, now and later
"""

from __future__ import annotations

import moderngl

from faceeditor.model.mesh import PART_NAMES
from faceeditor.render.program import load_program, set_uniform
from faceeditor.render.quality import Quality
from faceeditor.render.shading import PartMaterial, StudioLighting, apply_shading
from faceeditor.render.textures import UNITS as TEXTURE_UNITS

PROGRAM_NAME = "face"
DEFAULT_SHADOW_TAPS = 8  # compiled into the variants of levels without shadows


class FacePrograms:
    """Variants of the face program by (interactive, shadow taps), with shared uniforms."""

    def __init__(self, ctx: moderngl.Context, materials: dict[str, PartMaterial],
                 lighting: StudioLighting):
        self.ctx = ctx
        self._materials, self._lighting = materials, lighting
        self._variants: dict[tuple[bool, int], moderngl.Program] = {}
        #: uniforms every variant gets (texture units come from textures.UNITS)
        self._uniforms: dict[str, object] = {"u_use_albedo_map": False, "u_albedo_map": 0,
                                             "u_view_mode": 0, "u_use_detail_maps": False}

    def get(self, quality: Quality) -> moderngl.Program:
        """The variant for ``quality``, compiled and set up on first use."""
        key = (quality.interactive, quality.shadow_taps or DEFAULT_SHADOW_TAPS)
        program = self._variants.get(key)
        if program is not None:
            return program
        defines = {"PART_COUNT": len(PART_NAMES), "PART_SKIN": PART_NAMES.index("skin"),
                   "PART_EYES": PART_NAMES.index("eyes"), "LIGHT_COUNT": 3,
                   "SHADOW_TAPS": key[1]}
        if quality.interactive:
            defines["INTERACTIVE"] = 1
        program = load_program(self.ctx, PROGRAM_NAME, defines)
        for name, unit in TEXTURE_UNITS.items():
            set_uniform(program, name, unit)
        apply_shading(program, materials=self._materials, lighting=self._lighting)
        for name, value in self._uniforms.items():
            set_uniform(program, name, value)
        self._variants[key] = program
        return program

    def set(self, name: str, value: object) -> None:
        """Set the uniform ``name`` in every variant, now and in those compiled later."""
        self._uniforms[name] = value
        for program in self._variants.values():
            set_uniform(program, name, value)

    def shade(self, materials: dict[str, PartMaterial], lighting: StudioLighting) -> None:
        """Shade every variant, now and later, with ``materials`` and ``lighting``."""
        self._materials, self._lighting = materials, lighting
        for program in self._variants.values():
            apply_shading(program, materials=materials, lighting=lighting)

    def release(self) -> None:
        for program in self._variants.values():
            program.release()
        self._variants.clear()
