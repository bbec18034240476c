"""The albedo generator, numpy path: ``albedo(params, size) -> (size, size, 3) uint8 sRGB``.

The texture is built in three steps (the GLSL path in ``gpu.py`` runs the same steps per pixel):

1. inputs: the static layers (region and part masks, eye coordinates) and the seeded detail
   fields of ``noise.py``, all 8-bit at the layer resolution (512);
2. ``compose``: per texel, melanin and hemoglobin slider values from the parameters, the region
   masks and the noise go through the spectral skin LUT (bilinear); hair, moles, makeup, eyes,
   teeth, tongue and mouth cavity are mixed over it in linear RGB; the result is sRGB encoded;
3. at the output size: bilinear upsampling of the composed texture, then fine pores from a
   fixed tileable pattern (one pore texel per texel of a 2048 texture) darken the skin.

The texture is in the head's UV layout, top row first (``OffscreenRenderer.set_albedo_map``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping

import numpy as np

from faceeditor.albedo import noise
from faceeditor.albedo.layers import Layers, load_layers
from faceeditor.albedo.spectral import skin_lut
from faceeditor.model.spec import ALBEDO_PARAMS

LUT_SIZE = 64
EXPORT_SIZES = (512, 1024, 2048, 4096)
PORE_DEPTH = 0.10  # darkening at a pore centre for pores = 1
SEED_COUNT = 100_000

#: Linear-RGB colours (converted from sRGB once).
SCLERA_SRGB = (0.86, 0.83, 0.79)
SCLERA_VEINS_SRGB = (0.80, 0.45, 0.42)
IRIS_STOPS_SRGB = ((0.30, 0.45, 0.62), (0.42, 0.48, 0.30), (0.45, 0.30, 0.14), (0.16, 0.09, 0.05))
PUPIL_SRGB = (0.02, 0.02, 0.02)
TONGUE_SRGB = (0.72, 0.36, 0.38)
TEETH_SRGB = (0.93, 0.91, 0.86)
TEETH_YELLOW_SRGB = (0.85, 0.76, 0.55)
CAVITY_SRGB = (0.22, 0.05, 0.05)
EYELINER_SRGB = (0.03, 0.025, 0.025)
MOLE_TINT = (0.35, 0.25, 0.2)  # multiplies the skin colour under a mole
BLUSH_LIGHTNESS = 0.7
BROW_TINT = 0.45       # eyebrow colour mixed in at the layer resolution (under the strands)
STRAND_OPACITY = 0.9   # eyebrow hair strands at full resolution


def srgb_to_linear(c):
    c = np.asarray(c, np.float32)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(c):
    c = np.clip(np.asarray(c, np.float32), 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055).astype(np.float32)


def hue_colour(hue: float, lightness: float) -> np.ndarray:
    """(3,) linear RGB of a saturated colour: hue 0..1 (0 = red), lightness 0..1."""
    rgb = np.clip(np.abs(np.mod(hue + np.array([0.0, 2 / 3, 1 / 3]), 1.0) * 6 - 3) - 1, 0, 1)
    return srgb_to_linear(rgb * (0.25 + 0.7 * lightness))


@dataclasses.dataclass(frozen=True)
class AlbedoValues:
    """Every albedo parameter, resolved (defaults filled in): ``values[name]`` in [0, 1]."""

    values: dict[str, float]

    @classmethod
    def from_params(cls, params: Mapping[str, float] | None) -> AlbedoValues:
        values = {name: spec[2] for name, spec in ALBEDO_PARAMS.items()}
        for name, value in (params or {}).items():
            if name in values:
                values[name] = float(np.clip(float(value), 0.0, 1.0))
        return cls(values)

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    @property
    def seed(self) -> int:
        return int(round(self.values["skin_pattern"] * (SEED_COUNT - 1)))


@dataclasses.dataclass(frozen=True)
class ComposeInputs:
    """Everything ``compose`` reads per texel.

    Attributes:
        channels: (R, R, C) uint8: the layer masks (``mask_names``) then the seeded fields
            (``noise.FIELD_NAMES``).
        names: C channel names.
    """

    channels: np.ndarray
    names: tuple[str, ...]

    def get(self, name: str) -> np.ndarray:
        return self.channels[..., self.names.index(name)].astype(np.float32) * np.float32(1 / 255)


def compose_inputs(values: AlbedoValues, layers: Layers | None = None) -> ComposeInputs:
    layers = load_layers() if layers is None else layers
    fields = noise.seeded_fields(layers, values.seed).values
    return ComposeInputs(np.concatenate([layers.masks, fields], -1),
                         layers.mask_names + noise.FIELD_NAMES)


def lut_lookup(lut: np.ndarray, melanin: np.ndarray, hemoglobin: np.ndarray) -> np.ndarray:
    """(..., 3) bilinear lookup of the (N, N, 3) LUT at slider values in [0, 1] (as GL does
    with texel centres at (i + 0.5) / N and clamp to edge)."""
    n = lut.shape[0]
    x = np.clip(melanin, 0, 1) * (n - 1)
    y = np.clip(hemoglobin, 0, 1) * (n - 1)
    x0 = np.minimum(x.astype(np.int32), n - 2)
    y0 = np.minimum(y.astype(np.int32), n - 2)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    return ((lut[x0, y0] * (1 - fx) + lut[x0 + 1, y0] * fx) * (1 - fy)
            + (lut[x0, y0 + 1] * (1 - fx) + lut[x0 + 1, y0 + 1] * fx) * fy)


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def mix(a, b, t):
    return a + (b - a) * t


def hair_colour(values: AlbedoValues) -> np.ndarray:
    """(3,) linear RGB of eyebrow/stubble hair from its melanin and redness."""
    darkness = 0.4 + 5.5 * values["hair_melanin"]
    absorb = np.array([0.55, 0.85, 1.25], np.float32) - values["hair_redness"] * np.array(
        [0.35, 0.1, -0.1], np.float32)
    return (0.55 * np.exp(-darkness * absorb)).astype(np.float32)


def iris_colour(values: AlbedoValues) -> np.ndarray:
    """(3,) linear RGB along the blue -> green -> brown -> dark brown stops."""
    stops = srgb_to_linear(IRIS_STOPS_SRGB)
    x = values["iris_melanin"] * (len(stops) - 1)
    i = min(int(x), len(stops) - 2)
    return mix(stops[i], stops[i + 1], np.float32(x - i))


def compose(inputs: ComposeInputs, values: AlbedoValues
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per texel: (..., 3) float32 sRGB in [0, 1], (...) float32 skin weight (for pores) and
    (...) float32 eyebrow cover (for the hair strands)."""
    g = inputs.get
    v = values
    eyeball, tongue, teeth, cavity = g("eyeball"), g("tongue"), g("teeth"), g("cavity")
    lips, cheeks, nose = g("lips"), g("cheeks"), g("nose_tip")
    blotch = g("blotch") - 0.5
    freckle = g("freckle")    # soft spots already placed where they belong (noise.py)
    age_spot = g("age_spot")
    melanin = (v["skin_melanin"] * (1 + 0.5 * v["skin_blotchiness"] * blotch + 0.2 * lips
                                    + 0.25 * g("eye_sockets"))
               + 0.3 * v["freckles"] * freckle + 0.18 * v["age_spots"] * age_spot)
    hemoglobin = (v["skin_hemoglobin"] * (1 - 0.6 * v["skin_blotchiness"] * blotch)
                  + v["skin_redness"] * (0.3 * cheeks + 0.3 * nose + 0.2 * g("ears"))
                  + lips * (0.4 + 0.8 * v["lip_redness"]))
    colour = lut_lookup(skin_lut(LUT_SIZE), melanin, hemoglobin)
    mole = np.clip(g("mole") * (2.5 * v["moles"]) - 0.4, 0, 1)[..., None]
    colour = mix(colour, colour * np.float32(MOLE_TINT), mole)
    hair = hair_colour(v)
    grain = g("hair")
    brow = np.clip(g("brows") * v["eyebrow_density"] * (0.55 + 0.6 * grain), 0, 1)[..., None]
    colour = mix(colour, hair, BROW_TINT * brow)  # strands are drawn at full size (finish)
    stubble = (g("beard") * v["beard_shadow"] * (0.5 + 0.5 * grain))[..., None]
    colour = mix(colour, hair * 0.8 + colour * 0.2, 0.55 * stubble)
    colour = mix(colour, hue_colour(v["lipstick_hue"], v["lipstick_lightness"]),
                 (lips * v["lipstick_opacity"])[..., None])
    colour = mix(colour, hue_colour(v["blush_hue"], BLUSH_LIGHTNESS), (0.5 * cheeks * v["blush_opacity"])[..., None])
    colour = mix(colour, hue_colour(v["eyeshadow_hue"], v["eyeshadow_lightness"]),
                 (g("eyelids") * v["eyeshadow_opacity"])[..., None])
    colour = mix(colour, srgb_to_linear(EYELINER_SRGB), (g("eyeliner") * v["eyeliner_opacity"])[..., None])
    colour = mix(colour, _eye_colour(inputs, v), eyeball[..., None])
    colour = mix(colour, srgb_to_linear(TONGUE_SRGB), tongue[..., None])
    teeth_rgb = mix(srgb_to_linear(TEETH_SRGB), srgb_to_linear(TEETH_YELLOW_SRGB),
                    np.float32(v["teeth_yellowness"]))
    colour = mix(colour, teeth_rgb, teeth[..., None])
    colour = mix(colour, srgb_to_linear(CAVITY_SRGB), cavity[..., None])
    skin = np.clip(1 - eyeball - tongue - teeth - cavity, 0, 1) * (1 - lips)
    return linear_to_srgb(colour), skin.astype(np.float32), brow[..., 0].astype(np.float32)


