"""Blender opens our GLB: the head and its hair layers, alpha-textured cards, the 52 ARKit shape
keys on every mesh, and the keys move what they should (run by Blender's own glTF importer)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from faceeditor.export import ExportOptions, export_head
from faceeditor.hair.settings import HAIR_STYLES
from faceeditor.model import load_default_model

BLENDER = shutil.which("blender")
SCRIPT = Path(__file__).parent / "blender" / "import_glb.py"
pytestmark = pytest.mark.skipif(
    BLENDER is None, reason="Blender is not installed (make test installs it: "
                            "packaging/install-system-deps.sh --test)")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    model = load_default_model()
    params = model.default_params()
    params.update(hair_style=HAIR_STYLES.index("bob"), beard_style=3)
    path = tmp_path_factory.mktemp("blender") / "head.glb"
    export_head(model, params, path, ExportOptions(texture_size=1024), None)
    run = subprocess.run([BLENDER, "--background", "--factory-startup", "--python", str(SCRIPT),
                          "--", str(path)], capture_output=True, text=True, timeout=300)
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert run.returncode == 0 and lines, run.stdout[-2000:] + run.stderr[-2000:]
    expressions = [p.name for p in model.spec.of_kind("expression")]
    return json.loads(lines[0][len("RESULT "):])["objects"], expressions


def test_blender_imports_the_head_and_every_hair_layer(imported):
    objects, _ = imported
    assert {"head", "Hair", "Eyebrows", "Eyelashes", "Beard"} <= set(objects)
    assert objects["head"]["vertices"] > 5000
    assert all(objects[name]["vertices"] > 500 for name in ("Hair", "Eyebrows", "Eyelashes",
                                                            "Beard"))


def test_hair_cards_are_alpha_textured_in_blender(imported):
    objects, _ = imported
    for name in ("Hair", "Eyebrows", "Eyelashes", "Beard"):
        cards = objects[name]["materials"][f"{name} cards"]
        assert cards["blend"] in {"CLIP", "HASHED", "BLEND"} and cards["alpha_texture"], name
    assert objects["head"]["materials"]["skin"]["blend"] == "OPAQUE"


def test_every_mesh_has_the_arkit_shape_keys_and_they_move_the_right_parts(imported):
    objects, expressions = imported
    for name, mesh in objects.items():
        assert mesh["shape_keys"] == ["Basis"] + expressions, name
    motion = {name: mesh["key_motion"] for name, mesh in objects.items()}
    assert motion["Eyebrows"]["browInnerUp"] > 0.002    # brows rise with the brow
    assert motion["Eyelashes"]["eyeBlinkLeft"] > 0.004  # lashes close with the lid
    assert motion["Eyelashes"]["jawOpen"] < 1e-4        # ... and ignore the jaw
    assert motion["Beard"]["jawOpen"] > 0.01            # the beard drops with the jaw
    assert motion["head"]["jawOpen"] > 0.01
