"""The Qt-free prompt session a GUI drives: debounce, preview, apply as one undo step, history."""

from __future__ import annotations

import pytest

from faceeditor.model import load_default_model
from faceeditor.state import ParameterState
from faceeditor.text.engine import TextEditEngine
from faceeditor.text.session import PromptSession


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture
def state(model):
    return ParameterState(model, {"nose_hump": 0.3})


@pytest.fixture
def session(model, state):
    return PromptSession(TextEditEngine(model), state, debounce_s=0.3)


def test_preview_waits_for_typing_to_stop(session):
    session.text_changed("sm", 0.0)
    session.text_changed("smi", 0.1)
    session.text_changed("smile", 0.2)
    assert session.poll(0.4) is None  # only 0.2 s since the last key
    preview = session.poll(0.55)
    assert preview is not None and preview.changed["mouthSmileLeft"] > 0
    assert session.poll(0.9) is None  # one preview per pause
    assert session.last_preview is preview


def test_preview_does_not_touch_the_state(session, state):
    before = state.values()
    session.text_changed("very angry", 0.0)
    assert session.poll(1.0) is not None
    assert state.values() == before and not state.can_undo


def test_apply_is_one_undo_step_and_undo_restores(session, state):
    before = state.values()
    session.text_changed("older, with a broader nose and a smile", 0.0)
    result = session.apply()
    assert result.changed
    after = state.values()
    for name, delta in result.changed.items():
        assert after[name] == pytest.approx(before[name] + delta)
    assert state.undo_label.startswith("Prompt")
    assert session.undo()
    assert state.values() == before
    assert not state.can_undo


def test_edits_compose_through_the_state(session, state):
    session.text_changed("older", 0.0)
    session.apply()
    first = state.value("age")
    session.apply()
    assert state.value("age") > first


def test_prompt_that_changes_nothing_adds_no_undo_step(session, state):
    session.text_changed("zorblax", 0.0)
    result = session.apply()
    assert result.unrecognized == ["zorblax"] and not state.can_undo


def test_strength_change_refreshes_the_preview(session):
    session.text_changed("smile", 0.0)
    weak = session.poll(1.0)
    session.strength = 0.5
    strong_or_weak = session.poll(1.0)
    assert strong_or_weak is not None
    assert strong_or_weak.changed["mouthSmileLeft"] == pytest.approx(
        weak.changed["mouthSmileLeft"] / 2)
    with pytest.raises(ValueError):
        session.strength = 5.0


def test_history_recalls_applied_prompts(session):
    for text in ("smile", "older", "smile"):
        session.text_changed(text, 0.0)
        session.apply()
    assert session.history == ["older", "smile"]
    assert session.history_previous() == "smile"
    assert session.history_previous() == "older"
    assert session.history_previous() is None
    assert session.history_next() == "smile"
    assert session.text == "smile"


def test_empty_text_does_nothing(session, state):
    session.text_changed("   ", 0.0)
    assert session.poll(1.0) is None
    assert session.apply() is None
    assert not state.can_undo


def test_live_preview_shows_on_the_face_without_an_undo_step(model, state):
    session = PromptSession(TextEditEngine(model), state, debounce_s=0.3, live=True)
    before = state.values()
    session.text_changed("smile", 0.0)
    session.poll(1.0)
    assert session.previewing and state.value("mouthSmileLeft") > 0
    assert not state.can_undo
    # a new preview replaces the previous one instead of stacking on it
    session.text_changed("older", 1.0)
    session.poll(2.0)
    assert state.value("mouthSmileLeft") == 0.0 and state.value("age") > before["age"]
    result = session.apply()
    assert not session.previewing
    assert state.value("age") == pytest.approx(before["age"] + result.changed["age"])
    assert state.undo_label.startswith("Prompt")
    state.undo()
    assert state.values() == before and not state.can_undo


def test_live_preview_cancel_and_clearing_restore_the_face(model, state):
    session = PromptSession(TextEditEngine(model), state, debounce_s=0.3, live=True)
    before = state.values()
    session.text_changed("very angry", 0.0)
    session.poll(1.0)
    assert state.values() != before
    session.cancel()
    assert state.values() == before and not state.can_undo
    session.text_changed("very angry", 2.0)
    session.text_changed("", 2.1)
    session.poll(3.0)
    assert state.values() == before and not session.previewing