def _eye_colour(inputs: ComposeInputs, v: AlbedoValues) -> np.ndarray:
    t = inputs.get("eye_theta") * 4
    fibres = inputs.get("iris") - 0.5
    iris = iris_colour(v) * (1 + 1.6 * v["iris_pattern"] * fibres)[..., None]
    iris = iris * (1 - 0.6 * smoothstep(0.75, 1.0, t))[..., None]  # limbal ring
    pupil_radius = 0.25 + 0.35 * v["pupil_size"]
    sclera = mix(srgb_to_linear(SCLERA_SRGB), srgb_to_linear(SCLERA_VEINS_SRGB),
                 (v["sclera_redness"] * smoothstep(1.6, 3.2, t))[..., None])
    eye = mix(srgb_to_linear(PUPIL_SRGB), iris, smoothstep(pupil_radius - 0.05,
                                                           pupil_radius + 0.05, t)[..., None])
    return mix(eye, sclera, smoothstep(0.97, 1.08, t)[..., None])


@functools.lru_cache(maxsize=4)
def pore_pattern(size: int, tile_name: str = "pore") -> np.ndarray:
    """(size, size) float32 ``noise.<tile_name>_tile()`` sampled bilinearly (wrapping,
    ``noise.PORE_REPEAT`` times across) at the output texel centres; row 0 = v 0."""
    tile = {"pore": noise.pore_tile, "strand": noise.strand_tile}[tile_name]()
    n = tile.shape[0]
    coords = ((np.arange(size) + 0.5) / size * noise.PORE_REPEAT * n - 0.5).astype(np.float64)
    i0 = np.floor(coords).astype(np.int64)
    f = (coords - i0).astype(np.float32)
    a, b = i0 % n, (i0 + 1) % n
    rows = tile[a] * (1 - f)[:, None] + tile[b] * f[:, None]
    out = rows[:, a] * (1 - f)[None, :] + rows[:, b] * f[None, :]
    out.setflags(write=False)
    return out


