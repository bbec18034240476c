"""The export dialog under pytest-qt: options from the widgets, export in a worker, overwrite
confirmation, cancel, errors shown in the dialog."""

from __future__ import annotations

import threading

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

from faceeditor.export import ExportOptions, TextureSet  # noqa: E402
from faceeditor.model import load_default_model  # noqa: E402
from gltf_tools import Glb  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def small_textures(params, size):
    flat = np.full((64, 64, 3), 180, np.uint8)
    return TextureSet(albedo=flat, normal=np.dstack([flat[:, :, :2] * 0 + 128, flat[:, :, 2]]),
                      roughness=flat[:, :, 0])


@pytest.fixture
def make_dialog(qtbot, model, tmp_path):
    from faceeditor.gui.export_dialog import ExportDialog

    def make(params=None, textures=small_textures, name="head.glb"):
        values = dict(params or {"jawOpen": 0.5})
        dialog = ExportDialog(model, lambda: values, textures=textures, path=tmp_path / name)
        dialog.confirm_overwrite = lambda existing: pytest.fail(f"unexpected prompt {existing}")
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


def finish(qtbot, dialog, timeout=60000):
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=timeout)


def test_export_glb_with_morphs_in_a_worker(make_dialog, qtbot, tmp_path, look_dir):
    dialog = make_dialog()
    dialog.texture_combo.setCurrentIndex(dialog.texture_combo.findData(1024))
    assert dialog.options() == ExportOptions(format="glb", texture_size=1024, morphs=True)
    with qtbot.waitSignal(dialog.exported, timeout=60000) as signal:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        assert dialog.close_button.text() == "Cancel" and not dialog.export_button.isEnabled()
    assert signal.args[0] == [tmp_path / "head.glb"]
    mesh = Glb.read(tmp_path / "head.glb").document["meshes"][0]
    assert len(mesh["extras"]["targetNames"]) == 52
    assert mesh["weights"][mesh["extras"]["targetNames"].index("jawOpen")] == 0.5
    assert dialog.progress.value() == 1000 and "Wrote" in dialog.status.text()
    assert dialog.export_button.isEnabled() and dialog.close_button.text() == "Close"
    dialog.grab().save(str(look_dir / "export_dialog.png"))


def test_format_follows_the_file_name_and_options_follow_the_format(make_dialog, qtbot):
    dialog = make_dialog()
    assert dialog.bake_check.isEnabled()
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("obj"))
    assert dialog.path.suffix == ".obj"
    assert not dialog.bake_check.isEnabled()
    assert "one OBJ per" in dialog.expressions_check.text()
    options = dialog.options()
    assert options.format == "obj" and options.expression_files and not options.morphs
    dialog.path_edit.clear()
    qtbot.keyClicks(dialog.path_edit, str(dialog.path.parent / "other.glb"))
    assert dialog.file_format == "glb"
    dialog.expressions_check.setChecked(False)
    assert not dialog.bake_check.isEnabled() and not dialog.options().morphs
    dialog.subdivision_combo.setCurrentIndex(1)
    assert dialog.options().subdivisions == 1


def test_obj_export_writes_the_bundle(make_dialog, qtbot, tmp_path):
    dialog = make_dialog(name="face.obj")
    dialog.expressions_check.setChecked(False)
    with qtbot.waitSignal(dialog.exported, timeout=60000):
        dialog.start_export()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["face.mtl", "face.obj", "face_albedo.png", "face_hair.mtl",
                     "face_hair.obj", "face_hair_eyebrows.png", "face_hair_eyelashes.png",
                     "face_hair_hair.png", "face_normal.png", "face_roughness.png"]


def test_existing_file_is_kept_when_the_user_declines(make_dialog, qtbot, tmp_path):
    (tmp_path / "head.glb").write_bytes(b"earlier")
    dialog = make_dialog()
    asked = []
    dialog.confirm_overwrite = lambda existing: asked.append(existing) or False
    assert dialog.start_export() is None
    assert asked == [[tmp_path / "head.glb"]]
    assert (tmp_path / "head.glb").read_bytes() == b"earlier"
    dialog.confirm_overwrite = lambda existing: True
    with qtbot.waitSignal(dialog.exported, timeout=60000):
        dialog.start_export()
    assert (tmp_path / "head.glb").read_bytes()[:4] == b"glTF"


def test_cancel_stops_the_export_and_writes_nothing(make_dialog, qtbot, tmp_path):
    release = threading.Event()

    def slow_textures(params, size):
        release.wait(10)
        return None

    dialog = make_dialog(textures=slow_textures)
    dialog.start_export()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)  # "Cancel"
    release.set()
    finish(qtbot, dialog)
    assert "cancelled" in dialog.status.text()
    assert list(tmp_path.iterdir()) == []
    assert dialog.isVisible()  # cancelling does not close the dialog


def test_bad_folder_and_failures_show_in_the_dialog(make_dialog, qtbot, tmp_path):
    dialog = make_dialog()
    dialog.path_edit.setText(str(tmp_path / "missing" / "head.glb"))
    assert dialog.start_export() is None
    assert "is not a folder" in dialog.status.text()

    def broken_textures(params, size):
        raise OSError("disk full")

    dialog = make_dialog(textures=broken_textures)
    dialog.start_export()
    finish(qtbot, dialog)
    assert "disk full" in dialog.status.text()
    assert not (tmp_path / "head.glb").exists()
