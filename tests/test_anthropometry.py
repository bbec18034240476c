"""Farkas landmarks on the head, measurements in mm, and the published norms table."""

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from faceeditor.anthropometry import (
    NamedPoints,
    farkas_landmarks,
    load_norms,
    measure,
    measure_batch,
    measurement_names,
)
from faceeditor.anthropometry.norms import norms_for, populations
from faceeditor.anthropometry.rules import (
    AURICLE,
    AURICLE_RISE_MM,
    _risen,
    find_landmarks,
    find_rules,
    moved_by,
)
from faceeditor.model import load_default_model
from faceeditor.model.surface import SurfacePoints

ROOT = Path(__file__).resolve().parents[1]

#: Heads at the ends of the sliders that change proportions most.
EXTREMES = {
    "heavy muscular man": dict(gender=0.0, weight=1.0, muscle=1.0),
    "thin woman": dict(gender=1.0, weight=0.0, muscle=0.0),
    "african": dict(african=1.0, asian=0.0, caucasian=0.0),
    "asian": dict(african=0.0, asian=1.0, caucasian=0.0),
    "wide nose": dict(nose_scale_horiz=1.0, nose_flaring=1.0),
    "narrow nose": dict(nose_scale_horiz=-1.0),
    "wide mouth": dict(mouth_scale_horiz=1.0),
    "long narrow head": dict(head_scale_horiz=-1.0, head_scale_depth=1.0),
    "old": dict(age=1.0),
}


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def mean_points(model):
    mesh = model.evaluate()
    xyz = farkas_landmarks().positions(mesh.vertices.astype(np.float64), mesh.faces) * 1000
    return {name: xyz[i] for i, name in enumerate(farkas_landmarks().names)}


def test_landmarks_file_is_what_the_build_script_writes(model):
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import build_farkas_landmarks as build
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    stored = json.loads((ROOT / "resources/landmarks/farkas.json").read_text())
    assert json.loads(build.dumps(build.build(model))) == stored


def test_midline_landmarks_run_top_to_bottom_in_the_profile(mean_points):
    order = ["v", "tr", "g", "n", "prn", "sn", "ls", "sto", "li", "sl", "pg", "gn", "me"]
    heights = [mean_points[name][1] for name in order]
    assert heights == sorted(heights, reverse=True), dict(zip(order, np.round(heights, 1)))
    for name in order + ["op"]:
        assert abs(mean_points[name][0]) < 1e-6, name


def test_midline_landmarks_are_the_extremes_their_definitions_name(model, mean_points):
    p = mean_points
    # the nose tip is the most anterior point of the face, the nasion the deepest above it
    assert p["prn"][2] > max(p[n][2] for n in ("g", "n", "sn", "ls", "li", "pg"))
    assert p["n"][2] < min(p["g"][2], p["prn"][2])
    assert p["sn"][2] < min(p["prn"][2], p["ls"][2])
    assert p["sl"][2] < min(p["li"][2], p["pg"][2])
    # op is the back of the head, v its top
    v = model.evaluate().vertices.astype(np.float64) * 1000
    skin = np.unique(model.asset.faces[model.evaluate().part_faces("skin")])
    assert p["op"][2] == pytest.approx(v[skin, 2].min(), abs=2.0)
    assert p["v"][1] == pytest.approx(v[skin, 1].max(), abs=0.5)


def test_bilateral_landmarks_mirror_each_other_and_nest(mean_points):
    p = mean_points
    for name in ("en", "ex", "al", "ch", "zy", "go", "eu", "sa", "sba", "pra", "pa", "t"):
        left, right = p[f"{name}_l"], p[f"{name}_r"]
        assert left[0] > 0 > right[0], name
        np.testing.assert_allclose(left, right * [-1, 1, 1], atol=1e-4, err_msg=name)
    x = {name: p[f"{name}_l"][0] for name in ("en", "ex", "al", "ch", "zy", "go", "eu")}
    assert x["en"] < x["ex"] < x["zy"] < x["eu"]  # eyes inside the cheeks inside the skull
    assert x["al"] < x["ch"] < x["zy"]  # nose narrower than mouth narrower than face
    assert x["go"] < x["zy"]
    assert p["sba_l"][1] < p["t_l"][1] < p["sa_l"][1]
    # pra is bound to the front of the risen auricle, t to its front at mid-height
    assert p["pa_l"][2] < p["t_l"][2] <= p["pra_l"][2]