def pore_strength(values: AlbedoValues, size: int) -> float:
    """Pore darkening at ``size``: full from 2048 up, fading on smaller (preview) textures."""
    return PORE_DEPTH * values["pores"] * min(size / 2048.0, 1.0)


def compose_texture(values: AlbedoValues, layers: Layers | None = None) -> np.ndarray:
    """(R, R, 5) float32 at the layer resolution: sRGB colour, skin weight (for pores) and
    eyebrow cover (for hair strands).

    Only the ``active`` texels (UV islands plus a margin) are composed; the others get the flat
    base skin colour, as in the GLSL path.
    """
    layers = load_layers() if layers is None else layers
    inputs = compose_inputs(values, layers)
    active = _active_texels(layers)
    srgb, skin, brow = compose(ComposeInputs(inputs.channels[active], inputs.names), values)
    base = base_skin_srgb(values)
    texture = np.zeros(layers.masks.shape[:2] + (5,), np.float32)
    texture[..., :3] = base
    texture[..., 3] = 1.0
    texture[active] = np.concatenate([srgb, skin[:, None], brow[:, None]], 1)
    return texture


def base_skin_srgb(values: AlbedoValues) -> np.ndarray:
    """(3,) sRGB of the plain skin colour (used outside the UV islands)."""
    return linear_to_srgb(lut_lookup(skin_lut(LUT_SIZE), np.float32(values["skin_melanin"]),
                                     np.float32(values["skin_hemoglobin"])))


