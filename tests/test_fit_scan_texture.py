"""Scan fitting carries the scan's own texture into the head's UV layout.

The synthetic scans are our own head (known shape) in real file formats (OBJ + MTL + PNG written
here, GLB written by trimesh) with a known texture: the head's procedural albedo with a red patch
painted on its left cheek, laid out in the scan's *own* UVs (a cylindrical projection, nothing
like ours), so a transfer that is mirrored, shifted or reads the wrong UVs fails.
"""

import logging
import subprocess
import sys

import numpy as np
import pytest

from faceeditor.fit.camera import rotation_matrix
from faceeditor.fit.pipeline import FitOptions, fit_input
from faceeditor.fit.texture import bilinear, srgb_to_linear, uv_texels
from faceeditor.model import load_default_model
from faceeditor.model.mesh import PART_NAMES

trimesh = pytest.importorskip("trimesh")

SIZE = 256  # our texture's edge in the tests
SCAN_TEXTURE = 512
PATCH_MM = 14.0
RED = np.array([200, 30, 30])


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def truth(model):
    from faceeditor.model.prior import sample

    # a dark skin, far from the default the fit starts from: the procedural albedo alone is wrong
    return sample(model, 3) | {"skin_melanin": 0.8}


def skin_texels(model, params, size):
    """Our layout's skin texels: (mask (size, size), 3D points (N, 3) metres) on ``params``."""
    mesh = model.evaluate(params)
    skin = np.flatnonzero(mesh.face_parts == PART_NAMES.index("skin"))
    ids, bary = uv_texels(mesh, size, skin)
    texel = ids >= 0
    points = (np.asarray(mesh.vertices, float)[mesh.faces[ids[texel]]]
              * bary[texel][:, :, None]).sum(1)
    return texel, points


def cheek_centre(model, params):
    """A point on the left cheek (+x), below the eye."""
    mesh = model.evaluate(params)
    v = np.asarray(mesh.vertices, float)[np.unique(mesh.faces[mesh.face_parts == 0])]
    eye_height = v[np.argmax(v[:, 2]), 1]  # the nose tip's height, roughly the cheekbone's
    near = v[(np.abs(v[:, 0] - 0.042) < 0.004) & (np.abs(v[:, 1] - eye_height) < 0.004)]
    return near[np.argmax(near[:, 2])]


def known_texture(model, params, size):
    """(size, size, 3) uint8 in our layout: the procedural albedo, a red patch on the cheek."""
    from faceeditor.export.textures import skin_albedo

    texture = skin_albedo(params, size).copy()
    texel, points = skin_texels(model, params, size)
    patch = np.linalg.norm(points - cheek_centre(model, params), axis=1) < PATCH_MM / 1000
    rows = texture[texel]
    rows[patch] = RED
    texture[texel] = rows
    return texture


def cylinder_uvs(vertices):
    """A cylindrical projection about the vertical axis: u from the angle (0.5 = the face's
    front, +x side right of it), v from the height."""
    u = np.arctan2(vertices[:, 0], vertices[:, 2]) / (2 * np.pi) + 0.5
    v = (vertices[:, 1] - vertices[:, 1].min()) / np.ptp(vertices[:, 1])
    return np.stack([0.02 + 0.96 * u, 0.02 + 0.96 * v], 1)


def synthetic_scan(model, params, known):
    """(vertices mm Z up, faces, per-vertex UVs, scan texture) of the head: skin only, 3% of the
    triangles dropped (holes), the back seam of the cylinder cut open."""
    from scipy import ndimage

    mesh = model.evaluate(params)
    vertices = np.asarray(mesh.vertices, float)
    rng = np.random.default_rng(1)
    uvs = cylinder_uvs(vertices)
    kept = np.flatnonzero((mesh.face_parts == 0) & (rng.random(len(mesh.faces)) > 0.03)
                          & (np.ptp(uvs[mesh.faces, 0], axis=1) < 0.3))  # none across the seam
    faces = mesh.faces[kept].astype(np.int64)
    # bake: each scan texel's point on the head -> our UVs -> the known texture
    layout = type("Layout", (), {"uvs": uvs, "face_uvs": faces})()
    ids, bary = uv_texels(layout, SCAN_TEXTURE, np.arange(len(faces)))
    covered = ids >= 0
    tri = kept[ids[covered]]
    ours = (mesh.uvs[mesh.face_uvs[tri]] * bary[covered][:, :, None]).sum(1)
    image = np.zeros((SCAN_TEXTURE, SCAN_TEXTURE, 3))
    image[covered] = bilinear(known.astype(float), ours[:, 0] * known.shape[1],
                              (1 - ours[:, 1]) * known.shape[0])
    # pad the charts outward (as texture bakers do) so bilinear sampling at their edges is clean
    _, (row, col) = ndimage.distance_transform_edt(~covered, return_indices=True)
    image = np.round(image[row, col]).astype(np.uint8)
    z_up = rotation_matrix(np.array([np.pi / 2, 0.0, 0.0]))
    scanned = vertices @ z_up.T * 1000 + rng.normal(0, 0.2, vertices.shape) + [30, -40, 900]
    return scanned, faces, uvs, image