@pytest.mark.parametrize("case", sorted(EXTREMES))
def test_stored_definitions_agree_with_the_rules_rederived_on_extreme_heads(model, case):
    """The stored regions give the same measurements as deriving every landmark afresh on
    the extreme head (within a vertex spacing). The trichion (a skin feature, the hairline) and
    the gonion (the palpated bony angle) are bound to the surface, so forehead heights and the
    mandible width are not compared here (see the gonion's own test); nor is the ear width:
    the preaurale is bound at the average head's helix root, and on a head whose ear stands
    off lower down (asian: the risen front 12 mm lower, 0.8 mm further back) the rederived one
    is another point of the ear's front edge (see the preaurale's own test)."""
    params = model.default_params()
    params.update(EXTREMES[case])
    mesh = model.evaluate(params)
    fresh = find_landmarks(model, params)
    rules = find_rules(model, params)
    names = farkas_landmarks().names
    derived = NamedPoints(names, SurfacePoints.of_vertices([fresh[n] for n in names], mesh.faces),
                          {n: (r.candidates, r.direction) for n, r in rules.items()
                           if r.direction is not None})
    stored = measure_batch(mesh.vertices, mesh.faces)
    rederived = measure_batch(mesh.vertices, mesh.faces, derived)
    for name in measurement_names():
        if (name.startswith("forehead") or name.endswith("index")
                or name in ("mandible_width", "ear_width")):
            continue
        assert stored[name] == pytest.approx(rederived[name], abs=2.5), name


def test_the_ear_landmarks_are_on_the_rigid_auricle(model):
    """sa, sba, pa (extremes) and pra, t (bound) lie on what the ear slider moves rigidly; at
    0.9 of its move the ring of scalp and cheek around the ear counted too."""
    rigid = moved_by(model, "l_ear_trans_forward", AURICLE)
    points = farkas_landmarks()
    for name in ("sa_l", "sba_l", "pa_l"):
        assert rigid[points.extremes[name][0]].all(), name
    for name in ("pra_l", "t_l"):
        assert name not in points.extremes
        corners = points.points.triangles[points.index(name)]
        weights = points.points.weights[points.index(name)]
        vertex = model.asset.faces[corners][np.argmax(weights)]
        assert rigid[vertex], name


def test_the_average_ear_measures_like_an_adult_ear(model):
    """Adult ears are about 60-63 mm long and 33-37 mm wide (ANSUR II means); with the scalp
    ring and the ear's base plate counted the average head measured 69 x 51 mm."""
    values = measure(model.evaluate())
    assert 50.0 < values["ear_length"] < 62.0
    assert 33.0 < values["ear_width"] < 42.0


@pytest.mark.parametrize("case", sorted(EXTREMES))
def test_the_bound_preaurale_stays_at_the_front_of_the_risen_ear(model, case):
    """pra is bound at the average head's helix root; on extreme heads it stays within 3 mm
    (front to back) of that head's own front of the auricle where it stands
    ``AURICLE_RISE_MM`` off the head."""
    params = model.default_params()
    params.update(EXTREMES[case])
    mesh = model.evaluate(params)
    v = mesh.vertices.astype(np.float64) * 1000
    skin = np.unique(mesh.faces[mesh.part_faces("skin")])
    risen = _risen(v, skin[v[skin, 0] > 1.0], moved_by(model, "l_ear_trans_forward", AURICLE))
    assert len(risen) > 50 and AURICLE_RISE_MM > 0
    points = farkas_landmarks()
    bound = points.positions(mesh.vertices.astype(np.float64), mesh.faces)[points.index("pra_l")]
    assert abs(bound[2] * 1000 - v[risen, 2].max()) < 3.0


@pytest.mark.parametrize("case", sorted(EXTREMES))
def test_the_bound_gonion_stays_at_the_mandibles_angle(model, case):
    """The gonion is bound to the skin at the average head's angle of the mandible: on extreme
    heads it stays within one vertex spacing of the jaw (10 mm) of that head's own most
    inferior-posterior jaw point."""
    params = model.default_params()
    params.update(EXTREMES[case])
    mesh = model.evaluate(params)
    points = farkas_landmarks()
    bound = points.positions(mesh.vertices.astype(np.float64), mesh.faces)[points.index("go_l")]
    support = mesh.vertices[find_landmarks(model, params)["go_l"]].astype(np.float64)
    assert np.linalg.norm(bound - support) * 1000 < 10.0


