"""Batch generation: many heads, and a labelled synthetic face dataset, locally or on Ray.

One entry point, ``run_batch(config) -> BatchSummary`` (no Qt). Item i of a run with seed S is
a pure function of (S, i) and the options (``scene``), drawn and lit (``render``), written as
files (``item``) by an engine (``engine``: this process, local worker processes or Ray tasks);
``manifest.json`` lists the complete items, so a rerun resumes; ``card`` writes the
``imagefolder`` index (``metadata.jsonl``) and ``dataset_card.md``.
"""

from faceeditor.batch.config import BatchConfig, BatchConfigError
from faceeditor.batch.runner import BatchSummary, run_batch

__all__ = ["BatchConfig", "BatchConfigError", "BatchSummary", "run_batch"]