def write_obj(path, vertices, faces, uvs, image, texture_name="skin albedo.png"):
    """OBJ + MTL (``map_Kd`` with an option, a name with a space) + PNG, as scanners write."""
    from PIL import Image

    lines = [f"mtllib {path.stem}.mtl", "o scan"]
    lines += [f"v {x:.3f} {y:.3f} {z:.3f}" for x, y, z in vertices]
    lines += [f"vt {u:.6f} {v:.6f}" for u, v in uvs]
    lines += ["usemtl skin"]
    lines += [f"f {a + 1}/{a + 1} {b + 1}/{b + 1} {c + 1}/{c + 1}" for a, b, c in faces]
    path.write_text("\n".join(lines) + "\n")
    path.with_suffix(".mtl").write_text(f"newmtl skin\nKd 1 1 1\nmap_Kd -bm 1 {texture_name}\n")
    Image.fromarray(image).save(path.parent / texture_name)


def write_glb(path, vertices, faces, uvs, image):
    from PIL import Image

    used = np.unique(faces)
    remap = np.zeros(len(vertices), np.int64)
    remap[used] = np.arange(len(used))
    mesh = trimesh.Trimesh(vertices[used], remap[faces], process=False)
    mesh.visual = trimesh.visual.TextureVisuals(uv=uvs[used], image=Image.fromarray(image))
    mesh.export(path)


def texture_errors(model, params, result, known):
    """(mean |error| in sRGB levels over the face's skin texels, patch redness, mirrored patch
    redness) of ``result`` against ``known``, both in our UV layout. ``params``: the true head,
    whose geometry placed the patch (the fitted head's cheek point can be another vertex)."""
    from faceeditor.fit.scan import face_vertices

    texel, points = skin_texels(model, params, SIZE)
    mesh = model.evaluate(params)
    face = np.asarray(mesh.vertices, float)[face_vertices(mesh)]
    front = ((points[:, 2] > face[:, 2].min()) & (np.abs(points[:, 0]) < 0.06)
             & (points[:, 1] > face[:, 1].min()) & (points[:, 1] < face[:, 1].max()))
    error = np.abs(result[texel].astype(float) - known[texel].astype(float)).mean(1)
    centre = cheek_centre(model, params)
    patch = np.linalg.norm(points - centre, axis=1) < 0.6 * PATCH_MM / 1000
    mirrored = np.linalg.norm(points - centre * [-1, 1, 1], axis=1) < 0.6 * PATCH_MM / 1000
    redness = result[texel].astype(float) @ [1.0, -0.5, -0.5]
    return error[front].mean(), redness[patch].mean(), redness[mirrored].mean()


def test_obj_scan_texture_is_stored_in_the_project(model, truth, tmp_path, monkeypatch):
    from functools import partial

    from faceeditor import cli
    from faceeditor.export.textures import skin_albedo
    from faceeditor.fit import command
    from faceeditor.project import load_project

    known = known_texture(model, truth, SIZE)
    scan = tmp_path / "scan.obj"
    write_obj(scan, *synthetic_scan(model, truth, known))
    output = tmp_path / "head.face"
    # the command as the user runs it, with a small texture to keep the test quick
    monkeypatch.setattr(command, "FitOptions", partial(command.FitOptions, texture_size=SIZE))
    assert cli.main(["fit", str(scan), "-o", str(output)]) == 0
    project = load_project(output, model)
    assert project.albedo_png is not None  # stored like a photo's texture ...
    result = command.project_photo_albedo(output, model, SIZE)  # ... and read back by the app
    error, patch, mirrored = texture_errors(model, truth, result, known)
    # the skin tone is the scan's too (truth: melanin 0.8), so holes blend in
    assert abs(project.parameters["skin_melanin"] - 0.8) < 0.1
    baseline = texture_errors(model, truth, skin_albedo(project.parameters, SIZE),
                              known)[0]
    print(f"OBJ: face texture error {error:.1f} levels (the fitted procedural albedo alone "
          f"{baseline:.1f}); patch redness {patch:.0f}, mirrored {mirrored:.0f}")
    # measured 1.9 levels; a u mirrored 6.1, v flipped 9.9, u shifted by 1% 3.8, none 6.0
    assert error < 3.0
    assert patch > 120 and mirrored < 80  # the red patch on the left cheek, not the right


