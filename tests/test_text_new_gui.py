"""File > New Head from Description with pytest-qt: four thumbnails rendered offscreen in a
worker, and picking one is one undo step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")
from PySide6.QtCore import QSettings, Qt  # noqa: E402

from faceeditor.model import load_default_model  # noqa: E402
from faceeditor.text.engine import TextEditEngine  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def _forget_changes(window) -> None:
    window._saved_vector = window.state.vector  # no unsaved-changes prompt at the end


def icon_pixels(button) -> np.ndarray:
    """(H, W, 3) uint8 of a thumbnail button's icon."""
    from PySide6.QtGui import QImage

    image = button.icon().pixmap(64, 64).toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : 3 * image.width()].reshape(image.height(), image.width(), 3).copy()


def test_dialog_shows_four_rendered_candidates_and_picks_one(qtbot, model, look_dir):
    from faceeditor.gui.new_head_dialog import COUNT, NewHeadDialog

    engine = TextEditEngine(model)
    dialog = NewHeadDialog(model, engine, "a tired old sailor", seed=2, thumbnail=64)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not any(b.isEnabled() for b in dialog.buttons)
    with qtbot.waitSignal(dialog.ready, timeout=120000):
        qtbot.mouseClick(dialog.generate_button, Qt.MouseButton.LeftButton)
    assert len(dialog.candidates) == COUNT
    thumbnails = [icon_pixels(b) for b in dialog.buttons]
    from faceeditor.render import save_png

    save_png(look_dir / "new_head_thumbnails.png",
             np.concatenate(thumbnails, axis=1))
    for pixels in thumbnails:
        assert pixels.std() > 10  # a rendered head, not a blank square
    assert not np.array_equal(thumbnails[0], thumbnails[1])  # different people
    for caption, head in zip(dialog.captions, dialog.candidates):
        assert "male" in caption.text() and head.values["gender"] <= 0.2
    assert "sailor" in dialog.status.text()
    with qtbot.waitSignal(dialog.chosen) as chosen:
        qtbot.mouseClick(dialog.buttons[2], Qt.MouseButton.LeftButton)
    assert chosen.args[0] is dialog.candidates[2]


def test_a_description_the_engine_does_not_know_says_so(qtbot, model):
    from faceeditor.gui.new_head_dialog import NewHeadDialog

    dialog = NewHeadDialog(model, TextEditEngine(model), "xyzzy blorp", thumbnail=32)
    qtbot.addWidget(dialog)
    dialog.generate()
    qtbot.waitUntil(lambda: "did not understand" in dialog.status.text(), timeout=30000)
    assert not any(b.isEnabled() for b in dialog.buttons)


@pytest.fixture
def window(qtbot, model, tmp_path):
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.platformName() != "xcb":
        pytest.skip("the viewport needs a display; run under xvfb-run (make test)")
    import shiboken6

    from faceeditor.gui.app import destroy_now, set_surface_format
    from faceeditor.gui.main_window import MainWindow

    set_surface_format()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(model, settings, Path(tmp_path / "data"))
    window.ask_unsaved_changes = lambda: pytest.fail("unexpected unsaved-changes prompt")
    qtbot.addWidget(window, before_close_func=_forget_changes)
    window.resize(1000, 700)
    with qtbot.waitExposed(window):
        window.show()
    yield window
    if shiboken6.isValid(window):  # qtbot closed it already
        destroy_now(window)


def test_picking_a_head_in_the_app_is_one_undo_step(qtbot, window):
    window.state.set_values({"mouthSmileLeft": 0.5}, label="Smile")
    before = window.state.values()
    window.prompt_panel.prompt.setText("an east asian woman in her thirties")
    with qtbot.waitSignal(window.prompt_panel.newHeadRequested):
        qtbot.mouseClick(window.prompt_panel.new_head_button, Qt.MouseButton.LeftButton)
    dialog = window.new_head_dialog
    assert dialog.prompt.text() == "an east asian woman in her thirties"
    qtbot.waitUntil(lambda: bool(dialog.candidates), timeout=120000)
    qtbot.mouseClick(dialog.buttons[1], Qt.MouseButton.LeftButton)
    values = window.state.values()
    assert values == pytest.approx(dialog.candidates[1].values)
    assert values["asian"] == pytest.approx(1.0) and values["gender"] >= 0.8
    assert window.state.undo_label.endswith("New head from description")
    window.state.undo()
    assert window.state.values() == pytest.approx(before)
    assert window.state.undo_label.endswith("Smile")


def test_prompt_panel_shows_each_word_and_fixes_an_ignored_one(qtbot, model):
    from faceeditor.gui.prompt_panel import PromptPanel
    from faceeditor.state import ParameterState
    from faceeditor.text.session import PromptSession

    state = ParameterState(model)
    panel = PromptPanel(PromptSession(TextEditEngine(model), state, debounce_s=0.05, live=True))
    qtbot.addWidget(panel)
    panel.show()
    qtbot.keyClicks(panel.prompt, "an old sailer with a smile")
    qtbot.waitUntil(lambda: panel.words.isVisible(), timeout=5000)
    text = panel.words.text()
    assert "<b>old</b> → an old person" in text and "age" in text
    assert "<s>sailer</s> ignored" in text and "href='sailer|sailor'" in text
    panel.words.linkActivated.emit("sailer|sailor")
    assert panel.prompt.text() == "an old sailor with a smile"
    qtbot.waitUntil(lambda: "<b>sailor</b>" in panel.words.text(), timeout=5000)
    assert "ignored" not in panel.words.text()
