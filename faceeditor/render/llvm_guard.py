"""Load triton before any OpenGL context exists in the process.

PyPI's torch brings triton, whose ``libtriton.so`` carries its own LLVM. When it is loaded into
a process that already runs Mesa's llvmpipe (software OpenGL, also LLVM), the process crashes
with a segmentation fault (measured: EGL context, then ``import triton`` -> SIGSEGV; ``import
anny`` and ``import open_clip`` load triton too). Loaded in the other order, both work. So every
place that creates an OpenGL context calls ``load_triton_first()`` before it. Costs ~0.1 s once;
does nothing when triton is not installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys

log = logging.getLogger(__name__)


def load_triton_first() -> None:
    """Import triton now, if it is installed and not imported yet."""
    if "triton" in sys.modules or importlib.util.find_spec("triton") is None:
        return
    try:
        importlib.import_module("triton")
    except ImportError as error:  # a broken triton install must not stop rendering
        log.debug("triton present but not importable: %s", error)