def test_glb_scan_texture_and_a_missing_texture(model, truth, tmp_path, caplog):
    known = known_texture(model, truth, SIZE)
    vertices, faces, uvs, image = synthetic_scan(model, truth, known)
    write_glb(tmp_path / "scan.glb", vertices, faces, uvs, image)
    result = fit_input(model, tmp_path / "scan.glb", FitOptions(texture_size=SIZE))
    error, patch, mirrored = texture_errors(model, truth, result.texture, known)
    print(f"GLB: face texture error {error:.1f} levels; patch redness {patch:.0f}, "
          f"mirrored {mirrored:.0f}; transfer {result.stats['texture_seconds']:.2f} s of "
          f"{result.stats['seconds']:.2f} s")
    assert error < 3.0 and patch > 120 and mirrored < 80
    # --texture procedural keeps the procedural albedo (with the scan's skin tone)
    plain = fit_input(model, tmp_path / "scan.glb", FitOptions(texture="procedural",
                                                               texture_size=SIZE))
    assert plain.texture is None and abs(plain.params["skin_melanin"] - 0.8) < 0.1
    # per-vertex colours (PLY): the known texture at each vertex
    mesh = model.evaluate(truth)
    at = np.zeros((len(mesh.vertices), 2))
    at[mesh.faces.reshape(-1)] = mesh.uvs[mesh.face_uvs.reshape(-1)]
    colours = bilinear(known.astype(float), at[:, 0] * SIZE, (1 - at[:, 1]) * SIZE)
    ply = trimesh.Trimesh(vertices, faces, process=False)
    ply.visual.vertex_colors = np.concatenate([np.round(colours), np.full((len(colours), 1), 255)],
                                              1).astype(np.uint8)
    ply.export(tmp_path / "scan.ply")
    coloured = fit_input(model, tmp_path / "scan.ply", FitOptions(texture_size=SIZE))
    error, patch, mirrored = texture_errors(model, truth, coloured.texture, known)
    print(f"PLY vertex colours: face texture error {error:.1f} levels; patch redness "
          f"{patch:.0f}, mirrored {mirrored:.0f}")
    assert error < 4.0 and patch > 100 and mirrored < 80
    # the texture file is missing: a one-line warning, the fit goes on without it
    write_obj(tmp_path / "gone.obj", vertices, faces, uvs, image, texture_name="gone.png")
    (tmp_path / "gone.png").unlink()
    with caplog.at_level(logging.WARNING):
        missing = fit_input(model, tmp_path / "gone.obj", FitOptions(texture_size=SIZE))
    assert missing.texture is None and missing.stats["face_median_mm"] < 0.5
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("gone.png not found" in w and "\n" not in w for w in warnings), warnings


