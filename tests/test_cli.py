"""The command line, run as a user runs it: a real process, its exit status and its output."""

import json
import os
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


def test_info_prints_the_model_summary():
    result = run("info")
    assert result.returncode == 0
    assert "anny-head" in result.stdout and "52 ARKit expressions" in result.stdout
    assert "text edits: word list" in result.stdout and "\nCLIP: " in result.stdout
    assert result.stderr == ""


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="the app needs a display (xvfb-run)")
def test_no_arguments_starts_the_app():
    result = run("--exit-after-first-frame")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("first frame after")


def test_no_arguments_with_a_missing_project_is_a_usage_error(tmp_path):
    result = run("--project", str(tmp_path / "nope.face"))
    assert result.returncode == 2 and "no such project file" in result.stderr


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
    # same file name in two folders: the OBJ names its MTL file, which follows the OBJ's name
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = tmp_path / "a" / "head.obj", tmp_path / "b" / "head.obj"
    assert run("export", "--seed", "9", "-o", str(a)).returncode == 0
    assert run("export", "--seed", "9", "-o", str(b)).returncode == 0
    assert a.read_bytes() == b.read_bytes()
    assert a.with_suffix(".mtl").read_bytes() == b.with_suffix(".mtl").read_bytes()


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "-o", "{tmp}/x.obj", "--set", "jawopen=1"], "unknown parameter 'jawopen' (did you mean jawOpen?)"),
        (["export", "-o", "{tmp}/x.obj", "--set", "jawOpen"], "--set expects name=value"),
        (["export", "-o", "{tmp}/x.obj", "--set", "jawOpen=wide"], "'wide' is not a number"),
        (["export", "-o", "{tmp}/x.obj", "--set", "jawOpen=nan"], "finite"),
        (["export", "-o", "{tmp}/x.stl"], "cannot tell the format from '.stl'"),
        (["export", "--format", "obj", "-o", "{tmp}/x.glb"], "--format obj needs a .obj"),
        (["export", "--texture-size", "512", "-o", "{tmp}/x.glb"], "invalid choice: 512"),
        (["export", "--seed", "1", "--project", "{tmp}/p.face", "-o", "{tmp}/x.glb"],
         "not allowed with argument"),
        (["export", "--project", "{tmp}/missing.face", "-o", "{tmp}/x.glb"], "cannot open"),
        (["render", "-o", "{tmp}/x.jpg"], "render writes PNG images"),
        (["export", "-o", "{tmp}/missing/x.obj"], "is not a folder"),
        (["export", "--seed", "x", "-o", "{tmp}/x.obj"], "invalid int value"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    result = run(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


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


def test_export_glb_with_morphs_from_the_command_line(tmp_path):
    out = tmp_path / "head.glb"
    result = run("export", "--seed", "4", "--set", "jawOpen=0.5", "--texture-size", "1024",
                 "--subdivide", "1", "-o", str(out))
    assert result.returncode == 0, result.stderr
    document = _glb_json(out)
    mesh = document["meshes"][0]
    assert len(mesh["extras"]["targetNames"]) == 52
    assert mesh["weights"][mesh["extras"]["targetNames"].index("jawOpen")] == 0.5
    from faceeditor.model import load_default_model

    faces = sum(document["accessors"][p["indices"]]["count"] // 3 for p in mesh["primitives"])
    assert faces == 4 * len(load_default_model().evaluate().faces)


def test_export_glb_without_morphs_and_existing_file_kept(tmp_path):
    out = tmp_path / "head.glb"
    out.write_bytes(b"keep me")
    result = run("export", "--no-morphs", "--texture-size", "1024", "-o", str(out))
    assert result.returncode == 2 and "use --force" in result.stderr
    assert out.read_bytes() == b"keep me"
    result = run("export", "--no-morphs", "--texture-size", "1024", "--force", "-o", str(out))
    assert result.returncode == 0, result.stderr
    mesh = _glb_json(out)["meshes"][0]
    assert "extras" not in mesh and all("targets" not in p for p in mesh["primitives"])


def test_export_from_a_project_file(tmp_path):
    from faceeditor.model import load_default_model
    from faceeditor.project import Project, save_project

    model = load_default_model()
    params = model.default_params()
    params["jawOpen"] = 0.75
    save_project(tmp_path / "mine.face", Project.for_model(model, params))
    out = tmp_path / "mine.obj"
    result = run("export", "--project", str(tmp_path / "mine.face"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    written = np.array([line.split()[1:] for line in out.read_text().splitlines()
                        if line.startswith("v ")], float)
    np.testing.assert_allclose(written, model.evaluate(params).vertices, atol=2e-6)
    assert "project mine.face" in out.read_text().splitlines()[0]


def test_render_writes_a_png_of_the_head(tmp_path):
    from PIL import Image

    out = tmp_path / "thumb.png"
    result = run("render", "--seed", "2", "--view", "profile", "--size", "96", "-o", str(out))
    assert result.returncode == 0, result.stderr
    image = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert image.shape == (96, 96, 3)
    background = image[0, 0]
    head = np.abs(image - background).sum(-1) > 30
    assert 0.15 < head.mean() < 0.8  # a head fills a good part of the frame
    assert run("render", "--seed", "2", "-o", str(out)).returncode == 2  # no overwrite


def _glb_json(path):
    import json as json_module
    import struct

    data = path.read_bytes()
    length, kind = struct.unpack_from("<II", data, 12)
    assert data[:4] == b"glTF" and kind == 0x4E4F534A
    return json_module.loads(data[20:20 + length])


def test_app_without_a_display_says_so_in_one_line():
    import os

    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "faceeditor"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 1
    assert "no display to open the app on" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_stats_prints_the_measurement_table_against_the_norms(tmp_path):
    plot = tmp_path / "stats.png"
    result = run("stats", "-n", "4", "--population", "us_white", "--plot", str(plot))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "norm mean" in lines[0]
    assert any(line.startswith("us_white   male   Head length (g-op)") for line in lines)
    assert "within bounds" in lines[-1]
    assert plot.stat().st_size > 1000
    bad = run("stats", "--population", "atlantis")
    assert bad.returncode == 2 and "unknown population 'atlantis'" in bad.stderr
    assert "Traceback" not in bad.stderr
