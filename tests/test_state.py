"""The one parameter state: edits, notifications, undo/redo with merged drags, randomize,
reset and the symmetry lock."""

from __future__ import annotations

import numpy as np
import pytest

from faceeditor.model import load_default_model
from faceeditor.model.spec import (
    DEFAULT_AGE_YEARS,
    UnknownParameterError,
    age_in_years,
    years_to_age,
)
from faceeditor.state import ParameterState, UnknownScopeError


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture
def state(model):
    return ParameterState(model)


def test_set_value_notifies_listeners_with_the_changed_names(state):
    seen = []
    state.add_listener(seen.append)
    state.set_value("nose_hump", 0.4)
    state.set_value("nose_hump", 0.4)  # no change: no notification, no undo step
    assert seen == [frozenset({"nose_hump"})]
    assert state.value("nose_hump") == pytest.approx(0.4)
    assert state.non_default_values() == {"nose_hump": pytest.approx(0.4)}


def test_values_are_clamped_to_the_range_and_unknown_names_rejected(state):
    state.set_value("jawOpen", 3.0)
    assert state.value("jawOpen") == 1.0
    with pytest.raises(UnknownParameterError, match="nose_hump"):
        state.set_value("nose_humpp", 0.1)


def test_undo_and_redo_restore_exact_values(state):
    before = state.vector
    state.set_value("nose_hump", 0.3)
    state.set_value("jawOpen", 0.7)
    after = state.vector
    assert state.undo() and state.undo()
    np.testing.assert_array_equal(state.vector, before)
    assert not state.undo()
    assert state.redo() and state.redo()
    np.testing.assert_array_equal(state.vector, after)
    assert not state.redo()


def test_a_drag_is_one_undo_step(state):
    state.begin_interaction("Drag nose")
    for value in np.linspace(0.0, 0.8, 20):
        state.set_value("nose_hump", float(value))
    state.end_interaction()
    assert state.undo_label == "Drag nose"
    state.undo()
    assert state.value("nose_hump") == 0.0 and not state.can_undo


def test_a_new_edit_clears_redo(state):
    state.set_value("nose_hump", 0.3)
    state.undo()
    assert state.can_redo
    state.set_value("jawOpen", 0.2)
    assert not state.can_redo


def test_symmetry_lock_moves_the_mirror_partner(state, model):
    left = next(p for p in model.spec if p.name.startswith("l_") and p.mirror)
    state.set_value(left.name, 0.5)
    assert state.value(left.mirror) == 0.0
    state.symmetry_lock = True
    state.set_value(left.name, -0.6)
    assert state.value(left.mirror) == pytest.approx(-0.6)
    state.set_value("mouthSmileRight", 0.9)
    assert state.value("mouthSmileLeft") == pytest.approx(0.9)
    state.undo()  # partner and slider undo together
    assert state.value("mouthSmileLeft") == 0.0 and state.value("mouthSmileRight") == 0.0


def test_randomize_is_reproducible_and_respects_its_scope(state, model):
    state.set_value("jawOpen", 0.6)
    seed = state.randomize("shape", seed=11)
    assert seed == 11 and state.seed == 11
    first = state.vector
    assert state.value("jawOpen") == pytest.approx(0.6), "shape randomize kept the expression"
    state.reset()
    state.set_value("jawOpen", 0.6)
    state.randomize("shape", seed=11)
    np.testing.assert_array_equal(state.vector, first)
    state.randomize("shape", seed=12)
    assert not np.array_equal(state.vector, first)


def test_randomize_one_group_touches_only_that_group(state, model):
    before = state.values()
    state.randomize("group", seed=5, group="nose")
    changed = {name for name, value in state.values().items() if value != before[name]}
    assert changed and all(model.spec[name].group == "nose" for name in changed)
    with pytest.raises(UnknownScopeError, match="groups"):
        state.randomize("group", group="elbows")


def test_randomize_without_seed_advances_the_seed(state):
    state.seed = 41
    assert state.randomize() == 42 and state.seed == 42


def test_reset_returns_to_defaults_in_one_step(state, model):
    state.randomize("face", seed=3)
    state.reset()
    np.testing.assert_array_equal(state.vector, model.spec.defaults.astype(np.float64))
    state.undo()
    assert state.non_default_values()


def test_the_default_head_is_an_adult_of_25_and_reset_returns_to_it(state, model):
    metadata = model.asset.metadata
    assert age_in_years(metadata, state.value("age")) == pytest.approx(DEFAULT_AGE_YEARS, abs=0.5)
    assert state.value("gender") == 0.5  # sex in the middle
    ancestry = [state.value(name) for name in ("african", "asian", "caucasian")]
    assert ancestry == [0.5, 0.5, 0.5]  # an even mix
    state.set_values({"age": 0.2, "gender": 0.9}, label="Young")
    state.reset()
    assert age_in_years(metadata, state.value("age")) == pytest.approx(25, abs=0.5)
    state.replace_all({}, label="New")  # File > New
    assert age_in_years(metadata, state.value("age")) == pytest.approx(25, abs=0.5)
    assert years_to_age(metadata, age_in_years(metadata, 0.3)) == pytest.approx(0.3)


def test_replace_all_keeps_double_precision(state):
    value = 0.123456789012345
    state.replace_all({"nose_hump": value}, label="Open")
    assert state.value("nose_hump") == value


def test_randomize_skin_changes_only_appearance(state, model):
    appearance = [p for p in model.spec if p.kind not in ("phenotype", "local", "asym",
                                                            "expression")]
    if not appearance:
        pytest.skip("the model has no appearance parameters")
    before = state.values()
    state.randomize("skin", seed=8)
    changed = {n for n, v in state.values().items() if v != before[n]}
    assert changed and changed <= {p.name for p in appearance}


def test_injected_sampler_and_kinds_drive_randomize(model):
    """A research backend's state: randomize draws from its sampler; "shape" and "skin" follow
    the injected kinds (here: only "expression" moves the mesh, so the rest is "skin")."""
    calls = []

    def sampler(seed: int) -> dict[str, float]:
        calls.append(seed)
        return {p.name: p.maximum for p in model.spec}

    state = ParameterState(model, sampler=sampler, geometry_kinds={"expression"},
                           shape_kinds={"local"})
    assert state.randomize("shape", seed=4) == 4 and calls == [4]
    changed = set(state.non_default_values())
    assert changed and {model.spec[n].kind for n in changed} == {"local"}
    state.reset()
    state.randomize("skin", seed=5)
    kinds = {model.spec[n].kind for n in state.non_default_values()}
    assert "expression" not in kinds and {"phenotype", "local"} <= kinds
    assert state.is_geometry("jawOpen") and not state.is_geometry("nose_hump")
