"""The command line, run as a user runs it: a real process, its exit status and its output."""

import json
import subprocess
import sys

import numpy as np
import pytest

from faceeditor import __version__


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "faceeditor", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"faceeditor {__version__}"


def test_no_arguments_prints_the_model_summary():
    result = run()
    assert result.returncode == 0
    assert "anny-head" in result.stdout and "52 ARKit expressions" in result.stdout


def test_params_json_lists_the_whole_spec():
    result = run("params", "--json")
    assert result.returncode == 0
    spec = json.loads(result.stdout)
    for entry in spec:
        assert {"name", "group", "label", "min", "max", "default"} <= set(entry)
        assert entry["min"] <= entry["default"] <= entry["max"]
    kinds = [entry["kind"] for entry in spec]
    assert kinds.count("local") + kinds.count("asym") >= 140
    assert kinds.count("expression") == 52 and kinds.count("phenotype") == 8
    groups = {entry["group"] for entry in spec}
    assert {"macros", "nose", "mouth", "eyes", "ears", "chin_jaw", "expression"} <= groups
    assert len({entry["name"] for entry in spec}) == len(spec)


def test_params_text_is_grouped():
    result = run("params")
    assert result.returncode == 0
    assert result.stdout.startswith("Macros (8)") and "Chin & Jaw" in result.stdout


def test_export_obj_round_trips_through_trimesh(tmp_path):
    trimesh = pytest.importorskip("trimesh")
    out = tmp_path / "head.obj"
    result = run("export", "--seed", "3", "--set", "jawOpen=0.5", "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("# faceeditor") and "\nvt " in text and "\nvn " in text
    from faceeditor.model import load_default_model
    from faceeditor.model.prior import sample

    model = load_default_model()
    params = sample(model, 3)
    params["jawOpen"] = 0.5
    expected = model.evaluate(params)
    scene = trimesh.load(out, process=False, group_material=False)
    meshes = scene.geometry.values() if hasattr(scene, "geometry") else [scene]
    faces = sum(len(m.faces) for m in meshes)
    assert faces == len(expected.faces)
    # the positions written are the model's, to the printed precision
    written = np.array([line.split()[1:] for line in text.splitlines() if line.startswith("v ")],
                       float)
    np.testing.assert_allclose(written, expected.vertices, atol=2e-6)


def test_same_seed_same_file(tmp_path):
    a, b = tmp_path / "a.obj", tmp_path / "b.obj"
    assert run("export", "--seed", "9", "-o", str(a)).returncode == 0
    assert run("export", "--seed", "9", "-o", str(b)).returncode == 0
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "-o", "{tmp}/x.obj", "--set", "jawopen=1"], "unknown parameter 'jawopen' (did you mean jawOpen?)"),
        (["export", "-o", "{tmp}/x.obj", "--set", "jawOpen"], "--set expects name=value"),
        (["export", "-o", "{tmp}/x.obj", "--set", "jawOpen=wide"], "'wide' is not a number"),
        (["export", "-o", "{tmp}/x.obj", "--set", "jawOpen=nan"], "finite"),
        (["export", "-o", "{tmp}/x.glb"], "only .obj export"),
        (["export", "-o", "{tmp}/missing/x.obj"], "is not a folder"),
        (["export", "--seed", "x", "-o", "{tmp}/x.obj"], "invalid int value"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    result = run(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.obj").exists()


def test_existing_file_is_kept_without_force(tmp_path):
    out = tmp_path / "x.obj"
    out.write_text("my work")
    result = run("export", "--seed", "1", "-o", str(out))
    assert result.returncode == 2 and "use --force" in result.stderr
    assert out.read_text() == "my work"
    assert run("export", "--seed", "1", "-o", str(out), "--force").returncode == 0
    assert out.read_text().startswith("# faceeditor")


def test_out_of_range_value_is_clamped_with_a_warning(tmp_path):
    result = run("export", "-o", str(tmp_path / "x.obj"), "--set", "jawOpen=3")
    assert result.returncode == 0
    assert "jawOpen=3 is outside [0, 1]; clamped to 1" in result.stderr


def test_params_into_a_closed_pipe_is_quiet():
    process = subprocess.run(f"{sys.executable} -m faceeditor params | head -1", shell=True,
                             capture_output=True, text=True, timeout=120)
    assert process.stdout.strip() == "Macros (8)"
    assert "Error" not in process.stderr and "Traceback" not in process.stderr
