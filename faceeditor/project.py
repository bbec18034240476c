"""Project files (``.face``) and autosave with crash recovery (no Qt).

A ``.face`` file is UTF-8 JSON::

    {"format": "faceeditor-project", "format_version": 1,
     "model": {"id": "anny-head", "version": "1"},
     "parameters": {"nose_hump": 0.25, ...},      # every parameter, by name
     "seed": 7,                                   # last randomize seed
     "camera": {...}, "view": {...},              # viewport state, free-form JSON objects
     "albedo_texture": "iVBORw0..."}              # optional: base64 PNG skin albedo (a photo fit)

Saves are atomic (temp file + rename). ``load_project`` refuses a corrupt, foreign or
newer-format file with a ``ProjectError`` whose message is one readable line; nothing is
changed in the caller's state until a project has been read completely.

Autosave: a running editor writes ``autosave-<pid>.face`` into its data folder every minute and
removes it when it exits cleanly.  A file whose process no longer runs therefore survived a crash
and is offered for recovery.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import logging
import math
import os
import time
from pathlib import Path
from typing import Any

from faceeditor.fileio import write_atomic
from faceeditor.model.face_model import FaceModel

log = logging.getLogger(__name__)

FORMAT = "faceeditor-project"
FORMAT_VERSION = 1
SUFFIX = ".face"
AUTOSAVE_PREFIX = "autosave-"


class ProjectError(Exception):
    """A project file that cannot be read or written; ``str()`` is one line for the user."""


@dataclasses.dataclass
class Project:
    """Everything a ``.face`` file holds.

    Attributes:
        parameters: value of every parameter, by name.
        seed: the last randomize seed.
        camera, view: viewport state (JSON-compatible dicts, owned by the GUI).
        model_id, model_version: the model the values are meant for.
        source: for an autosave, the project path the user was editing (or None).
        albedo_png: PNG bytes of a skin albedo that replaces the procedural one (a photo
            projected by ``faceeditor fit``), or None.
    """

    parameters: dict[str, float]
    model_id: str
    model_version: str
    seed: int = 0
    camera: dict[str, Any] = dataclasses.field(default_factory=dict)
    view: dict[str, Any] = dataclasses.field(default_factory=dict)
    source: str | None = None
    albedo_png: bytes | None = None

    @classmethod
    def for_model(cls, model: FaceModel, parameters: dict[str, float], **fields: Any) -> Project:
        return cls(parameters=dict(parameters), model_id=model.model_id,
                   model_version=str(model.version), **fields)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model": {"id": self.model_id, "version": self.model_version},
            "parameters": {name: float(value) for name, value in self.parameters.items()},
            "seed": int(self.seed),
            "camera": self.camera,
            "view": self.view,
        }
        if self.source is not None:
            document["source"] = self.source
        if self.albedo_png is not None:
            document["albedo_texture"] = base64.b64encode(self.albedo_png).decode("ascii")
        return document


def encode_project(project: Project) -> bytes:
    """The ``.face`` bytes of ``project`` (floats written so they read back exactly)."""
    return (json.dumps(project.to_json(), indent=1, allow_nan=False) + "\n").encode("utf-8")


def save_project(path: str | os.PathLike[str], project: Project) -> None:
    """Write ``project`` to ``path`` atomically; a failed save leaves the old file untouched."""
    path = Path(path)
    try:
        write_atomic(path, encode_project(project))
    except OSError as error:
        raise ProjectError(f"cannot save {path}: {error.strerror or error}") from error
    log.info("saved %s", path)


def load_project(path: str | os.PathLike[str], model: FaceModel) -> Project:
    """Read and validate a ``.face`` file for ``model``; raise ``ProjectError`` if unusable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ProjectError(f"cannot open {path}: {error.strerror or error}") from error
    return decode_project(data, model, name=path.name)


