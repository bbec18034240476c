"""Sculpting without Qt: screen <-> world mapping, picking, regions, the sliders of a region and
drag sessions solved into the parameter state (pins, expressions, undo)."""

from __future__ import annotations

import numpy as np
import pytest

from faceeditor.model import load_default_model
from faceeditor.render.camera import OrbitCamera
from faceeditor.sculpt import (
    Ray,
    SculptError,
    SculptSession,
    drag_target,
    pick,
    project,
    region_map,
    sculpt_sliders,
)
from faceeditor.state import ParameterState

SIZE = (800, 600)


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def mesh(model):
    return model.evaluate()


@pytest.fixture(scope="module")
def regions(model):
    return region_map(model)


def camera(mesh, view="front", zoom=0.6):
    yaw = {"front": 0.0, "side": 90.0}[view]
    framed = OrbitCamera.framing("front", mesh.vertices, aspect=SIZE[0] / SIZE[1], margin=1.15)
    return OrbitCamera(yaw=yaw, pitch=0.0, distance=framed.distance * zoom,
                       target=framed.target).camera()


def tip(mesh) -> int:
    skin = np.unique(mesh.faces[mesh.part_faces("skin")])
    return int(skin[np.argmax(mesh.vertices[skin, 2])])


@pytest.mark.parametrize("view", ["front", "side"])
def test_rays_through_pixels_project_back_onto_them(mesh, view):
    cam = camera(mesh, view)
    for pixel in ((400.0, 300.0), (10.0, 590.0), (777.5, 42.25)):
        ray = Ray.through_pixel(cam, pixel, SIZE)
        assert np.linalg.norm(ray.direction) == pytest.approx(1.0)
        for t in (0.1, 0.5, 2.0):
            np.testing.assert_allclose(project(cam, ray.at(t)[None], SIZE)[0], pixel, atol=1e-3)


def test_pick_finds_the_nearest_triangle_and_its_barycentrics():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0],       # z = 0
                         [0, 0, 1], [1, 0, 1], [0, 1, 1]], float)  # z = 1, nearer the eye
    faces = np.array([[0, 1, 2], [3, 4, 5]])
    ray = Ray(np.array([0.2, 0.3, 5.0]), np.array([0.0, 0.0, -1.0]))
    hit = pick(ray, vertices, faces)
    assert hit.triangle == 1 and hit.distance == pytest.approx(4.0)
    np.testing.assert_allclose(hit.point.weights[0], [0.5, 0.2, 0.3])
    np.testing.assert_allclose(hit.position, [0.2, 0.3, 1.0])
    assert pick(ray, vertices, faces, pickable=np.array([True, False])) is None  # hidden
    assert pick(Ray(np.array([2.0, 2.0, 5.0]), ray.direction), vertices, faces) is None


def test_the_nose_tip_is_picked_in_the_nose_region(mesh, regions):
    cam = camera(mesh)
    vertex = tip(mesh)
    pixel = project(cam, mesh.vertices[vertex][None], SIZE)[0]
    hit = pick(Ray.through_pixel(cam, pixel, SIZE), mesh.vertices, mesh.faces, regions.pickable)
    assert np.linalg.norm(hit.position - mesh.vertices[vertex]) < 1e-4
    assert regions.region_of_face(hit.triangle) == "nose"
    assert pick(Ray.through_pixel(cam, (2.0, 2.0), SIZE), mesh.vertices, mesh.faces) is None


def test_front_drags_stay_in_the_image_plane_and_profile_drags_push_depth(mesh):
    anchor = mesh.vertices[tip(mesh)].astype(np.float64)
    front = camera(mesh, "front")
    pixel = project(front, anchor[None], SIZE)[0]
    moved = drag_target(front, pixel + (0, -40), SIZE, anchor)
    assert moved[2] == pytest.approx(anchor[2]) and moved[1] > anchor[1] + 0.005
    side = camera(mesh, "side")  # from +X: the face (+Z) points to the image's left
    pixel = project(side, anchor[None], SIZE)[0]
    pushed = drag_target(side, pixel + (-40, 0), SIZE, anchor)
    assert pushed[0] == pytest.approx(anchor[0]) and pushed[2] > anchor[2] + 0.005


