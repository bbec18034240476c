"""Write the Farkas anthropometric landmarks of the head topology to
``resources/landmarks/farkas.json`` (the landmark-set format of ``faceeditor/model/landmarks.py``).

Usage (from the repository root)::

    python packaging/build_farkas_landmarks.py [--out resources/landmarks/farkas.json]

The rules live in ``faceeditor/anthropometry/rules.py`` (definitions in its docstring); this
script runs them on the average head and stores each landmark as a ``SurfacePoints`` binding
(triangle + barycentric weights, read by ``load_landmarks("farkas")``), and, under
``extremes``, the region (``candidates``, vertex ids) and ``direction`` of the landmarks that
are extremes (read by ``faceeditor.anthropometry.farkas_landmarks``). Deterministic: ties go to
the lowest vertex id; one landmark per line for readable diffs.
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

from faceeditor.anthropometry.rules import find_rules  # noqa: E402
from faceeditor.fileio import write_atomic  # noqa: E402
from faceeditor.model.face_model import FaceModel, load_default_model  # noqa: E402
from faceeditor.model.landmarks import LandmarkSet  # noqa: E402
from faceeditor.model.surface import SurfacePoints  # noqa: E402

log = logging.getLogger("build_farkas_landmarks")

OUT = ROOT / "resources" / "landmarks" / "farkas.json"
DESCRIPTION = ("Farkas anthropometric landmarks (soft tissue; _l = subject's left, +X); "
               "rules: faceeditor/anthropometry/rules.py")


def build(model: FaceModel) -> dict:
    """The landmark file's content for ``model``'s topology."""
    rules = find_rules(model)
    v = model.evaluate().vertices.astype(np.float64)
    names = sorted(rules)
    points = SurfacePoints.of_vertices([rules[n].vertex(v) for n in names], model.asset.faces)
    document = LandmarkSet("farkas", tuple(names), points, DESCRIPTION).to_json(
        model.model_id, model.version)
    document["extremes"] = {
        name: {"direction": [round(float(d), 12) + 0.0 for d in rules[name].direction],
               "candidates": [int(c) for c in rules[name].candidates]}
        for name in names if rules[name].direction is not None}
    return document


def dumps(document: dict) -> str:
    """JSON with one list or landmark per line (readable diffs when a rule changes)."""
    lines = [f" {json.dumps(key)}: {json.dumps(value)}" for key, value in document.items()
             if key != "extremes"]
    extremes = [f"  {json.dumps(name)}: {json.dumps(entry)}"
                for name, entry in document["extremes"].items()]
    return ("{\n" + ",\n".join(lines) + ',\n "extremes": {\n' + ",\n".join(extremes)
            + "\n }\n}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the Farkas landmark set.")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    document = build(load_default_model())
    write_atomic(args.out, dumps(document).encode())
    log.info("wrote %d landmarks to %s", len(document["names"]), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
