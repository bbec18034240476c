"""Named landmark sets on the head's surface, stored as ``SurfacePoints`` in JSON files.

``resources/landmarks/<name>.json`` (UTF-8)::

    {"format": "faceeditor-landmarks", "name": "ibug68", "description": "...",
     "model": {"id": "anny-head", "version": "1"},
     "names": ["jaw_00", ...], "triangles": [812, ...], "weights": [[0.2, 0.3, 0.5], ...]}

Sets: ``ibug68`` (the 68-point iBUG / 300-W layout: jaw 0-16, brows 17-26, nose 27-35, eyes
36-47, lips 48-67; "right" is the subject's right, the image's left in a front view) and
``dense`` (an even spread over the face). Both are made by ``packaging/build_landmarks.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

from faceeditor.fileio import resource_file
from faceeditor.model.surface import SurfacePoints

FORMAT = "faceeditor-landmarks"


class LandmarkError(RuntimeError):
    """A landmark file that is missing or malformed; ``str()`` is one line."""


@dataclasses.dataclass(frozen=True, eq=False)
class LandmarkSet:
    """N named points on the head's surface."""

    name: str
    names: tuple[str, ...]
    points: SurfacePoints
    description: str = ""

    def __len__(self) -> int:
        return len(self.points)

    def to_json(self, model_id: str, model_version: str) -> dict:
        return {"format": FORMAT, "name": self.name, "description": self.description,
                "model": {"id": model_id, "version": model_version}, "names": list(self.names),
                "triangles": self.points.triangles.tolist(),
                "weights": [[round(float(w), 9) for w in row] for row in self.points.weights]}


def landmarks_path(name: str) -> Path:
    """The set's file: beside the code in a source checkout, else in the installed package."""
    return resource_file(f"landmarks/{name}.json")


@functools.lru_cache(maxsize=8)
def load_landmarks(name: str, path: Path | None = None) -> LandmarkSet:
    """The landmark set ``name`` (default file: ``landmarks_path(name)``), read once."""
    path = landmarks_path(name) if path is None else Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        names = tuple(str(n) for n in document["names"])
        points = SurfacePoints(document["triangles"], document["weights"])
        if len(names) != len(points):
            raise ValueError(f"{len(names)} names for {len(points)} points")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise LandmarkError(f"cannot read landmark set {name!r} from {path}: {error}; "
                            "rebuild it with 'python packaging/build_landmarks.py'") from None
    return LandmarkSet(name=str(document.get("name", name)), names=names, points=points,
                       description=str(document.get("description", "")))
