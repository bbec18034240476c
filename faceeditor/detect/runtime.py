"""The vendored MediaPipe `.tflite` models, run with `ai-edge-litert` (numpy 2, no TensorFlow).

One interpreter per model, created on first use and kept for the process. Interpreters run on
one thread: the models take a few milliseconds, and one thread gives the same numbers on every
machine whatever its core count. An interpreter is not thread-safe, so calls are serialised.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from faceeditor.fileio import resource_file
from faceeditor.model.asset import AssetError

log = logging.getLogger(__name__)

SHORT_RANGE = "face_detection_short_range.tflite"
FULL_RANGE = "face_detection_full_range_sparse.tflite"
FACE_MESH = "face_landmark.tflite"


class DetectorUnavailable(AssetError):
    """The runtime or a model file is missing (a broken install, not a user mistake): the CLI
    reports it in one line like any other missing part of the installation."""


def resource_path(name: str) -> Path:
    """Path of a vendored file (model or table) of resources/detect/ (``fileio.resource_file``)."""
    path = resource_file(f"detect/{name}")
    if path.is_file():
        return path
    raise DetectorUnavailable(
        f"photo-input file {name} is missing from {path.parent}; reinstall faceeditor "
        "(or run packaging/vendor_detect_models.py in a source checkout)")


@dataclass
class Model:
    """A loaded model: `run((1,H,W,3) float32) -> list of output arrays` in model order."""

    name: str
    input_size: tuple[int, int]  # (height, width)
    _interpreter: object
    _input_index: int
    _output_indices: list[int]
    _lock: threading.Lock

    def run(self, tensor: np.ndarray) -> list[np.ndarray]:
        with self._lock:
            self._interpreter.set_tensor(self._input_index, np.ascontiguousarray(tensor, np.float32))
            self._interpreter.invoke()
            return [self._interpreter.get_tensor(i).copy() for i in self._output_indices]


@lru_cache(maxsize=None)
def load_model(name: str) -> Model:
    """The interpreter for vendored model `name`, created once per process."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as exc:
        raise DetectorUnavailable(
            "photo input needs the 'ai-edge-litert' package (pip install ai-edge-litert)") from exc
    path = resource_path(name)
    with _quiet_native_stderr():  # LiteRT prints "INFO: Created TensorFlow Lite XNNPACK delegate"
        interpreter = Interpreter(model_path=str(path), num_threads=1)
        interpreter.allocate_tensors()
    (inp,) = interpreter.get_input_details()
    outputs = sorted(interpreter.get_output_details(), key=lambda d: d["index"])
    _, height, width, _ = (int(v) for v in inp["shape"])
    log.debug("loaded %s (%dx%d input)", name, width, height)
    return Model(name, (height, width), interpreter, inp["index"],
                 [d["index"] for d in outputs], threading.Lock())


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence what native code writes to file descriptor 2 (Python's own stderr is kept)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (pytest capture, GUI bundle)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
