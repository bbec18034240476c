"""Sculpting a FLAME head without Qt (issue 18): the point solver's exact linear map of FLAME,
mirror pairs, and drag sessions on a small file in the real FLAME format."""

from __future__ import annotations

import numpy as np
import pytest

from faceeditor.backends import open_model
from faceeditor.fit.flame_points import FlamePointProblem
from faceeditor.model.surface import SurfacePoints
from faceeditor.render.camera import OrbitCamera
from faceeditor.sculpt import FlameSculptSession, project, session_for
from faceeditor.sculpt.flame import HOLD_RADIUS, mirror_vertices
from faceeditor.state import ParameterState

# the FLAME file fixture of the backend tests (imported to register it)
from test_backends import flame_dir  # noqa: F401


@pytest.fixture
def flame(flame_dir):  # noqa: F811
    return open_model(flame_dir / "generic_model.pkl")


def test_point_map_is_flame_exactly_posed_or_not(flame):
    rng = np.random.default_rng(1)
    faces = flame.geometry.flame.faces
    points = SurfacePoints(rng.integers(0, len(faces), 7), rng.dirichlet(np.ones(3), 7))
    problem = FlamePointProblem.build(flame, points, ["shape_000", "exp_003", "jaw_rx"])
    vector = flame.spec.defaults.astype(np.float64)
    for pose in (False, True):
        vector[flame.spec.indices("shape")] = rng.normal(0, 1, 300)
        vector[flame.spec.indices("expression")] = rng.normal(0, 1, 100)
        if pose:
            vector[flame.spec.indices("pose")] = rng.normal(0, 0.15, 15)
        mesh = flame.evaluate_mesh(vector)
        expected = points.positions(mesh.vertices.astype(np.float64), mesh.faces) * 1000.0
        np.testing.assert_allclose(problem.positions(vector), expected, atol=1e-3)
    # the Jacobian: exact columns for the coefficients, a central difference for the jaw
    jacobian = problem.jacobian(vector)
    for g, name in enumerate(["shape_000", "exp_003", "jaw_rx"]):
        step = np.zeros_like(vector)
        step[flame.spec[name].index] = 1e-3
        numeric = (problem.positions(vector + step) - problem.positions(vector - step)) / 2e-3
        np.testing.assert_allclose(jacobian[:, :, g], numeric, atol=1e-3 * np.abs(numeric).max())


# -- drag sessions ----------------------------------------------------------------------------

SIZE = (800, 600)


def front_camera(mesh):
    return OrbitCamera.framing("front", mesh.vertices, aspect=SIZE[0] / SIZE[1]).camera()


def sphere_vertex(mesh, x: float, y: float) -> int:
    """The front vertex of the test sphere nearest to (x, y)."""
    vertices = mesh.vertices.astype(np.float64)
    score = np.hypot(vertices[:, 0] - x, vertices[:, 1] - y) - (vertices[:, 2] > 0) * 1.0
    return int(np.argmin(score))


def drag_vertex(session, mesh_of, vertex: int, offset_m, steps: int = 5) -> None:
    """Grab ``vertex`` where it shows and drag the cursor to where it would be moved by
    ``offset_m`` (metres, in the picture plane of the front view)."""
    mesh = mesh_of()
    cam = front_camera(mesh)
    start = mesh.vertices[vertex].astype(np.float64)
    pixels = project(cam, np.stack([start, start + offset_m]), SIZE)
    assert session.grab(mesh, cam, pixels[0], SIZE)
    for i in range(1, steps + 1):
        session.drag(mesh_of(), pixels[0] + (pixels[1] - pixels[0]) * i / steps, SIZE)
    session.settle(mesh_of(), pixels[1], SIZE)


def new_session(flame):
    state = ParameterState(flame, sampler=flame.sample, geometry_kinds=flame.geometry_kinds)
    session = session_for(state)
    assert isinstance(session, FlameSculptSession)
    return state, session, lambda: flame.evaluate_mesh(state.vector)


