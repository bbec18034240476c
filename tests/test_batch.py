"""``faceeditor batch``: deterministic items, resumable runs, labels that agree with the images.

Tiny runs (3 items at 96 px); full sizes and throughput live in benchmarks/batch_throughput.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceeditor.batch import BatchConfig, BatchConfigError, run_batch
from faceeditor.batch import hair as batch_hair
from faceeditor.batch.render import CLASSES

SIZE = 96
CLASS = {name: i for i, name in enumerate(CLASSES)}


def config(output: Path, **options) -> BatchConfig:
    base = dict(count=3, seed=5, output=output, labels=True, size=SIZE, pose_range=10.0,
                expressions=("laugh", "surprised"))
    return BatchConfig(**{**base, **options})


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every item file under ``folder`` by relative path (the run's index files left out)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.parent != folder}


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("batch") / "data"
    summary = run_batch(config(output), progress_stream=open(os.devnull, "w"))
    assert (summary.made, summary.failures, summary.interrupted) == (3, [], False)
    return output


@pytest.fixture(scope="module")
def rows(made) -> list[dict]:
    return [json.loads(line) for line in (made / "metadata.jsonl").read_text().splitlines()]


def cli(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faceeditor", "batch", *args],
                          capture_output=True, text=True, timeout=300, **kwargs)


def test_a_run_writes_images_labels_heads_and_an_index(made, rows):
    assert [row["index"] for row in rows] == [0, 1, 2]
    for row in rows:
        for column in ("file_name", "segmentation_file_name", "depth_file_name",
                       "normals_file_name", "head_file"):
            assert (made / row[column]).is_file(), row[column]
        image = Image.open(made / row["file_name"])
        assert image.size == (SIZE, SIZE) and image.mode == "RGB"
        assert Image.open(made / row["depth_file_name"]).mode.startswith("I")
        assert row["expression"] in ("laugh", "surprised")
        assert len(row["landmarks_2d_ibug68"]) == 68 and len(row["landmarks_3d_ibug68"]) == 68
        assert np.asarray(row["camera"]["intrinsics"]).shape == (3, 3)
        assert np.asarray(row["camera"]["extrinsics"]).shape == (4, 4)
    classes = json.loads((made / "classes.json").read_text())["classes"]
    assert [c["name"] for c in classes] == list(CLASSES)
    card = (made / "dataset_card.md").read_text()
    assert "license: cc0-1.0" in card and "3 items" in card and "## Who is in it" in card


def test_labels_load_with_pandas(made):
    pandas = pytest.importorskip("pandas")
    table = pandas.read_json(made / "metadata.jsonl", lines=True)
    assert len(table) == 3 and table["file_name"].tolist()[0] == "images/000000.png"
    assert all(len(p) == 68 for p in table["landmarks_2d_ibug68"])


def test_dataset_loads_as_an_imagefolder(made):
    datasets = pytest.importorskip("datasets")
    dataset = datasets.load_dataset("imagefolder", data_dir=str(made), split="train")
    assert len(dataset) == 3 and dataset[0]["image"].size == (SIZE, SIZE)
    # columns ending in _file_name load as images too
    assert dataset[0]["segmentation"].mode == "P" and dataset[0]["depth"].size == (SIZE, SIZE)
    assert len(dataset[0]["landmarks_2d_ibug68"]) == 68


def test_3d_landmarks_project_to_the_2d_ones_and_lie_at_the_drawn_depth(made, rows):
    for row in rows:
        K = np.asarray(row["camera"]["intrinsics"])
        points = np.asarray(row["landmarks_3d_ibug68"])
        projected = points @ K.T
        np.testing.assert_allclose(projected[:, :2] / projected[:, 2:],
                                   row["landmarks_2d_ibug68"], atol=0.01)
        depth = np.asarray(Image.open(made / row["depth_file_name"]), np.float64)
        depth *= row["depth_scale"]
        pixels = np.floor(row["landmarks_2d_ibug68"]).astype(int)
        visible = np.asarray(row["landmarks_visible_ibug68"])
        assert visible.sum() >= 50, visible.sum()
        drawn = depth[pixels[visible, 1], pixels[visible, 0]]
        assert np.abs(drawn - points[visible, 2]).max() < 0.01


def test_landmarks_fall_on_their_part_of_the_face(made, rows):
    parts = {range(17, 27): {"brows", "skin"}, range(27, 36): {"skin"},
             range(36, 48): {"eyes", "skin"}, range(48, 68): {"lips", "skin", "teeth",
                                                               "mouth_interior"}}
    hits = {"brows": 0, "eyes": 0, "lips": 0}
    for row in rows:
        segmentation = np.asarray(Image.open(made / row["segmentation_file_name"]))
        xy = np.floor(row["landmarks_2d_ibug68"]).astype(int)
        visible = row["landmarks_visible_ibug68"]
        for span, allowed in parts.items():
            for k in span:
                if not visible[k]:
                    continue
                found = CLASSES[segmentation[xy[k, 1], xy[k, 0]]]
                # 96 px: a point on the edge of the lid or lip may fall one pixel outside
                near = {CLASSES[c] for c in segmentation[xy[k, 1] - 1:xy[k, 1] + 2,
                                                         xy[k, 0] - 1:xy[k, 0] + 2].ravel()}
                assert found in allowed or near & allowed, (row["index"], k, found)
                hits[found] = hits.get(found, 0) + 1
        # the jaw is on the face, not the background
        assert all(segmentation[y, x] != CLASS["background"]
                   for (x, y), v in zip(xy[:17], visible[:17]) if v)
    assert hits["brows"] >= 10 and hits["lips"] >= 10 and hits["eyes"] >= 3, hits


def test_segmentation_has_the_face_classes(made, rows):
    seen = set()
    for row in rows:
        segmentation = np.asarray(Image.open(made / row["segmentation_file_name"]))
        present = {CLASSES[c] for c in np.unique(segmentation)}
        assert {"background", "skin", "brows", "eyes", "lips"} <= present, present
        seen |= present
        # depth and normals are drawn exactly where the segmentation says there is a head
        depth = np.asarray(Image.open(made / row["depth_file_name"]))
        assert np.array_equal(depth > 0, segmentation != CLASS["background"])
    assert {"teeth", "mouth_interior"} <= seen, seen  # laughing and surprised mouths are open
    if not batch_hair.available():
        assert "hair" not in seen


def test_same_seed_same_bytes_with_two_workers(made, tmp_path):
    summary = run_batch(config(tmp_path / "again", workers=2),
                        progress_stream=open(os.devnull, "w"))
    assert summary.made == 3
    assert folder_bytes(tmp_path / "again") == folder_bytes(made)


def test_a_rerun_keeps_good_items_and_remakes_damaged_ones(made, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(made, copy)
    (copy / "images/000001.png").unlink()
    (copy / "segmentation/000002.png").write_bytes(b"not a png")
    (copy / "images/.000000.png.abc.tmp").write_bytes(b"half")  # left by a killed write
    summary = run_batch(config(copy), progress_stream=open(os.devnull, "w"))
    assert (summary.kept, summary.made, summary.remade) == (1, 2, 2)
    assert folder_bytes(copy) == folder_bytes(made)


def test_resume_after_the_run_is_killed(made, tmp_path):
    output = tmp_path / "killed"
    args = ["--count", "6", "--seed", "5", "--labels", "--size", str(SIZE), "--pose-range", "10",
            "--expressions", "laugh,surprised", "-o", str(output)]
    process = subprocess.Popen([sys.executable, "-m", "faceeditor", "batch", *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = output / "manifest.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if manifest.exists() and json.loads(manifest.read_text())["items"]:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = json.loads(manifest.read_text())["items"]
    assert 1 <= len(done) < 6
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert f"6/6 items complete ({6 - len(done)} made, {len(done)} kept" in result.stdout
    ours = {k: v for k, v in folder_bytes(output).items() if k.split("/")[1] < "000003"}
    assert ours == folder_bytes(made)
    assert not list(output.rglob("*.tmp"))


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_kill_stops_the_run_cleanly_and_it_resumes(made, tmp_path):
    """`kill PID` (SIGTERM) is an interruption like Ctrl+C: exit 130, the items made so far are
    kept, no worker is left running, and a rerun completes the same bytes."""
    output = tmp_path / "terminated"
    args = ["--count", "6", "--seed", "5", "--labels", "--size", str(SIZE), "--pose-range", "10",
            "--expressions", "laugh,surprised", "--workers", "2", "-o", str(output)]
    process = subprocess.Popen([sys.executable, "-m", "faceeditor", "batch", *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    manifest = output / "manifest.json"
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and process.poll() is None:
        workers = workers or [c for c in _children(process.pid)
                              if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]
        if manifest.exists() and json.loads(manifest.read_text())["items"]:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert workers and not [w for w in workers if Path(f"/proc/{w}").exists()]
    done = json.loads(manifest.read_text())["items"]
    assert 1 <= len(done) <= 6
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    ours = {k: v for k, v in folder_bytes(output).items() if k.split("/")[1] < "000003"}
    assert ours == folder_bytes(made)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_killed_worker_process_is_replaced(tmp_path):
    output = tmp_path / "workers"
    process = subprocess.Popen(
        [sys.executable, "-m", "faceeditor", "batch", "--count", "8", "--render", "--size", "64",
         "--workers", "2", "-o", str(output)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    deadline = time.monotonic() + 120
    killed = None
    while time.monotonic() < deadline and process.poll() is None and killed is None:
        workers = [p for p in _children(process.pid)
                   if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")]
        if len(workers) == 2 and (output / "manifest.json").exists():
            killed = workers[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.02)
    out, err = process.communicate(timeout=300)
    assert killed is not None, "the run ended before a worker could be killed"
    assert process.returncode == 0, err
    assert "8/8 items complete" in out
    assert "worker process died" in err


@pytest.mark.parametrize("args, message", [
    (["--count", "0", "--render"], "--count must be between"),
    (["--count", "2"], "nothing to make"),
    (["--count", "2", "--export", "fbx"], "--export: unknown value 'fbx'"),
    (["--count", "2", "--render", "--size", "8"], "--size must be between"),
    (["--count", "2", "--render", "--expressions", "smiel"], "did you mean smile"),
    (["--count", "2", "--render", "--lighting", "moon"], "--lighting: unknown preset"),
    (["--count", "2", "--render", "--vary", "shape"], "--vary needs --template"),
    (["--count", "2", "--render", "--ray-address", "auto"], "--ray-address needs --engine ray"),
    (["--count", "2", "--render", "--pose-range", "120"], "--pose-range must be between"),
    (["--count", "2", "--render", "--template", "nope.face"], "no such project file"),
])
def test_bad_options_are_one_line_errors(tmp_path, args, message):
    result = cli(*args, "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.startswith("faceeditor: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "out").exists()


def test_a_folder_of_another_run_is_refused(made):
    with pytest.raises(BatchConfigError, match="seed 5 -> 6"):
        run_batch(config(made, seed=6))


def test_a_folder_with_other_files_is_refused(tmp_path):
    (tmp_path / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(BatchConfigError, match="is not empty and holds no batch"):
        run_batch(config(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["holiday.jpg"]


def test_failed_items_are_listed_and_exit_non_zero(tmp_path, monkeypatch):
    from faceeditor.batch import item

    real = item.ItemMaker.make

    def flaky(self, index):
        if index == 1:
            raise OSError("disk full")
        return real(self, index)

    monkeypatch.setattr(item.ItemMaker, "make", flaky)
    summary = run_batch(config(tmp_path / "out", labels=False, render=True),
                        progress_stream=open(os.devnull, "w"))
    assert summary.made == 2 and summary.failures == [(1, "OSError: disk full")]
    assert "item 1: OSError: disk full" in summary.text()
    assert len((tmp_path / "out/metadata.jsonl").read_text().splitlines()) == 2


def test_template_keeps_what_is_not_varied(tmp_path):
    from faceeditor.batch.config import check
    from faceeditor.batch.scene import make_scene
    from faceeditor.model import load_default_model
    from faceeditor.model.prior import sample
    from faceeditor.project import Project, save_project

    model = load_default_model()
    template = sample(model, 123)
    save_project(tmp_path / "head.face", Project.for_model(model, template))
    base = config(tmp_path / "out", template=tmp_path / "head.face", vary=("skin",),
                  expressions=("neutral",))
    scene = make_scene(check(base, model), model, 0)
    for p in model.spec:
        if p.kind in ("phenotype", "local", "asym"):
            assert scene.params[p.name] == pytest.approx(template[p.name]), p.name
    assert scene.params["skin_melanin"] != pytest.approx(template["skin_melanin"])
    assert scene.expression == "template"


def test_export_writes_heads_listed_in_the_manifest(tmp_path):
    summary = run_batch(BatchConfig(count=1, seed=3, output=tmp_path / "heads",
                                    export=("glb", "obj")),
                        progress_stream=open(os.devnull, "w"))
    assert summary.made == 1
    out = tmp_path / "heads"
    files = json.loads((out / "manifest.json").read_text())["items"]["0"]["files"]
    assert {"heads/000000.glb", "heads/000000.obj", "heads/000000.mtl",
            "heads/000000.face"} <= set(files)
    assert (out / "heads/000000.glb").read_bytes()[:4] == b"glTF"
    assert not (out / "metadata.jsonl").exists()  # no images, no imagefolder index


def test_ray_engine_makes_the_same_items(made, tmp_path):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        for return_bytes in (False, True):
            output = tmp_path / f"ray-{return_bytes}"
            summary = run_batch(config(output, engine="ray", workers=2,
                                       return_bytes=return_bytes),
                                progress_stream=open(os.devnull, "w"))
            assert summary.made == 3 and not summary.failures
            assert folder_bytes(output) == folder_bytes(made)
    finally:
        ray.shutdown()


def test_ray_engine_without_ray_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(BatchConfigError, match=r"pip install 'faceeditor\[scale\]'"):
        run_batch(dataclasses.replace(config(tmp_path), engine="ray"))


def test_a_run_stops_when_every_item_fails(tmp_path, monkeypatch):
    from faceeditor.batch import item

    def full_disk(self, index):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(item.ItemMaker, "make", full_disk)
    summary = run_batch(config(tmp_path / "out", count=30), progress_stream=open(os.devnull, "w"))
    assert summary.made == 0 and len(summary.failures) == 10
    assert "stopped: the last 10 items failed" in summary.text()


@pytest.mark.skipif(not batch_hair.available(), reason="needs faceeditor.hair")
def test_hair_is_in_the_image_and_the_labels(tmp_path):
    from faceeditor.model import load_default_model
    from faceeditor.model.prior import sample
    from faceeditor.project import Project, save_project

    model = load_default_model()
    params = sample(model, 123)
    style = model.spec["hair_style"]
    params["hair_style"] = float(style.choices.index("long straight"))
    save_project(tmp_path / "long.face", Project.for_model(model, params))
    output = tmp_path / "out"
    summary = run_batch(config(output, count=2, template=tmp_path / "long.face",
                               vary=("skin", "expression")),
                        progress_stream=open(os.devnull, "w"))
    assert summary.made == 2
    for index in range(2):
        segmentation = np.asarray(Image.open(output / f"segmentation/{index:06d}.png"))
        depth = np.asarray(Image.open(output / f"depth/{index:06d}.png"))
        hair = segmentation == CLASS["hair"]
        assert hair.sum() > 0.03 * hair.size, hair.sum()
        assert (depth[hair] > 0).all()  # hair has a depth, in front of the head
        assert (segmentation == CLASS["skin"]).sum() > 0.03 * hair.size
