"""Hair words in text prompts (faceeditor/text/data/hair.toml)."""

from __future__ import annotations

import pytest

from faceeditor.hair.settings import HairSettings
from faceeditor.model import load_default_model
from faceeditor.text import lexicon
from faceeditor.text.engine import TextEditEngine


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def engine(model):
    return TextEditEngine(model)


def _hair(engine, prompt, start=None):
    result = engine.edit(prompt, start or {})
    assert result.unrecognized == [], prompt
    return HairSettings.of(result.values), result.values


@pytest.mark.parametrize("prompt, style", [
    ("bald", "bald"), ("shaved head", "buzz"), ("a buzz cut", "buzz"), ("short hair", "short crop"),
    ("a side part", "side part"), ("a bob", "bob"), ("long hair", "long straight"),
    ("long wavy hair", "long wavy"), ("an afro", "curly"), ("ponytail", "ponytail"),
    ("a receding hairline", "receding"),
])
def test_style_words_choose_the_style(engine, prompt, style):
    settings, _ = _hair(engine, prompt)
    assert settings.style == style


def test_long_red_hair_is_long_and_red(engine, model):
    settings, values = _hair(engine, "long red hair")
    assert settings.style == "long straight"
    assert values["hair_redness"] > model.spec["hair_redness"].default + 0.3
    assert values["hair_length"] >= 0.5


def test_beard_words(engine):
    grey, values = _hair(engine, "grey beard", {"gender": 0.0})
    assert grey.beard == "full beard" and values["hair_grey"] >= 0.75
    assert _hair(engine, "a goatee")[0].beard == "goatee"
    assert _hair(engine, "a moustache")[0].beard == "moustache"
    shaven, values = _hair(engine, "no beard", {"beard_style": 3.0, "beard_shadow": 0.8})
    assert shaven.beard == "none" and values["beard_shadow"] == 0.0


def test_brow_and_lash_words_move_their_sliders(engine, model):
    _, bushy = _hair(engine, "bushy eyebrows")
    assert bushy["eyebrow_thickness"] > model.spec["eyebrow_thickness"].default + 0.2
    _, lashes = _hair(engine, "longer eyelashes")
    assert lashes["eyelash_length"] > model.spec["eyelash_length"].default + 0.2
    _, sparse = _hair(engine, "thin eyebrows")
    assert sparse["eyebrow_thickness"] < model.spec["eyebrow_thickness"].default


def test_styles_are_chosen_never_blended(engine):
    # at strength 0.6 a blended value (2 -> 5) would land on 'bob'; a style is either applied
    result = engine.edit("long hair", {}, strength=0.6)
    assert HairSettings.of(result.values).style == "long straight"


def test_archetypes_bring_beards(engine):
    assert _hair(engine, "a viking")[0].beard == "full beard"


def test_hair_words_live_in_their_data_file():
    assert lexicon.PHRASES["ponytail"] == "ponytail"
    assert any(path.name == "hair.toml" for path in lexicon.data_files())