def test_readers_find_uvs_textures_and_colours(tmp_path, caplog):
    """Against trimesh's writers, and the variants scanners write (MTL options, a Windows path,
    MeshLab's PLY texture comment); an unreadable texture is a warning."""
    from PIL import Image

    from faceeditor.fit.meshio import read_mesh

    sphere = trimesh.creation.icosphere(subdivisions=2, radius=0.1)
    rng = np.random.default_rng(0)
    image = (rng.random((16, 32, 3)) * 255).astype(np.uint8)
    uv = sphere.vertices[:, :2] / 0.2 + 0.5
    textured = sphere.copy()
    textured.visual = trimesh.visual.TextureVisuals(uv=uv, image=Image.fromarray(image))
    for name in ("t.obj", "t.glb"):
        textured.export(tmp_path / name)
        mesh = read_mesh(tmp_path / name)
        np.testing.assert_array_equal(mesh.texture, image)
        corner_uv = mesh.uvs[mesh.face_uvs]  # (F, 3, 2), v up in both formats
        np.testing.assert_allclose(corner_uv, mesh.vertices[mesh.faces][..., :2] / 0.2 + 0.5,
                                   atol=1e-6)
    # map_Kd with options and a path from another machine: the file next to the OBJ is used
    mtl = tmp_path / "material.mtl"
    mtl.write_text(mtl.read_text().replace("map_Kd material_0.png",
                                           "map_Kd -s 1 1 1 -clamp on C:\\scans\\material_0.png"))
    assert read_mesh(tmp_path / "t.obj").texture is not None
    (tmp_path / "material_0.png").write_bytes(b"not a png")
    with caplog.at_level(logging.WARNING):
        assert read_mesh(tmp_path / "t.obj").texture is None
    assert "material_0.png unreadable" in caplog.text
    # per-vertex colours: PLY (sRGB bytes), GLB (COLOR_0, linear)
    coloured = sphere.copy()
    colours = (rng.random((len(sphere.vertices), 4)) * 255).astype(np.uint8)
    coloured.visual.vertex_colors = colours
    coloured.export(tmp_path / "c.ply")
    np.testing.assert_allclose(read_mesh(tmp_path / "c.ply").colors, colours[:, :3] / 255)
    coloured.export(tmp_path / "c.glb")  # trimesh writes the bytes as they are into COLOR_0
    np.testing.assert_allclose(srgb_to_linear(read_mesh(tmp_path / "c.glb").colors),
                               colours[:, :3] / 255, atol=1e-6)
    # MeshLab: per-corner texcoord lists and a TextureFile comment
    Image.fromarray(image).save(tmp_path / "m.png")
    (tmp_path / "m.ply").write_text(
        "ply\nformat ascii 1.0\ncomment TextureFile m.png\nelement vertex 4\nproperty float x\n"
        "property float y\nproperty float z\nelement face 1\n"
        "property list uchar int vertex_indices\nproperty list uchar float texcoord\n"
        "end_header\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n4 0 1 2 3 8 0 0 1 0 1 1 0 1\n")
    mesh = read_mesh(tmp_path / "m.ply")
    np.testing.assert_array_equal(mesh.texture, image)
    np.testing.assert_allclose(mesh.uvs[mesh.face_uvs], mesh.vertices[mesh.faces][..., :2])


def test_far_points_and_holes_take_no_colour():
    """A flat 40 mm sheet (1 mm triangles) with a 6 mm hole: points on it take its colour, points
    over the hole, beside the sheet or 5 mm above it do not."""
    from faceeditor.fit.meshio import ScanMesh
    from faceeditor.fit.register import ScanSurface
    from faceeditor.fit.scan_texture import sample_scan

    xs = np.arange(-20.0, 21.0)
    grid = np.stack(np.meshgrid(xs, xs, indexing="ij"), -1).reshape(-1, 2)
    vertices = np.concatenate([grid, np.zeros((len(grid), 1))], 1)
    n = len(xs)
    quads = [(i * n + j, (i + 1) * n + j, (i + 1) * n + j + 1, i * n + j + 1)
             for i in range(n - 1) for j in range(n - 1)]
    faces = np.array([(a, b, c) for a, b, c, d in quads] + [(a, c, d) for a, b, c, d in quads])
    centres = vertices[faces].mean(1)
    faces = faces[np.linalg.norm(centres[:, :2], axis=1) > 3.0]  # the hole
    colours = np.tile([0.2, 0.5, 0.8], (len(vertices), 1))
    scan = ScanMesh(vertices, faces, colors=colours)
    points = np.array([[10.0, 5.0, 0.3], [0.0, 0.0, 0.2], [1.0, 0.5, 0.0], [25.0, 0.0, 0.0],
                       [10.0, 5.0, 5.0]])
    normals = np.tile([0.0, 0.0, 1.0], (len(points), 1))
    colour, weight = sample_scan(scan, ScanSurface.build(vertices, faces), points, normals)
    np.testing.assert_allclose(colour[0], srgb_to_linear(np.array([0.2, 0.5, 0.8])))
    np.testing.assert_array_equal(weight, [1.0, 0.0, 0.0, 0.0, 0.0])