def decode_project(data: bytes, model: FaceModel, name: str = "project") -> Project:
    """Parse and validate ``.face`` bytes (see the module docs for the format)."""
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProjectError(f"{name} is not a faceeditor project (not text)") from None
    except json.JSONDecodeError as error:
        raise ProjectError(f"{name} is corrupt: invalid JSON at line {error.lineno}, "
                           f"column {error.colno}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ProjectError(f"{name} is not a faceeditor project (no \"format\": \"{FORMAT}\")")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(f"{name} is corrupt: format_version must be a positive integer, "
                           f"got {version!r}")
    if version > FORMAT_VERSION:
        raise ProjectError(f"{name} was saved by a newer faceeditor (project format {version}; "
                           f"this version reads up to {FORMAT_VERSION}); please update")
    model_info = _field(document, "model", dict, name)
    model_id, model_version = model_info.get("id"), str(model_info.get("version"))
    if model_id != model.model_id:
        raise ProjectError(f"{name} is for the head model {model_id!r}; this faceeditor has "
                           f"{model.model_id!r}")
    if model_version != str(model.version):
        log.warning("%s was made with %s v%s; loading it into v%s", name, model_id,
                    model_version, model.version)
    parameters = _parameters(_field(document, "parameters", dict, name), model, name)
    seed = document.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ProjectError(f"{name} is corrupt: seed must be an integer, got {seed!r}")
    source = document.get("source")
    return Project(parameters=parameters, model_id=model_id, model_version=model_version,
                   seed=seed, camera=_field(document, "camera", dict, name, {}),
                   view=_field(document, "view", dict, name, {}),
                   source=source if isinstance(source, str) else None,
                   albedo_png=_albedo_png(document, name))


def _albedo_png(document: dict, name: str) -> bytes | None:
    text = document.get("albedo_texture")
    if text is None:
        return None
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True) if isinstance(text, str) \
            else b""
    except (binascii.Error, UnicodeEncodeError):
        data = b""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ProjectError(f"{name} is corrupt: \"albedo_texture\" is not a base64 PNG image")
    return data


def _field(document: dict, key: str, kind: type, name: str, default: Any = None) -> Any:
    value = document.get(key, default)
    if not isinstance(value, kind):
        raise ProjectError(f"{name} is corrupt: \"{key}\" must be a JSON "
                           f"{'object' if kind is dict else kind.__name__}, got {value!r:.40}")
    return value


def _parameters(raw: dict, model: FaceModel, name: str) -> dict[str, float]:
    spec = model.spec
    unknown = sorted(set(raw) - set(spec.names))
    if unknown:
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise ProjectError(f"{name} has parameters this model does not know: {shown}")
    values = {}
    for key, value in raw.items():
        if (not isinstance(value, (int, float)) or isinstance(value, bool)
                or not math.isfinite(value)):
            raise ProjectError(f"{name} is corrupt: parameter {key!r} must be a finite number, "
                               f"got {value!r:.40}")
        values[key] = spec.clamp(key, float(value))
    return values


# --------------------------------------------------------------------------- autosave
class Autosave:
    """The autosave file of this process in ``folder`` and the crash leftovers of others."""

    def __init__(self, folder: str | os.PathLike[str], pid: int | None = None):
        self.folder = Path(folder)
        self.pid = os.getpid() if pid is None else pid
        self.path = self.folder / f"{AUTOSAVE_PREFIX}{self.pid}{SUFFIX}"

    def write(self, project: Project) -> None:
        """Save ``project`` as this process's autosave (atomically)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        save_project(self.path, project)

    def discard(self) -> None:
        """Remove this process's autosave (clean exit, or after the user saved)."""
        self.path.unlink(missing_ok=True)

    def leftovers(self) -> list[Path]:
        """Autosaves of processes that no longer run (they crashed), newest first."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.glob(f"{AUTOSAVE_PREFIX}*{SUFFIX}"):
            pid_text = path.name[len(AUTOSAVE_PREFIX):-len(SUFFIX)]
            if not pid_text.isdigit() or int(pid_text) == self.pid:
                continue
            if not process_is_running(int(pid_text)):
                found.append(path)
        return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)

    def recover(self, path: Path, model: FaceModel) -> Project:
        """Read a leftover autosave; on success it becomes this process's autosave."""
        project = load_project(path, model)
        self.write(project)
        path.unlink(missing_ok=True)
        return project

    @staticmethod
    def age_text(path: Path) -> str:
        minutes = max(0, int((time.time() - path.stat().st_mtime) // 60))
        return "just now" if minutes == 0 else f"{minutes} min ago"


def process_is_running(pid: int) -> bool:
    """Whether a process with this id exists (POSIX signal 0)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True
