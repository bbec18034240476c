"""Writing files safely: a save either completes or leaves the old file untouched."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def resource_file(relative: str) -> Path:
    """A file under ``resources/`` (``relative``, e.g. ``"fit/landmark_correction.npz"``): the
    source checkout's beside this code when it has one (a checkout run from its own folder,
    e.g. a git worktree next to an editable install of another), else the installed package's
    (a wheel, the PyInstaller bundle). The path may not exist: callers report that."""
    from importlib import resources

    checkout = Path(__file__).resolve().parents[1] / "resources" / relative
    if checkout.exists():
        return checkout
    return Path(str(resources.files("faceeditor.resources") / relative))


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A crash or an error part-way leaves either the previous file or none, never half a file.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        # after a successful rename the temporary name is gone; after a failure, tidy up
        Path(tmp).unlink(missing_ok=True)
