"""How fast is the StyleGAN2 albedo generator? One UV albedo at 256, 512 and 1024 px.

Random weights of the real architecture: ``Generator(1024, 512, 8, channel_multiplier=2)``
for 1024 (AlbedoGAN's), and the same style dimension and mapping depth for 256 and 512. Each row
times W -> image (``synthesis``, constant noise, batch 1, float32) on the device the app would
use (CUDA when available, else the CPU), plus the CPU preview path (the 1024 generator stopped
at 64 ... 512 px; the app drags at ``albedogan.PREVIEW_SIZE``). The reference in the same run is a plain 3x3 convolution on the same device:
the generator's multiply-adds divided by its time, against that convolution's rate, say how
close the generator runs to what the device does for dense convolutions.

Run: ``.venv/bin/python benchmarks/albedo_gan_speed.py [--repeats N] [--device cpu|cuda]``.
The goal on an H100 is <= 30 ms per 1024 x 1024 albedo.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch.nn import functional as F

from faceeditor.backends.base import select_device
from faceeditor.backends.stylegan2 import Generator

H100_GOAL_MS = 30.0


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timings(function, repeats: int, device: torch.device, warmup: int = 1) -> np.ndarray:
    """(repeats,) seconds of successive calls of ``function()``."""
    for _ in range(warmup):
        function()
    synchronize(device)
    result = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        function()
        synchronize(device)
        result[i] = time.perf_counter() - start
    return result


def synthesis_macs(generator: Generator, max_size: int | None = None) -> float:
    """Multiply-adds of the convolutions of one ``synthesis`` call (the bulk of the work)."""
    channels = generator.config.channels
    total = 9 * channels[4] ** 2 * 16 + 3 * channels[4] * 16  # conv1 + to_rgb1
    previous = channels[4]
    for res in sorted(channels)[1:]:
        if max_size is not None and res > max_size:
            break
        c = channels[res]
        # transposed 3x3 conv at the input resolution, 3x3 conv, toRGB
        total += 9 * previous * c * (res // 2) ** 2 + 9 * c * c * res ** 2 + 3 * c * res ** 2
        previous = c
    return float(total)


def reference_rate(device: torch.device, repeats: int) -> float:
    """Multiply-adds per second of a dense 3x3 convolution, 128 -> 128 channels at 128 px."""
    x = torch.randn(1, 128, 128, 128, device=device)
    weight = torch.randn(128, 128, 3, 3, device=device)
    with torch.no_grad():
        t = timings(lambda: F.conv2d(x, weight, padding=1), repeats, device)
    return 9 * 128 * 128 * 128 * 128 / float(np.median(t))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default=None, help="default: cuda when available, else cpu")
    args = parser.parse_args()
    device = select_device(args.device)
    torch.manual_seed(0)
    generators = {size: Generator(size, 512, 8, channel_multiplier=2).to(device).eval()
                  .requires_grad_(False) for size in (256, 512, 1024)}
    w = generators[1024].mapping(torch.randn(1, 512, device=device))

    rows = []
    with torch.no_grad():
        for size, generator in generators.items():
            t = timings(lambda g=generator: g.synthesis(w), args.repeats, device)
            rows.append((f"{size} px generator, full", t, synthesis_macs(generator)))
        for preview in (64, 128, 256, 512):
            g = generators[1024]
            t = timings(lambda: g.synthesis(w, max_size=preview), args.repeats, device)
            rows.append((f"1024 px generator, preview stop at {preview}", t,
                         synthesis_macs(g, preview)))
        t_map = timings(lambda: generators[1024].mapping(torch.randn(1, 512, device=device)),
                        args.repeats * 4, device)
    rate = reference_rate(device, args.repeats * 4)

    name = torch.cuda.get_device_name(device) if device.type == "cuda" else \
        f"CPU, {torch.get_num_threads()} torch threads"
    print(f"device: {name}; float32, batch 1, constant noise; median of {args.repeats}")
    print(f"{'albedo (W -> UV image)':42s} {'median ms':>10s} {'min ms':>10s} {'GMAC':>7s} "
          f"{'% of ref rate':>13s}")
    for label, t, macs in rows:
        achieved = macs / float(np.median(t))
        print(f"{label:42s} {np.median(t) * 1e3:10.1f} {t.min() * 1e3:10.1f} {macs / 1e9:7.1f} "
              f"{100 * achieved / rate:12.0f}%")
    print(f"{'mapping network (z -> W)':42s} {np.median(t_map) * 1e3:10.2f}")
    print(f"reference: dense 3x3 conv 128->128 @128 px: {rate / 1e9:.1f} GMAC/s")
    if device.type == "cuda" and "H100" in name:
        full = float(np.median(rows[2][1])) * 1e3
        verdict = "meets" if full <= H100_GOAL_MS else "misses"
        print(f"H100 goal <= {H100_GOAL_MS:.0f} ms per 1024 px albedo: {full:.1f} ms ({verdict})")
    else:
        print(f"H100 goal (<= {H100_GOAL_MS:.0f} ms per 1024 px albedo): not measured here "
              "(no H100 on this machine)")


if __name__ == "__main__":
    main()
