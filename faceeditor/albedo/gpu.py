"""The albedo generator, GLSL path: the same texture drawn in UV space on the GPU (moderngl).

For the viewport: a slider change only rewrites uniforms and redraws one full-screen pass, so
it shows in the next frame; a new ``skin_pattern`` re-uploads the seeded fields (8-bit, at the
layer resolution). ``shaders/albedo.frag.glsl`` mirrors ``generator.compose`` step by step.

Usage::

    with GpuAlbedo(size=1024) as gpu:
        gpu.draw(params)          # into gpu.texture (RGBA8, row 0 = v 0), usable as a sampler
        image = gpu.read()        # (size, size, 3) uint8, top row first, like generator.albedo
"""

from __future__ import annotations

import contextlib
from importlib import resources
from collections.abc import Mapping
from types import TracebackType

import moderngl
import numpy as np

from faceeditor.albedo import generator, noise
from faceeditor.albedo.layers import Layers, load_layers
from faceeditor.albedo.spectral import skin_lut
from faceeditor.render.errors import ShaderError
from faceeditor.render.offscreen import create_headless_context
from faceeditor.render.program import set_uniform

SCALAR_UNIFORMS = (
    "skin_melanin", "skin_hemoglobin", "skin_redness", "skin_blotchiness", "freckles", "moles",
    "age_spots", "eyebrow_density", "beard_shadow", "lip_redness", "lipstick_opacity",
    "blush_opacity", "eyeshadow_opacity", "eyeliner_opacity", "iris_pattern", "pupil_size",
    "sclera_redness",
)


def _shader_source(name: str, defines: Mapping[str, str]) -> str:
    source = resources.files(__package__).joinpath("shaders", name).read_text(encoding="utf-8")
    first, newline, rest = source.partition("\n")
    lines = "".join(f"#define {key} {value}\n" for key, value in defines.items())
    return first + newline + lines + rest


