"""Text prompts for research backends in the desktop app (issue 7): with a CLIP checkpoint set,
opening a FLAME model enables the prompt panel and a prompt moves FLAME's sliders as one undo
step; without one the panel stays off and says why."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")
pytest.importorskip("open_clip")
from PySide6.QtCore import Qt  # noqa: E402

from test_backends import flame_dir  # noqa: E402,F401
from test_gui import _needs_a_display, make_window, model  # noqa: E402,F401
from test_gui_backends import open_flame  # noqa: E402
from test_text_clip import TINY, tiny_checkpoint  # noqa: E402,F401

from faceeditor.text import clip_edit  # noqa: E402
from faceeditor.text.backend_engine import BackendClipEngine  # noqa: E402
from faceeditor.text.factory import NO_CHECKPOINT_HINT  # noqa: E402

NAMES = ("shape_000", "shape_001", "exp_000", "exp_001", "tex_000")


@pytest.fixture
def no_clip_anywhere(tmp_path, monkeypatch):
    """No checkpoint in the environment or open_clip's caches; directions cached in tmp."""
    monkeypatch.delenv("FACEEDITOR_CLIP_CHECKPOINT", raising=False)
    monkeypatch.setenv("FACEEDITOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr("pathlib.Path.home", lambda: tmp_path)


def wait_for_text_engine(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.notifications.progress.isVisible(), timeout=60000)


def test_prompt_on_flame_with_a_clip_checkpoint_is_one_undo_step(
        make_window, qtbot, flame_dir, tiny_checkpoint, no_clip_anywhere):  # noqa: F811
    window = make_window()
    window.settings.setValue("text/clip_checkpoint", str(tiny_checkpoint))
    window.settings.setValue("text/clip_model", TINY)
    window.backend_clip_settings = clip_edit.DirectionSettings(faces=1, names=NAMES)
    open_flame(window, qtbot, flame_dir / "generic_model.pkl")
    wait_for_text_engine(window, qtbot)

    assert window.prompt_dock.isEnabled()
    session = window.prompt_panel.session
    assert isinstance(session.engine, BackendClipEngine) and session.state is window.state
    before = window.state.vector.copy()
    qtbot.keyClicks(window.prompt_panel.prompt, "a round, smiling face")
    qtbot.mouseClick(window.prompt_panel.apply_button, Qt.MouseButton.LeftButton)
    after = window.state.vector.copy()
    moved = {p.name for p in window.state.spec if after[p.index] != before[p.index]}
    assert moved and moved <= set(NAMES)
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()  # the whole prompt is one step
    np.testing.assert_array_equal(window.state.vector, before)
    assert not window.state.can_undo


def test_flame_without_a_clip_checkpoint_keeps_the_prompt_panel_off(
        make_window, qtbot, flame_dir, no_clip_anywhere):  # noqa: F811
    window = make_window()
    open_flame(window, qtbot, flame_dir / "generic_model.pkl")
    wait_for_text_engine(window, qtbot)
    assert not window.prompt_dock.isEnabled()
    assert window.prompt_dock.toolTip() == NO_CHECKPOINT_HINT
    assert ("info", NO_CHECKPOINT_HINT) in window.notifications.history
