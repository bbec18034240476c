"""File > Export with a research backend loaded (issue 7): the export dialog opens with the
options that apply (format, subdivision), and its Export runs ``export_backend`` in the worker
on the backend's current head."""

from __future__ import annotations

import io

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")
from PIL import Image  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from gltf_tools import Glb  # noqa: E402

# fixtures shared with the other GUI tests and the backend tests (imported to register them)
from test_backends import albedogan_dir, flame_dir, tiny_generator  # noqa: E402,F401
from test_gui import _needs_a_display, make_window, model  # noqa: E402,F401
from test_gui_backends import open_flame  # noqa: E402


def _export(qtbot, dialog, path):
    """Export to ``path`` through the dialog's own method (not the native file dialog)."""
    dialog.path_edit.setText(str(path))
    dialog.confirm_overwrite = lambda existing: pytest.fail(f"unexpected prompt {existing}")
    with qtbot.waitSignal(dialog.exported, timeout=60000) as signal:
        assert dialog.start_export() is not None
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=10000)
    return signal.args[0]


def test_export_dialog_exports_the_flame_head(make_window, qtbot, flame_dir,  # noqa: F811
                                              tmp_path):
    window = make_window()
    open_flame(window, qtbot, flame_dir / "generic_model.pkl")
    backend = window.backend
    window.state.set_value("shape_000", 2.0)
    window.state.set_value("tex_000", 0.5)
    params = window.state.values()

    qtbot.keyClick(window.viewport, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window.export_window
    assert dialog is not None and dialog.isVisible() and dialog.backend is backend
    assert "only" not in window.notifications.message.text()
    # only the options that apply: no texture size, expressions or bake
    for widget in (dialog.texture_combo, dialog.expressions_check, dialog.bake_check):
        assert not widget.isVisibleTo(dialog)
    assert dialog.format_combo.isVisibleTo(dialog) and dialog.subdivision_combo.isVisibleTo(dialog)
    assert not dialog.options().morphs and not dialog.options().expression_files

    written = _export(qtbot, dialog, tmp_path / "flame.glb")
    assert written == [tmp_path / "flame.glb"]
    glb = Glb.read(written[0])
    mesh = glb.document["meshes"][0]
    assert "weights" not in mesh and all("targets" not in p for p in mesh["primitives"])
    faces = sum(glb.document["accessors"][p["indices"]]["count"] // 3 for p in mesh["primitives"])
    assert faces == len(backend.evaluate_mesh(params).faces)
    pbr = glb.document["materials"][0]["pbrMetallicRoughness"]
    albedo = np.asarray(Image.open(io.BytesIO(glb.image(pbr["baseColorTexture"]["index"]))))
    np.testing.assert_array_equal(albedo, backend.evaluate_albedo(params))

    # OBJ, subdivided once: four times the faces, the albedo PNG beside it
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("obj"))
    dialog.subdivision_combo.setCurrentIndex(dialog.subdivision_combo.findData(1))
    assert dialog.path.suffix == ".obj"
    written = _export(qtbot, dialog, tmp_path / "flame.obj")
    assert {p.name for p in written} == {"flame.obj", "flame.mtl", "flame_albedo.png"}
    face_lines = sum(1 for line in (tmp_path / "flame.obj").read_text().splitlines()
                     if line.startswith("f "))
    assert face_lines == 4 * len(backend.evaluate_mesh(params).faces)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "flame_albedo.png")),
                                  backend.evaluate_albedo(params))
    assert "Wrote" in dialog.status.text()
    dialog.close()