@functools.lru_cache(maxsize=2)
def _active_texels(layers: Layers) -> np.ndarray:
    return layers.mask("active") > 0.5


def finish(texture: np.ndarray, size: int, pore_depth: float, hair_srgb: np.ndarray) -> np.ndarray:
    """(R, R, 5) composed texture (row 0 = v 0) -> (size, size, 3) uint8 sRGB, top row first.

    8-bit resampling with Pillow (bilinear upsampling with texel centres aligned, as GL samples;
    box filter when smaller), then, in 8.8 fixed point, pores darken the skin
    (``rgb * (1 - pore_depth * pore * skin)``) and eyebrow strands are drawn over it
    (``mix(rgb, hair, STRAND_OPACITY * strand * brow)``).
    """
    from PIL import Image

    quantised = np.round(np.clip(texture[::-1], 0, 1) * 255).astype(np.uint8)
    rgbx = np.ascontiguousarray(quantised[..., :4])
    # RGBX, not RGBA: Pillow premultiplies RGBA by alpha when resampling; X is our skin weight
    image = Image.frombuffer("RGBX", rgbx.shape[1::-1], rgbx, "raw", "RGBX", 0, 1)
    brow = Image.fromarray(np.ascontiguousarray(quantised[..., 4]), "L")
    if size != texture.shape[0]:
        method = Image.Resampling.BILINEAR if size > texture.shape[0] else Image.Resampling.BOX
        image, brow = image.resize((size, size), method), brow.resize((size, size), method)
    pixels = np.asarray(image)
    depth = np.uint16(round(pore_depth * 256))
    pore_skin = (_pattern_top_first(size, "pore") * pixels[..., 3].astype(np.uint16)) >> 8
    shade = np.uint16(256) - ((pore_skin * depth) >> 8)
    rgb = (pixels[..., :3] * shade[..., None]) >> 8
    rows, cols = np.nonzero(np.asarray(brow))
    if len(rows):  # strands only where the eyebrows are (a few percent of the texture)
        box = np.s_[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
        cover = (_pattern_top_first(size, "strand")[box] * np.asarray(brow, np.uint16)[box]) >> 8
        weight = ((cover * np.uint16(round(STRAND_OPACITY * 256))) >> 8)[..., None]
        hair = np.round(np.asarray(hair_srgb) * 255).astype(np.uint16)
        rgb[box] = (rgb[box] * (np.uint16(256) - weight) + hair * weight) >> 8
    return rgb.astype(np.uint8)


@functools.lru_cache(maxsize=8)
def _pattern_top_first(size: int, tile_name: str) -> np.ndarray:
    """(size, size) uint16 detail pattern 0..255, top row first."""
    return np.round(pore_pattern(size, tile_name)[::-1] * 255).astype(np.uint16)


def albedo(params: Mapping[str, float] | None = None, size: int = 2048) -> np.ndarray:
    """(size, size, 3) uint8 sRGB albedo texture in the head's UV layout, top row first.

    ``params`` is any {name: value} of the model's parameters; only the albedo ones (see
    ``faceeditor.model.spec.ALBEDO_PARAMS``) are read, missing ones take their defaults.
    """
    if not isinstance(size, (int, np.integer)) or size < 16 or size > 8192:
        raise ValueError(f"albedo size must be an integer in [16, 8192], got {size!r}")
    values = AlbedoValues.from_params(params)
    return finish(compose_texture(values), int(size), pore_strength(values, int(size)),
                  linear_to_srgb(hair_colour(values)))
