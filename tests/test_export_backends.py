"""Export of research backends (issue 7): a tiny FLAME with its texture space and a tiny
AlbedoGAN-on-FLAME, built in the real file formats (tests/test_backends.py), written as GLB and
OBJ + MTL + PNG: valid (Khronos validator), round trips (trimesh), the backend's own albedo
embedded at full resolution, no morph targets, optional Loop subdivision."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from faceeditor.backends import open_model
from faceeditor.export import ExportOptions, export_backend, mesh_geometry, output_files
from faceeditor.render.geometry import SeamSplit
from gltf_tools import Glb, node_script

# the tiny FLAME / StyleGAN2 file builders (imported to register the fixtures)
from test_backends import albedogan_dir, flame_dir, tiny_generator  # noqa: F401

VARIANTS = {  # name: (file under the model folder, subdivisions)
    "flame": ("generic_model.pkl", 0), "flame_subdivided": ("generic_model.pkl", 1),
    "albedogan": ("albedo_gan.pt", 0), "albedogan_subdivided": ("albedo_gan.pt", 1),
}


@pytest.fixture
def backends(albedogan_dir):  # noqa: F811 - the fixture imported above
    return {"generic_model.pkl": open_model(albedogan_dir),
            "albedo_gan.pt": open_model(albedogan_dir / "albedo_gan.pt")}


def _params(backend) -> dict[str, float]:
    """A head away from the default: sampled, with an open jaw and a smile-ish expression."""
    params = backend.sample(7)
    params.update(jaw_rx=0.2, exp_000=1.5)
    return params


@pytest.fixture
def exported(backends, tmp_path):
    """{variant: (backend, params, glb path, obj path)}."""
    out = {}
    for name, (key, subdivisions) in VARIANTS.items():
        backend = backends[key]
        params = _params(backend)
        paths = []
        for file_format in ("glb", "obj"):
            path = tmp_path / name / f"head.{file_format}"
            path.parent.mkdir(exist_ok=True)
            options = ExportOptions(format=file_format, subdivisions=subdivisions,
                                    hair=False)  # research heads have no hair
            written = export_backend(backend, params, path, options, header="test")
            assert sorted(written) == sorted(output_files(path, options, True,
                                                          texture_labels=("albedo",)))
            assert all(p.is_file() for p in written)
            paths.append(path)
        out[name] = (backend, params, *paths)
    return out


def test_backend_glbs_pass_the_khronos_validator(exported):
    reports = node_script("validate_gltf.mjs", *(v[2] for v in exported.values()))
    assert len(reports) == len(exported)
    for report in reports:
        problems = [m for m in report["messages"] if m.split()[0] in ("0", "1")]
        assert report["errors"] == 0 and report["warnings"] == 0, (report["file"], problems)
        assert report["info"]["hasTextures"] and not report["info"]["hasMorphTargets"]


def test_backend_glb_embeds_the_full_resolution_albedo_only(exported):
    for name, (backend, params, glb_path, _) in exported.items():
        glb = Glb.read(glb_path)
        albedo = backend.evaluate_albedo(params)  # full resolution
        assert len(glb.document["images"]) == 1, name
        for material in glb.document["materials"]:
            pbr = material["pbrMetallicRoughness"]
            picture = Image.open(io.BytesIO(glb.image(pbr["baseColorTexture"]["index"])))
            np.testing.assert_array_equal(np.asarray(picture), albedo)
            assert "normalTexture" not in material and "metallicRoughnessTexture" not in pbr
        mesh = glb.document["meshes"][0]
        assert "weights" not in mesh and "extras" not in mesh
        for primitive in mesh["primitives"]:
            assert "targets" not in primitive
            assert {"POSITION", "NORMAL", "TEXCOORD_0", "TANGENT"} <= set(primitive["attributes"])


def test_backend_glb_round_trips_through_trimesh(exported):
    trimesh = pytest.importorskip("trimesh")
    for name, (backend, params, glb_path, _) in exported.items():
        subdivisions = VARIANTS[name][1]
        mesh = backend.evaluate_mesh(params)
        scene = trimesh.load(glb_path, process=False, force="scene")
        geometries = list(scene.geometry.values())
        assert sum(len(g.faces) for g in geometries) == len(mesh.faces) * 4 ** subdivisions
        expected = mesh_geometry(mesh, subdivisions=subdivisions).base
        assert sum(len(g.vertices) for g in geometries) == \
            len(SeamSplit.from_mesh(expected).vertex_index), name
        if not subdivisions:  # the backend's positions, as it evaluated them
            stacked = np.concatenate([g.vertices for g in geometries])
            np.testing.assert_allclose(np.sort(stacked, axis=0),
                                       np.sort(mesh.vertices[SeamSplit.from_mesh(mesh)
                                                             .vertex_index], axis=0), atol=1e-6)


def test_backend_obj_bundle_round_trips_with_its_albedo(exported):
    trimesh = pytest.importorskip("trimesh")
    for name, (backend, params, _, obj_path) in exported.items():
        subdivisions = VARIANTS[name][1]
        folder = obj_path.parent
        assert {p.name for p in folder.iterdir()} == {"head.glb", "head.obj", "head.mtl",
                                                      "head_albedo.png"}
        mtl = (folder / "head.mtl").read_text()
        assert "map_Kd head_albedo.png" in mtl and "map_Bump" not in mtl and "map_Pr" not in mtl
        albedo = np.asarray(Image.open(folder / "head_albedo.png"))
        np.testing.assert_array_equal(albedo, backend.evaluate_albedo(params))
        mesh = backend.evaluate_mesh(params)
        scene = trimesh.load(obj_path, process=False, force="scene")
        geometries = list(scene.geometry.values())
        assert sum(len(g.faces) for g in geometries) == len(mesh.faces) * 4 ** subdivisions
        vertex_count = sum(1 for line in obj_path.read_text().splitlines()
                           if line.startswith("v "))
        expected = mesh_geometry(mesh, subdivisions=subdivisions).base
        assert vertex_count == len(expected.vertices)
        assert (vertex_count > len(mesh.vertices)) == bool(subdivisions)
        skin = [g for g in geometries if g.visual.material.name == "skin"]
        assert skin and skin[0].visual.material.image.size == albedo.shape[1::-1]


def test_backend_without_albedo_exports_plain_materials(flame_dir, tmp_path):  # noqa: F811
    (flame_dir / "FLAME_texture.npz").unlink()
    backend = open_model(flame_dir / "generic_model.pkl")
    assert backend.evaluate_albedo() is None
    glb_path, obj_path = tmp_path / "plain.glb", tmp_path / "plain.obj"
    export_backend(backend, _params(backend), glb_path, ExportOptions())
    written = export_backend(backend, _params(backend), obj_path, ExportOptions(format="obj"))
    assert {p.name for p in written} == {"plain.obj", "plain.mtl"}
    assert "map_Kd" not in (tmp_path / "plain.mtl").read_text()
    glb = Glb.read(glb_path)
    assert "images" not in glb.document and "textures" not in glb.document
    for primitive in glb.document["meshes"][0]["primitives"]:
        assert "TANGENT" not in primitive["attributes"]
    (report,) = node_script("validate_gltf.mjs", glb_path)
    assert report["errors"] == 0 and report["warnings"] == 0, report["messages"]


def test_mesh_geometry_keeps_the_mesh_and_rejects_bad_levels(flame_dir):  # noqa: F811
    mesh = open_model(flame_dir).evaluate_mesh()
    geometry = mesh_geometry(mesh)
    assert geometry.morph_count == 0 and geometry.posed_mesh() is geometry.base
    np.testing.assert_array_equal(geometry.base.vertices, mesh.vertices)
    np.testing.assert_array_equal(geometry.base.face_parts, mesh.face_parts)
    with pytest.raises(ValueError, match="subdivision"):
        mesh_geometry(mesh, subdivisions=2)
