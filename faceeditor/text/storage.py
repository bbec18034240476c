"""Where the text engine keeps its caches (paraphrase bank, CLIP directions)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$FACEEDITOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/faceeditor``, else
    ``~/.cache/faceeditor`` (not created here)."""
    explicit = os.environ.get("FACEEDITOR_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "faceeditor"
