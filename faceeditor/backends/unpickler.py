"""Reading user pickles without running them: an allow-list unpickler.

A pickle names functions and classes ("GLOBAL module name") that ``pickle.load`` imports and
calls; a malicious file names ``os.system`` and runs it. ``SafeUnpickler.find_class`` returns
only the objects in ``ALLOWED`` below and raises ``UnsafePickleError`` for everything else,
before anything is imported. Two kinds of research file need it:

* FLAME's ``generic_model.pkl`` (a Python 2 pickle): numpy arrays, chumpy ``Ch`` objects and a
  scipy sparse matrix. chumpy and scipy are not needed: ``ChumpyArray`` and ``SparseMatrix``
  stand in for them and keep the arrays.
* NVlabs stylegan2-ada-pytorch snapshots (``network-snapshot-*.pkl``). NVlabs pickles each
  network object as ``torch_utils.persistence._reconstruct_persistent_obj(meta)`` where ``meta``
  holds the source code of the module that defined the class and the object's ``__dict__``
  (``_parameters``, ``_buffers``, ``_modules`` ...); NVlabs ``exec``s that source to rebuild the
  class. We never do: ``PersistentObject`` keeps the class name and the state, and the source
  stays an unread string. Tensors come through torch's own rebuild functions; their storages
  are legacy ``torch.save`` bytes, which we read with ``torch.load(weights_only=True)``.

For torch zip checkpoints (rosinality ``.pt``) use ``torch.load(weights_only=True)`` directly:
that is torch's own allow-list.
"""

from __future__ import annotations

import collections
import io
import logging
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

log = logging.getLogger(__name__)


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle referenced a global outside the allow-list; nothing of it was imported."""

    def __init__(self, module: str, name: str, source: str = "the file"):
        self.module = module
        self.name = name
        super().__init__(
            f"{source} refers to {module}.{name}, which faceeditor does not load from a pickle "
            "(only arrays, tensors and the known model classes are allowed); the file may be "
            "malicious or of an unsupported kind")


class ChumpyArray:
    """Stand-in for ``chumpy.ch.Ch``: chumpy pickles ``__dict__`` without ``_parents`` and
    ``_cache``; the value of a plain ``Ch`` is the array under ``"x"``."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.state: dict = {}

    def __setstate__(self, state: dict) -> None:
        self.state = dict(state)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        value = self.state.get("x")
        if value is None:
            raise pickle.UnpicklingError(
                "a chumpy object without an 'x' array (a computed chumpy expression) cannot be "
                "read without chumpy")
        value = np.asarray(value)
        return value if dtype is None else value.astype(dtype)


class SparseMatrix:
    """Stand-in for scipy's compressed sparse matrices (csc/csr), as pickled in its __dict__:
    ``data``, ``indices``, ``indptr``, ``_shape`` and ``format``."""

    format = "csc"

    def __init__(self, *args: Any, **kwargs: Any):
        self.state: dict = {}

    def __setstate__(self, state: dict) -> None:
        self.state = dict(state)

    def toarray(self) -> np.ndarray:
        state = self.state
        shape = tuple(int(n) for n in state.get("_shape", state.get("shape")))
        data = np.asarray(state["data"], np.float64)
        indices = np.asarray(state["indices"], np.int64)
        indptr = np.asarray(state["indptr"], np.int64)
        fmt = state.get("format", self.format)
        if isinstance(fmt, bytes):
            fmt = fmt.decode("latin1")
        dense = np.zeros(shape, np.float64)
        major = shape[1] if fmt == "csc" else shape[0]
        if len(indptr) != major + 1:
            raise pickle.UnpicklingError(f"corrupt sparse matrix: indptr has {len(indptr)} entries")
        for column in range(major):
            rows = indices[indptr[column]:indptr[column + 1]]
            values = data[indptr[column]:indptr[column + 1]]
            if fmt == "csc":
                dense[rows, column] += values
            else:
                dense[column, rows] += values
        return dense

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        dense = self.toarray()
        return dense if dtype is None else dense.astype(dtype)


class CscMatrix(SparseMatrix):
    format = "csc"


class CsrMatrix(SparseMatrix):
    format = "csr"


class EasyDict(dict):
    """Stand-in for ``dnnlib.util.EasyDict`` (a dict with attribute access)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, dict):
            self.update(state)


class PersistentObject:
    """An NVlabs persistent network object, not rebuilt: its class name and its ``__dict__``.

    Attributes:
        class_name: e.g. ``"Generator"``, ``"SynthesisLayer"``.
        state: the object's ``__dict__``: for a ``torch.nn.Module``, ``_parameters``,
            ``_buffers`` and ``_modules`` (ordered name -> tensor / object) plus plain
            attributes (``w_dim``, ``conv_clamp`` ...).
    """

    def __init__(self, class_name: str, state: dict, version: int | None):
        self.class_name = class_name
        self.state = state
        self.version = version

    def __repr__(self) -> str:
        return f"PersistentObject({self.class_name})"

    def tensors(self, prefix: str = "") -> dict[str, Any]:
        """Every parameter and buffer under this object, by dotted name (``state_dict`` names)."""
        found: dict[str, Any] = {}
        for table in ("_parameters", "_buffers"):
            for name, value in (self.state.get(table) or {}).items():
                if value is not None:
                    found[prefix + name] = value
        for name, child in (self.state.get("_modules") or {}).items():
            if isinstance(child, PersistentObject):
                found.update(child.tensors(prefix + name + "."))
        return found


def _reconstruct_persistent_obj(meta: dict) -> PersistentObject:
    """Replaces NVlabs' function of the same name: keeps the state, never runs ``module_src``."""
    if not isinstance(meta, dict) or meta.get("type") != "class" or "class_name" not in meta:
        raise pickle.UnpicklingError("unexpected NVlabs persistent object record")
    state = meta.get("state")
    return PersistentObject(str(meta["class_name"]), dict(state or {}), meta.get("version"))


