"""The lexicon is data: packaged TOML files merged with the user's own file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from faceeditor.text import lexicon
from faceeditor.text.parser import parse
from faceeditor.text.prototypes import EXPRESSIONS


@pytest.fixture
def restore_lexicon():
    yield
    lexicon.use(lexicon.load(user=None))


def test_packaged_files_are_the_lexicon_and_every_reference_resolves():
    files = lexicon.data_files()
    assert Path(lexicon.DATA_DIR, "lexicon.toml") in files
    loaded = lexicon.load(user=None)
    assert loaded.problems == []
    assert loaded.files == files
    for phrase, concept in loaded.phrases.items():
        assert concept in loaded.concepts, phrase
        assert phrase == phrase.lower() and "  " not in phrase
    for (feature, attribute), concept in loaded.feature_attributes.items():
        assert feature in loaded.features.values(), feature
        assert attribute in loaded.attributes.values(), attribute
        assert concept in loaded.concepts
    for a, b in loaded.opposites.items():
        assert b in loaded.concepts and b in loaded.opposites, (a, b)
    assert set(EXPRESSIONS) <= set(loaded.concepts)
    assert loaded.concepts["smile"].kind == "expression"
    assert loaded.concepts["nose_wide"].effect["nose_scale_horiz"] == pytest.approx(0.7)
    assert loaded.concepts["freckles"].kind == "appearance"
    assert loaded.intensity["slightly"] == pytest.approx(0.45)
    assert "without" in loaded.remove and "the" in loaded.stopwords


def test_each_packaged_phrase_is_listed_once():
    import tomllib

    seen: dict[str, str] = {}
    for path in lexicon.data_files():
        data = tomllib.loads(path.read_text())
        for kind in lexicon.KINDS:
            for name, entry in data.get(kind, {}).items():
                for phrase in entry.get("phrases", []):
                    where = f"{path.name}:{kind}.{name}"
                    assert phrase not in seen, f"{phrase!r} in {seen[phrase]} and {where}"
                    seen[phrase] = where


def test_each_packaged_concept_is_defined_once():
    import tomllib

    seen: dict[str, str] = {}
    for path in lexicon.data_files():
        data = tomllib.loads(path.read_text())
        for kind in lexicon.KINDS:
            for name in data.get(kind, {}):
                where = f"{path.name}:{kind}.{name}"
                assert name not in seen, f"{name!r} is {seen[name]} and {where}"
                seen[name] = where


def test_includes_resolve_and_do_not_loop():
    loaded = lexicon.load(user=None)

    def depth(name, path=()):
        assert name not in path, f"includes loop: {path + (name,)}"
        included = loaded.concepts[name].includes
        return 1 + max((depth(n, path + (name,)) for n in included), default=0)

    for name, concept in loaded.concepts.items():
        assert set(concept.includes) <= set(loaded.concepts), name
        assert depth(name) <= 4, name


def test_user_file_adds_words_and_concepts(tmp_path, monkeypatch, restore_lexicon):
    user = tmp_path / "mine.toml"
    user.write_text('''
[expression.smile]
phrases = ["smirky smile", "beamy"]

[shape.pirate_nose]
description = "a big crooked pirate nose"
effect = { nose_volume = 0.8, asym_nose_1 = 0.5 }
phrases = ["pirate nose", "schnozzle"]

[[intensity]]
level = 1.2
words = ["mega"]
''')
    monkeypatch.setenv("FACEEDITOR_LEXICON", str(user))
    assert lexicon.user_lexicon_path() == user
    loaded = lexicon.reload()
    assert loaded.files[-1] == user and loaded.problems == []
    assert lexicon.PHRASES["beamy"] == "smile"
    assert lexicon.PHRASES["smile"] == "smile"  # the packaged words stay
    parsed = parse("a mega schnozzle and beamy")
    assert [(r.concept, r.intensity) for r in parsed.requests] == [
        ("pirate_nose", 1.2), ("smile", lexicon.DEFAULT_INTENSITY)]
    assert lexicon.SHAPES["pirate_nose"] == {"nose_volume": 0.8, "asym_nose_1": 0.5}


def test_a_phrase_listed_again_moves_to_the_later_concept(tmp_path, restore_lexicon):
    user = tmp_path / "mine.toml"
    user.write_text('[expression.grin]\nphrases = ["beaming"]\n')
    loaded = lexicon.load(user=user)
    assert loaded.phrases["beaming"] == "grin"
    assert lexicon.load(user=None).phrases["beaming"] == "happy"


def test_xdg_config_home_is_the_default_place(tmp_path, monkeypatch):
    monkeypatch.delenv("FACEEDITOR_LEXICON", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert lexicon.user_lexicon_path() == tmp_path / "faceeditor" / "lexicon.toml"
    monkeypatch.setenv("FACEEDITOR_LEXICON", "")
    assert lexicon.user_lexicon_path() is None


def test_a_broken_user_file_is_reported_and_skipped(tmp_path, caplog):
    user = tmp_path / "broken.toml"
    user.write_text('[shape.x\nphrases = ["oops"]\n')
    with caplog.at_level(logging.WARNING):
        loaded = lexicon.load(user=user)
    assert len(loaded.problems) == 1 and "broken.toml" in loaded.problems[0]
    assert "broken.toml" in caplog.text
    assert "smile" in loaded.phrases.values()  # the packaged lexicon still works


def test_unknown_concepts_in_a_user_file_are_dropped_with_a_problem(tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text('[feature_attributes.nose]\nwobbly = "nose_wobbly"\n'
                    '[shape.x]\neffect = { nose_volume = 0.5 }\nopposite = "nothing_here"\n')
    loaded = lexicon.load(user=user)
    assert ("nose", "wobbly") not in loaded.feature_attributes
    assert "x" not in loaded.opposites
    assert any("nose_wobbly" in p for p in loaded.problems)


def test_a_broken_packaged_file_raises_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("phrases = [\n")
    with pytest.raises(lexicon.LexiconError, match="bad.toml: not a valid lexicon file"):
        lexicon.load([bad], user=None)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[shape.x]\nphrases = "nose"\n')
    with pytest.raises(lexicon.LexiconError, match="must be a list of words"):
        lexicon.load([wrong], user=None)
