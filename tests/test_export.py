"""GLB and OBJ export: validity (Khronos validator), round trips (trimesh, three.js), morphs."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from faceeditor.export import ExportOptions, TextureSet, export_geometry, export_head
from faceeditor.export import gltf as gltf_module
from faceeditor.export.tangents import vertex_tangents
from faceeditor.model import PART_NAMES, load_default_model
from faceeditor.model.prior import sample
from faceeditor.render.geometry import SeamSplit
from gltf_tools import Glb, node_script

TEXTURE_SIZE = 1024


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def params(model):
    params = sample(model, 5)
    params.update(jawOpen=0.4, mouthSmileLeft=0.7, eyeBlinkRight=0.25)
    return params


@pytest.fixture(scope="module")
def textures():
    """Test images with structure that survives encoding: a UV ramp, a tilted normal, a ramp."""
    ramp = np.linspace(0, 255, TEXTURE_SIZE).astype(np.uint8)
    albedo = np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], np.uint8(90)), -1)
    normal = np.empty((TEXTURE_SIZE, TEXTURE_SIZE, 3), np.uint8)
    normal[:] = (150, 128, 245)
    roughness = np.broadcast_to(ramp[:, None], (TEXTURE_SIZE, TEXTURE_SIZE)).copy()
    return TextureSet(albedo=np.ascontiguousarray(albedo), normal=normal, roughness=roughness)


VARIANTS = {  # name: (morphs, subdivisions)
    "morphs": (True, 0), "no_morphs": (False, 0),
    "morphs_subdivided": (True, 1), "no_morphs_subdivided": (False, 1),
}


@pytest.fixture(scope="module")
def glbs(model, params, textures, tmp_path_factory):
    folder = tmp_path_factory.mktemp("glb")
    paths = {}
    for name, (morphs, subdivisions) in VARIANTS.items():
        options = ExportOptions(format="glb", texture_size=TEXTURE_SIZE, morphs=morphs,
                                subdivisions=subdivisions, hair=False)
        paths[name] = folder / f"{name}.glb"
        export_head(model, params, paths[name], options, textures)
    # the other options: baked expression with a JPEG albedo, and no textures at all
    paths["baked_jpeg"] = folder / "baked_jpeg.glb"
    export_head(model, params, paths["baked_jpeg"],
                ExportOptions(texture_size=TEXTURE_SIZE, bake_expression=True,
                              image_format="jpeg", hair=False), textures)
    paths["untextured"] = folder / "untextured.glb"
    export_head(model, params, paths["untextured"], ExportOptions(hair=False), None)
    return paths


def test_khronos_validator_reports_no_errors_or_warnings(glbs):
    reports = node_script("validate_gltf.mjs", *glbs.values())
    assert len(reports) == len(glbs)
    for report in reports:
        problems = [m for m in report["messages"] if m.split()[0] in ("0", "1")]
        assert report["errors"] == 0 and report["warnings"] == 0, (report["file"], problems)
        assert report["info"]["totalVertexCount"] > 5000
    by_name = {r["file"].rsplit("/", 1)[1][:-4]: r["info"] for r in reports}
    assert by_name["morphs"]["hasMorphTargets"] and not by_name["no_morphs"]["hasMorphTargets"]
    assert by_name["morphs"]["hasTextures"] and by_name["morphs"]["materialCount"] == 5
    images = [r["image"] for r in by_name["morphs"]["resources"] if "image" in r]
    assert [(i["width"], i["height"]) for i in images] == [(TEXTURE_SIZE, TEXTURE_SIZE)] * 3
    jpeg = [r["mimeType"] for r in by_name["baked_jpeg"]["resources"] if "image" in r]
    assert jpeg == ["image/jpeg", "image/png", "image/png"]
    assert not by_name["untextured"]["hasTextures"]


def test_glb_has_52_arkit_morph_targets_that_reproduce_the_model(model, params, glbs):
    glb = Glb.read(glbs["morphs"])
    mesh = glb.document["meshes"][0]
    names = [p.name for p in model.spec.of_kind("expression")]
    assert mesh["extras"]["targetNames"] == names and len(names) == 52
    assert "jawOpen" in names and "mouthSmileLeft" in names and "tongueOut" in names
    # not baked: the current expression comes back as the default weights
    np.testing.assert_allclose(mesh["weights"], [params.get(n, 0.0) for n in names], atol=1e-7)

    # base + sum(weights * deltas) is the model's head with that expression, vertex for vertex
    expected = model.evaluate(params)
    split = SeamSplit.from_mesh(expected)
    for part, primitive in enumerate(mesh["primitives"]):
        assert len(primitive["targets"]) == 52
        position = glb.accessor(primitive["attributes"]["POSITION"]).astype(np.float64)
        for k, weight in enumerate(mesh["weights"]):
            if weight:
                position += weight * glb.accessor(primitive["targets"][k]["POSITION"])
        vertex = split.vertex_index[split.part_id == part]
        np.testing.assert_allclose(position, expected.vertices[vertex], atol=2e-6)


def test_baked_expression_is_in_the_base_and_weights_are_zero(model, params, textures,
                                                              tmp_path):
    path = tmp_path / "baked.glb"
    options = ExportOptions(texture_size=TEXTURE_SIZE, bake_expression=True)
    export_head(model, params, path, options, textures)
    glb = Glb.read(path)
    mesh = glb.document["meshes"][0]
    assert mesh["weights"] == [0.0] * 52
    skin = mesh["primitives"][PART_NAMES.index("skin")]
    expected = model.evaluate(params)
    split = SeamSplit.from_mesh(expected)
    vertex = split.vertex_index[split.part_id == PART_NAMES.index("skin")]
    np.testing.assert_allclose(glb.accessor(skin["attributes"]["POSITION"]),
                               expected.vertices[vertex], atol=1e-6)
    # jawOpen's target opens the jaw: the chin moves down
    jaw = glb.accessor(skin["targets"][mesh["extras"]["targetNames"].index("jawOpen")]["POSITION"])
    assert jaw[:, 1].min() < -0.005


def test_glb_materials_embed_the_three_textures(glbs, textures):
    glb = Glb.read(glbs["morphs"])
    materials = {m["name"]: m for m in glb.document["materials"]}
    assert set(materials) == set(PART_NAMES)
    skin = materials["skin"]
    pbr = skin["pbrMetallicRoughness"]
    albedo = np.asarray(Image.open(io.BytesIO(glb.image(pbr["baseColorTexture"]["index"]))))
    normal = np.asarray(Image.open(io.BytesIO(glb.image(skin["normalTexture"]["index"]))))
    packed = np.asarray(Image.open(io.BytesIO(glb.image(
        pbr["metallicRoughnessTexture"]["index"]))))
    np.testing.assert_array_equal(albedo, textures.albedo)
    np.testing.assert_array_equal(normal, textures.normal)
    np.testing.assert_array_equal(packed[:, :, 1], textures.roughness)  # glTF: roughness = G
    assert not packed[:, :, 2].any() and pbr["metallicFactor"] == 0.0
    # the atlas paints every part: all materials share the three maps, all primitives have
    # tangents for the normal map
    for material in materials.values():
        assert material["pbrMetallicRoughness"]["baseColorTexture"] == pbr["baseColorTexture"]
        assert material["normalTexture"] == skin["normalTexture"]
    assert len(glb.document["images"]) == 3
    for primitive in glb.document["meshes"][0]["primitives"]:
        assert "TANGENT" in primitive["attributes"]
    untextured = Glb.read(glbs["untextured"])
    assert "images" not in untextured.document
    colours = {m["name"]: m["pbrMetallicRoughness"]["baseColorFactor"]
               for m in untextured.document["materials"]}
    assert colours["mouth_cavity"][0] < colours["teeth"][0]  # dark mouth, light teeth


def test_glb_follows_our_axes_and_units(model, params, glbs):
    glb = Glb.read(glbs["no_morphs"])
    mesh = glb.document["meshes"][0]
    skin = mesh["primitives"][PART_NAMES.index("skin")]
    position = glb.accessor(skin["attributes"]["POSITION"])
    extent = position.max(0) - position.min(0)
    assert 0.12 < extent[0] < 0.3 and 0.18 < extent[1] < 0.45  # a head, in metres
    nose_tip = position[np.argmax(position[:, 2])]
    assert abs(nose_tip[0]) < 0.01  # the face looks toward +Z: the foremost point is central
    assert "targets" not in skin and "weights" not in mesh


def test_trimesh_loads_glb_with_the_right_counts_and_textures(model, params, glbs):
    trimesh = pytest.importorskip("trimesh")
    for name, (morphs, subdivisions) in VARIANTS.items():
        scene = trimesh.load(glbs[name], process=False, force="scene")
        geometries = list(scene.geometry.values())
        expected = model.evaluate(params)
        faces = len(expected.faces) * 4 ** subdivisions
        assert sum(len(g.faces) for g in geometries) == faces, name
        glb = Glb.read(glbs[name])
        gpu_vertices = sum(glb.document["accessors"][p["attributes"]["POSITION"]]["count"]
                           for p in glb.document["meshes"][0]["primitives"])
        assert sum(len(g.vertices) for g in geometries) == gpu_vertices
        if subdivisions == 0:
            assert gpu_vertices == len(SeamSplit.from_mesh(expected).vertex_index)
        for g in geometries:
            assert g.visual.material.baseColorTexture.size == (TEXTURE_SIZE, TEXTURE_SIZE)


def test_three_js_gltf_loader_finds_morphs_and_textures(model, glbs):
    loaded = node_script("load_with_three.mjs", glbs["morphs_subdivided"])
    assert loaded["meshes"] == len(PART_NAMES)
    assert loaded["morphTargets"] == [52] * len(PART_NAMES)
    assert loaded["morphTargetNames"] == [p.name for p in model.spec.of_kind("expression")]
    assert loaded["triangles"] == len(model.evaluate().faces) * 4
    # three.js decoded the sparse morph deltas to the values in the file
    glb = Glb.read(glbs["morphs_subdivided"])
    for primitive in glb.document["meshes"][0]["primitives"]:
        name = glb.document["materials"][primitive["material"]]["name"]
        sums = [glb.accessor(t["POSITION"]).astype(np.float64).sum() for t in primitive["targets"]]
        np.testing.assert_allclose(loaded["morphDeltaSums"][name], sums, rtol=1e-5, atol=1e-6)
    assert any(abs(s) > 1e-3 for s in loaded["morphDeltaSums"]["skin"])
    slots = {(t["slot"], t["width"], t["height"]) for t in loaded["textures"]}
    assert {("map", TEXTURE_SIZE, TEXTURE_SIZE), ("normalMap", TEXTURE_SIZE, TEXTURE_SIZE),
            ("roughnessMap", TEXTURE_SIZE, TEXTURE_SIZE)} <= slots


def test_obj_bundle_round_trips_through_trimesh(model, params, textures, tmp_path):
    trimesh = pytest.importorskip("trimesh")
    path = tmp_path / "head.obj"
    options = ExportOptions(format="obj", texture_size=TEXTURE_SIZE, subdivisions=1, hair=False)
    written = export_head(model, params, path, options, textures, header="test")
    assert {p.name for p in written} == {"head.obj", "head.mtl", "head_albedo.png",
                                         "head_normal.png", "head_roughness.png"}
    mtl = (tmp_path / "head.mtl").read_text()
    assert "map_Kd head_albedo.png" in mtl and "map_Bump head_normal.png" in mtl
    expected = model.evaluate(params)
    scene = trimesh.load(path, process=False, force="scene")
    geometries = list(scene.geometry.values())
    assert sum(len(g.faces) for g in geometries) == 4 * len(expected.faces)
    skin = [g for g in geometries if g.visual.material.name == "skin"]
    assert len(skin) == 1 and skin[0].visual.material.image.size == (TEXTURE_SIZE,) * 2
    text = path.read_text()
    vertex_count = sum(1 for line in text.splitlines() if line.startswith("v "))
    geometry = export_geometry(model, params, morphs=False, subdivisions=1)
    assert vertex_count == len(geometry.base.vertices) > len(expected.vertices)


def test_obj_per_expression_files_hold_each_expression_at_one(model, params, tmp_path):
    path = tmp_path / "face.obj"
    options = ExportOptions(format="obj", texture_size=TEXTURE_SIZE, expression_files=True,
                            hair=False)
    written = export_head(model, params, path, options, textures=None)
    assert len(written) == 2 + 52  # OBJ, MTL, no textures, 52 expressions
    neutral = dict(params)
    for p in model.spec.of_kind("expression"):
        neutral[p.name] = 0.0
    expected = model.evaluate({**neutral, "jawOpen": 1.0}).vertices
    text = (tmp_path / "face_jawOpen.obj").read_text()
    vertices = np.array([line.split()[1:] for line in text.splitlines()
                         if line.startswith("v ")], float)
    np.testing.assert_allclose(vertices, expected, atol=2e-6)
    main = np.array([line.split()[1:] for line in path.read_text().splitlines()
                     if line.startswith("v ")], float)
    np.testing.assert_allclose(main, model.evaluate(params).vertices, atol=2e-6)


def test_failed_export_leaves_no_file_and_keeps_the_old_one(model, params, tmp_path,
                                                            monkeypatch):
    path = tmp_path / "head.glb"
    path.write_bytes(b"my earlier export")

    def broken(*args, **kwargs):
        raise MemoryError("out of memory while packing")

    monkeypatch.setattr(gltf_module, "GltfBuilder", broken)
    with pytest.raises(MemoryError):
        export_head(model, params, path, ExportOptions(), None)
    assert path.read_bytes() == b"my earlier export"
    assert [p.name for p in tmp_path.iterdir()] == ["head.glb"]  # no temporary file left


def test_textures_are_scaled_to_the_requested_size(model, params, textures, tmp_path):
    path = tmp_path / "big.glb"
    export_head(model, params, path, ExportOptions(texture_size=2048, morphs=False), textures)
    glb = Glb.read(path)
    skin = next(m for m in glb.document["materials"] if m["name"] == "skin")
    normal = np.asarray(Image.open(io.BytesIO(glb.image(skin["normalTexture"]["index"]))))
    assert normal.shape == (2048, 2048, 3)
    vectors = normal.astype(float) / 127.5 - 1.0
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=2), 1.0, atol=0.02)


def test_export_options_reject_bad_values():
    with pytest.raises(ValueError, match="texture size"):
        ExportOptions(texture_size=1000)
    with pytest.raises(ValueError, match="subdivision"):
        ExportOptions(subdivisions=2)
    with pytest.raises(ValueError, match="glb or obj"):
        ExportOptions(format="fbx")


def test_tangents_follow_u_and_record_mirrored_uvs():
    # a unit quad in the XY plane facing +Z; u grows along +X, v along +Y
    positions = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], np.float32)
    normals = np.tile(np.float32([0, 0, 1]), (4, 1))
    triangles = np.array([[0, 1, 2], [0, 2, 3]])
    uvs = positions[:, :2].copy()
    tangents = vertex_tangents(positions, normals, uvs, triangles)
    np.testing.assert_allclose(tangents, np.tile([1, 0, 0, 1], (4, 1)), atol=1e-6)
    # mirror u: the tangent turns around and the handedness flips (B = cross(N, T) * w)
    mirrored = vertex_tangents(positions, normals, np.c_[1 - uvs[:, 0], uvs[:, 1]], triangles)
    np.testing.assert_allclose(mirrored, np.tile([-1, 0, 0, -1], (4, 1)), atol=1e-6)


def test_tangents_of_the_head_are_unit_and_orthogonal(model):
    mesh = model.evaluate()
    split = SeamSplit.from_mesh(mesh)
    normals = mesh.normals[split.vertex_index]
    tangents = vertex_tangents(mesh.vertices[split.vertex_index], normals,
                               mesh.uvs[split.uv_index], split.indices)
    np.testing.assert_allclose(np.linalg.norm(tangents[:, :3], axis=1), 1.0, atol=1e-5)
    assert np.abs(np.sum(tangents[:, :3] * normals, axis=1)).max() < 1e-4
    assert set(np.unique(tangents[:, 3])) <= {-1.0, 1.0}


def test_texture_set_rejects_images_of_the_wrong_kind():
    good = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="albedo map must be"):
        TextureSet(albedo=good.astype(np.float32), normal=good, roughness=good[:, :, 0])
    with pytest.raises(ValueError, match="roughness map must be"):
        TextureSet(albedo=good, normal=good, roughness=np.zeros((8, 8, 2), np.uint8))
    packed = TextureSet(albedo=good, normal=good, roughness=good).metallic_roughness()
    assert packed.shape == (8, 8, 3) and (packed[:, :, 0] == 255).all()


def test_missing_texture_generator_means_plain_colours_with_a_warning(monkeypatch, caplog):
    import sys

    from faceeditor.export import TexturesUnavailableError, generate_textures, skin_textures

    monkeypatch.setitem(sys.modules, "faceeditor.albedo", None)  # import raises ImportError
    with pytest.raises(TexturesUnavailableError, match="faceeditor.albedo"):
        generate_textures({}, 1024)
    assert skin_textures({}, 1024) is None
    assert "plain colours" in caplog.text
    with pytest.raises(ValueError, match="texture size"):
        generate_textures({}, 1000)
