"""``faceeditor edit``, run as a user runs it: a real process, exit status, stdout and stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from faceeditor.model import load_default_model
from faceeditor.project import Project, load_project, save_project


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    """No CLIP checkpoint anywhere, caches in the test's folder (shared with the prompt suite
    so the paraphrase bank is embedded once per session)."""
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if k != "FACEEDITOR_CLIP_CHECKPOINT"}
    env.update(HOME=str(home), HF_HUB_CACHE=str(home / "hub"),
               FACEEDITOR_CACHE_DIR=str(tmp_path_factory.getbasetemp() / "text-cache"))
    return env


def edit(environment, *args, cwd=None):
    return subprocess.run([sys.executable, "-m", "faceeditor", "edit", *args],
                          capture_output=True, text=True, env=environment, cwd=cwd,
                          timeout=300)


def test_json_is_exactly_one_object_on_stdout(environment):
    result = edit(environment, "--prompt", "a faint crooked smile", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    document = json.loads(result.stdout)
    assert set(document) == {"changed", "unrecognized"}
    assert document["changed"]["mouthSmileLeft"] > 0
    assert "mouthSmileRight" not in document["changed"]
    assert document["unrecognized"] == []
    # no checkpoint is a normal state, not a warning on every command (`info` says it)
    assert "CLIP" not in result.stderr and "WARNING" not in result.stderr


def test_strength_scales_and_zero_changes_nothing(environment):
    full = json.loads(edit(environment, "--prompt", "a broader nose", "--json").stdout)["changed"]
    half = json.loads(edit(environment, "--prompt", "a broader nose", "--strength", "0.5",
                           "--json").stdout)["changed"]
    assert half["nose_scale_horiz"] == pytest.approx(full["nose_scale_horiz"] / 2)
    none = json.loads(edit(environment, "--prompt", "a broader nose", "--strength", "0",
                           "--json").stdout)
    assert none == {"changed": {}, "unrecognized": []}


def test_unknown_words_change_nothing_and_are_listed(environment):
    result = edit(environment, "--prompt", "qwxz blorp", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"changed": {}, "unrecognized": ["qwxz", "blorp"]}


def test_project_in_and_out(environment, tmp_path):
    model = load_default_model()
    source = tmp_path / "in.face"
    save_project(source, Project.for_model(model, {**model.default_params(), "nose_hump": 0.3},
                                           seed=7))
    target = tmp_path / "out.face"
    result = edit(environment, "--prompt", "older, with a broader nose", "--project",
                  str(source), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert "changed" in result.stdout
    edited = load_project(target, model)
    default_age = model.default_params()["age"]
    assert edited.parameters["age"] > default_age
    assert edited.parameters["nose_scale_horiz"] > 0
    assert edited.parameters["nose_hump"] == 0.3
    assert edited.seed == 7
    # the input project is untouched
    assert load_project(source, model).parameters["age"] == default_age


def test_without_project_starts_from_the_default_face(environment, tmp_path):
    target = tmp_path / "new.face"
    result = edit(environment, "--prompt", "smile", "-o", str(target), "--json")
    assert result.returncode == 0, result.stderr
    model = load_default_model()
    values = load_project(target, model).parameters
    changed = json.loads(result.stdout)["changed"]
    assert values["mouthSmileLeft"] == pytest.approx(changed["mouthSmileLeft"])
    assert values["age"] == model.default_params()["age"]


@pytest.mark.parametrize("args, message", [
    (["--prompt", "smile", "--strength", "-1"], "--strength"),
    (["--prompt", "  "], "--prompt is empty"),
    (["--prompt", "smile", "--project", "missing.face"], "missing.face"),
    (["--prompt", "smile", "-o", "out.txt"], ".face"),
    (["--prompt", "smile", "--clip-checkpoint", "nope.pt"], "nope.pt does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(environment, tmp_path, args, message):
    result = edit(environment, *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_existing_output_needs_force(environment, tmp_path):
    target = tmp_path / "out.face"
    target.write_text("keep me")
    result = edit(environment, "--prompt", "smile", "-o", str(target))
    assert result.returncode == 2 and "--force" in result.stderr
    assert target.read_text() == "keep me"
    assert edit(environment, "--prompt", "smile", "-o", str(target), "--force").returncode == 0
