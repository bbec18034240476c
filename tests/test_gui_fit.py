"""File > New from Photo or Scan…: landmarks shown before fitting, a worker fit, one undo step,
the photo texture in the viewport and in the saved project."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("skimage")
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from faceeditor.model import load_default_model  # noqa: E402


@pytest.fixture(autouse=True)
def _needs_a_display(qapp):
    if QGuiApplication.platformName() != "xcb":
        pytest.skip("the viewport needs a display; run under xvfb-run (make test)")


@pytest.fixture
def window(qtbot, tmp_path):
    from faceeditor.gui.app import destroy_now, set_surface_format
    from faceeditor.gui.main_window import MainWindow

    set_surface_format()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(load_default_model(), settings, tmp_path / "data")
    win.ask_unsaved_changes = lambda: pytest.fail("unexpected unsaved-changes prompt")
    win.viewport.refine_when_idle = False
    win.viewport.adaptive_resolution = False
    win.resize(1100, 700)
    with qtbot.waitExposed(win):
        win.show()
    qtbot.waitUntil(lambda: win.viewport.albedo_status != "pending"
                    and win.viewport.frames_presented > 1, timeout=20000)
    yield win
    win.state.clear_history()
    win._saved_vector = win.state.vector
    win.close()
    destroy_now(win)


def test_new_from_photo_fits_and_undo_restores(window, qtbot, tmp_path):
    import skimage.data
    from PIL import Image

    from faceeditor.fit import pipeline
    from faceeditor.gui.fit_dialog import LandmarkDialog, new_from_photo_or_scan
    from faceeditor.project import load_project

    photo = tmp_path / "astronaut.png"
    Image.fromarray(skimage.data.astronaut()).save(photo)
    before = window.state.vector
    before_image = window.viewport.grab_image()
    shown = []

    def ask(dialog):
        assert isinstance(dialog, LandmarkDialog)
        assert len(dialog.landmarks) == 1 and dialog.landmarks[0].shape == (468, 3)
        assert not dialog.picture.pixmap().isNull()
        shown.append(dialog.face)
        return True

    options = pipeline.FitOptions(texture_size=256)
    original = pipeline.FitOptions
    pipeline.FitOptions = lambda *a, **k: options  # a small texture keeps the test quick
    try:
        new_from_photo_or_scan(window, photo, ask=ask)
        qtbot.waitUntil(lambda: not np.array_equal(window.state.vector, before), timeout=60000)
    finally:
        pipeline.FitOptions = original
    assert shown == [0]
    assert window.viewport.photo_albedo is not None
    assert window.state.undo_label == "Fit astronaut.png"
    assert window._photo_dock.isVisible()
    qtbot.waitUntil(lambda: not np.array_equal(window.viewport.grab_image(), before_image),
                    timeout=10000)
    # saved projects keep the photo texture
    window.save_to(tmp_path / "fitted.face")
    assert load_project(tmp_path / "fitted.face", window.document_model).albedo_png is not None
    # one undo goes back to the face before the fit, texture included
    window.state.undo()
    np.testing.assert_array_equal(window.state.vector, before)
    assert window.viewport.photo_albedo is None
    window.state.redo()
    assert window.viewport.photo_albedo is not None


def test_a_photo_without_a_face_changes_nothing(window, tmp_path):
    from PIL import Image

    from faceeditor.gui.fit_dialog import new_from_photo_or_scan

    errors = []
    window.show_error = lambda title, text: errors.append(text)
    wall = tmp_path / "wall.png"
    Image.fromarray(np.full((120, 160, 3), 90, np.uint8)).save(wall)
    before = window.state.vector
    new_from_photo_or_scan(window, wall, ask=lambda dialog: pytest.fail("no dialog expected"))
    assert errors == ["no face found in wall.png"]
    np.testing.assert_array_equal(window.state.vector, before)
    assert not window.state.can_undo
