"""The run's manifest: which items are complete, with the SHA-256 of every file they wrote.

``OUT/manifest.json`` is rewritten atomically (``fileio.write_atomic``) and only lists an item
once all its files are on disk, so after any interruption the listed items are whole and the
rest are made again. A rerun checks each listed item's files against their hashes
(``verify``); an item whose file is missing or changed is made again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

from faceeditor import __version__
from faceeditor.batch.config import BatchConfigError
from faceeditor.fileio import write_atomic

log = logging.getLogger(__name__)

FORMAT = "faceeditor-batch"
FORMAT_VERSION = 1
NAME = "manifest.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Manifest:
    """Complete items of one output folder: {index: {relative path: sha256}}."""

    def __init__(self, folder: Path, fingerprint: dict[str, object]):
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        self.items: dict[int, dict[str, str]] = {}
        self._dirty = False
        self._saved_at = 0.0

    @property
    def path(self) -> Path:
        return self.folder / NAME

    @classmethod
    def open(cls, folder: Path, fingerprint: dict[str, object]) -> Manifest:
        """The manifest of ``folder`` (empty when there is none); ``BatchConfigError`` when it
        was made with other options or cannot be read."""
        manifest = cls(folder, fingerprint)
        if not manifest.path.exists():
            if folder.is_dir() and any(folder.iterdir()):
                raise BatchConfigError(f"{folder} is not empty and holds no batch "
                                       f"({NAME} is missing); give a new or empty folder")
            manifest._dirty = True  # written before the first item: the folder is ours
            return manifest
        try:
            document = json.loads(manifest.path.read_text(encoding="utf-8"))
            if document.get("format") != FORMAT:
                raise ValueError("not a faceeditor batch manifest")
            items = {int(k): dict(v["files"]) for k, v in document["items"].items()}
            theirs = document["options"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise BatchConfigError(f"{manifest.path} cannot be read ({error}); use another "
                                   "output folder or delete that file") from None
        if theirs != fingerprint:
            changed = sorted(k for k in set(theirs) | set(fingerprint)
                             if theirs.get(k) != fingerprint.get(k))
            detail = ", ".join(f"{k} {theirs.get(k)!r} -> {fingerprint.get(k)!r}"
                               for k in changed[:3])
            raise BatchConfigError(f"{folder} holds a batch made with other options ({detail}); "
                                   "rerun with the same options to resume, or use a new folder")
        manifest.items = items
        return manifest

    def add(self, index: int, files: dict[str, str]) -> None:
        self.items[index] = dict(files)
        self._dirty = True

    def drop(self, index: int) -> None:
        if self.items.pop(index, None) is not None:
            self._dirty = True

    def save(self, every: float = 0.0) -> None:
        """Write the manifest if it changed and at least ``every`` seconds passed since the last
        write (0: now)."""
        if not self._dirty or time.monotonic() - self._saved_at < every:
            return
        document = {"format": FORMAT, "format_version": FORMAT_VERSION,
                    "faceeditor": __version__, "options": self.fingerprint,
                    "items": {str(k): {"files": self.items[k]} for k in sorted(self.items)}}
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, (json.dumps(document, separators=(",", ":")) + "\n").encode())
        self._dirty = False
        self._saved_at = time.monotonic()

    def verify(self, index: int) -> str | None:
        """None if every file of item ``index`` is there with its hash, else what is wrong."""
        for relative, digest in self.items.get(index, {}).items():
            path = self.folder / relative
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                return f"{relative} is missing"
            except OSError as error:
                return f"{relative} cannot be read ({error.strerror or error})"
            if sha256(data) != digest:
                return f"{relative} has changed"
        return None
