"""How fast is ``solve_point_targets``? The sculpting case (a few points, ~10 sliders) and a
landmark-sized case, next to one full ``evaluate`` of the head as the reference.

Target: <= 15 ms per call for ~10 free sliders and a few points (interactive sculpting).
Run: ``.venv/bin/python benchmarks/fit_speed.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import time

from faceeditor.cli import limit_blas_threads

limit_blas_threads()  # the setting the application runs with, before numpy loads BLAS
import numpy as np  # noqa: E402

FREE = ["nose_hump", "nose_scale_horiz", "nose_trans_forward", "chin_prominent", "jawOpen",
        "mouthSmileLeft", "l_cheek_volume", "l_cheek_bones", "asym_nose_1", "mouth_scale_horiz"]


def timings(function, repeats: int, warmup: int = 5) -> np.ndarray:
    for i in range(warmup):
        function(i)
    result = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        function(i)
        result[i] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()

    from faceeditor.fit.solver import solve_point_targets
    from faceeditor.model import load_default_model
    from faceeditor.model.surface import SurfacePoints

    model = load_default_model()
    mesh = model.evaluate()
    rng = np.random.default_rng(0)
    front = np.flatnonzero(mesh.vertices[:, 2] > np.percentile(mesh.vertices[:, 2], 80))

    def case(count: int, free: list[str], symmetric: bool, iterations: int):
        ids = front[np.linspace(0, len(front) - 1, count).astype(int)]
        points = SurfacePoints.of_vertices(ids, mesh.faces)
        targets = mesh.vertices[ids] * 1000.0 + rng.normal(0, 2.0, (200, count, 3))[:, :, :]

        def run(i: int) -> None:
            solve_point_targets(model, {}, points, targets[i % 200], None, free, 1.0, symmetric,
                                iterations)
        return run

    rows = [
        ("3 points, 10 sliders, 5 iterations", case(3, FREE, False, 5)),
        ("3 points, 10 sliders, symmetric, 5 it.", case(3, FREE, True, 5)),
        ("3 points, 10 sliders + 8 macros, 5 it.", case(3, FREE + [
            p.name for p in model.spec.of_kind("phenotype")], False, 5)),
        ("68 points, 60 sliders, 10 iterations", case(68, [
            p.name for p in model.spec.of_kind("local")][:60], False, 10)),
        ("reference: one model.evaluate()", lambda i: model.evaluate()),
    ]
    print(f"{'case':44s} {'median ms':>10s} {'p95 ms':>10s}")
    for name, function in rows:
        t = timings(function, args.repeats)
        print(f"{name:44s} {np.median(t) * 1e3:10.2f} {np.percentile(t, 95) * 1e3:10.2f}")
    print("target: <= 15 ms per call for ~10 free sliders and a few points")


if __name__ == "__main__":
    main()
