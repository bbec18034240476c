"""The committed albedo layers: compact, attributed, and exactly what the build script makes."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from asset_diff import clean_build_env

from faceeditor.albedo.layers import AlbedoAssetError, default_layers_path, load_layers

ROOT = Path(__file__).resolve().parents[1]


def test_layers_are_compact_and_attributed():
    path = default_layers_path()
    assert path.stat().st_size < 3_000_000
    attribution = (path.parent / "ATTRIBUTION.md").read_text()
    assert "CC0 1.0" in attribution and "MPFB2" in attribution and "mpfb_lips.jpg" in attribution


def test_layers_cover_the_head_and_its_parts():
    layers = load_layers()
    covered = layers.mask("covered") > 0.5
    assert 0.3 < covered.mean() < 0.8  # the repacked layout uses the square well
    assert (layers.mask("active") >= layers.mask("covered")).all()
    for part in ("eyeball", "tongue", "cavity", "lips", "brows", "beard", "cheeks"):
        assert (layers.mask(part)[covered] > 0.5).sum() > 20, part
    assert np.isfinite(layers.position).all()


def test_missing_layers_file_is_a_clear_error(tmp_path):
    with pytest.raises(AlbedoAssetError, match="build_albedo_assets"):
        load_layers.__wrapped__(tmp_path / "missing.npz")


@pytest.mark.skipif(importlib.util.find_spec("anny") is None, reason="needs the dev extra (anny)")
def test_build_script_regenerates_the_committed_layers(tmp_path, fresh_anny_cache):
    # anny is only looked up here, not imported: importing it (torch, triton) in a process that
    # made an EGL context crashes; the build runs in its own process
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging/build_albedo_assets.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, env=clean_build_env(fresh_anny_cache),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with np.load(tmp_path / "layers.npz") as fresh, np.load(default_layers_path()) as committed:
        assert set(fresh.files) == set(committed.files)
        for key in committed.files:
            differ = fresh[key] != committed[key]
            assert not differ.any(), (
                f"layer {key!r}: {int(differ.sum())} of {differ.size} values differ, first at "
                f"{tuple(int(i) for i in np.argwhere(differ)[0])}")
