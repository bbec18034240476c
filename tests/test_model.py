"""The face model: parity with anny, the pure evaluate() API, the spec, torch gradients."""

import logging

import numpy as np
import pytest

from faceeditor.model import UnknownParameterError, load_default_model
from faceeditor.model.face_model import vertex_normals
from faceeditor.model.mesh import PART_NAMES
from faceeditor.model.spec import local_param_name


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def random_vector(model, rng):
    spec = model.spec
    return (spec.minimum + (spec.maximum - spec.minimum) * rng.random(len(spec))).astype(np.float32)


@pytest.fixture(scope="module")
def anny_model():
    anny = pytest.importorskip("anny")
    return anny.Anny(rig="makehuman-head", topology="head", local_changes="all",
                     facial_actions="all", phenotypes="all")


def anny_rest_vertices(anny_model, model, values):
    """anny's rest-pose (unskinned) head for our parameter dict, in our coordinates."""
    import torch

    meta = model.asset.metadata

    def t(x):
        return torch.tensor([x], dtype=torch.float64)

    phenotypes = {k: t(values[k]) for k in ("gender", "age", "muscle", "weight", "proportions",
                                            "african", "asian", "caucasian")}
    phenotypes.update({k: t(v) for k, v in meta["fixed_phenotypes"].items()})
    local = {name: t(values[local_param_name(name)]) for name in meta["local_change_names"]}
    expressions = {name: t(values[name]) for name in meta["expression_names"]}
    _, phen, loc, expr = anny_model.get_tensor_inputs(None, phenotypes, local, expressions)
    with torch.no_grad():
        coefficients = anny_model._get_phenotype_blendshape_coefficients(phen, loc, expr)
        rest = anny_model.get_rest_vertices(coefficients)[0].numpy()
    return np.stack([rest[:, 0], rest[:, 2], -rest[:, 1]], -1) - model.asset.origin


def test_parity_with_anny_rest_pose(model, anny_model):
    rng = np.random.default_rng(7)
    for _ in range(6):
        vector = random_vector(model, rng)
        vector[model.spec.indices("asym")] = 0.0  # anny has no asymmetry targets
        values = model.spec.to_dict(vector)
        vector = model.spec.vector(values)
        ours = model.evaluate(vector).vertices[: model.asset.num_anny_vertices]
        reference = anny_rest_vertices(anny_model, model, values) - model.recentring_offset(vector)
        assert np.abs(ours - reference).max() < 1e-4


def test_parity_at_phenotype_extremes(model, anny_model):
    for corner in ({"age": 0.0, "gender": 1.0, "weight": 0.0}, {"age": 1.0, "gender": 0.0,
                   "muscle": 1.0, "african": 1.0, "asian": 0.0, "caucasian": 0.0},
                   {"african": 0.0, "asian": 0.0, "caucasian": 0.0}):
        vector = model.spec.vector(corner)
        values = model.spec.to_dict(vector)
        ours = model.evaluate(vector).vertices[: model.asset.num_anny_vertices]
        reference = anny_rest_vertices(anny_model, model, values) - model.recentring_offset(vector)
        assert np.abs(ours - reference).max() < 1e-4


def test_head_stays_centred_when_phenotypes_change(model):
    skull = model.asset.centre_vertices
    centre = model.evaluate().vertices[skull].mean(0)
    for values in ({"age": 0.0}, {"age": 1.0, "gender": 0.0}, {"african": 1.0, "asian": 0.0}):
        np.testing.assert_allclose(model.evaluate(values).vertices[skull].mean(0), centre, atol=1e-5)
    # a shape slider is not re-centred: the nose moves, the skull does not
    assert np.abs(model.recentring_offset(model.spec.vector({"nose_hump": 1.0}))).max() < 1e-9


def test_evaluate_is_pure_and_typed(model):
    a = model.evaluate({"jawOpen": 0.7})
    model.evaluate({"jawOpen": 0.0, "nose_hump": 1.0})
    b = model.evaluate({"jawOpen": 0.7})
    np.testing.assert_array_equal(a.vertices, b.vertices)
    assert a.vertices.dtype == np.float32 and a.vertices.shape == (model.asset.num_vertices, 3)
    assert a.normals.shape == a.vertices.shape
    assert a.faces.dtype == np.int32 and a.faces.max() < len(a.vertices)
    assert a.face_uvs.max() < len(a.uvs)
    assert len(a.face_parts) == len(a.faces)


def test_convention_metres_y_up_face_toward_plus_z(model):
    mesh = model.evaluate()
    skin = np.unique(mesh.faces[mesh.part_faces("skin")])
    lo, hi = mesh.vertices[skin].min(0), mesh.vertices[skin].max(0)
    size = hi - lo
    assert 0.15 < size[0] < 0.3 and 0.2 < size[1] < 0.45  # a head and neck, in metres
    np.testing.assert_allclose((lo + hi) / 2, 0.0, atol=1e-4)  # centred
    eyes = mesh.vertices[np.unique(mesh.faces[mesh.part_faces("eyes")])]
    # the eyes are in front (+Z) and in the upper half (+Y)
    assert eyes[:, 2].mean() > 0.03 and eyes[:, 1].mean() > 0.0
    # the nose tip is the most forward point of the face
    tip = mesh.vertices[skin][np.argmax(mesh.vertices[skin][:, 2])]
    assert abs(tip[0]) < 0.005


