"""Batch generation: many heads, and a labelled synthetic face dataset, locally or on Ray.

One entry point, ``run_batch(config) -> BatchSummary`` (no Qt). Item i of a run with seed S is
a pure function of (S, i) and the options (``scene``), drawn and lit (``render``), written as
files (``item``) by an engine (``engine``: this process, local worker processes or Ray tasks);
``manifest.json`` lists the complete items, so a rerun resumes; ``card`` writes the
``imagefolder`` index (``metadata.jsonl``) and ``dataset_card.md``.
"""

from faceeditor.batch.config import BatchConfig, BatchConfigError

__all__ = ["BatchConfig", "BatchConfigError", "BatchSummary", "run_batch"]


def __getattr__(name: str):
    # the runner (rendering, export, hair) loads on first use: every command builds the batch
    # command's options (``batch.cli``), the desktop app's start-up included
    if name in ("BatchSummary", "run_batch"):
        from faceeditor.batch import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
