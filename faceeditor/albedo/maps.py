"""Companion maps for export: a tangent-space normal map and a roughness map, in the albedo's UV
layout and size (numpy path).

Both derive from a height field: the pore pattern of ``noise.pore_tile`` at full resolution
(pores are dents) plus fine wrinkles at the layer resolution (horizontal forehead lines and
crow's feet fanning from the outer eye corners), scaled by the ``pores`` and ``fine_wrinkles``
parameters. Tangent space follows the UVs (+X = +u, +Y = +v), as glTF expects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from faceeditor.albedo.generator import AlbedoValues, pore_pattern, smoothstep
from faceeditor.albedo.layers import Layers, load_layers

NORMAL_STRENGTH = 6.0   # slope per unit height per texel at 2048
#: The parameters the normal and material maps depend on (the rest only colour the albedo).
DETAIL_PARAMS = ("pores", "fine_wrinkles")
#: Roughness of each region (0 = mirror, 1 = fully rough).
ROUGHNESS = {"skin": 0.55, "t_zone": 0.45, "lips": 0.38, "eyeball": 0.08, "tongue": 0.35,
             "teeth": 0.25, "cavity": 0.6}


@dataclasses.dataclass(frozen=True)
class CompanionMaps:
    """Attributes:
        normal: (S, S, 3) uint8 tangent-space normal, top row first ((n + 1) / 2 * 255).
        roughness: (S, S) uint8, top row first (0..255 = 0..1).
    """

    normal: np.ndarray
    roughness: np.ndarray


def wrinkle_height(layers: Layers) -> np.ndarray:
    """(R, R) float32 wrinkle depth pattern in [0, 1] at the layer resolution (row 0 = v 0)."""
    position = layers.position
    x, y = np.abs(position[..., 0]), position[..., 1]
    forehead = layers.mask("forehead") * (1 - layers.mask("brows"))
    lines = 0.5 + 0.5 * np.cos(2 * np.pi * y / 0.007)
    sockets = layers.mask("eye_sockets")
    corner = smoothstep(0.035, 0.05, x) * sockets  # outer eye corners
    fan = 0.5 + 0.5 * np.cos(2 * np.pi * np.arctan2(y - 0.013, x - 0.03) / 0.25)
    return (forehead * lines ** 4 + corner * fan ** 4).astype(np.float32)


def _resize(image: np.ndarray, size: int) -> np.ndarray:
    """(R, R) float in [0, 1], row 0 = v 0 -> (size, size) float32, top row first."""
    from PIL import Image

    pil = Image.fromarray(np.round(np.clip(image[::-1], 0, 1) * 255).astype(np.uint8), "L")
    if size != image.shape[0]:
        pil = pil.resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(pil, np.float32) / 255.0


def _skin_weight(layers: Layers, size: int) -> np.ndarray:
    parts = sum(layers.mask(name) for name in ("eyeball", "tongue", "teeth", "cavity"))
    return _resize(np.clip(1 - parts, 0, 1), size)


def normal_map(params: Mapping[str, float] | None = None, size: int = 2048,
               layers: Layers | None = None) -> np.ndarray:
    """(size, size, 3) uint8 tangent-space normal map ((n + 1) / 2 * 255), top row first,
    matching ``generator.albedo(params, size)``."""
    layers = load_layers() if layers is None else layers
    values = AlbedoValues.from_params(params)
    pores = pore_pattern(size)[::-1] * np.float32(values["pores"] * 0.6)
    wrinkles = _resize(wrinkle_height(layers), size) * np.float32(values["fine_wrinkles"])
    height = (pores + wrinkles) * _skin_weight(layers, size)
    scale = np.float32(NORMAL_STRENGTH * size / 2048.0)
    du = np.zeros_like(height)
    dv = np.zeros_like(height)
    du[:, 1:-1] = (height[:, 2:] - height[:, :-2]) * (scale / 2)  # slope of the dent (-height)
    dv[1:-1] = (height[:-2] - height[2:]) * (scale / 2)            # rows go down: up is +v
    inverse = 1.0 / np.sqrt(du * du + dv * dv + 1.0)
    normal = np.empty(height.shape + (3,), np.uint8)
    normal[..., 0] = np.round((du * inverse + 1) * 127.5)
    normal[..., 1] = np.round((dv * inverse + 1) * 127.5)
    normal[..., 2] = np.round((inverse + 1) * 127.5)
    return normal


def roughness_map(params: Mapping[str, float] | None = None, size: int = 2048,
                  layers: Layers | None = None) -> np.ndarray:
    """(size, size) uint8 roughness (0..255 = 0..1), top row first: region values, pores
    slightly rougher."""
    layers = load_layers() if layers is None else layers
    values = AlbedoValues.from_params(params)
    t_zone = np.clip(layers.mask("forehead") + layers.mask("nose_tip"), 0, 1)
    rough = ROUGHNESS["skin"] + (ROUGHNESS["t_zone"] - ROUGHNESS["skin"]) * t_zone
    for name in ("lips", "eyeball", "tongue", "teeth", "cavity"):
        rough = rough + (ROUGHNESS[name] - rough) * layers.mask(name)
    pores = pore_pattern(size)[::-1] * np.float32(0.12 * values["pores"])
    out = _resize(rough, size) + pores * _skin_weight(layers, size)
    return np.round(np.clip(out, 0, 1) * 255).astype(np.uint8)


def material_map(params: Mapping[str, float] | None = None, size: int = 2048,
                 layers: Layers | None = None) -> np.ndarray:
    """(size, size, 3) uint8 shading map for the viewport and ``render``, top row first:
    R roughness (``roughness_map``), G the eye's polar radius / 4 on the eyeball (iris inside
    1/4, 1 off the eye: the renderer's iris parallax), B zero."""
    layers = load_layers() if layers is None else layers
    eyeball = layers.mask("eyeball")
    radius = np.where(eyeball > 0.5, layers.mask("eye_theta"), 1.0)
    out = np.zeros((size, size, 3), np.uint8)
    out[..., 0] = roughness_map(params, size, layers)
    out[..., 1] = np.round(_resize(radius, size) * 255).astype(np.uint8)
    return out


def companion_maps(params: Mapping[str, float] | None = None, size: int = 2048,
                   layers: Layers | None = None) -> CompanionMaps:
    """Normal and roughness maps matching ``generator.albedo(params, size)``."""
    return CompanionMaps(normal=normal_map(params, size, layers),
                         roughness=roughness_map(params, size, layers))
