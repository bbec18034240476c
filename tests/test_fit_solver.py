"""solve_point_targets: least squares of bound surface points to 3D targets over free sliders."""

import numpy as np
import pytest

from faceeditor.fit.solver import PointProblem, SolverError, full_vector, solve_point_targets
from faceeditor.model import UnknownParameterError, load_default_model
from faceeditor.model.surface import SurfacePoints

FREE = ["nose_hump", "nose_scale_horiz", "chin_prominent", "jawOpen", "mouthSmileLeft",
        "mouthSmileRight", "l_cheek_volume", "r_cheek_volume", "asym_eye_1", "weight"]


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def face_points(model):
    """80 points spread over the face (front half of the head, skin), bound on the mean head."""
    mesh = model.evaluate()
    centres = mesh.vertices[mesh.faces].mean(1)
    front = np.flatnonzero((centres[:, 2] > np.percentile(centres[:, 2], 70)))
    chosen = front[np.linspace(0, len(front) - 1, 80).astype(int)]
    weights = np.tile([0.2, 0.3, 0.5], (len(chosen), 1))
    return SurfacePoints(chosen, weights)


def positions_mm(model, params, points):
    mesh = model.evaluate(params)
    return points.positions(mesh.vertices.astype(np.float64), mesh.faces) * 1000.0


def test_problem_matches_the_model_and_its_jacobian(model, face_points):
    params = {"age": 0.7, "weight": 0.6, "nose_hump": -0.3, "jawOpen": 0.2}
    problem = PointProblem.build(model, face_points, FREE + ["age"])
    vector = full_vector(model, params)
    np.testing.assert_allclose(problem.positions(vector), positions_mm(model, params, face_points),
                               atol=1e-3)
    jacobian = problem.jacobian(vector)
    for g, members in enumerate(problem.groups):
        step = np.zeros_like(vector)
        step[members] = 1e-3
        numeric = (problem.positions(vector + step) - problem.positions(vector - step)) / 2e-3
        np.testing.assert_allclose(jacobian[:, :, g], numeric, atol=1e-6)


def test_recovers_known_slider_changes_from_their_own_points(model, face_points):
    truth = {"nose_hump": 0.6, "nose_scale_horiz": -0.4, "chin_prominent": 0.5, "jawOpen": 0.3,
             "mouthSmileLeft": 0.7, "mouthSmileRight": 0.2, "l_cheek_volume": -0.5,
             "r_cheek_volume": 0.3, "asym_eye_1": 0.4, "weight": 0.65}
    targets = positions_mm(model, truth, face_points)
    start = model.default_params()
    before = np.abs(positions_mm(model, start, face_points) - targets).max()
    fitted = solve_point_targets(model, start, face_points, targets, None, FREE,
                                 prior_weight=1e-6, symmetric=False, iterations=20)
    for name, value in truth.items():
        if model.spec[name].kind != "phenotype":  # sliders: exactly observable
            assert fitted[name] == pytest.approx(value, abs=0.02), name
    # weight barely moves the face (0.35 and 0.65 differ by < 0.01 mm here): judge the points
    after = np.abs(positions_mm(model, fitted, face_points) - targets).max()
    assert before > 3.0 and after < 0.05
    # parameters outside ``free`` are exactly as they were
    for name in set(model.spec.names) - set(FREE):
        assert fitted[name] == start[name], name


def test_symmetric_mode_moves_partners_equally(model, face_points):
    start = model.default_params() | {"l_cheek_volume": 0.1, "r_cheek_volume": 0.1}
    # targets from a one-sided change: symmetric mode must split it over both sides
    targets = positions_mm(model, start | {"l_cheek_volume": 0.7, "mouthSmileLeft": 0.8},
                           face_points)
    fitted = solve_point_targets(model, start, face_points, targets, None,
                                 ["l_cheek_volume", "mouthSmileLeft"], prior_weight=1e-3,
                                 symmetric=True, iterations=10)
    assert fitted["l_cheek_volume"] == pytest.approx(fitted["r_cheek_volume"], abs=1e-12)
    assert fitted["mouthSmileLeft"] == pytest.approx(fitted["mouthSmileRight"], abs=1e-12)
    assert fitted["l_cheek_volume"] > 0.2 and fitted["mouthSmileLeft"] > 0.2
    free = solve_point_targets(model, start, face_points, targets, None,
                               ["l_cheek_volume", "r_cheek_volume"], prior_weight=1e-3,
                               symmetric=False, iterations=10)
    assert free["l_cheek_volume"] - free["r_cheek_volume"] > 0.3


def test_prior_keeps_unrelated_params_still(model):
    mesh = model.evaluate()
    # one point on the nose tip (the most forward vertex)
    tip = SurfacePoints.of_vertices([int(np.argmax(mesh.vertices[:, 2]))], mesh.faces)
    start = model.default_params() | {"l_ear_scale": 0.4, "nose_hump": 0.1}
    target = positions_mm(model, start, tip) + [0.0, 0.0, 3.0]  # pull the tip 3 mm forward
    free = ["nose_trans_forward", "nose_scale_depth", "l_ear_scale", "r_ear_flap", "jawOpen"]
    fitted = solve_point_targets(model, start, tip, target, None, free, prior_weight=0.5,
                                 symmetric=False, iterations=10)
    moved = positions_mm(model, fitted, tip)
    assert moved[0, 2] - target[0, 2] + 3.0 > 1.5  # the tip went most of the way
    # ears do not touch the nose tip: they stay exactly where they were
    assert fitted["l_ear_scale"] == pytest.approx(0.4, abs=1e-9)
    assert fitted["r_ear_flap"] == pytest.approx(0.0, abs=1e-9)
    # a strong prior barely moves anything
    stiff = solve_point_targets(model, start, tip, target, None, free, prior_weight=1e4,
                                symmetric=False, iterations=10)
    assert max(abs(stiff[n] - start[n]) for n in free) < 0.01


def test_weights_bounds_and_bad_input(model, face_points):
    targets = positions_mm(model, {"jawOpen": 1.0}, face_points) + [0.0, -30.0, 0.0]
    fitted = solve_point_targets(model, {}, face_points, targets, None, ["jawOpen"],
                                 prior_weight=1e-6, symmetric=False, iterations=10)
    assert 0.0 <= fitted["jawOpen"] <= 1.0  # clamped to the slider's range
    zero = solve_point_targets(model, {}, face_points, targets, np.zeros(len(face_points)),
                               ["jawOpen"], prior_weight=1.0, symmetric=False, iterations=5)
    assert zero["jawOpen"] == 0.0  # no weight on any point: nothing moves
    with pytest.raises(UnknownParameterError):
        solve_point_targets(model, {}, face_points, targets, None, ["nose_humpp"], 1.0, False, 3)
    with pytest.raises(SolverError, match="shape"):
        solve_point_targets(model, {}, face_points, targets[:3], None, ["jawOpen"], 1.0, False, 3)
    with pytest.raises(SolverError, match="weights"):
        solve_point_targets(model, {}, face_points, targets, -np.ones(len(face_points)),
                            ["jawOpen"], 1.0, False, 3)
