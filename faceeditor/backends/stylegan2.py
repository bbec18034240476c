"""StyleGAN2 (Karras et al. 2020), written here, with rosinality's parameter names.

The modules reproduce the state-dict layout of rosinality's ``stylegan2-pytorch``
``Generator(size, style_dim, n_mlp, channel_multiplier)`` exactly, so a checkpoint's ``g_ema``
(or ``g``) loads with strict key checks. Conventions that the weights depend on:

* equalised learning rate: a linear layer stores ``weight / lr_mul`` and multiplies by
  ``lr_mul / sqrt(fan_in)`` at run time; its bias is multiplied by ``lr_mul``;
  the mapping network uses ``lr_mul = 0.01``;
* modulated convolution: ``weight (1, out, in, k, k) * style (in)`` scaled by ``1/sqrt(in k k)``,
  demodulated per output channel (not for toRGB);
* upsampling convolutions: a stride-2 transposed convolution followed by a [1, 3, 3, 1] blur;
  the RGB skip path is upsampled with the same filter;
* noise: ``x + weight * noise`` before bias + leaky ReLU(0.2) * sqrt(2); the stored
  ``noises.noise_i`` buffers are the constant noise;
* truncation: ``w = latent_avg + psi * (w - latent_avg)``.

NVlabs stylegan2-ada-pytorch snapshots use the same maths with other names;
``convert_nvlabs_state`` renames their ``G_ema`` tensors to these modules.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping

import torch
from torch import nn
from torch.nn import functional as F

BLUR_KERNEL = (1.0, 3.0, 3.0, 1.0)
MAPPING_LR_MUL = 0.01
NOISE_MODES = ("const", "random", "none")


class CheckpointFormatError(ValueError):
    """A checkpoint whose tensors do not form a StyleGAN2 generator."""


def default_channels(size: int, channel_multiplier: int = 2) -> dict[int, int]:
    """Feature maps per resolution of rosinality's generator: {4: 512, ..., 1024: 16 * cm}."""
    table = {4: 512, 8: 512, 16: 512, 32: 512, 64: 256 * channel_multiplier,
             128: 128 * channel_multiplier, 256: 64 * channel_multiplier,
             512: 32 * channel_multiplier, 1024: 16 * channel_multiplier}
    return {res: ch for res, ch in table.items() if res <= size}


def make_kernel(taps=BLUR_KERNEL) -> torch.Tensor:
    """(K, K) separable FIR filter from 1-D taps, normalised to sum 1."""
    kernel = torch.tensor(taps, dtype=torch.float32)
    kernel = kernel[None, :] * kernel[:, None]
    return kernel / kernel.sum()


def upfirdn2d(x: torch.Tensor, kernel: torch.Tensor, up: int = 1, pad: tuple[int, int] = (0, 0)
              ) -> torch.Tensor:
    """Upsample by zero insertion, pad, and filter each channel.

    Args:
        x: (B, C, H, W).
        kernel: (K, K) filter (applied as a convolution, i.e. flipped).
        up: integer upsampling factor.
        pad: (before, after) padding of both spatial axes, after upsampling.
    Returns:
        (B, C, H * up + before + after - K + 1, W * up + ...).
    """
    batch, channels, height, width = x.shape
    if up > 1:
        x = x.reshape(batch, channels, height, 1, width, 1)
        x = F.pad(x, (0, up - 1, 0, 0, 0, up - 1))
        x = x.reshape(batch, channels, height * up, width * up)
    x = F.pad(x, (pad[0], pad[1], pad[0], pad[1]))
    weight = torch.flip(kernel, (0, 1)).to(x.dtype)[None, None].expand(channels, 1, -1, -1)
    return F.conv2d(x, weight, groups=channels)


