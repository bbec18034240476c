"""Albedo export-path speed: ``albedo(params, size)`` at 1024/2048/4096, median of repeats.

Run: ``python benchmarks/albedo_speed.py``. "warm" repeats reuse the seeded detail fields of
the same ``skin_pattern`` (a slider change); "new seed" draws new fields each time (a new
person). References in the same run: one ``np.copy`` of the result (memory speed) and the GLSL
path (``GpuAlbedo.draw`` + ``read``, a slider change; Mesa llvmpipe on a machine without GPU).
Target: 2048 warm <= 0.5 s.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from faceeditor.albedo.generator import albedo


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    params = {"skin_melanin": 0.4, "freckles": 0.5, "skin_pattern": 0.25}
    albedo(params, 2048)  # load layers, LUT, torch, pore patterns
    from faceeditor.albedo.gpu import GpuAlbedo

    print(f"{'size':>6} {'warm (s)':>10} {'new seed (s)':>13} {'np.copy ref (s)':>16} "
          f"{'GLSL draw+read (s)':>19}")
    for size in (1024, 2048, 4096):
        albedo(params, size)
        warm = median_seconds(lambda: albedo(params, size), 5)
        seeds = iter(np.linspace(0.5, 0.9, 5))
        cold = median_seconds(lambda: albedo({**params, "skin_pattern": next(seeds)}, size), 5)
        image = albedo(params, size)
        ref = median_seconds(lambda: np.copy(image), 5)
        with GpuAlbedo(size) as gpu:
            gpu.draw(params)
            steps = iter(np.linspace(0.3, 0.5, 5))
            gl = median_seconds(lambda: (gpu.draw({**params, "skin_melanin": next(steps)}),
                                         gpu.read()), 5)
        print(f"{size:>6} {warm:>10.3f} {cold:>13.3f} {ref:>16.4f} {gl:>19.3f}")


if __name__ == "__main__":
    main()