def test_fat_over_the_jaw_widens_the_measured_mandible(model):
    """A caliper on the gonion measures the bone plus the soft tissue over it: fuller faces
    measure wider (a support point slid under the chin and measured them narrower)."""
    widths = []
    for fat in (0.0, 0.25, 0.5, 0.75, 1.0):
        params = model.default_params()
        params.update(head_fat=fat, gender=1.0, african=1.0, caucasian=0.0)
        widths.append(measure(model.evaluate(params))["mandible_width"])
    assert np.all(np.diff(widths) > 1.0), np.round(widths, 1)


def test_measurements_move_continuously_with_the_sliders(model):
    """Extremes are blended over the candidates near the furthest one: moving the mouth up in
    small steps changes the lower face height (sn-me) smoothly (the furthest vertex alone jumped
    3.5 mm between two steps as the menton moved to a neighbouring vertex)."""
    base = model.default_params()
    base.update(gender=0.0, african=1.0, caucasian=0.0)
    vectors = [model.vector({**base, "mouth_trans_up": x}) for x in np.linspace(-1, 1, 41)]
    heights = measure_batch(model.vertices(np.stack(vectors)))["lower_face_height"]
    assert np.abs(np.diff(heights, 2)).max() < 0.3


def test_measurements_of_the_average_head_are_human(mean_points, model):
    values = measure(model.evaluate())
    assert set(values) == set(measurement_names())
    for norm in load_norms():
        assert 0.7 * norm.mean < values[norm.measurement] < 1.3 * norm.mean, norm
    assert values["nose_width"] == pytest.approx(
        np.linalg.norm(mean_points["al_l"] - mean_points["al_r"]), rel=1e-6)
    assert values["cephalic_index"] == pytest.approx(
        100 * values["head_width"] / values["head_length"])


def test_measurements_follow_the_sliders(model):
    base = measure(model.evaluate())

    def changed(**values):
        params = model.default_params()
        params.update(values)
        return measure(model.evaluate(params))

    assert changed(nose_scale_horiz=1.0)["nose_width"] > base["nose_width"] + 2
    assert changed(mouth_scale_horiz=1.0)["mouth_width"] > base["mouth_width"] + 2
    assert changed(head_scale_depth=-1.0)["head_length"] < base["head_length"] - 5
    assert changed(head_scale_horiz=1.0)["head_width"] > base["head_width"] + 5
    male, female = changed(gender=0.0), changed(gender=1.0)
    assert male["face_height"] > female["face_height"]


def test_batch_numpy_and_torch_agree_and_carry_gradients(model):
    import torch

    vectors = np.stack([model.vector(model.default_params()),
                        model.vector({"nose_scale_horiz": 0.8, "gender": 0.1})]).astype(np.float64)
    batch = measure_batch(model.vertices(vectors))
    single = measure(model.evaluate(vectors[1].astype(np.float32)))
    for name in measurement_names():
        assert batch[name].shape == (2,)
        assert batch[name][1] == pytest.approx(single[name], rel=1e-4, abs=1e-3)
    tensor = torch.tensor(vectors, requires_grad=True)
    values = measure_batch(model.vertices(tensor))
    for name in measurement_names():
        value = float(values[name][1].detach())
        assert value == pytest.approx(float(batch[name][1]), rel=1e-6, abs=1e-6)
    values["nose_width"].sum().backward()
    index = model.spec.names.index("nose_scale_horiz")
    assert tensor.grad[1, index] > 0


def test_measure_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="vertices must be"):
        measure(np.zeros((10, 2)))


def test_unreadable_extremes_are_one_line_errors(tmp_path):
    from faceeditor.model.landmarks import LandmarkError

    document = json.loads((ROOT / "resources/landmarks/farkas.json").read_text())
    document["extremes"] = {"nowhere": {"candidates": [1], "direction": [1, 0, 0]}}
    bad = tmp_path / "farkas.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(LandmarkError, match="unknown landmarks"):
        farkas_landmarks(bad)
    document["extremes"] = {"prn": {"direction": [0, 0, 1]}}
    bad.write_text(json.dumps(document))
    with pytest.raises(LandmarkError, match="cannot read the extremes"):
        farkas_landmarks(bad)


def test_every_norm_is_cited_and_complete_for_both_sexes():
    sources = (ROOT / "resources/anthropometry/SOURCES.md").read_text()
    cited = set(re.findall(r"^## (\w+)", sources, flags=re.M))
    for norm in load_norms():
        assert norm.source in cited, norm
        assert norm.sd > 0 and norm.mean > 0
        assert norm.ages[0] >= 16
    for population in populations():
        male, female = norms_for(population, "male"), norms_for(population, "female")
        assert set(male) == set(female), population
    with pytest.raises(KeyError, match="unknown population"):
        norms_for("atlantis", "male")