class PixelNorm(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(torch.mean(x * x, dim=1, keepdim=True) + 1e-8)


class EqualLinear(nn.Module):
    """Linear layer with equalised learning rate; ``activate`` adds leaky ReLU * sqrt(2)."""

    def __init__(self, in_dim: int, out_dim: int, bias_init: float = 0.0, lr_mul: float = 1.0,
                 activate: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_dim,), float(bias_init)))
        self.scale = lr_mul / math.sqrt(in_dim)
        self.lr_mul = lr_mul
        self.activate = activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.activate:
            out = F.linear(x, self.weight * self.scale)
            return F.leaky_relu(out + self.bias * self.lr_mul, 0.2) * math.sqrt(2.0)
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


class ConstantInput(nn.Module):
    def __init__(self, channels: int, size: int = 4):
        super().__init__()
        self.input = nn.Parameter(torch.randn(1, channels, size, size))

    def forward(self, batch: int) -> torch.Tensor:
        return self.input.expand(batch, -1, -1, -1)


class Blur(nn.Module):
    """The FIR filter after a transposed convolution (gain ``factor**2`` keeps the level)."""

    def __init__(self, pad: tuple[int, int], upsample_factor: int = 1):
        super().__init__()
        self.register_buffer("kernel", make_kernel() * upsample_factor ** 2)
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, pad=self.pad)


