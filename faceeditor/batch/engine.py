"""Where items are made: in this process, in local worker processes, or as Ray tasks.

Every engine runs the same function, ``make_item(config, index, write)``, and yields one
``Outcome`` per index. With ``write`` the worker writes the item's files into
``config.output`` itself (atomically) and returns their hashes; without it (Ray's
``--return-bytes``, for clusters without a shared folder) it returns the bytes and the driver
writes them. A worker keeps its model and renderer between items (``_maker``).

A worker process that dies (killed, out of memory) fails only the items it had: local pools are
started again and those items retried once (``ATTEMPTS``); Ray retries a task once itself.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import multiprocessing
import os
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from faceeditor.batch.config import BatchConfig, BatchConfigError
from faceeditor.batch.manifest import sha256
from faceeditor.fileio import write_atomic

log = logging.getLogger(__name__)

ATTEMPTS = 2
IN_FLIGHT_PER_WORKER = 2


@dataclasses.dataclass
class Outcome:
    """One finished index: ``hashes`` {relative path: sha256} of its files, ``data`` their bytes
    when the driver must write them, or ``error`` (one line) when it failed."""

    index: int
    hashes: dict[str, str] | None = None
    data: dict[str, bytes] | None = None
    error: str | None = None


_MAKER = None  # (config, ItemMaker) of this worker process


def _maker(config: BatchConfig):
    global _MAKER
    if _MAKER is None or _MAKER[0] != config:
        from faceeditor.batch.item import ItemMaker

        if _MAKER is not None:
            _MAKER[1].close()
        if config.workers > 1 or config.engine == "ray":
            # one item per core already: llvmpipe's own rasteriser threads (one per core by
            # default) would only fight the other workers for the same cores
            os.environ.setdefault("LP_NUM_THREADS", "1")
        _MAKER = (config, ItemMaker(config))
    return _MAKER[1]


def write_files(folder: Path, files: dict[str, bytes]) -> dict[str, str]:
    """Write ``files`` under ``folder`` atomically; their hashes."""
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
    return {relative: sha256(data) for relative, data in files.items()}


def make_item(config: BatchConfig, index: int, write: bool = True) -> Outcome:
    """Make item ``index``; any error becomes ``Outcome.error`` (the run goes on)."""
    try:
        made = _maker(config).make(index)
        if write:
            return Outcome(index, hashes=write_files(config.output, made.files))
        return Outcome(index, hashes={k: sha256(v) for k, v in made.files.items()},
                       data=made.files)
    except Exception as error:  # noqa: BLE001 - one bad item must not stop thousands
        log.debug("item %d failed", index, exc_info=True)
        return Outcome(index, error=f"{type(error).__name__}: {error}".splitlines()[0])


def outcomes(config: BatchConfig, indices: list[int]) -> Iterator[Outcome]:
    """Make ``indices`` with the configured engine, yielding outcomes as they finish."""
    if config.engine == "ray":
        return _ray(config, indices)
    if config.workers == 1:
        return _here(config, indices)
    return _pool(config, indices)


def _here(config: BatchConfig, indices: Iterable[int]) -> Iterator[Outcome]:
    """In this process; the renderer is closed at the end (its OpenGL context too)."""
    global _MAKER
    try:
        for index in indices:
            yield make_item(config, index)
    finally:
        if _MAKER is not None:
            _MAKER[1].close()
            _MAKER = None


def _ignore_sigint() -> None:
    # Ctrl+C goes to the whole process group: the driver stops the run, workers finish quietly
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool(config: BatchConfig, indices: Iterable[int]) -> Iterator[Outcome]:
    queue = list(indices)[::-1]  # pop() takes the lowest index first
    attempts: dict[int, int] = {}
    window = config.workers * IN_FLIGHT_PER_WORKER
    context = multiprocessing.get_context("spawn")
    while queue:
        executor = concurrent.futures.ProcessPoolExecutor(
            config.workers, mp_context=context, initializer=_ignore_sigint)
        running: dict[concurrent.futures.Future, int] = {}
        broken = False
        try:
            while queue or running:
                while queue and len(running) < window and not broken:
                    index = queue.pop()
                    attempts[index] = attempts.get(index, 0) + 1
                    try:
                        running[executor.submit(make_item, config, index)] = index
                    except BrokenProcessPool:
                        queue.append(index)
                        attempts[index] -= 1
                        broken = True
                if not running:
                    break
                done, _ = concurrent.futures.wait(
                    running, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in sorted(done, key=running.get):
                    index = running.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        broken = True
                        if attempts[index] < ATTEMPTS:
                            queue.append(index)
                        else:
                            yield Outcome(index, error="its worker process died twice "
                                                       "(killed, or out of memory)")
                if broken and not running:
                    break
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
        if broken:
            log.warning("a worker process died; starting the pool again")
            queue.sort(reverse=True)


def _ray(config: BatchConfig, indices: Iterable[int]) -> Iterator[Outcome]:
    try:
        import ray
    except ImportError:
        raise BatchConfigError("--engine ray needs Ray: pip install 'faceeditor[scale]'") from None
    started = not ray.is_initialized()
    if started:
        options = {"include_dashboard": False, "log_to_driver": False}
        if config.ray_address:
            options["address"] = config.ray_address
        else:
            options["num_cpus"] = config.workers
        try:
            ray.init(**options)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise BatchConfigError(f"cannot start or reach Ray"
                                   f"{' at ' + config.ray_address if config.ray_address else ''}"
                                   f": {str(error).splitlines()[0]}") from None
    task = ray.remote(num_cpus=1, max_retries=ATTEMPTS - 1)(make_item)
    write = not config.return_bytes
    queue = list(indices)[::-1]
    window = max(config.workers, 1) * IN_FLIGHT_PER_WORKER
    running: dict = {}
    try:
        while queue or running:
            while queue and len(running) < window:
                index = queue.pop()
                running[task.remote(config, index, write)] = index
            ready, _ = ray.wait(list(running), num_returns=1)
            for ref in ready:
                index = running.pop(ref)
                try:
                    yield ray.get(ref)
                except ray.exceptions.RayError as error:
                    yield Outcome(index, error=f"Ray: {str(error).splitlines()[0]}")
    finally:
        for ref in running:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()
