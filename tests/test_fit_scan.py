"""Scan fitting: mesh readers (checked against trimesh's writers), units, alignment, the CLI."""

import subprocess
import sys

import numpy as np
import pytest

from faceeditor.fit.camera import rotation_matrix
from faceeditor.fit.meshio import MeshReadError, read_mesh
from faceeditor.fit.pipeline import FitError
from faceeditor.fit.scan import detect_units
from faceeditor.model import load_default_model

trimesh = pytest.importorskip("trimesh")


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def sorted_rows(a):
    a = np.round(np.asarray(a, float), 4)
    return a[np.lexsort(a.T[::-1])]


@pytest.mark.parametrize("name,kwargs", [("m.obj", {}), ("m.ply", {"encoding": "binary"}),
                                         ("a.ply", {"encoding": "ascii"}), ("m.stl", {}),
                                         ("a.stl", {"file_type": "stl_ascii"}), ("m.glb", {})])
def test_readers_match_trimesh(tmp_path, name, kwargs):
    box = trimesh.creation.icosphere(subdivisions=2, radius=0.1)
    path = tmp_path / name
    box.export(path, **kwargs)
    mesh = read_mesh(path)
    assert len(mesh.faces) == len(box.faces)
    np.testing.assert_allclose(sorted_rows(mesh.vertices), sorted_rows(box.vertices), atol=1e-4)
    # every triangle has the same corners (as sets of positions) as trimesh's
    ours = np.sort(np.round(mesh.vertices[mesh.faces], 4).reshape(len(mesh.faces), -1), axis=0)
    theirs = np.sort(np.round(box.vertices[box.faces], 4).reshape(len(box.faces), -1), axis=0)
    assert ours.shape == theirs.shape


def test_bad_meshes_are_one_line_errors(tmp_path):
    for name, data in (("e.obj", b""), ("t.ply", b"plyx garbage"), ("s.stl", b"\x00" * 90),
                       ("g.glb", b"glTF\x01\x00\x00\x00"), ("n.obj", b"v 0 0 0\nf 1 2 3\n")):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(MeshReadError) as error:
            read_mesh(path)
        assert name in str(error.value) and "\n" not in str(error.value)


def test_units_are_detected_from_the_size():
    head = np.random.default_rng(0).random((100, 3)) * [0.16, 0.24, 0.2]
    assert detect_units(head) == "m"
    assert detect_units(head * 100) == "cm"
    assert detect_units(head * 1000) == "mm"
    with pytest.raises(FitError, match="--units"):
        detect_units(head * 1e5)


def write_head_scan(model, path, params):
    """The head as an OBJ in millimetres, Z up, with noise and 5% of its triangles missing."""
    mesh = model.evaluate(params)
    rng = np.random.default_rng(1)
    faces = mesh.faces[mesh.face_parts == 0]
    faces = faces[rng.random(len(faces)) > 0.05]
    z_up = rotation_matrix(np.array([np.pi / 2, 0.0, 0.0]))
    vertices = mesh.vertices.astype(float) @ z_up.T * 1000 + rng.normal(0, 0.2, (len(
        mesh.vertices), 3)) + [30, -40, 900]
    lines = [f"v {x:.3f} {y:.3f} {z:.3f}" for x, y, z in vertices]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in faces]
    path.write_text("\n".join(lines) + "\n")


def face_error(model, fitted_params, true_params):
    """Distances (mm) of the true face vertices to the fitted skin after the similarity that
    best aligns the fitted face vertices to the true ones."""
    from faceeditor.detect.pose import align_similarity as similarity
    from faceeditor.fit.scan import face_vertices, surface_distance

    fitted, truth = model.evaluate(fitted_params), model.evaluate(true_params)
    face = face_vertices(model.evaluate())
    a, b = np.asarray(fitted.vertices, float), np.asarray(truth.vertices, float)
    scale, rotation, shift = similarity(a[face], b[face])
    moved = a @ (scale * rotation).T + shift
    return surface_distance(b[face], moved, fitted.faces[fitted.face_parts == 0]) * 1000


def test_scan_command_fits_a_head(model, tmp_path):
    from faceeditor.model.prior import sample
    from faceeditor.project import load_project

    scan = tmp_path / "scan.obj"
    truth = sample(model, 3)
    write_head_scan(model, scan, truth)
    output, preview = tmp_path / "head.face", tmp_path / "side.png"
    result = subprocess.run([sys.executable, "-m", "faceeditor", "fit", str(scan), "-o",
                             str(output), "--preview", str(preview)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "face median mm" in result.stdout
    median = float(result.stdout.split("face median mm ")[1].split(",")[0])
    assert median < 0.5  # the scan's own noise is 0.2 mm
    project = load_project(output, model)
    assert project.albedo_png is None
    # the fitted head is the scanned one: its face within ~0.3 mm of the true face's surface
    error = face_error(model, project.parameters, truth)
    assert np.median(error) < 0.3 and np.percentile(error, 90) < 1.0
    from PIL import Image

    assert Image.open(preview).size[0] > 4 * Image.open(preview).size[1] - 20
    # a scan that is no head
    blob = tmp_path / "blob.stl"
    trimesh.creation.box(extents=(200, 10, 10)).export(blob)
    result = subprocess.run([sys.executable, "-m", "faceeditor", "fit", str(blob), "-o",
                             str(tmp_path / "blob.face")], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_surface_search_matches_brute_force():
    from faceeditor.fit.register import ScanSurface
    from faceeditor.model.surface import closest_points

    sphere = trimesh.creation.icosphere(subdivisions=3, radius=100.0)
    surface = ScanSurface.build(sphere.vertices, sphere.faces)
    rng = np.random.default_rng(0)
    points = rng.normal(size=(200, 3))
    points *= rng.uniform(80, 120, (200, 1)) / np.linalg.norm(points, axis=1, keepdims=True)
    position, normal, distance = surface.closest(points)
    exact = closest_points(points, sphere.vertices, sphere.faces)[2]
    np.testing.assert_allclose(distance, exact, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(position - points, axis=1), distance, atol=1e-9)
    # normals point outward, like the points' directions from the centre
    assert ((normal * points).sum(1) / np.linalg.norm(points, axis=1) > 0.99).all()
