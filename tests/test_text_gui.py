"""The prompt panel with pytest-qt: typing previews after a pause, Enter applies one undo step,
Undo restores, history with the Up key, the strength slider, the "what moved" bar chart."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")
from PySide6.QtCore import Qt  # noqa: E402

from faceeditor.model import load_default_model  # noqa: E402
from faceeditor.state import ParameterState  # noqa: E402
from faceeditor.text.engine import TextEditEngine  # noqa: E402
from faceeditor.text.session import PromptSession  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture
def panel(qtbot, model):
    from faceeditor.gui.prompt_panel import PromptPanel

    state = ParameterState(model)
    session = PromptSession(TextEditEngine(model), state, debounce_s=0.1, live=True)
    widget = PromptPanel(session)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_typing_previews_on_the_face_after_a_pause(qtbot, panel):
    state = panel.session.state
    qtbot.keyClicks(panel.prompt, "a big smile")
    qtbot.waitUntil(lambda: bool(panel.bar_values()), timeout=3000)
    assert panel.bar_values()["mouthSmileLeft"] > 0
    assert "Preview" in panel.status.text()
    assert state.value("mouthSmileLeft") > 0 and not state.can_undo


def test_enter_applies_one_undo_step_and_undo_restores(qtbot, panel):
    state = panel.session.state
    before = state.values()
    qtbot.keyClicks(panel.prompt, "older, with a broader nose")
    with qtbot.waitSignal(panel.applied, timeout=3000) as applied:
        qtbot.keyClick(panel.prompt, Qt.Key.Key_Return)
    assert applied.args[0].changed["age"] > 0
    assert state.value("age") > before["age"] and state.can_undo
    assert "Applied" in panel.status.text()
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert state.values() == before


def test_unknown_words_are_named_and_change_nothing(qtbot, panel):
    state = panel.session.state
    before = state.values()
    qtbot.keyClicks(panel.prompt, "glorbnak")
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert "glorbnak" in panel.status.text()
    assert state.values() == before and not state.can_undo


def test_history_and_strength(qtbot, panel):
    qtbot.keyClicks(panel.prompt, "smile")
    qtbot.keyClick(panel.prompt, Qt.Key.Key_Return)
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)  # back to the neutral face
    panel.prompt.clear()
    qtbot.keyClick(panel.prompt, Qt.Key.Key_Up)
    assert panel.prompt.text() == "smile"
    panel.strength.setValue(50)
    assert panel.session.strength == 0.5
    qtbot.waitUntil(lambda: panel.status.text().startswith("Preview"), timeout=3000)
    full = panel.session.engine.edit("smile", panel.session.base_values(), 1.0)
    assert panel.bar_values()["mouthSmileLeft"] == pytest.approx(
        full.changed["mouthSmileLeft"] / 2)


def test_escape_withdraws_the_preview(qtbot, panel):
    state = panel.session.state
    before = state.values()
    qtbot.keyClicks(panel.prompt, "very angry")
    qtbot.waitUntil(lambda: panel.session.previewing, timeout=3000)
    qtbot.keyClick(panel.prompt, Qt.Key.Key_Escape)
    assert state.values() == before and panel.bar_values() == {}
