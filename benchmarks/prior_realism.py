"""Do the prior's random heads measure like real people, and are they ever broken?

1. For every population of ``resources/anthropometry/norms.csv`` and both sexes, sample N heads
   (that population's ancestry and ages) and print: measurement, norm mean±SD, ours mean±SD,
   their ratios, pass (mean within 3 %, SD ratio 0.8-1.25); then correlations between
   measurements (face height with mandible width, nose width with face width ...) and, as the
   reference measured in the same run, the same table for independent sliders with the
   region spreads of the previous prior (``prior.LOCAL_SPREAD``, mean 0).
2. Broken geometry: draws ``--broken`` raw heads from the fitted Gaussians (no redraw) and counts
   how many have teeth, tongue or an eyeball through the skin (what ``prior.sample`` redraws),
   then checks that ``prior.sample`` itself returns none.

Run: ``.venv/bin/python benchmarks/prior_realism.py [-n 1000] [--broken 10000] [--plot out.png]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from faceeditor.cli import limit_blas_threads

limit_blas_threads()
import numpy as np  # noqa: E402

PAIRS = [("face_height", "mandible_width"), ("face_width", "mandible_width"),
         ("nose_width", "mouth_width"), ("head_length", "head_width"),
         ("biocular_width", "face_width")]


def broken_counts(model, draws: int, seed: int) -> dict[str, int]:
    """Raw draws of the fitted prior (no redraw): how many are broken, by part."""
    from faceeditor.model import prior
    from faceeditor.model.breakage import breakage
    from faceeditor.model.shape_prior import load_shape_prior

    shape = load_shape_prior()
    counts = {"heads": 0, "teeth": 0, "tongue": 0, "eyes": 0}
    for i in range(draws):
        rng = np.random.default_rng([seed, i])
        params = model.default_params()
        params.update(prior._sample_phenotypes(model, rng, {}, None))
        params.update(prior._draw_shape(model, rng, params, {}, shape))
        parts = breakage(model.evaluate(params), model)
        counts["heads"] += any(parts.values())
        for part, n in parts.items():
            counts[part] += n > 0
    return counts


def independent_prior(model):
    """The previous prior's local sliders: independent, mean 0, ``prior_spread`` each."""
    from faceeditor.model import prior
    from faceeditor.model.shape_prior import ANCESTRIES, SEXES, ShapePrior, load_shape_prior

    units = load_shape_prior().units
    sd = np.array([prior.prior_spread(model.spec[names[0]]) for names in units])
    keys = [(s, a) for s in SEXES for a in ANCESTRIES]
    return ShapePrior(units, {k: np.zeros(len(units)) for k in keys},
                      {k: np.diag(sd) for k in keys}, {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=1000)
    parser.add_argument("--broken", type=int, default=10000)
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args()

    from faceeditor.anthropometry.stats import (
        correlation_table,
        format_table,
        plot_distributions,
        prior_statistics,
    )
    from faceeditor.model import load_default_model
    from faceeditor.model.breakage import is_broken
    from faceeditor.model.prior import sample

    model = load_default_model()
    start = time.perf_counter()
    rows, samples = prior_statistics(model, args.count, seed=100_000)
    print(format_table(rows, args.count))
    print(f"({time.perf_counter() - start:.0f} s)\n\ncorrelations of the sampled measurements:")
    print(correlation_table(samples, PAIRS))
    if args.plot:
        plot_distributions(rows, samples, args.plot)
    reference, _ = prior_statistics(model, max(args.count // 4, 50), seed=100_000,
                                    shape_prior=independent_prior(model))
    print("\nreference: independent sliders (the previous prior's spreads)")
    print(format_table(reference, max(args.count // 4, 50)))
    start = time.perf_counter()
    counts = broken_counts(model, args.broken, seed=7)
    print(f"\nraw draws of the fitted Gaussians: {counts['heads']} of {args.broken} broken "
          f"(teeth {counts['teeth']}, tongue {counts['tongue']}, eyes {counts['eyes']}); "
          f"{time.perf_counter() - start:.0f} s")
    checked = min(args.broken, 2000)
    left = sum(is_broken(model, sample(model, seed)) for seed in range(checked))
    print(f"prior.sample (with redraws): {left} of {checked} broken")


if __name__ == "__main__":
    main()
