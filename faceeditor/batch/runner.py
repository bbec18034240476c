"""``run_batch(config) -> BatchSummary``: make every missing item of a run, resumably."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
import time
from pathlib import Path
from typing import TextIO

from faceeditor.batch.card import read_records, write_index
from faceeditor.batch.config import BatchConfig, check
from faceeditor.batch.engine import outcomes, write_files
from faceeditor.batch.item import FOLDERS
from faceeditor.batch.manifest import Manifest
from faceeditor.batch.progress import Progress

log = logging.getLogger(__name__)

MANIFEST_EVERY = 1.0  # seconds between manifest writes while items complete
#: Stop the run when this many items in a row failed (a full disk, a broken install).
STOP_AFTER_FAILURES = 10


@dataclasses.dataclass
class BatchSummary:
    """What a run did.

    Attributes:
        count: items asked for.
        made: items made by this run.
        kept: items already complete from an earlier run (files checked against the manifest).
        remade: of ``made``, items an earlier run had completed whose files were missing or
            changed.
        failures: (index, reason) of the items that failed.
        seconds: wall time of making items.
        interrupted: the run was stopped (Ctrl+C) before the end.
        stopped: why the run gave up early (``STOP_AFTER_FAILURES`` failures in a row), or "".
    """

    count: int
    made: int = 0
    kept: int = 0
    remade: int = 0
    failures: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    stopped: str = ""

    @property
    def complete(self) -> int:
        return self.made + self.kept

    @property
    def items_per_second(self) -> float:
        return (self.made + len(self.failures)) / self.seconds if self.seconds > 0 else 0.0

    def text(self) -> str:
        parts = [f"{self.complete}/{self.count} items complete ({self.made} made"
                 f"{f', {self.kept} kept from an earlier run' if self.kept else ''}"
                 f"{f', {self.remade} made again' if self.remade else ''})"]
        if self.made:
            parts.append(f"{self.items_per_second:.2f} items/s")
        lines = ["; ".join(parts)]
        if self.failures:
            lines.append(f"{len(self.failures)} failed:")
            lines += [f"  item {index}: {reason}" for index, reason in self.failures]
        if self.stopped:
            lines.append(f"stopped: {self.stopped}; fix that and run the same command again "
                         "to resume")
        if self.interrupted:
            lines.append("interrupted: run the same command again to resume")
        return "\n".join(lines)


def _make(config: BatchConfig, pending: list[int], manifest: Manifest, summary: BatchSummary,
          broken: set[int], progress: Progress) -> None:
    """Make ``pending`` items, recording each in the manifest as it completes."""
    in_a_row = 0
    with contextlib.closing(outcomes(config, pending)) as stream:
        for outcome in stream:
            if outcome.error is None and outcome.data is not None:
                try:  # the worker sent its files back (Ray --return-bytes)
                    outcome.hashes = write_files(config.output, outcome.data)
                except OSError as error:
                    outcome.error = f"cannot write its files: {error.strerror or error}"
            if outcome.error is None:
                manifest.add(outcome.index, outcome.hashes)
                manifest.save(every=MANIFEST_EVERY)
                summary.made += 1
                summary.remade += outcome.index in broken
                in_a_row = 0
            else:
                summary.failures.append((outcome.index, outcome.error))
                in_a_row += 1
            progress.update(outcome.error is None)
            if in_a_row >= STOP_AFTER_FAILURES:
                summary.stopped = f"the last {in_a_row} items failed ({outcome.error})"
                return


def remove_leftovers(folder: Path) -> None:
    """Delete temporary files that an interrupted ``write_atomic`` left (``.NAME.*.tmp``)."""
    for sub in (folder, *(folder / name for name in FOLDERS)):
        for path in sorted(sub.glob(".*.tmp")) if sub.is_dir() else ():
            log.info("removing %s, left by an interrupted run", path)
            path.unlink(missing_ok=True)


def run_batch(config: BatchConfig, progress_stream: TextIO | None = None) -> BatchSummary:
    """Make the items of ``config`` that its output folder does not hold complete yet.

    Raises ``BatchConfigError`` (one line) for bad options or a folder of another run. Items
    that fail are listed in the summary (the run goes on); Ctrl+C stops the run, keeping every
    complete item, and returns with ``interrupted`` set.
    """
    config = check(config)
    config = dataclasses.replace(config, output=config.output.resolve())
    manifest = Manifest.open(config.output, config.fingerprint())
    manifest.save()  # a new run's (empty) manifest first: the folder is known to be ours
    remove_leftovers(config.output)
    summary = BatchSummary(count=config.count)
    broken: set[int] = set()
    for index in sorted(manifest.items):
        if index >= config.count:
            continue
        problem = manifest.verify(index)
        if problem is None:
            summary.kept += 1
        else:
            log.warning("item %d: %s; making it again", index, problem)
            manifest.drop(index)
            broken.add(index)
    pending = [i for i in range(config.count) if i not in manifest.items]
    progress = Progress(config.count, summary.kept,
                        sys.stderr if progress_stream is None else progress_stream)
    began = time.monotonic()
    try:
        if pending:
            _make(config, pending, manifest, summary, broken, progress)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        summary.seconds = time.monotonic() - began
        manifest.save()
        if pending:
            progress.draw(final=True)
    summary.failures.sort()
    done = [i for i in manifest.items if i < config.count]
    write_index(config, read_records(config.output, done), summary.failures)
    return summary
