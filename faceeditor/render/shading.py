"""The material of each face part and the three-point studio light, as shader uniforms.

Lighting runs in linear RGB; the fragment shader encodes sRGB at the end.  Lights are fixed to
the camera (view space: +X right, +Y up, +Z toward the viewer), like a photo studio that moves
with the photographer, so every named view is lit the same way: the key light sits above and to
the camera's left, the fill low right, the rim behind the head above right.
"""

from __future__ import annotations

import dataclasses

import moderngl
import numpy as np

from faceeditor.model.mesh import PART_NAMES
from faceeditor.render.light_transport import sh_irradiance
from faceeditor.render.program import set_uniform

Vec3 = tuple[float, float, float]


@dataclasses.dataclass(frozen=True)
class PartMaterial:
    """Surface of one part (physically based; the albedo map, when set, replaces the colour and
    the material map the roughness).

    Attributes:
        albedo_srgb: base colour in sRGB [0, 1] (converted to linear for lighting).
        roughness: perceptual GGX roughness in (0, 1] (alpha = roughness ** 2).
        f0: Fresnel reflectance at normal incidence (skin and water about 0.02-0.03).
        subsurface: weight in [0, 1] of the pre-integrated skin scattering (light bleeding red
            across the terminator and through thin parts) over plain Lambert diffuse.
    """

    albedo_srgb: Vec3
    roughness: float
    f0: float
    subsurface: float

    @property
    def shininess(self) -> float:
        """Blinn-Phong exponent of about the same highlight (for OBJ/MTL ``Ns``)."""
        return float(min(max(2.0 / self.roughness ** 4 - 2.0, 1.0), 1000.0))

    @property
    def specular(self) -> float:
        """Blinn-Phong strength of about the same highlight (for OBJ/MTL ``Ks``)."""
        return float(min(self.f0 * 5.0 * (1.0 - self.roughness) + 0.02, 1.0))


PART_MATERIALS: dict[str, PartMaterial] = {
    "skin": PartMaterial((0.80, 0.60, 0.50), roughness=0.5, f0=0.028, subsurface=1.0),
    "eyes": PartMaterial((0.88, 0.87, 0.85), roughness=0.08, f0=0.025, subsurface=0.0),
    "tongue": PartMaterial((0.80, 0.36, 0.38), roughness=0.35, f0=0.03, subsurface=0.8),
    "teeth": PartMaterial((0.92, 0.88, 0.76), roughness=0.25, f0=0.04, subsurface=0.3),
    "mouth_cavity": PartMaterial((0.22, 0.04, 0.04), roughness=0.6, f0=0.02, subsurface=0.6),
}


@dataclasses.dataclass(frozen=True)
class Light:
    """A directional light: ``direction`` (view space, toward the light), ``colour`` linear."""

    direction: Vec3
    colour: Vec3


@dataclasses.dataclass(frozen=True)
class StudioLighting:
    """Key, fill and rim lights plus a hemisphere ambient (``sky`` above, ``ground`` below),
    which the shader receives as SH irradiance (``light_transport.sh_irradiance``); the key
    light casts the shadows.  ``exposure`` scales linear light before the tone curve."""

    key: Light = Light((-0.6, 0.36, 0.72), (1.25, 1.20, 1.12))
    fill: Light = Light((0.7, -0.1, 0.7), (0.16, 0.18, 0.21))
    rim: Light = Light((0.6, 0.5, -0.7), (0.55, 0.56, 0.60))
    sky: Vec3 = (0.07, 0.08, 0.10)
    ground: Vec3 = (0.04, 0.03, 0.025)
    exposure: float = 1.15

    @property
    def lights(self) -> tuple[Light, Light, Light]:
        return (self.key, self.fill, self.rim)


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    """Decode sRGB values in [0, 1] (any shape) to linear RGB with the exact piecewise curve."""
    c = np.asarray(srgb, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def apply_shading(
    program: moderngl.Program,
    materials: dict[str, PartMaterial] | None = None,
    lighting: StudioLighting | None = None,
) -> None:
    """Write per-part materials (arrays indexed by part id) and the lights to ``program``."""
    materials = PART_MATERIALS if materials is None else materials
    lighting = StudioLighting() if lighting is None else lighting
    missing = [name for name in PART_NAMES if name not in materials]
    if missing:
        raise KeyError(f"no material for parts {missing}; materials given: {sorted(materials)}")
    table = [materials[name] for name in PART_NAMES]
    set_uniform(program, "u_albedo", srgb_to_linear([m.albedo_srgb for m in table]))
    set_uniform(program, "u_material",
                np.array([(m.roughness, m.f0, m.subsurface, 0.0) for m in table]))
    directions = np.array([light.direction for light in lighting.lights], dtype=np.float64)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    set_uniform(program, "u_light_direction", directions)
    set_uniform(program, "u_light_colour", np.array([light.colour for light in lighting.lights]))
    set_uniform(program, "u_sh", sh_irradiance(lighting))
    set_uniform(program, "u_exposure", lighting.exposure)


#: Lighting presets offered by the viewport, by name (same three-light rig, different moods).
LIGHTING_PRESETS: dict[str, StudioLighting] = {
    "studio": StudioLighting(),
    "soft daylight": StudioLighting(
        key=Light((-0.25, 0.8, 0.55), (0.80, 0.80, 0.82)),
        fill=Light((0.6, 0.05, 0.8), (0.34, 0.33, 0.31)),
        rim=Light((0.0, 0.6, -0.8), (0.22, 0.24, 0.28)),
        sky=(0.30, 0.32, 0.36), ground=(0.12, 0.10, 0.09)),
    "rim": StudioLighting(
        key=Light((-0.85, 0.3, -0.45), (1.5, 1.42, 1.32)),
        fill=Light((0.2, 0.0, 1.0), (0.10, 0.11, 0.13)),
        rim=Light((0.85, 0.35, -0.45), (1.2, 1.26, 1.45)),
        sky=(0.03, 0.035, 0.045), ground=(0.015, 0.012, 0.01)),
    "flat": StudioLighting(
        key=Light((0.0, 0.0, 1.0), (0.0, 0.0, 0.0)),
        fill=Light((0.0, 1.0, 0.0), (0.0, 0.0, 0.0)),
        rim=Light((1.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
        sky=(1.0, 1.0, 1.0), ground=(1.0, 1.0, 1.0), exposure=1.0),
}

#: What the fragment shader outputs: the lit surface, its colour only, its view-space normals,
#: or the lighting on a uniform grey (index = the shader's ``u_view_mode``).
VIEW_MODES: tuple[str, ...] = ("shaded", "albedo", "normals", "shading")