def _load_storage_from_bytes(data: bytes):
    """Replaces ``torch.storage._load_from_bytes``: the bytes are a legacy ``torch.save`` of one
    storage, read with torch's weights-only unpickler onto the CPU."""
    import torch

    return torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")


def _reconstructor(cls: type, base: type, state: Any):
    """Replaces ``copyreg._reconstructor`` (protocol 0/1 pickles) for allow-listed classes only."""
    if cls not in _STAND_INS or base is not object:
        raise UnsafePickleError(getattr(cls, "__module__", "?"), getattr(cls, "__name__", "?"))
    return cls.__new__(cls)


def _encode_latin1(text: str, encoding: str = "latin1") -> bytes:
    """Replaces ``_codecs.encode``, which protocol-2 pickles written by Python 3 use for bytes."""
    if not isinstance(text, str) or encoding.replace("-", "").lower() != "latin1":
        raise pickle.UnpicklingError("unexpected _codecs.encode call in the pickle")
    return text.encode("latin1")


def _torch_global(module: str, name: str) -> Callable[[], Any]:
    def resolve() -> Any:
        import importlib

        return getattr(importlib.import_module(module), name)
    return resolve


def _numpy_global(name: str) -> Callable[[], Any]:
    def resolve() -> Any:
        try:
            from numpy._core import multiarray  # numpy >= 2
        except ImportError:
            from numpy.core import multiarray
        return getattr(multiarray, name)
    return resolve


_STAND_INS = (ChumpyArray, SparseMatrix, CscMatrix, CsrMatrix, EasyDict)

#: (module, name) -> a function returning the object that ``find_class`` hands to the pickle.
ALLOWED: dict[tuple[str, str], Callable[[], Any]] = {
    ("collections", "OrderedDict"): lambda: collections.OrderedDict,
    ("builtins", "set"): lambda: set,
    ("builtins", "frozenset"): lambda: frozenset,
    ("builtins", "object"): lambda: object,
    ("_codecs", "encode"): lambda: _encode_latin1,
    ("copyreg", "_reconstructor"): lambda: _reconstructor,
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _numpy_global("_reconstruct"),
    ("numpy.core.multiarray", "scalar"): _numpy_global("scalar"),
    ("numpy._core.multiarray", "_reconstruct"): _numpy_global("_reconstruct"),
    ("numpy._core.multiarray", "scalar"): _numpy_global("scalar"),
    ("chumpy.ch", "Ch"): lambda: ChumpyArray,
    ("scipy.sparse.csc", "csc_matrix"): lambda: CscMatrix,
    ("scipy.sparse._csc", "csc_matrix"): lambda: CscMatrix,
    ("scipy.sparse.csr", "csr_matrix"): lambda: CsrMatrix,
    ("scipy.sparse._csr", "csr_matrix"): lambda: CsrMatrix,
    ("dnnlib.util", "EasyDict"): lambda: EasyDict,
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): lambda: _reconstruct_persistent_obj,
    ("torch.storage", "_load_from_bytes"): lambda: _load_storage_from_bytes,
    ("torch._utils", "_rebuild_tensor_v2"): _torch_global("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"): _torch_global("torch._utils", "_rebuild_parameter"),
}


#: Python 2 module names (FLAME's pickles) -> Python 3 (what ``fix_imports`` would map).
PYTHON2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


class SafeUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves only the globals in ``ALLOWED``.

    Python 2 pickles (FLAME) need ``encoding="latin1"`` so that numpy's byte strings survive.
    """

    def __init__(self, file: BinaryIO, *, source: str = "the file", encoding: str = "latin1"):
        super().__init__(file, encoding=encoding)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        module = PYTHON2_MODULES.get(module, module)
        resolve = ALLOWED.get((module, name))
        if resolve is None:
            log.warning("refused pickle global %s.%s in %s", module, name, self.source)
            raise UnsafePickleError(module, name, self.source)
        return resolve()

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError(f"{self.source} uses persistent ids, which are not supported")


def safe_load(path: str | Path) -> Any:
    """The object in the pickle at ``path``, through ``SafeUnpickler``.

    Raises:
        UnsafePickleError: the pickle refers to something outside the allow-list.
        pickle.UnpicklingError: the file is not a readable pickle.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        try:
            return SafeUnpickler(handle, source=path.name).load()
        except UnsafePickleError:
            raise
        except (EOFError, ValueError, TypeError, IndexError, KeyError, AttributeError,
                UnicodeDecodeError, pickle.UnpicklingError) as error:
            raise pickle.UnpicklingError(f"{path.name} is not a readable pickle ({error})") from None
