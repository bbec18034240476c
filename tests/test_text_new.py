"""New heads from a description: ``new_heads`` and ``faceeditor new``."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from faceeditor.model import load_default_model
from faceeditor.project import load_project
from faceeditor.text import new_head
from faceeditor.text.engine import TextEditEngine
from faceeditor.text.new_head import DescriptionError, description_targets, new_heads


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def engine(model):
    return TextEditEngine(model)


def years(engine, values):
    return engine.years_of(engine.spec.vector(values).astype(np.float64))


def test_targets_of_a_description():
    targets = description_targets("an east asian woman in her thirties")
    assert targets["asian"] == 1.0 and targets["african"] == 0.0
    assert targets["gender"] == (0.8, 1.0)
    assert targets["years"] == (31.0, 39.0)
    assert targets["skin_melanin"] == (0.22, 0.42)
    # an archetype's own targets give way to the explicit ones
    assert description_targets("an old sailor")["years"] == (65.0, 80.0)
    assert description_targets("a sailor")["years"] == (40.0, 62.0)
    assert description_targets("a 47-year-old")["years"] == 47.0


def test_candidates_keep_the_targets_and_differ_elsewhere(model, engine):
    heads = new_heads(model, "an east asian woman in her thirties", 4, seed=5, engine=engine)
    assert len(heads) == 4 and len({h.seed for h in heads}) == 4
    for head in heads:
        v = head.values
        assert v["asian"] == pytest.approx(1.0) and v["caucasian"] == pytest.approx(0.0)
        assert 0.8 <= v["gender"] <= 1.0
        assert 30.9 <= years(engine, v) <= 39.1
        assert 0.22 <= v["skin_melanin"] <= 0.42
        assert all(v[p.name] == 0.0 for p in model.spec.of_kind("expression"))
    noses = {round(h.values["nose_scale_horiz"], 4) for h in heads}
    assert len(noses) == 4  # the prior still varies what the description leaves open


def test_archetype_words_apply_on_top_of_the_draw(model, engine):
    heads = new_heads(model, "a friendly old sailor", 2, seed=1, engine=engine)
    for head in heads:
        assert head.values["mouthSmileLeft"] > 0.1
        assert head.values["gender"] <= 0.2
        assert 65 <= years(engine, head.values) <= 80.1


def test_the_same_seed_makes_the_same_heads(model, engine):
    a = new_heads(model, "a viking", 3, seed=9, engine=engine)
    b = new_heads(model, "a viking", 3, seed=9, engine=engine)
    c = new_heads(model, "a viking", 3, seed=10, engine=engine)
    assert [h.values for h in a] == [h.values for h in b]
    assert a[0].values != c[0].values
    # candidate i is the same whatever the count
    assert new_heads(model, "a viking", 1, seed=9, engine=engine)[0].values == a[0].values


def test_without_a_conditioned_prior_the_appearance_follows_the_fixed_ancestry(
        model, monkeypatch):
    monkeypatch.setattr(new_head, "_supports_fixed", lambda: False)
    head = new_head.sample_with(model, 3, {"african": 1.0, "asian": 0.0, "caucasian": 0.0,
                                           "years": 50.0})
    assert head["african"] == 1.0 and head["skin_melanin"] > 0.45
    assert abs(TextEditEngine(model).years_of(model.spec.vector(head)) - 50.0) < 0.01


def test_bad_descriptions_are_one_line_errors(model, engine):
    with pytest.raises(DescriptionError, match="did not understand"):
        new_heads(model, "xyzzy blorp", 2, engine=engine)
    with pytest.raises(DescriptionError, match="empty"):
        new_heads(model, "  ", engine=engine)


def run_new(*args, cwd):
    return subprocess.run([sys.executable, "-m", "faceeditor", "new", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_cli_writes_one_project_per_candidate(tmp_path, engine):
    result = run_new("--prompt", "a woman in her 70s", "--count", "3", "--seed", "4",
                     "-o", "gran.face", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    paths = [tmp_path / f"gran-{i}.face" for i in (1, 2, 3)]
    assert [h["project"] for h in document["heads"]] == [p.name for p in paths]
    model = engine.model
    for path, head in zip(paths, document["heads"]):
        project = load_project(path, model)
        assert project.seed == head["seed"]
        assert project.parameters["gender"] >= 0.8
        assert 70 <= years(engine, project.parameters) <= 79.01
    again = run_new("--prompt", "a woman in her 70s", "-o", "gran-1.face", cwd=tmp_path)
    assert again.returncode == 2 and "exists; use --force" in again.stderr
    assert again.stderr.count("\n") == 1


def test_cli_renders_previews_and_rejects_bad_input(tmp_path):
    result = run_new("--prompt", "a bodybuilder", "-o", "b.face", "--png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b.face").is_file()
    from PIL import Image

    image = np.asarray(Image.open(tmp_path / "b.png").convert("RGB"))
    assert image.shape == (512, 512, 3) and image.std() > 10
    for args, message in [(["--prompt", "a man", "-o", "x.obj"], "projects are .face files"),
                          (["--prompt", "a man", "--count", "0", "-o", "x.face"], "--count"),
                          (["--prompt", "qwertz", "-o", "x.face"], "did not understand")]:
        bad = run_new(*args, cwd=tmp_path)
        assert bad.returncode == 2 and message in bad.stderr, bad.stderr
        assert "Traceback" not in bad.stderr
    assert not (tmp_path / "x.face").exists()
