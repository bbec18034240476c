"""How fast does bound hair follow the head? Binding evaluation per hair style, beside the
model's own ``evaluate`` measured in the same run (the budget is 2 ms per style).

Each row evaluates every card and painted layer of one part/style on a new head (random
expression and shape values each call). Run: ``.venv/bin/python benchmarks/hair_binding.py``.
"""

from __future__ import annotations

import argparse

from faceeditor.cli import limit_blas_threads

limit_blas_threads()  # the setting the application runs with, before numpy loads BLAS
import numpy as np  # noqa: E402

from model_speed import timings  # noqa: E402  (beside this script)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()

    from faceeditor.hair import hair_for
    from faceeditor.hair.settings import BEARD_STYLES, HAIR_STYLES
    from faceeditor.model import load_default_model

    model = load_default_model()
    spec = model.spec
    rng = np.random.default_rng(0)
    expressions = spec.indices("expression")
    vectors = np.tile(spec.defaults, (args.repeats + 20, 1))
    vectors[:, expressions] = rng.random((len(vectors), len(expressions))) * 0.5
    meshes = [model.evaluate(v) for v in vectors[:40]]

    rows = [("model evaluate (reference)", timings(lambda i: model.evaluate(vectors[i]),
                                                   args.repeats), 0, 0)]
    cases = [(f"hair: {style}", "hair", {"hair_style": float(i), "hair_density": 1.0})
             for i, style in enumerate(HAIR_STYLES) if style != "bald"]
    cases += [("eyebrows", "eyebrows", {"eyebrow_density": 1.0, "eyebrow_thickness": 1.0}),
              ("eyelashes", "eyelashes", {"eyelash_density": 1.0})]
    cases += [(f"beard: {style}", "beard", {"beard_style": float(i), "beard_density": 1.0})
              for i, style in enumerate(BEARD_STYLES) if style not in ("none", "stubble")]
    for label, part, values in cases:
        hair = hair_for(model, {**model.default_params(), **values}, parts=(part,))
        vertices = sum(len(m.positions) for m in hair.evaluate(meshes[0]))
        rows.append((label, timings(lambda i: hair.evaluate(meshes[i % len(meshes)]),
                                    args.repeats), hair.card_count, vertices))
    print(f"{'what':28s} {'cards':>6s} {'vertices':>9s} {'median ms':>10s} {'p95 ms':>8s}")
    for label, t, cards, vertices in rows:
        print(f"{label:28s} {cards:6d} {vertices:9d} {np.median(t) * 1e3:10.3f} "
              f"{np.percentile(t, 95) * 1e3:8.3f}")


if __name__ == "__main__":
    main()
