"""Write the Farkas anthropometric landmarks of the head topology to
``resources/anthropometry/landmarks.json``.

Usage (from the repository root)::

    python packaging/build_landmarks.py [--out resources/anthropometry/landmarks.json]

The rules live in ``faceeditor/anthropometry/rules.py`` (definitions in its docstring); this
script runs them on the average head and stores each landmark as a ``SurfacePoints`` binding
(triangle + barycentric weights), with the region (``candidates``) and ``direction`` of the
landmarks that are extremes; ``faceeditor.anthropometry.load_landmarks`` reads the file. The
output is deterministic: ties go to the lowest vertex id, floats are written in full.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceeditor.anthropometry.landmarks import FORMAT_VERSION  # noqa: E402
from faceeditor.anthropometry.rules import find_rules  # noqa: E402
from faceeditor.fileio import write_atomic  # noqa: E402
from faceeditor.model.face_model import FaceModel, load_default_model  # noqa: E402
from faceeditor.model.surface import SurfacePoints  # noqa: E402

log = logging.getLogger("build_landmarks")

OUT = ROOT / "resources" / "anthropometry" / "landmarks.json"


def build(model: FaceModel) -> dict:
    """The landmarks file's content for ``model``'s topology."""
    rules = find_rules(model)
    v = model.evaluate().vertices.astype(np.float64)
    names = sorted(rules)
    vertices = [rules[name].vertex(v) for name in names]
    points = SurfacePoints.of_vertices(vertices, model.asset.faces)
    entries = {}
    for i, name in enumerate(names):
        entry = {"vertex": vertices[i], "triangle": int(points.triangles[i]),
                 "weights": [float(w) for w in points.weights[i]]}
        rule = rules[name]
        if rule.direction is not None:
            entry["direction"] = [round(float(d), 12) + 0.0 for d in rule.direction]
            entry["candidates"] = [int(c) for c in rule.candidates]
        entries[name] = entry
    return {
        "format": FORMAT_VERSION,
        "model": model.model_id,
        "asset_version": model.version,
        "source": "packaging/build_landmarks.py (rules: faceeditor/anthropometry/rules.py)",
        "landmarks": entries,
    }


def dumps(data: dict) -> str:
    """JSON with one landmark per line (readable diffs when a rule changes)."""
    head = {k: v for k, v in data.items() if k != "landmarks"}
    lines = [f"  {json.dumps(name)}: {json.dumps(entry)}"
             for name, entry in data["landmarks"].items()]
    body = json.dumps(head, indent=1)[:-2]
    return body + ',\n "landmarks": {\n' + ",\n".join(lines) + "\n }\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the anthropometric landmarks file.")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    data = build(load_default_model())
    write_atomic(args.out, dumps(data).encode())
    log.info("wrote %d landmarks to %s", len(data["landmarks"]), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