def test_drag_a_vertex_up_5_mm_lands_and_pins_hold(flame):
    state, session, mesh_of = new_session(flame)
    before = mesh_of()
    cam = front_camera(before)
    vertex = sphere_vertex(before, 0.05, 0.017)
    pinned = sphere_vertex(before, 0.043, 0.05)  # the vertex above, 3.5 cm away: not held
    assert np.linalg.norm(before.vertices[vertex] - before.vertices[pinned]) < HOLD_RADIUS[
        "shape"]
    hit = session.hit(before, cam, project(cam, before.vertices[pinned][None], SIZE)[0], SIZE)
    assert session.toggle_pin(hit, before)

    drag_vertex(session, mesh_of, vertex, (0.0, 0.005, 0.0))
    moved = session.release()
    after = mesh_of().vertices.astype(np.float64)
    shift = (after - before.vertices) * 1000.0  # mm
    np.testing.assert_allclose(shift[vertex], [0.0, 5.0, 0.0], atol=0.25)
    assert np.linalg.norm(shift[pinned]) < 0.25
    assert moved and {state.spec[n].kind for n in moved} == {"shape"}
    # the largest change first: it is the one the panel scrolls to
    changes = np.abs(state.vector - state.spec.defaults)
    assert changes[state.spec[moved[0]].index] == changes.max()
    # far from the drag the head holds its place (the held vertices exactly; the random
    # components of the test file move the few others between them a little)
    held = session.last_grab.held
    held_shift = (held.positions(after, before.faces)
                  - held.positions(before.vertices.astype(np.float64), before.faces)) * 1000.0
    assert len(held) > 40 and np.linalg.norm(held_shift, axis=1).max() < 0.3
    far = np.linalg.norm(before.vertices - before.vertices[vertex], axis=1) > 0.06
    assert np.median(np.linalg.norm(shift[far], axis=1)) < 0.1

    assert len(state._undo) == 1 and state.undo_label.startswith("Sculpt")
    state.undo()
    np.testing.assert_array_equal(state.vector, state.spec.defaults.astype(np.float64))
    np.testing.assert_array_equal(mesh_of().vertices, before.vertices)


def test_symmetry_lock_moves_the_mirror_vertex_mirrored(flame):
    mirror = mirror_vertices(flame.geometry.flame.v_template)
    state, session, mesh_of = new_session(flame)
    before = mesh_of().vertices.astype(np.float64)
    np.testing.assert_array_equal(mirror[mirror], np.arange(len(mirror)))
    np.testing.assert_allclose(before[mirror] * (-1, 1, 1), before, atol=1e-6)
    state.symmetry_lock = True
    vertex = sphere_vertex(mesh_of(), 0.05, 0.017)
    drag_vertex(session, mesh_of, vertex, (0.004, 0.003, 0.0))
    session.release()
    shift = (mesh_of().vertices - before) * 1000.0
    np.testing.assert_allclose(shift[vertex], [4.0, 3.0, 0.0], atol=0.3)
    np.testing.assert_allclose(shift[mirror[vertex]], [-4.0, 3.0, 0.0], atol=0.3)


def test_expression_mode_frees_the_jaw_on_the_chin(flame):
    state, session, mesh_of = new_session(flame)
    session.expressions = True
    mesh = mesh_of()
    chin = sphere_vertex(mesh, 0.0, -0.03)
    drag_vertex(session, mesh_of, chin, (0.0, -0.004, 0.0))
    assert "jaw_rx" in session.grab_state.free
    moved = session.release()
    assert moved and {state.spec[n].kind for n in moved} <= {"expression", "pose"}
    shift = (mesh_of().vertices[chin] - mesh.vertices[chin]) * 1000.0
    np.testing.assert_allclose(shift[:2], [0.0, -4.0], atol=0.3)
    assert state.undo_label == "Sculpt expression"


def test_a_model_without_flame_geometry_has_no_sculpt_session():
    from faceeditor.backends.embedded import EmbeddedBackend
    from faceeditor.fit.solver import SolverError, point_problem

    backend = EmbeddedBackend()
    assert session_for(ParameterState(backend)) is None  # the window says so, once
    with pytest.raises(SolverError, match="no point solver"):
        point_problem(backend, SurfacePoints(np.zeros(1, np.int64), np.ones((1, 3)) / 3), [])
