"""SurfacePoints: points bound to the mesh by triangle + barycentric weights follow every slider."""

import numpy as np
import pytest

from faceeditor.model import load_default_model
from faceeditor.model.surface import SurfacePoints, closest_points


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def test_closest_point_on_one_triangle_matches_the_geometry():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float)
    faces = np.array([[0, 1, 2]])
    queries = np.array([[0.2, 0.2, 0.5],    # above the inside: projects straight down
                        [-1, -1, 0],        # beyond vertex a
                        [2, -0.5, 0],       # beyond vertex b
                        [0.5, -1, 0],       # beyond edge ab
                        [1, 1, 0],          # beyond edge bc
                        [-1, 0.5, 0.3]])    # beyond edge ac
    expected = np.array([[0.2, 0.2, 0], [0, 0, 0], [1, 0, 0], [0.5, 0, 0], [0.5, 0.5, 0],
                         [0, 0.5, 0]])
    tri, weights, dist = closest_points(queries, vertices, faces)
    np.testing.assert_allclose(weights @ vertices, expected, atol=1e-12)
    np.testing.assert_allclose(dist, np.linalg.norm(queries - expected, axis=1), atol=1e-12)
    assert (weights >= -1e-12).all() and np.allclose(weights.sum(1), 1)


def test_bound_points_follow_the_head_and_carry_gradients(model):
    torch = pytest.importorskip("torch")
    mesh = model.evaluate()
    ids = np.array([0, 100, 2000, 4000])
    points = SurfacePoints.of_vertices(ids, mesh.faces)
    np.testing.assert_allclose(points.positions(mesh.vertices, mesh.faces), mesh.vertices[ids],
                               atol=1e-7)
    # a point bound on the default head stays on the surface of a changed head
    rng = np.random.default_rng(0)
    targets = mesh.vertices[rng.choice(len(mesh.vertices), 50, replace=False)] + 1e-4
    bound = SurfacePoints.closest(targets, mesh.vertices, mesh.faces)
    changed = model.evaluate({"nose_scale_horiz": 1.0, "jawOpen": 1.0, "age": 1.0})
    moved = bound.positions(changed.vertices, mesh.faces)
    _, _, distance = closest_points(moved, changed.vertices, mesh.faces)
    assert distance.max() < 1e-6
    assert np.abs(moved - bound.positions(mesh.vertices, mesh.faces)).max() > 1e-3
    # torch: same values, gradients reach the parameters
    vector = torch.tensor(model.spec.vector({"jawOpen": 0.5}), requires_grad=True)
    tmesh = model.evaluate(vector)
    xyz = bound.positions(tmesh.vertices, mesh.faces)
    np.testing.assert_allclose(xyz.detach().numpy(), bound.positions(
        model.evaluate({"jawOpen": 0.5}).vertices, mesh.faces), atol=1e-5)
    xyz[:, 1].sum().backward()
    assert vector.grad[model.spec["jawOpen"].index] != 0


def test_frames_are_orthonormal_and_saved_exactly(model, tmp_path):
    mesh = model.evaluate()
    points = SurfacePoints.closest(mesh.vertices[:300:7] + 1e-3, mesh.vertices, mesh.faces)
    for normals in (None, mesh.normals):
        frames = points.frames(mesh.vertices.astype(np.float64), mesh.faces, normals)
        gram = np.einsum("nij,nkj->nik", frames, frames)
        np.testing.assert_allclose(gram, np.broadcast_to(np.eye(3), gram.shape), atol=1e-6)
        np.testing.assert_allclose(np.linalg.det(frames), 1.0, atol=1e-6)
    points.save(tmp_path / "p.npz")
    again = SurfacePoints.load(tmp_path / "p.npz")
    np.testing.assert_array_equal(again.triangles, points.triangles)
    np.testing.assert_array_equal(again.weights, points.weights)
    assert len(points[:3]) == 3
