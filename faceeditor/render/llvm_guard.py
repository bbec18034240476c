"""Load triton before any OpenGL context exists in the process.

PyPI's torch brings triton, whose ``libtriton.so`` carries its own LLVM. When it is loaded into
a process that already runs Mesa's llvmpipe (software OpenGL, also LLVM), the process crashes
with a segmentation fault (measured: EGL context, then ``import triton`` -> SIGSEGV; ``import
anny`` and ``import open_clip`` load triton too). Loaded in the other order, both work. So every
place that creates an OpenGL context calls ``load_triton_first()`` before it. It loads only the
shared library (``triton/_C/libtriton.so``, ~0.06 s; ``import triton`` takes ~0.35 s more, which
the app's first frame does not need): a later ``import triton`` finds it loaded. Measured: library
first, then an EGL context drawing, then ``import triton``, torch and ``triton.jit``, then drawing
again, all work. Falls back to ``import triton`` when the library is not where this version keeps
it; does nothing when triton is not installed.
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.util
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


_loaded: list[str] = []  # the triton library loaded by path, once


def load_triton_first() -> None:
    """Load triton's LLVM now, if triton is installed and not loaded yet."""
    if _loaded or "triton" in sys.modules:
        return
    spec = importlib.util.find_spec("triton")
    if spec is None:
        return
    libraries = sorted((Path(spec.origin).parent / "_C").glob("libtriton*.so")) \
        if spec.origin else []
    if libraries:
        try:
            ctypes.CDLL(str(libraries[0]))
            _loaded.append(str(libraries[0]))
            return
        except OSError as error:
            log.debug("cannot load %s: %s; importing triton", libraries[0], error)
    try:
        importlib.import_module("triton")
    except ImportError as error:  # a broken triton install must not stop rendering
        log.debug("triton present but not importable: %s", error)