class GpuAlbedo:
    """Draws albedo textures of ``size`` x ``size`` texels with OpenGL 3.3.

    Owns a headless EGL context unless ``ctx`` is given (then the caller keeps it current).
    """

    def __init__(self, size: int = 1024, ctx: moderngl.Context | None = None,
                 layers: Layers | None = None):
        self._owns_ctx = ctx is None
        self.ctx = create_headless_context() if ctx is None else ctx
        self.size = int(size)
        self.layers = load_layers() if layers is None else layers
        self._names = self.layers.mask_names + noise.FIELD_NAMES
        self._layer_count = -(-len(self._names) // 4)
        self._seed: int | None = None
        defines = {f"CH_{name}": f"ivec2({i // 4}, {i % 4})" for i, name in enumerate(self._names)}
        with self._current():
            try:
                self.program = self.ctx.program(
                    vertex_shader=_shader_source("albedo.vert.glsl", {}),
                    fragment_shader=_shader_source("albedo.frag.glsl", defines))
            except moderngl.Error as exc:
                raise ShaderError(f"albedo shader failed to build: {exc}") from exc
            res = self.layers.resolution
            self.inputs = self.ctx.texture_array((res, res, self._layer_count), 4, dtype="f1")
            self.inputs.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self.inputs.repeat_x = self.inputs.repeat_y = False
            lut = skin_lut(generator.LUT_SIZE)
            self.lut = self.ctx.texture(lut.shape[:2], 3,
                                        np.ascontiguousarray(lut.transpose(1, 0, 2)), dtype="f4")
            self.lut.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self.lut.repeat_x = self.lut.repeat_y = False
            self.pores = self._tile_texture(noise.pore_tile())
            self.strands = self._tile_texture(noise.strand_tile())
            self.texture = self.ctx.texture((self.size, self.size), 4)
            self.framebuffer = self.ctx.framebuffer([self.texture])
            self.vao = self.ctx.vertex_array(self.program, [])
            set_uniform(self.program, "u_inputs", 0)
            set_uniform(self.program, "u_lut", 1)
            set_uniform(self.program, "u_pores", 2)
            set_uniform(self.program, "u_strands", 3)
            set_uniform(self.program, "u_brow_tint", generator.BROW_TINT)
            set_uniform(self.program, "u_strand_opacity", generator.STRAND_OPACITY)
            set_uniform(self.program, "u_pore_repeat", float(noise.PORE_REPEAT))

    def _tile_texture(self, tile: np.ndarray) -> moderngl.Texture:
        """A repeating, linearly filtered 8-bit texture of a (N, N) [0, 1] tile."""
        pixels = np.ascontiguousarray(np.round(tile * 255).astype(np.uint8))
        texture = self.ctx.texture(tile.shape[::-1], 1, pixels)
        texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        return texture

    def _current(self) -> contextlib.AbstractContextManager[object]:
        return self.ctx if self._owns_ctx else contextlib.nullcontext()

    def _upload_inputs(self, seed: int) -> None:
        if seed == self._seed:
            return
        fields = noise.seeded_fields(self.layers, seed).values
        channels = np.concatenate([self.layers.masks, fields], -1)
        padded = np.zeros(channels.shape[:2] + (self._layer_count * 4,), np.uint8)
        padded[..., :channels.shape[2]] = channels
        res = channels.shape[0]
        layers = padded.reshape(res, res, self._layer_count, 4).transpose(2, 0, 1, 3)
        self.inputs.write(np.ascontiguousarray(layers))
        self._seed = seed

    def draw(self, params: Mapping[str, float] | None = None) -> moderngl.Texture:
        """Draw the albedo of ``params`` into ``self.texture`` and return it."""
        values = generator.AlbedoValues.from_params(params)
        with self._current():
            self._upload_inputs(values.seed)
            for name in SCALAR_UNIFORMS:
                set_uniform(self.program, f"u_{name}", float(values[name]))
            for name, colour in _colour_uniforms(values).items():
                set_uniform(self.program, f"u_{name}", tuple(float(c) for c in colour))
            set_uniform(self.program, "u_pore_depth",
                        float(generator.pore_strength(values, self.size)))
            previous = self.ctx.fbo
            self.framebuffer.use()
            self.ctx.disable(moderngl.DEPTH_TEST | moderngl.BLEND)
            self.inputs.use(0)
            self.lut.use(1)
            self.pores.use(2)
            self.strands.use(3)
            self.vao.render(moderngl.TRIANGLES, vertices=3)
            if previous is not None:
                previous.use()
        return self.texture

    def read(self) -> np.ndarray:
        """(size, size, 3) uint8 sRGB of the last draw, top row first."""
        with self._current():
            data = self.framebuffer.read(components=3, alignment=1)
        return np.frombuffer(data, np.uint8).reshape(self.size, self.size, 3)[::-1].copy()

    def close(self) -> None:
        with self._current():
            for obj in (self.vao, self.framebuffer, self.texture, self.pores, self.strands, self.lut,
                        self.inputs, self.program):
                obj.release()
        if self._owns_ctx:
            self.ctx.release()

    def __enter__(self) -> GpuAlbedo:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _colour_uniforms(values: generator.AlbedoValues) -> dict[str, np.ndarray]:
    """The colours the shader mixes, computed once on the CPU exactly as the numpy path."""
    g = generator
    lin = g.srgb_to_linear
    return {
        "hair": g.hair_colour(values),
        "lipstick": g.hue_colour(values["lipstick_hue"], values["lipstick_lightness"]),
        "blush": g.hue_colour(values["blush_hue"], g.BLUSH_LIGHTNESS),
        "eyeshadow": g.hue_colour(values["eyeshadow_hue"], values["eyeshadow_lightness"]),
        "eyeliner": lin(g.EYELINER_SRGB), "iris": g.iris_colour(values), "pupil": lin(g.PUPIL_SRGB),
        "sclera": lin(g.SCLERA_SRGB), "sclera_veins": lin(g.SCLERA_VEINS_SRGB),
        "tongue": lin(g.TONGUE_SRGB),
        "teeth": g.mix(lin(g.TEETH_SRGB), lin(g.TEETH_YELLOW_SRGB),
                       np.float32(values["teeth_yellowness"])),
        "cavity": lin(g.CAVITY_SRGB), "mole_tint": np.float32(g.MOLE_TINT),
        "base_srgb": g.base_skin_srgb(values),
        "hair_srgb": g.linear_to_srgb(g.hair_colour(values)),
    }
