"""The offline text engine's mechanics: parsing, strength, composition, sides, ranges."""

from __future__ import annotations

import numpy as np
import pytest

from faceeditor.model import load_default_model
from faceeditor.text import lexicon
from faceeditor.text.engine import TextEditEngine, with_side
from faceeditor.text.parser import parse, split_clauses, tokenize
from faceeditor.text.prototypes import EXPRESSIONS


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def engine(model):
    return TextEditEngine(model)  # lexicon only: these tests need no embedding model


def test_every_concept_uses_real_parameters(model):
    expression_names = {p.name for p in model.spec.of_kind("expression")}
    for name, units in EXPRESSIONS.items():
        assert set(units) <= expression_names, name
        assert all(0 < w <= 1 for w in units.values()), name
    for name, effect in lexicon.SHAPES.items():
        missing = set(effect) - set(model.spec.names) - {lexicon.YEARS}
        # appearance names inside shape concepts (older -> fine_wrinkles) are optional
        assert all(n in lexicon_optional() for n in missing), (name, missing)
    for phrase, concept in lexicon.PHRASES.items():
        assert concept in lexicon.CONCEPTS, phrase
    for concept in lexicon.FEATURE_ATTRIBUTES.values():
        assert concept in lexicon.CONCEPTS


def lexicon_optional() -> set[str]:
    return {n for names, _ in lexicon.APPEARANCE.values() for n in names} | {"fine_wrinkles"}


def test_tokenize_and_clauses():
    assert tokenize("Wide-set EYES, please!") == ["wide", "set", "eyes", "please"]
    assert split_clauses("older, with a broader nose and a smile") == [
        "older", "a broader nose", "a smile"]


def test_attribute_borrows_the_previous_feature():
    parsed = parse("a wider nose and longer")
    assert [r.concept for r in parsed.requests] == ["nose_wide", "nose_long"]


def test_modifier_only_clause_modifies_the_previous_request():
    parsed = parse("smile, but only on the right")
    assert [(r.concept, r.side) for r in parsed.requests] == [("smile", "right")]


def test_viewer_side_is_flipped_to_the_face_own_side(engine, model):
    result = engine.edit("smile on the viewer's left")
    assert "mouthSmileRight" in result.changed and "mouthSmileLeft" not in result.changed


def test_unknown_prompt_changes_nothing_and_names_the_words(engine, model):
    start = {"jawOpen": 0.2, "nose_hump": 0.3}
    result = engine.edit("florp the wibble", start)
    assert result.changed == {}
    assert result.unrecognized == ["florp", "wibble"]
    assert result.values == {**model.default_params(), **start}
    assert "did not understand" in result.message() and "florp" in result.message()


def test_partly_understood_prompt_applies_what_it_understood(engine):
    result = engine.edit("smile like the mona lisa")
    assert result.changed["mouthSmileLeft"] > 0
    assert result.unrecognized == ["mona", "lisa"]


def test_strength_scales_the_edit(engine):
    one = engine.edit("slightly older", strength=1.0).changed
    half = engine.edit("slightly older", strength=0.5).changed
    assert set(one) == set(half)
    for name in one:
        assert half[name] == pytest.approx(one[name] / 2)
    assert engine.edit("older", strength=0.0).changed == {}
    with pytest.raises(ValueError, match="strength"):
        engine.edit("older", strength=-1.0)


def test_intensity_words_order_the_size_of_the_change(engine):
    def smile(prompt):
        return engine.edit(prompt).changed["mouthSmileLeft"]

    assert smile("a faint smile") < smile("a slight smile") < smile("smile") \
        < smile("a very big smile")


def test_older_and_younger_move_the_age_in_years(engine, model):
    calibration = model.asset.metadata["shape_calibration"]["age_mapping"]

    def years(prompt):
        age = engine.edit(prompt).values["age"]
        return float(np.interp(age, calibration["anny"], calibration["years"]))

    start = float(np.interp(model.default_params()["age"], calibration["anny"],
                            calibration["years"]))
    assert 24.5 < start < 25.5  # the default head is a young adult
    plain = lexicon.DEFAULT_INTENSITY
    assert years("older") == pytest.approx(start + 20 * plain, abs=0.1)
    assert years("a bit older") == pytest.approx(start + 20 * lexicon.INTENSITY["a bit"], abs=0.1)
    assert years("younger") == pytest.approx(start - 10 * plain, abs=0.1)