class Upsample(nn.Module):
    """2x FIR upsampling of the RGB skip path."""

    def __init__(self, factor: int = 2):
        super().__init__()
        self.register_buffer("kernel", make_kernel() * factor ** 2)
        self.factor = factor
        taps = len(BLUR_KERNEL)
        self.pad = ((taps - factor + 1) // 2 + factor - 1, (taps - factor) // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return upfirdn2d(x, self.kernel, up=self.factor, pad=self.pad)


class ModulatedConv2d(nn.Module):
    """Convolution whose input channels are scaled by a style, optionally demodulated."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, style_dim: int,
                 demodulate: bool = True, upsample: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, out_channels, in_channels, kernel_size,
                                               kernel_size))
        self.modulation = EqualLinear(style_dim, in_channels, bias_init=1.0)
        self.scale = 1.0 / math.sqrt(in_channels * kernel_size ** 2)
        self.padding = kernel_size // 2
        self.demodulate = demodulate
        self.upsample = upsample
        if upsample:
            factor, taps = 2, len(BLUR_KERNEL)
            p = (taps - factor) - (kernel_size - 1)
            self.blur = Blur(pad=((p + 1) // 2 + factor - 1, p // 2 + 1), upsample_factor=factor)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """x: (B, in, H, W); style: (B, style_dim) -> (B, out, H', W')."""
        batch, in_channels, height, width = x.shape
        _, out_channels, _, k, _ = self.weight.shape
        weight = self.scale * self.weight * self.modulation(style).view(batch, 1, in_channels, 1, 1)
        if self.demodulate:
            demod = torch.rsqrt(weight.pow(2).sum((2, 3, 4)) + 1e-8)
            weight = weight * demod.view(batch, out_channels, 1, 1, 1)
        x = x.reshape(1, batch * in_channels, height, width)
        if self.upsample:
            weight = weight.transpose(1, 2).reshape(batch * in_channels, out_channels, k, k)
            out = F.conv_transpose2d(x, weight, padding=0, stride=2, groups=batch)
            out = self.blur(out.view(batch, out_channels, *out.shape[2:]))
            return out
        weight = weight.reshape(batch * out_channels, in_channels, k, k)
        out = F.conv2d(x, weight, padding=self.padding, groups=batch)
        return out.view(batch, out_channels, *out.shape[2:])


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        return x if noise is None else x + self.weight * noise


class FusedLeakyReLU(nn.Module):
    """Bias, leaky ReLU(0.2), gain sqrt(2); optional clamp (NVlabs ``conv_clamp``)."""

    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))
        self.clamp: float | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.leaky_relu(x + self.bias.view(1, -1, 1, 1), 0.2) * math.sqrt(2.0)
        return out if self.clamp is None else out.clamp(-self.clamp, self.clamp)


class StyledConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, style_dim: int,
                 upsample: bool = False):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, kernel_size, style_dim,
                                    upsample=upsample)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_channels)

    def forward(self, x: torch.Tensor, style: torch.Tensor, noise: torch.Tensor | None
                ) -> torch.Tensor:
        return self.activate(self.noise(self.conv(x, style), noise))


class ToRGB(nn.Module):
    def __init__(self, in_channels: int, style_dim: int, upsample: bool = True):
        super().__init__()
        if upsample:
            self.upsample = Upsample()
        self.conv = ModulatedConv2d(in_channels, 3, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, 3, 1, 1))
        self.clamp: float | None = None

    def forward(self, x: torch.Tensor, style: torch.Tensor, skip: torch.Tensor | None
                ) -> torch.Tensor:
        out = self.conv(x, style) + self.bias
        if self.clamp is not None:
            out = out.clamp(-self.clamp, self.clamp)
        return out if skip is None else out + self.upsample(skip)


@dataclasses.dataclass(frozen=True)
class GeneratorConfig:
    """What the constructor needs; ``channels`` maps resolution -> feature maps."""

    size: int
    style_dim: int
    n_mlp: int
    channels: Mapping[int, int]
    lr_mlp: float = MAPPING_LR_MUL


class Generator(nn.Module):
    """StyleGAN2 generator with rosinality's module names (skip architecture, 3x3 convs).

    ``Generator(1024, 512, 8, channel_multiplier=2)`` is the FFHQ / AlbedoGAN configuration;
    ``channels`` overrides the per-resolution feature maps (small test models, NVlabs configs).
    """

    def __init__(self, size: int, style_dim: int, n_mlp: int, channel_multiplier: int = 2,
                 lr_mlp: float = MAPPING_LR_MUL, channels: Mapping[int, int] | None = None):
        super().__init__()
        log_size = int(math.log2(size))
        if size < 8 or 2 ** log_size != size:
            raise CheckpointFormatError(f"generator size must be a power of two >= 8, got {size}")
        channels = dict(channels or default_channels(size, channel_multiplier))
        self.config = GeneratorConfig(size, style_dim, n_mlp, channels, lr_mlp)
        self.size, self.style_dim, self.log_size = size, style_dim, log_size
        self.style = nn.Sequential(PixelNorm(), *[
            EqualLinear(style_dim, style_dim, lr_mul=lr_mlp, activate=True) for _ in range(n_mlp)])
        self.input = ConstantInput(channels[4])
        self.conv1 = StyledConv(channels[4], channels[4], 3, style_dim)
        self.to_rgb1 = ToRGB(channels[4], style_dim, upsample=False)
        self.num_layers = (log_size - 2) * 2 + 1
        self.n_latent = log_size * 2 - 2
        self.convs, self.to_rgbs = nn.ModuleList(), nn.ModuleList()
        self.noises = nn.Module()
        for index in range(self.num_layers):
            res = 2 ** ((index + 5) // 2)
            self.noises.register_buffer(f"noise_{index}", torch.randn(1, 1, res, res))
        in_channels = channels[4]
        for level in range(3, log_size + 1):
            out_channels = channels[2 ** level]
            self.convs.append(StyledConv(in_channels, out_channels, 3, style_dim, upsample=True))
            self.convs.append(StyledConv(out_channels, out_channels, 3, style_dim))
            self.to_rgbs.append(ToRGB(out_channels, style_dim))
            in_channels = out_channels

    def set_conv_clamp(self, clamp: float | None) -> None:
        """Clamp activations like NVlabs' ``conv_clamp`` (None: no clamp, rosinality)."""
        for module in self.modules():
            if isinstance(module, (FusedLeakyReLU, ToRGB)):  # after the gain, as NVlabs does
                module.clamp = clamp

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        """(B, style_dim) Gaussian z -> (B, style_dim) w."""
        return self.style(z)

    @torch.no_grad()
    def mean_latent(self, count: int = 4096, seed: int = 0) -> torch.Tensor:
        """(style_dim,) mean w of ``count`` seeded z draws (when a checkpoint has no latent_avg)."""
        generator = torch.Generator().manual_seed(seed)
        z = torch.randn(count, self.style_dim, generator=generator).to(self.input.input)
        return self.mapping(z).mean(0)

    def _noise(self, mode: str, generator: torch.Generator | None) -> list[torch.Tensor | None]:
        if mode not in NOISE_MODES:
            raise ValueError(f"noise mode must be one of {NOISE_MODES}, got {mode!r}")
        buffers = [getattr(self.noises, f"noise_{i}") for i in range(self.num_layers)]
        if mode == "none":
            return [None] * self.num_layers
        if mode == "random":
            return [torch.randn(b.shape, generator=generator).to(b) for b in buffers]
        return buffers

    def synthesis(self, w: torch.Tensor, noise_mode: str = "const",
                  generator: torch.Generator | None = None, max_size: int | None = None
                  ) -> torch.Tensor:
        """w (B, style_dim) or per-layer (B, n_latent, style_dim) -> (B, 3, R, R) image, about
        [-1, 1]; R = ``size``, or with ``max_size`` the first level of at least that size.

        Stopping early is the cheap preview: in the skip architecture the RGB sum at a lower
        level is the image without the finer levels' detail (compute drops ~4x per level).
        """
        if w.ndim == 2:
            w = w[:, None].expand(-1, self.n_latent, -1)
        noise = self._noise(noise_mode, generator)
        x = self.conv1(self.input(w.shape[0]), w[:, 0], noise[0])
        skip = self.to_rgb1(x, w[:, 1], None)
        layer = 1
        for n, (up_conv, conv, to_rgb) in enumerate(
                zip(self.convs[::2], self.convs[1::2], self.to_rgbs)):
            if max_size is not None and skip.shape[-1] >= max_size:
                break
            x = up_conv(x, w[:, layer], noise[2 * n + 1])
            x = conv(x, w[:, layer + 1], noise[2 * n + 2])
            skip = to_rgb(x, w[:, layer + 2], skip)
            layer += 2
        return skip

    def forward(self, z: torch.Tensor, truncation: float = 1.0,
                truncation_latent: torch.Tensor | None = None, noise_mode: str = "const"
                ) -> torch.Tensor:
        """(B, style_dim) z -> (B, 3, size, size) image."""
        w = self.mapping(z)
        if truncation != 1.0:
            if truncation_latent is None:
                raise ValueError("truncation needs truncation_latent (the mean w)")
            w = truncation_latent + truncation * (w - truncation_latent)
        return self.synthesis(w, noise_mode)


# -- building from checkpoints ------------------------------------------------------------

def config_from_state(state: Mapping[str, torch.Tensor], lr_mlp: float = MAPPING_LR_MUL
                      ) -> GeneratorConfig:
    """Size, style dimension, mapping depth and channels implied by a rosinality state dict."""
    try:
        n_mlp = sum(1 for key in state if re.fullmatch(r"style\.\d+\.weight", key))
        style_dim = int(state["style.1.weight"].shape[1])
        channels = {4: int(state["input.input"].shape[1])}
        level = 3
        while f"convs.{2 * (level - 3)}.conv.weight" in state:
            channels[2 ** level] = int(state[f"convs.{2 * (level - 3)}.conv.weight"].shape[1])
            level += 1
    except (KeyError, IndexError, AttributeError) as error:
        raise CheckpointFormatError(f"not a StyleGAN2 generator state (missing {error})") from None
    if n_mlp == 0 or level == 3:
        raise CheckpointFormatError("not a StyleGAN2 generator state (no mapping or no layers)")
    return GeneratorConfig(2 ** (level - 1), style_dim, n_mlp, channels, lr_mlp)


def generator_from_state(state: Mapping[str, torch.Tensor]) -> Generator:
    """A ``Generator`` holding ``state`` (rosinality names), loaded with strict key checks."""
    config = config_from_state(state)
    generator = Generator(config.size, config.style_dim, config.n_mlp, lr_mlp=config.lr_mlp,
                          channels=config.channels)
    try:
        generator.load_state_dict(dict(state), strict=True)
    except RuntimeError as error:
        first = str(error).splitlines()[0:2]
        raise CheckpointFormatError(f"generator weights do not match the architecture: "
                                    f"{' '.join(first)}") from None
    return generator.eval().requires_grad_(False)


def convert_nvlabs_state(nv: Mapping[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor],
                                                                    torch.Tensor | None]:
    """NVlabs stylegan2-ada-pytorch ``G_ema`` tensors -> (rosinality state dict, w_avg).

    NVlabs names: ``mapping.fc{i}.weight/bias``, ``mapping.w_avg``, ``synthesis.b4.const``,
    ``synthesis.b{res}.conv0/conv1/torgb.{weight, bias, affine.weight, affine.bias,
    noise_strength, noise_const}``, ``synthesis.b{res}.resample_filter``. The weights use the
    same equalised-learning-rate storage as rosinality, so they copy over reshaped.
    """
    def get(name: str) -> torch.Tensor:
        if name not in nv:
            raise CheckpointFormatError(f"NVlabs generator lacks {name}")
        return nv[name].detach().float()

    if any(key.startswith("mapping.embed") for key in nv):
        raise CheckpointFormatError("conditional (class-label) StyleGAN2 generators are not "
                                    "supported")
    if any(re.fullmatch(r"synthesis\.b\d+\.skip\.weight", key) for key in nv):
        raise CheckpointFormatError("only the 'skip' generator architecture (StyleGAN2's "
                                    "default) is supported, not 'resnet'")
    state: dict[str, torch.Tensor] = {}
    fc = sorted(int(m.group(1)) for key in nv if (m := re.fullmatch(r"mapping\.fc(\d+)\.weight", key)))
    for i in fc:
        state[f"style.{i + 1}.weight"] = get(f"mapping.fc{i}.weight")
        state[f"style.{i + 1}.bias"] = get(f"mapping.fc{i}.bias")
    resolutions = sorted(int(m.group(1)) for key in nv
                         if (m := re.fullmatch(r"synthesis\.b(\d+)\.torgb\.weight", key)))
    if not fc or not resolutions or resolutions[0] != 4:
        raise CheckpointFormatError("not an NVlabs StyleGAN2 generator (no mapping.fc0 or "
                                    "synthesis.b4)")
    state["input.input"] = get("synthesis.b4.const")[None]

    def styled(dst: str, src: str, noise_index: int) -> None:
        state[f"{dst}.conv.weight"] = get(f"{src}.weight")[None]
        state[f"{dst}.conv.modulation.weight"] = get(f"{src}.affine.weight")
        state[f"{dst}.conv.modulation.bias"] = get(f"{src}.affine.bias")
        state[f"{dst}.noise.weight"] = get(f"{src}.noise_strength").reshape(1)
        state[f"{dst}.activate.bias"] = get(f"{src}.bias")
        noise = get(f"{src}.noise_const")
        state[f"noises.noise_{noise_index}"] = noise.reshape(1, 1, *noise.shape[-2:])

    def to_rgb(dst: str, src: str) -> None:
        state[f"{dst}.conv.weight"] = get(f"{src}.weight")[None]
        state[f"{dst}.conv.modulation.weight"] = get(f"{src}.affine.weight")
        state[f"{dst}.conv.modulation.bias"] = get(f"{src}.affine.bias")
        state[f"{dst}.bias"] = get(f"{src}.bias").reshape(1, 3, 1, 1)

    styled("conv1", "synthesis.b4.conv1", 0)
    to_rgb("to_rgb1", "synthesis.b4.torgb")
    kernel = make_kernel() * 4
    for n, res in enumerate(resolutions[1:]):
        block = f"synthesis.b{res}"
        styled(f"convs.{2 * n}", f"{block}.conv0", 2 * n + 1)
        styled(f"convs.{2 * n + 1}", f"{block}.conv1", 2 * n + 2)
        to_rgb(f"to_rgbs.{n}", f"{block}.torgb")
        state[f"convs.{2 * n}.conv.blur.kernel"] = kernel.clone()
        state[f"to_rgbs.{n}.upsample.kernel"] = kernel.clone()
    w_avg = nv.get("mapping.w_avg")
    return state, None if w_avg is None else w_avg.detach().float()
