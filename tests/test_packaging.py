"""Packaging: the wheel works with no repository around, the bundle starts, desktop files validate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging/linux"
APP_ID = "io.github.faceeditor.FaceEditor"


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """dist/ with the wheel and the sdist, built from this checkout."""
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        timeout=600)
    return out


def repository_files(pattern: str) -> set[str]:
    return {str(p.relative_to(ROOT)) for p in ROOT.glob(pattern) if "__pycache__" not in p.parts}


def test_wheel_holds_every_module_shader_and_resource(built):
    wheel = next(built.glob("faceeditor-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in repository_files("faceeditor/**/*.py") | repository_files("faceeditor/**/*.glsl") \
            | repository_files("faceeditor/**/*.toml"):
        assert module in names, module
    for resource in repository_files("resources/**/*"):
        if (ROOT / resource).is_file():
            assert "faceeditor/" + resource in names, resource


def test_sdist_holds_the_resources(built):
    import tarfile

    sdist = next(built.glob("faceeditor-*.tar.gz"))
    names = {n.split("/", 1)[1] for n in tarfile.open(sdist).getnames() if "/" in n}
    assert "resources/models/anny_head/head.npz" in names
    assert "resources/models/anny_head/ATTRIBUTION.md" in names
    assert "faceeditor/render/shaders/face.frag.glsl" in names


def test_wheel_in_a_clean_venv_exports_without_the_repository(built, tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    wheel = next(built.glob("faceeditor-*.whl"))
    run([str(venv / "bin/python"), "-m", "pip", "install", "-q", str(wheel)], timeout=600)
    work = tmp_path / "elsewhere"
    work.mkdir()
    exe = str(venv / "bin/faceeditor")
    version = run([exe, "--version"], cwd=work, timeout=120)
    assert version.stdout.startswith("faceeditor ")
    run([exe, "export", "--seed", "1", "-o", "x.glb"], cwd=work, timeout=300)
    assert (work / "x.glb").read_bytes()[:4] == b"glTF"


def test_bundle_starts_headless(tmp_path):
    pytest.importorskip("PyInstaller")
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(tmp_path / "build"),
         str(ROOT / "packaging/faceeditor.spec")], cwd=ROOT, timeout=900)
    exe = dist / "faceeditor/faceeditor"
    work = tmp_path / "elsewhere"
    work.mkdir()
    assert run([str(exe), "--version"], cwd=work, timeout=120).stdout.startswith("faceeditor ")
    run([str(exe), "export", "--seed", "2", "-o", "head.obj"], cwd=work, timeout=300)
    assert (work / "head.obj").read_text().startswith("# faceeditor")


def test_desktop_entry_validates():
    if shutil.which("desktop-file-validate") is None:
        pytest.skip("desktop-file-validate missing (Debian: desktop-file-utils; make test installs it)")
    result = run(["desktop-file-validate", str(LINUX / f"{APP_ID}.desktop")])
    assert result.stdout.strip() == "" and result.stderr.strip() == ""


def test_appstream_metainfo_validates():
    if shutil.which("appstreamcli") is None:
        pytest.skip("appstreamcli missing (Debian: appstream; make test installs it)")
    result = run(["appstreamcli", "validate", "--no-net", str(LINUX / f"{APP_ID}.metainfo.xml")])
    assert "Validation was successful" in result.stdout
    text = (LINUX / f"{APP_ID}.metainfo.xml").read_text()
    assert text.count("<caption>") >= 2  # every screenshot has a caption


def test_icons_exist_for_the_desktop_entry():
    for size in (48, 64, 128, 256):
        from PIL import Image

        with Image.open(ROOT / f"resources/icons/faceeditor-{size}.png") as icon:
            assert icon.size == (size, size) and icon.mode == "RGBA"


def test_about_text_names_version_and_licences():
    from faceeditor import __version__
    from faceeditor.about import about_html

    text = about_html("anny-head", "1")
    assert f"faceeditor {__version__}" in text and "anny-head v1" in text
    for licence in ("Apache License 2.0", "CC0", "LGPL-3.0", "BSD-3-Clause", "MIT"):
        assert licence in text


def test_readme_opens_with_what_the_app_does_and_its_screenshot():
    readme = (ROOT / "README.md").read_text()
    opening = readme.split("\n## ", 1)[0]
    assert "in the making" not in opening
    for words in ("desktop app", "sliders", "expression", "GLB", "OBJ", "command line"):
        assert words in opening, words
    assert "](docs/screenshot.png)" in opening
    with Image.open(ROOT / "docs/screenshot.png") as picture:
        assert picture.format == "PNG" and picture.width >= 1000


@pytest.mark.skipif(not shutil.which("xvfb-run") and not os.environ.get("DISPLAY"),
                    reason="needs a display or xvfb-run")
def test_readme_screenshot_script_shows_the_app_with_a_head(tmp_path):
    out = tmp_path / "shot.png"
    run([sys.executable, str(ROOT / "packaging/readme_screenshot.py"), "--out", str(out),
         "--size", "1000x640"], timeout=300)
    with Image.open(out) as picture:
        assert picture.size == (1000, 640)
        pixels = np.asarray(picture.convert("RGB"), dtype=np.float64)
    viewport = pixels[100:540, 150:550]  # the head, left of the panels
    skin = (viewport[..., 0] > viewport[..., 2] + 25).mean()  # warm skin against a grey backdrop
    assert skin > 0.2, f"only {skin:.0%} of the viewport looks like skin"
