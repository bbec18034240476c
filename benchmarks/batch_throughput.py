"""How many items per second does ``faceeditor batch`` make, and how well does it scale?

Rows: two workloads (``render+labels``: a --size image with landmarks, segmentation, depth and
normals; ``glb``: one GLB head with 52 ARKit morphs and 1K textures) by engine (this process,
2 local worker processes, a local Ray with 2 CPUs). Each row runs ``run_batch`` on ``--count``
items into a fresh folder and reports items/s over the whole run (start-up of the workers
included) and in the steady state (after every worker made its first item), steady items/s
per core (a cluster's throughput is about that times its cores), the steady speed-up against
the 1-worker row of the same workload, the per-core speed-up against the 1-core row, the
parallel efficiency (per-core speed-up / cores), and "vs reference": the per-core speed-up
divided by the reference's speed-up with as many processes (100%: the batch scales as well as
pure CPU work did on this machine at that moment).

One worker is not one core: llvmpipe rasterises with a thread per core, so a 1-worker render
run also uses the second core while it draws (workers of a multi-worker run rasterise with one
thread each). The ``local 1 core`` row runs the 1-worker case pinned to one core with one
rasteriser thread: the per-core rate, the base of the "per core" speed-up column.

Reference, measured in the same run: a fixed pure-CPU numpy task in 1 and 2 processes. On a
shared machine the second core is not always free; the reference says how much of a 2x the
machine gave while the benchmark ran (target for the batch: >= 1.7x from 1 to 2 workers on 2
free cores).

Run: ``.venv/bin/python benchmarks/batch_throughput.py [--count 12] [--size 512] [--no-ray]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

from faceeditor.cli import limit_blas_threads

limit_blas_threads()  # the setting the application runs with, before numpy loads BLAS
import numpy as np  # noqa: E402


def reference_task(_: int) -> float:
    """About half a second of single-threaded numpy work; returns its own seconds."""
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    a = rng.random((160, 160))
    for _ in range(2000):
        a = np.tanh(a @ a.T / 160.0)
    return time.perf_counter() - start


def reference(processes: int, tasks: int = 6) -> float:
    """Tasks per second of ``reference_task`` in ``processes`` processes."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        pool.map(reference_task, range(processes))  # start-up and warm-up
        start = time.perf_counter()
        pool.map(reference_task, range(tasks))
        return tasks / (time.perf_counter() - start)


def measure(config) -> tuple[float, float]:
    """(items/s over the whole run, items/s once every worker has made its first item)."""
    from faceeditor.batch.config import check
    from faceeditor.batch.engine import outcomes

    config = check(config)
    config.output.mkdir(parents=True)
    start = time.perf_counter()
    arrivals = []
    for outcome in outcomes(config, list(range(config.count))):
        if outcome.error is not None:
            raise SystemExit(f"item {outcome.index} failed: {outcome.error}")
        arrivals.append(time.perf_counter())
    total = len(arrivals) / (arrivals[-1] - start)
    first = min(config.workers, len(arrivals) - 1)
    steady = (len(arrivals) - 1 - first) / (arrivals[-1] - arrivals[first]) \
        if len(arrivals) - 1 > first else float("nan")
    return total, steady


def _pin_to_one_core() -> None:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    os.environ["LP_NUM_THREADS"] = "1"


def measure_on_one_core(config) -> tuple[float, float]:
    """``measure`` in a fresh process pinned to one core with one llvmpipe thread."""
    import concurrent.futures

    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context,
                                                initializer=_pin_to_one_core) as pool:
        return pool.submit(measure, config).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray rows")
    args = parser.parse_args()

    from faceeditor.batch import BatchConfig

    try:
        import ray  # noqa: F401
        has_ray = not args.no_ray
    except ImportError:
        has_ray = False
    workloads = {"render+labels": dict(labels=True, size=args.size),
                 "glb": dict(export=("glb",))}
    engines = [("local 1 core", 1), ("local", 1), ("local", 2)] \
        + ([("ray", 2)] if has_ray else [])
    print(f"cores: {os.cpu_count()}, items per row: {args.count}, image size: {args.size}")
    ref = {n: reference(n) for n in (1, 2)}
    print(f"reference (numpy task): 1 process {ref[1]:.2f}/s, 2 processes {ref[2]:.2f}/s, "
          f"speed-up {ref[2] / ref[1]:.2f}x\n")
    print("| workload | engine | workers | items/s (all) | items/s (steady) | per core | "
          "speed-up | per-core speed-up | efficiency | vs reference |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="faceeditor-batch-bench-") as folder:
        for workload, options in workloads.items():
            single = one_core = None
            for engine, workers in engines:
                config = BatchConfig(count=args.count, seed=1, engine=engine.split()[0],
                                     workers=workers, **options,
                                     output=Path(folder) / f"{workload}-{engine}-{workers}")
                if engine == "local 1 core":
                    total, rate = measure_on_one_core(config)
                    one_core = rate
                else:
                    total, rate = measure(config)
                    single = rate if single is None else single
                cores = 1 if engine == "local 1 core" else workers
                speedup = f"{rate / single:.2f}x" if single else "-"
                per_core = rate / one_core
                print(f"| {workload} | {engine} | {workers} | {total:.2f} | {rate:.2f} "
                      f"| {rate / cores:.2f} | {speedup} | {per_core:.2f}x "
                      f"| {per_core / cores:.0%} "
                      f"| {per_core / (ref[cores] / ref[1]):.0%} |", flush=True)
    print(f"\nreference speed-up on this machine now: {ref[2] / ref[1]:.2f}x "
          "(what 2 processes of pure CPU work got)")


if __name__ == "__main__":
    main()
