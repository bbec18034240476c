"""Project files: exact round trip, clear errors for bad files, atomic saves, autosave
recovery."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from faceeditor.model import load_default_model
from faceeditor.model.prior import sample
from faceeditor.project import (
    FORMAT_VERSION,
    Autosave,
    Project,
    ProjectError,
    encode_project,
    load_project,
    save_project,
)


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def make_project(model, seed=4):
    values = sample(model, seed)
    values["jawOpen"] = 0.1 + 1e-12  # a value float32 could not hold
    return Project.for_model(model, values, seed=seed, camera={"yaw": 12.5, "distance": 0.6},
                             view={"lighting": "rim", "wireframe": True})


def test_save_and_load_round_trip_every_value_exactly(tmp_path, model):
    project = make_project(model)
    path = tmp_path / "head.face"
    save_project(path, project)
    loaded = load_project(path, model)
    assert loaded.parameters == project.parameters
    assert (loaded.seed, loaded.camera, loaded.view) == (4, project.camera, project.view)
    document = json.loads(path.read_text())
    assert document["format_version"] == FORMAT_VERSION
    assert document["model"] == {"id": model.model_id, "version": str(model.version)}


@pytest.mark.parametrize("content, message", [
    (b"{\"format\": \"faceeditor-pro", "corrupt: invalid JSON"),
    (b"\xff\xfe\x00garbage", "not text"),
    (b"[1, 2]", "not a faceeditor project"),
    (b"{\"format\": \"faceeditor-project\", \"format_version\": 99}", "newer faceeditor"),
    (b"{\"format\": \"faceeditor-project\", \"format_version\": 1, "
     b"\"model\": {\"id\": \"smplx\", \"version\": \"1\"}, \"parameters\": {}}", "'smplx'"),
    (b"{\"format\": \"faceeditor-project\", \"format_version\": 1, "
     b"\"model\": {\"id\": \"anny-head\", \"version\": \"1\"}, \"parameters\": {\"nosee\": 1}}",
     "does not know: nosee"),
    (b"{\"format\": \"faceeditor-project\", \"format_version\": 1, "
     b"\"model\": {\"id\": \"anny-head\", \"version\": \"1\"}, "
     b"\"parameters\": {\"jawOpen\": \"x\"}}",
     "finite number"),
])
def test_bad_files_raise_one_line_project_errors(tmp_path, model, content, message):
    path = tmp_path / "bad.face"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=message) as info:
        load_project(path, model)
    assert "\n" not in str(info.value) and "bad.face" in str(info.value)


def test_missing_file_is_a_project_error(tmp_path, model):
    with pytest.raises(ProjectError, match="cannot open"):
        load_project(tmp_path / "nope.face", model)


def test_a_failed_save_keeps_the_old_file(tmp_path, model, monkeypatch):
    path = tmp_path / "head.face"
    save_project(path, make_project(model, seed=1))
    original = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ProjectError, match="No space left"):
        save_project(path, make_project(model, seed=2))
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["head.face"], "temp file left behind"


def test_autosave_of_a_killed_process_is_offered_for_recovery(tmp_path, model):
    project = make_project(model, seed=9)
    script = (
        "import os, signal, sys\n"
        "from faceeditor.project import Autosave, decode_project\n"
        "from faceeditor.model import load_default_model\n"
        "data = sys.stdin.buffer.read()\n"
        f"Autosave({str(tmp_path)!r}).write(decode_project(data, load_default_model()))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], input=encode_project(project),
                            timeout=120)
    assert result.returncode == -9
    autosave = Autosave(tmp_path)
    leftovers = autosave.leftovers()
    assert len(leftovers) == 1
    recovered = autosave.recover(leftovers[0], model)
    assert recovered.parameters == project.parameters
    assert autosave.leftovers() == [] and autosave.path.exists()
    autosave.discard()
    assert not autosave.path.exists()


def test_autosave_of_a_running_process_is_not_offered(tmp_path, model):
    Autosave(tmp_path, pid=os.getppid()).write(make_project(model))
    assert Autosave(tmp_path).leftovers() == []