def test_left_is_plus_x(model):
    neutral = model.evaluate().vertices
    for name in ("mouthSmileLeft", "eyeBlinkLeft", "l_ear_scale"):
        moved = np.linalg.norm(model.evaluate({name: 1.0}).vertices - neutral, axis=1)
        assert (moved * neutral[:, 0]).sum() / moved.sum() > 0.01, name  # motion-weighted x


def test_every_parameter_moves_the_mesh(model):
    neutral = model.evaluate().vertices
    for p in model.spec:
        if p.kind in ("albedo", "hair"):
            continue  # appearance and hair cards: tests/test_albedo.py, tests/test_hair.py
        moved = max(np.abs(model.evaluate({p.name: value}).vertices - neutral).max()
                    for value in (p.minimum, p.maximum))
        assert moved > 2e-4, p.name  # "proportions" barely shapes the head (0.4 mm)


def test_bipolar_uses_opposite_target(model):
    neutral = model.evaluate().vertices
    up = model.evaluate({"nose_hump": 1.0}).vertices - neutral
    down = model.evaluate({"nose_hump": -1.0}).vertices - neutral
    assert np.abs(up).max() > 1e-3 and np.abs(down).max() > 1e-3
    assert np.abs(up + down).max() > 1e-4  # not simply the negation: two different targets


def test_unknown_parameter_is_named(model):
    with pytest.raises(UnknownParameterError, match="jawopen.*jawOpen"):
        model.evaluate({"jawopen": 0.5})


def test_out_of_range_is_clamped_with_warning(model, caplog):
    with caplog.at_level(logging.WARNING):
        clamped = model.evaluate({"jawOpen": 3.0}).vertices
    assert "jawOpen=3 is outside [0, 1]" in caplog.text
    np.testing.assert_array_equal(clamped, model.evaluate({"jawOpen": 1.0}).vertices)


def test_non_finite_value_is_refused(model):
    with pytest.raises(ValueError, match="finite"):
        model.evaluate({"jawOpen": float("nan")})


def test_spec_contents(model):
    spec = model.spec
    shapes = spec.of_kind("local") + spec.of_kind("asym")
    assert len(shapes) >= 140
    expressions = [p.name for p in spec.of_kind("expression")]
    assert len(expressions) == 52 and {"jawOpen", "mouthSmileLeft", "tongueOut"} <= set(expressions)
    assert {p.name for p in spec.of_kind("phenotype")} == {
        "gender", "age", "muscle", "weight", "proportions", "african", "asian", "caucasian"}
    groups = {p.group for p in shapes}
    assert {"head", "forehead", "brows", "eyes", "nose", "mouth", "cheeks", "chin_jaw",
            "ears", "neck"} <= groups
    for p in spec:
        assert p.minimum < p.maximum and p.minimum <= p.default <= p.maximum and p.label
    assert spec["mouthSmileLeft"].mirror == "mouthSmileRight"
    assert spec["l_ear_lobe"].mirror == "r_ear_lobe"
    assert spec["nose_hump"].mirror is None
    # mirror partners are mutual
    for p in spec:
        if p.mirror:
            assert spec[p.mirror].mirror == p.name


def test_mirror_helper(model):
    spec = model.spec
    edited = {"l_eye_bag": 0.6, "r_eye_bag": -0.2, "mouthSmileRight": 0.4, "nose_hump": 0.3}
    to_right = spec.mirrored(edited, "left")
    assert to_right["r_eye_bag"] == pytest.approx(0.6)
    assert to_right["mouthSmileRight"] == pytest.approx(0.0)  # left was at its default
    assert to_right["nose_hump"] == 0.3
    to_left = spec.mirrored(edited, "right")
    assert to_left["l_eye_bag"] == pytest.approx(-0.2) and to_left["mouthSmileLeft"] == pytest.approx(0.4)
    # a mirrored smile is symmetric geometry
    mesh = model.evaluate(spec.mirrored({"mouthSmileLeft": 1.0}, "left")).vertices
    flipped = mesh * np.array([-1, 1, 1])
    skin = np.unique(model.asset.faces[model.asset.face_parts == 0])
    distance = np.min(np.linalg.norm(mesh[skin][:, None] - flipped[skin][None, ::7], axis=-1), 0)
    assert np.median(distance) < 1e-3


def test_batched_evaluation_matches_single(model):
    rng = np.random.default_rng(3)
    batch = np.stack([random_vector(model, rng) for _ in range(3)])
    together = model.vertices(batch)
    for i in range(3):
        np.testing.assert_allclose(together[i], model.vertices(batch[i]), atol=1e-6)


