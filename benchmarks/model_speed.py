"""How fast is ``evaluate``? Our model against anny's head-model forward pass, same parameters.

Every parameter is active (random values over each range). Prints a table of median and p95
times and the ratio. Run: ``.venv/bin/python benchmarks/model_speed.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import os
import time

from faceeditor.cli import limit_blas_threads

limit_blas_threads()  # the setting the application runs with, before numpy loads BLAS
import numpy as np  # noqa: E402


def timings(function, repeats: int, warmup: int = 10) -> np.ndarray:
    """(repeats,) seconds of successive calls of ``function(i)``."""
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
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()

    import torch

    import anny
    from faceeditor.model import load_default_model
    from faceeditor.model.spec import local_param_name

    model = load_default_model()
    spec = model.spec
    rng = np.random.default_rng(0)
    vectors = (spec.minimum + (spec.maximum - spec.minimum)
               * rng.random((args.repeats + 20, len(spec)))).astype(np.float32)
    vectors[:, spec.indices("asym")] = 0.0  # anny has no asymmetry targets: compare like for like

    reference = anny.Anny(rig="makehuman-head", topology="head", local_changes="all",
                          facial_actions="all", phenotypes="all")
    meta = model.asset.metadata
    phen_names = [p.name for p in spec.of_kind("phenotype")]
    pose = None

    def anny_forward(i: int) -> None:
        values = spec.to_dict(vectors[i])
        phenotypes = {k: values[k] for k in phen_names}
        phenotypes.update(meta["fixed_phenotypes"])
        local = {n: values[local_param_name(n)] for n in meta["local_change_names"]}
        expressions = {n: values[n] for n in meta["expression_names"]}
        with torch.no_grad():
            reference(pose_parameters=pose, phenotype_kwargs=phenotypes,
                      local_changes_kwargs=local, facial_actions=expressions)

    ours = timings(lambda i: model.evaluate(vectors[i]), args.repeats)
    ours_dict = timings(lambda i: model.evaluate(spec.to_dict(vectors[i])), args.repeats)
    torch.set_num_threads(os.cpu_count() or 1)  # anny at its best: every core
    theirs = timings(anny_forward, max(args.repeats // 3, 30))

    rows = [
        ("faceeditor evaluate (vector)", ours),
        ("faceeditor evaluate (name->value dict)", ours_dict),
        ("anny head forward pass", theirs),
    ]
    print(f"{'what':42s} {'median ms':>10s} {'p95 ms':>10s}")
    for name, t in rows:
        print(f"{name:42s} {np.median(t) * 1e3:10.3f} {np.percentile(t, 95) * 1e3:10.3f}")
    print(f"{'anny / faceeditor (median, vector)':42s} {np.median(theirs) / np.median(ours):10.1f}x")
    print(f"vertices: {model.asset.num_vertices}, parameters: {len(spec)}, torch threads for anny: "
          f"{torch.get_num_threads()}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")


if __name__ == "__main__":
    main()