def test_regions_cover_the_face_where_their_sliders_act(model, mesh, regions):
    assert {"nose", "mouth", "eyes", "ears", "cheeks", "brows", "chin_jaw"} <= set(regions.names)
    by_name = dict(zip(regions.names, range(len(regions.names))))
    assert regions.vertex_region[tip(mesh)] == by_name["nose"]
    skin = regions.skin_vertices
    v = mesh.vertices
    ear = np.flatnonzero(skin & (np.abs(v[:, 0]) == np.abs(v[skin, 0]).max()))[0]
    assert regions.vertex_region[ear] == by_name["ears"]
    for name in regions.names:
        assert len(regions.faces_of(name)) > 20, name
    # teeth and the mouth cavity cannot be grabbed
    assert not regions.pickable[mesh.part_faces("teeth")].any()
    again = region_map.__wrapped__(model)
    np.testing.assert_array_equal(again.vertex_region, regions.vertex_region)


def test_sliders_of_a_region_follow_side_symmetry_and_mode(model, mesh, regions):
    spec = model.spec
    corners = mesh.faces[regions.faces_of("nose")[0]]
    nose = sculpt_sliders(spec, regions, "nose", mesh.faces[np.flatnonzero(
        (mesh.faces == tip(mesh)).any(1))[0]], side=None, symmetric=False, expressions=False)
    assert nose and {spec[n].group for n in nose} == {"nose"} and "asym_nose_1" in nose
    symmetric = sculpt_sliders(spec, regions, "nose", corners, side=None, symmetric=True,
                               expressions=False)
    assert not any(spec[n].kind == "asym" for n in symmetric)
    cheek = np.flatnonzero(regions.skin_vertices & (regions.vertex_region
                                                   == regions.names.index("cheeks"))
                           & (mesh.vertices[:, 0] > 0.03))
    face = np.flatnonzero((mesh.faces == cheek[len(cheek) // 2]).any(1))[0]
    left = sculpt_sliders(spec, regions, "cheeks", mesh.faces[face], side="left",
                          symmetric=False, expressions=False)
    assert left and all(not n.startswith("r_") for n in left)
    both = sculpt_sliders(spec, regions, "cheeks", mesh.faces[face], side="left",
                          symmetric=True, expressions=False)
    assert all(spec[n].mirror in both for n in both if spec[n].mirror)
    expressions = sculpt_sliders(spec, regions, "cheeks", mesh.faces[face], side="left",
                                 symmetric=False, expressions=True)
    assert expressions and {spec[n].kind for n in expressions} == {"expression"}
    assert "cheekSquintLeft" in expressions and "cheekSquintRight" not in expressions


def new_session(model):
    state = ParameterState(model)
    return state, SculptSession(state, model)


def drag(session, mesh_of, cam, start, offset, steps=6):
    for i in range(1, steps + 1):
        session.drag(mesh_of(), start + np.asarray(offset) * i / steps, SIZE)
    session.settle(mesh_of(), start + np.asarray(offset), SIZE)


def test_a_drag_is_one_undo_step_and_cancel_restores(model):
    state, session = new_session(model)
    mesh_of = lambda: model.evaluate(state.vector.astype(np.float32))  # noqa: E731
    mesh = mesh_of()
    cam = camera(mesh)
    start = project(cam, mesh.vertices[tip(mesh)][None], SIZE)[0]
    with pytest.raises(SculptError):
        session.drag(mesh, start, SIZE)
    assert session.grab(mesh, cam, start, SIZE)
    drag(session, mesh_of, cam, start, (0, -30))
    moved = session.release()
    assert moved and {model.spec[n].group for n in moved} == {"nose"}
    grabbed = session.last_grab.point.positions(mesh_of().vertices.astype(np.float64),
                                                mesh.faces)
    assert np.linalg.norm(project(cam, grabbed, SIZE)[0] - (start + (0, -30))) < 1.0
    assert state.undo_label == "Sculpt nose" and len(state._undo) == 1
    state.undo()
    np.testing.assert_array_equal(state.vector, model.spec.defaults.astype(np.float64))

    assert session.grab(mesh, cam, start, SIZE)
    drag(session, mesh_of, cam, start, (0, -30))
    session.cancel()
    np.testing.assert_array_equal(state.vector, model.spec.defaults.astype(np.float64))
    assert not state.can_undo and not session.dragging


def test_a_pinned_point_holds_while_its_neighbour_is_dragged(model, regions):
    state, session = new_session(model)
    mesh_of = lambda: model.evaluate(state.vector.astype(np.float32))  # noqa: E731
    mesh = mesh_of()
    cam = camera(mesh)
    nose = regions.names.index("nose")
    # a nose-wing vertex: the nose sliders move it when the tip is pulled sideways
    wing = np.flatnonzero((regions.vertex_region == nose) & regions.skin_vertices
                          & (mesh.vertices[:, 0] > 0.015))
    wing = int(wing[np.argmax(mesh.vertices[wing, 2])])
    start = project(cam, mesh.vertices[tip(mesh)][None], SIZE)[0]

    def pulled(pinned: bool) -> float:
        state.reset()
        session.clear_pins()
        if pinned:
            hit = session.hit(mesh, cam, project(cam, mesh.vertices[wing][None], SIZE)[0], SIZE)
            assert session.toggle_pin(hit, mesh)
        assert session.grab(mesh, cam, start, SIZE)
        drag(session, mesh_of, cam, start, (0, 25))
        session.release()
        return float(np.linalg.norm(mesh_of().vertices[wing] - mesh.vertices[wing]))

    free, held = pulled(False), pulled(True)
    assert held < 0.5 * free and held < 0.0005, (free, held)
    hit = session.hit(mesh, cam, project(cam, mesh.vertices[wing][None], SIZE)[0], SIZE)
    assert not session.toggle_pin(hit, mesh) and not len(session.pins)  # again: unpinned


def test_expression_mode_opens_the_mouth(model, regions):
    state, session = new_session(model)
    session.expressions = True
    mesh_of = lambda: model.evaluate(state.vector.astype(np.float32))  # noqa: E731
    mesh = mesh_of()
    cam = camera(mesh)
    mouth = np.flatnonzero((regions.vertex_region == regions.names.index("mouth"))
                           & regions.skin_vertices & (np.abs(mesh.vertices[:, 0]) < 0.002))
    lower_lip = int(mouth[np.argmax(mesh.vertices[mouth, 2] - 10 * np.abs(
        mesh.vertices[mouth, 1] - mesh.vertices[mouth, 1].min() - 0.005))])
    start = project(cam, mesh.vertices[lower_lip][None], SIZE)[0]
    assert session.grab(mesh, cam, start, SIZE)
    assert all(model.spec[n].kind == "expression" for n in session.grab_state.free)
    drag(session, mesh_of, cam, start, (0, 30))
    moved = session.release()
    assert moved and all(model.spec[n].kind == "expression" for n in moved)
    assert state.undo_label == "Sculpt expression"


def test_pulling_a_mouth_corner_up_and_out_smiles_on_both_sides(model, regions):
    state, session = new_session(model)
    state.symmetry_lock = True
    session.expressions = True
    mesh_of = lambda: model.evaluate(state.vector.astype(np.float32))  # noqa: E731
    mesh = mesh_of()
    cam = camera(mesh)
    corner = int(np.argmax(regions.reach[model.spec["mouthSmileLeft"].index]))
    start = project(cam, mesh.vertices[corner][None], SIZE)[0]
    assert session.grab(mesh, cam, start, SIZE)
    assert len(session.grab_state.free) <= 10  # the few expressions that move this point most
    drag(session, mesh_of, cam, start, (20, -20))  # the face's left is the image's right
    session.release()
    values = state.values()
    assert values["mouthSmileLeft"] > 0.2
    assert values["mouthSmileLeft"] == values["mouthSmileRight"]