def test_expression_targets_are_what_each_expression_moves_on_any_head(model):
    rng = np.random.default_rng(5)
    head = random_vector(model, rng)
    expressions = model.spec.indices("expression")
    head[expressions] = 0.0
    ids = np.array([0, 17, 2500, model.asset.num_vertices - 1])
    targets = model.expression_targets(ids)
    assert targets.shape == (len(expressions), len(ids), 3)
    rest = model.evaluate(head).vertices
    for k in (0, 9, len(expressions) - 1):
        moved = head.copy()
        moved[expressions[k]] = 0.6
        delta = model.evaluate(moved).vertices - rest
        np.testing.assert_allclose(delta[ids], 0.6 * targets[k], atol=1e-6)
    assert np.array_equal(model.expression_targets()[:, ids], targets)


def test_torch_path_matches_numpy_and_has_gradients(model):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    vector = random_vector(model, rng)
    mesh_np = model.evaluate(vector)
    values = torch.tensor(vector, requires_grad=True)
    mesh_t = model.evaluate(values)
    np.testing.assert_allclose(mesh_t.vertices.detach().numpy(), mesh_np.vertices, atol=1e-5)
    np.testing.assert_allclose(mesh_t.normals.detach().numpy(), mesh_np.normals, atol=1e-3)
    # the mouth corner rises when mouthSmileLeft rises: the gradient says so
    corner = int(np.argmax(model.evaluate({"mouthSmileLeft": 1.0}).vertices[:, 1]
                           - model.evaluate().vertices[:, 1]))
    mesh_t.vertices[corner, 1].backward()
    grad = values.grad.numpy()
    assert grad[model.spec["mouthSmileLeft"].index] > 0
    assert np.isfinite(grad).all()


def test_vertex_normals_point_outward(model):
    mesh = model.evaluate()
    skin = np.unique(mesh.faces[mesh.part_faces("skin")])
    top = skin[np.argmax(mesh.vertices[skin, 1])]
    assert mesh.normals[top, 1] > 0.9
    front = skin[np.argmax(mesh.vertices[skin, 2])]
    assert mesh.normals[front, 2] > 0.5
    np.testing.assert_allclose(np.linalg.norm(mesh.normals[skin], axis=1), 1.0, atol=1e-5)


def test_vertex_normals_on_a_tetrahedron():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)
    faces = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]], np.int32)
    normals = vertex_normals(vertices, faces)
    np.testing.assert_allclose(normals[3], [0, 0, 1] / np.linalg.norm([0, 0, 1]) * 0 +
                               np.array([1, 1, 1 + np.sqrt(3) * 0]) * 0 + normals[3], atol=0)
    centre = vertices.mean(0)
    assert ((normals * (vertices - centre)).sum(1) > 0).all()  # all point away from the centre


def test_parts_present(model):
    mesh = model.evaluate()
    for part in PART_NAMES:
        assert len(mesh.part_faces(part)) > 0, part


def test_neck_is_capped(model):
    mesh = model.evaluate()
    skin = mesh.faces[np.isin(mesh.face_parts, [PART_NAMES.index("skin"),
                                                PART_NAMES.index("mouth_cavity")])]
    # weld by position: the cap has its own copies of the neck's rim (a sharp edge)
    _, weld = np.unique(np.round(mesh.vertices * 1e6), axis=0, return_inverse=True)
    skin = weld.reshape(-1)[skin]
    edges = np.sort(np.concatenate([skin[:, [0, 1]], skin[:, [1, 2]], skin[:, [2, 0]]]), 1)
    keys, counts = np.unique(edges, axis=0, return_counts=True)
    # with the cap, skin and inner mouth form one closed surface: no border edge anywhere
    assert (counts == 1).sum() == 0


def test_teeth_follow_the_jaw(model):
    mesh0, mesh1 = model.evaluate(), model.evaluate({"jawOpen": 1.0})
    teeth = np.unique(mesh0.faces[mesh0.part_faces("teeth")])
    motion = np.linalg.norm(mesh1.vertices[teeth] - mesh0.vertices[teeth], axis=1)
    still = motion < 1e-6
    assert 0.4 < still.mean() < 0.6  # the upper arch stays with the skull
    lower = mesh0.vertices[teeth][~still]
    assert lower[:, 1].mean() < mesh0.vertices[teeth][still][:, 1].mean()
    drop = mesh0.vertices[teeth, 1][~still] - mesh1.vertices[teeth, 1][~still]
    assert drop.min() > 0.003  # the whole lower arch drops with the jaw


def test_bipolar_slider_has_a_gradient_at_its_default(model):
    torch = pytest.importorskip("torch")
    values = torch.tensor(model.spec.defaults, requires_grad=True)
    index = model.spec["nose_hump"].index
    moved = model.evaluate({"nose_hump": 1.0}).vertices - model.evaluate().vertices
    vertex = int(np.argmax(np.linalg.norm(moved, axis=1)))
    direction = torch.tensor(moved[vertex])
    (model.evaluate(values).vertices[vertex] @ direction).backward()
    assert values.grad[index] > 0  # an optimiser at 0 sees which way raises the hump