def test_edits_compose_on_the_current_face(engine):
    first = engine.edit("older")
    second = engine.edit("older", first.values)
    assert second.values["age"] > first.values["age"]
    both = engine.edit("a wider nose", engine.edit("smile").values)
    assert both.values["mouthSmileLeft"] > 0 and both.values["nose_scale_horiz"] > 0


def test_values_stay_inside_their_ranges(engine, model):
    values = None
    for _ in range(5):
        values = engine.edit("extremely happy, extremely old, huge nose", values).values
    for p in model.spec:
        assert p.minimum <= values[p.name] <= p.maximum
    assert values["mouthSmileLeft"] == 1.0


def test_input_mapping_is_not_modified(engine):
    start = {"mouthSmileLeft": 0.5}
    engine.edit("no smile", start)
    assert start == {"mouthSmileLeft": 0.5}


def test_removal_only_undoes_its_own_direction(engine):
    result = engine.edit("no hooked nose", {"nose_hump": -0.5})
    assert result.changed == {}
    result = engine.edit("no hooked nose", {"nose_hump": 0.5})
    assert result.values["nose_hump"] == 0.0


def test_less_shape_takes_a_little_of_the_opposite(engine):
    result = engine.edit("less masculine")
    assert result.changed["gender"] > 0


def test_neutral_expression_clears_every_expression_but_not_the_shape(engine, model):
    start = {"jawOpen": 0.6, "eyeBlinkLeft": 1.0, "tongueOut": 0.4, "nose_hump": 0.5}
    result = engine.edit("neutral expression", start)
    for p in model.spec.of_kind("expression"):
        assert result.values[p.name] == 0.0
    assert result.values["nose_hump"] == 0.5


def test_with_side_moves_one_sided_effects(model):
    wink = EXPRESSIONS["wink"]
    right = with_side(wink, "right", model.spec)
    assert "eyeBlinkRight" in right and "eyeBlinkLeft" not in right
    smile = with_side(EXPRESSIONS["smile"], "left", model.spec)
    assert "mouthSmileLeft" in smile and "mouthSmileRight" not in smile


def test_appearance_missing_from_the_model_is_reported_not_unrecognized(model, monkeypatch):
    monkeypatch.setitem(lexicon.CONCEPTS, "freckles", lexicon.Concept(
        "freckles", "appearance", {"no_such_freckle_param": 0.7}, "freckles"))
    result = TextEditEngine(model).edit("freckles and a smile")
    assert result.unavailable == ["freckles"]
    assert result.unrecognized == []
    assert "not available in this model: freckles" in result.message()
    assert result.changed["mouthSmileLeft"] > 0


def test_json_shape(engine):
    document = engine.edit("wider nose, blorp").as_json()
    assert set(document) == {"changed", "unrecognized"}
    assert document["unrecognized"] == ["blorp"]
    assert all(isinstance(v, float) for v in document["changed"].values())


def test_attributes_bind_to_the_nearest_feature():
    parsed = parse("big nose small ears")
    assert [r.concept for r in parsed.requests] == ["nose_big", "ears_small"]


@pytest.mark.parametrize("prompt, expected", [
    ("no smile but raised brows", [("smile", "remove"), ("raised_brows", "add")]),
    ("angry no more", [("angry", "remove")]),
    ("smile without teeth", [("smile", "add")]),
    ("less angry, more surprised", [("angry", "less"), ("surprised", "add")]),
])
def test_negation_applies_where_it_stands(prompt, expected):
    assert [(r.concept, r.mode) for r in parse(prompt).requests] == expected


def test_years_older_changes_age_by_those_years():
    import numpy as np

    from faceeditor.model import load_default_model
    from faceeditor.text.engine import TextEditEngine

    model = load_default_model()
    table = model.asset.metadata["shape_calibration"]["age_mapping"]

    def years(age):
        return float(np.interp(age, table["anny"], table["years"]))

    start = {"age": 0.78}  # about 27 years old
    engine = TextEditEngine(model)
    older = engine.edit("make him 20 years older", start)
    assert years(older.values["age"]) - years(0.78) == pytest.approx(20, abs=0.5)
    assert older.unrecognized == []
    assert "head_age" in older.changed  # the other signs of age come along
    younger = engine.edit("5 yrs younger", start)
    assert years(younger.values["age"]) - years(0.78) == pytest.approx(-5, abs=0.5)
