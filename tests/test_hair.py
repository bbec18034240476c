"""Hair, eyebrows, eyelashes and beards: parameters, growth, binding, rendering, prior."""

from __future__ import annotations

import numpy as np
import pytest

from faceeditor.hair import HAIR_PARTS, hair_for, rest_head
from faceeditor.hair.binding import CapLayer, CardLayer
from faceeditor.hair.head import HeadShape
from faceeditor.hair.settings import HAIR_STYLES, HairSettings, hair_colour
from faceeditor.hair.texture import strand_atlas
from faceeditor.model import load_default_model
from faceeditor.model.prior import sample


@pytest.fixture(scope="module")
def model():
    return load_default_model()


def _params(model, **values):
    params = model.default_params()
    params.update(values)
    return params


def _cards(hair, name):
    return [layer for layer in hair.layers if isinstance(layer, CardLayer) and layer.name == name]


def _centre(model, layer, params):
    mesh = model.evaluate(params)
    return layer.centre_lines(np.asarray(mesh.vertices, np.float64), mesh.faces)


def test_spec_has_hair_parameters_with_choices(model):
    spec = model.spec
    style = spec["hair_style"]
    assert style.kind == "hair" and style.choices == HAIR_STYLES
    assert style.maximum == len(HAIR_STYLES) - 1
    assert style.choice(style.default) == "short crop"  # the default head has a short crop
    assert style.choice_value("ponytail") == HAIR_STYLES.index("ponytail")
    assert spec["beard_style"].choice(spec["beard_style"].default) == "none"
    assert spec["hair_parting"].minimum == -1.0
    assert spec["hair_style"].as_json()["choices"][0] == "bald"
    with pytest.raises(ValueError, match="choose one of"):
        style.choice_value("mohawk")
    for name in ("hair_length", "hair_volume", "hair_curl", "hairline_height", "hair_density",
                 "hair_grey", "eyebrow_thickness", "eyebrow_arch", "eyebrow_length",
                 "eyebrow_gap", "eyelash_length", "eyelash_curl", "eyelash_density",
                 "beard_length", "beard_density"):
        assert spec[name].kind == "hair"


def test_default_head_has_hair_brows_and_lashes_but_no_beard(model):
    hair = hair_for(model, model.default_params())
    assert set(hair.parts()) == {"hair", "eyebrows", "eyelashes"}
    meshes = hair.evaluate(model.evaluate(model.default_params()))
    for mesh in meshes:
        assert np.isfinite(mesh.positions).all()
        assert mesh.indices.max() < len(mesh.positions)
        assert mesh.positions.dtype == np.float32 and mesh.uvs.shape == (len(mesh.positions), 2)


def test_bald_has_no_scalp_hair_and_beard_styles_add_a_beard(model):
    bald = hair_for(model, _params(model, hair_style=HAIR_STYLES.index("bald")))
    assert "hair" not in bald.parts()
    full = hair_for(model, _params(model, beard_style=3))
    goatee = hair_for(model, _params(model, beard_style=4))
    assert _cards(full, "beard") and _cards(goatee, "beard")
    assert len(_cards(full, "beard")[0]) > len(_cards(goatee, "beard")[0])
    stubble = hair_for(model, _params(model, beard_style=1))
    assert not _cards(stubble, "beard")
    assert any(isinstance(layer, CapLayer) and layer.name == "beard" for layer in stubble.layers)


def test_hair_is_deterministic_and_sliders_change_it(model):
    params = _params(model, hair_style=HAIR_STYLES.index("long straight"))
    mesh = model.evaluate(params)
    first = [m.positions.copy() for m in hair_for(model, params).evaluate(mesh)]
    from faceeditor import hair as hair_module

    hair_module._parts.items.clear()
    again = [m.positions for m in hair_for(model, params).evaluate(mesh)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    short = _params(model, hair_style=HAIR_STYLES.index("long straight"), hair_length=0.0)
    longer = _params(model, hair_style=HAIR_STYLES.index("long straight"), hair_length=1.0)
    lowest = [_centre(model, _cards(hair_for(model, p), "hair")[0], p)[..., 1].min()
              for p in (short, longer)]
    assert lowest[1] < lowest[0] - 0.05  # longer hair hangs lower


def test_binding_follows_expressions(model):
    params = model.default_params()
    hair = hair_for(model, params)
    brows, lashes = _cards(hair, "eyebrows")[0], _cards(hair, "eyelashes")[0]
    rest_brows = _centre(model, brows, params)
    raised = _centre(model, brows, {**params, "browInnerUp": 1.0})
    inner = np.abs(rest_brows[:, 0, 0]) < 0.02
    assert (raised[inner, :, 1] - rest_brows[inner, :, 1]).mean() > 0.002  # brows rise
    rest_lashes = _centre(model, lashes, params)
    closed = _centre(model, lashes, {**params, "eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0})
    upper = rest_lashes[:, -1, 1] > rest_lashes[:, 0, 1]
    assert (closed[upper, 0, 1] - rest_lashes[upper, 0, 1]).mean() < -0.004  # lids close
    beard_params = _params(model, beard_style=3)
    beard = _cards(hair_for(model, beard_params), "beard")[0]
    rest_beard = _centre(model, beard, beard_params)
    open_beard = _centre(model, beard, {**beard_params, "jawOpen": 1.0})
    roots = rest_beard[:, 0]
    chin = (np.abs(roots[:, 0]) < 0.015) & (roots[:, 2] > roots[:, 2].max() - 0.015)
    assert (open_beard[chin, 0, 1] - rest_beard[chin, 0, 1]).mean() < -0.01  # beard drops
    # shape sliders move the hair with the head
    wide = _params(model, head_scale_horiz=1.0)
    moved = _centre(model, _cards(hair_for(model, wide), "hair")[0], wide)
    base = _centre(model, _cards(hair, "hair")[0], params)
    assert np.abs(moved[..., 0]).max() > np.abs(base[..., 0]).max() + 0.002


def test_hair_stays_outside_the_head_at_every_expression(model):
    """Every card vertex (as drawn and exported), on all 52 expressions at 1.0 and extreme
    shapes (a child's head among them), against the outer surface (skin and eyeballs).

    Stated offsets: brows never below the skin; scalp hair and beards at most 0.5 mm in (a
    card edge across the curved skin); lashes (pushed out while evaluating, ``collision.Guard``)
    at most 1.2 mm into the lids (the upper lid closing over the lower lashes bends faster than
    the push-out's tangent planes follow). mouthClose alone drives the head's own lower lip
    6 mm up through its upper lip (ARKit sends it with the jaw open, mouthClose <= jawOpen): there
    the moustache may lie inside the lower lip as deep as the lips are in each other, and
    mouthClose with jawOpen is held to the beard's 0.5 mm. Points below the neck's cut edge are
    not checked.
    """
    params = _params(model, hair_style=HAIR_STYLES.index("long wavy"), beard_style=3)
    hair = hair_for(model, params)
    cases = [{name.name: 1.0} for name in model.spec.of_kind("expression")]
    cases += [{"mouthClose": 1.0, "jawOpen": 1.0}, {"head_scale_horiz": 1.0},
              {"head_scale_vert": -1.0}, {"age": 1.0, "weight": 1.0}, {"age": 0.0}]
    worst = {}
    for case in cases:
        mesh = model.evaluate({**params, **case})
        head = HeadShape.of(mesh)
        cut = np.asarray(mesh.vertices)[:, 1].min() + 0.02
        for layer, drawn in zip(hair.layers, hair.evaluate(mesh)):
            if not isinstance(layer, CardLayer):
                continue
            keep = drawn.positions[:, 1] > cut  # the mesh is open below the neck's cut edge
            depth = head.signed_distance(drawn.positions[keep].astype(np.float64)).min()
            name = "lips pressed" if layer.name == "beard" and case == {"mouthClose": 1.0} \
                else layer.name
            worst[name] = min(worst.get(name, 0.0), depth)
    assert worst["eyebrows"] >= 0.0, worst
    assert worst["eyelashes"] > -0.0012, worst
    assert worst["hair"] > -0.0005 and worst["beard"] > -0.0005, worst
    assert worst["lips pressed"] > -0.004, worst


def test_signed_distance_reads_the_side_by_winding_below_the_neck(model):
    """Where long hair hangs behind the neck's open cut edge (an old, heavy, muscular head) the
    normal at the nearest point (on the cut edge) says inside, but the head does not wind
    around the point: it reads outside (it read 44 mm inside)."""
    head = HeadShape.of(model.evaluate(_params(model, age=1.0, weight=1.0, muscle=1.0)))
    points = np.array([[0.0, -0.118, -0.115], head.centre])
    triangles, weights = head.nearest_surface(points[:1], among=head.outer)
    nearest = np.einsum("nk,nkd->nd", weights, head.vertices[head.faces[triangles]])
    assert ((points[0] - nearest) * head.normals_at(triangles, weights)).sum() < 0  # misread
    winding = head.winding_numbers(points)
    assert winding[0] < 0.1 and winding[1] > 0.9
    distance = head.signed_distance(points)
    assert distance[0] > 0.03 and distance[1] < -0.05


def test_colour_darkens_with_melanin_and_reddens_with_pheomelanin():
    blonde, black = hair_colour(0.1, 0.0), hair_colour(1.0, 0.0)
    red = hair_colour(0.4, 1.0)
    assert blonde.sum() > 4 * black.sum()
    assert red[0] / red[2] > hair_colour(0.4, 0.0)[0] / hair_colour(0.4, 0.0)[2] * 1.5


def test_strand_atlas_is_ours_and_deterministic():
    atlas = strand_atlas()
    assert atlas.shape == (512, 512) and atlas.dtype == np.uint8
    assert np.array_equal(atlas, strand_atlas.__wrapped__())
    columns = np.split(atlas.astype(float) / 255, 4, axis=1)
    assert columns[0].mean() > columns[1].mean() > 0.05  # dense, sparse
    assert (atlas[:, :4] == 0).all()  # transparent card edges


def test_prior_samples_hair_coherently(model):
    people = [sample(model, seed) for seed in range(40)]
    assert sample(model, 3) == people[3]
    women = [p for p in people if p["gender"] > 0.5]
    assert all(HairSettings.of(p).beard == "none" for p in women)
    old = [p["hair_grey"] for p in people if p["age"] > 0.86]
    young = [p["hair_grey"] for p in people if p["age"] < 0.8]
    assert np.mean(old) > np.mean(young)
    styles = {HairSettings.of(p).style for p in people}
    assert len(styles) >= 5


def test_hair_parts_constant():
    assert HAIR_PARTS == ("hair", "eyebrows", "eyelashes", "beard")


def test_hair_pass_draws_hair_read_back_from_pixels(model, tmp_path):
    from faceeditor.render import OffscreenRenderer, save_png
    from faceeditor.render.hair_pass import HairPass

    black = _params(model, hair_melanin=1.0, hair_redness=0.0,
                    hair_style=HAIR_STYLES.index("long straight"))
    mesh = model.evaluate(black)
    with OffscreenRenderer(128, 128) as renderer:
        bare = renderer.render(mesh, "front")
        hair = HairPass()
        renderer.add_pass(hair)
        hair.set_meshes(hair_for(model, black).evaluate(mesh))
        with_hair = renderer.render(mesh, "front")
        hair.set_meshes([])
        assert np.array_equal(renderer.render(mesh, "front"), bare)
        hair.set_meshes(hair_for(model, black).evaluate(mesh))
        hair.still = False  # alpha-tested only (while dragging)
        dragging = renderer.render(mesh, "front")
    save_png(tmp_path / "hair.png", np.concatenate([bare, with_hair], 1))
    top = (slice(4, 24), slice(44, 84))  # the crown, above the forehead
    assert with_hair[top].mean() < bare[top].mean() - 40  # dark hair covers the light scalp
    # long hair hangs beside the cheeks where the bare render shows background or skin
    side = (slice(60, 90), slice(29, 37))
    assert np.abs(with_hair[side].astype(int) - bare[side]).mean() > 10
    # the face itself stays clear
    face = (slice(60, 80), slice(56, 72))
    assert np.abs(with_hair[face].astype(int) - bare[face]).mean() < 3
    assert np.abs(dragging.astype(int) - with_hair).mean() < 8


def test_render_command_draws_hair_unless_told_not_to(tmp_path):
    from faceeditor.cli import main
    from PIL import Image

    args = ["render", "--size", "96", "--set", "hair_melanin=1", "--set", "hair_style=5"]
    assert main(args + ["-o", str(tmp_path / "hair.png")]) == 0
    assert main(args + ["--no-hair", "-o", str(tmp_path / "bald.png")]) == 0
    hair = np.asarray(Image.open(tmp_path / "hair.png"), int)
    bald = np.asarray(Image.open(tmp_path / "bald.png"), int)
    assert hair[3:15, 35:60].mean() < bald[3:15, 35:60].mean() - 30


def test_glb_has_hair_meshes_with_alpha_and_morphs_and_validates(model, tmp_path):
    from faceeditor.export import ExportOptions, export_head
    from gltf_tools import Glb, node_script

    params = _params(model, beard_style=3, hair_style=HAIR_STYLES.index("bob"), jawOpen=0.3)
    path = tmp_path / "hair.glb"
    export_head(model, params, path, ExportOptions(texture_size=1024), None)
    blend = tmp_path / "blend.glb"
    export_head(model, params, blend, ExportOptions(texture_size=1024, morphs=False,
                                                    hair_blend=True), None)
    bare = tmp_path / "bare.glb"
    export_head(model, params, bare, ExportOptions(texture_size=1024, hair=False), None)
    reports = node_script("validate_gltf.mjs", path, blend)
    for report in reports:
        assert report["errors"] == 0 and report["warnings"] == 0, report["messages"][:5]
    glb = Glb.read(path)
    names = [mesh["name"] for mesh in glb.document["meshes"]]
    assert names == ["head", "Hair", "Eyebrows", "Eyelashes", "Beard"]
    assert [n["name"] for n in glb.document["nodes"]][1:] == names[1:]
    expressions = [p.name for p in model.spec.of_kind("expression")]
    materials = glb.document["materials"]
    for mesh in glb.document["meshes"][1:]:
        assert mesh["extras"]["targetNames"] == expressions
        cards = [materials[p["material"]] for p in mesh["primitives"]
                 if materials[p["material"]]["name"].endswith("cards")]
        assert cards and all(m["alphaMode"] == "MASK" and m["doubleSided"] for m in cards)
    brows = glb.document["meshes"][2]["primitives"][0]
    inner_up = brows["targets"][expressions.index("browInnerUp")]["POSITION"]
    assert glb.accessor(inner_up)[:, 1].max() > 0.002  # the brows rise with browInnerUp
    lashes = glb.document["meshes"][3]["primitives"][0]
    blink = glb.accessor(lashes["targets"][expressions.index("eyeBlinkLeft")]["POSITION"])
    assert blink[:, 1].min() < -0.004
    texture = cards[0]["pbrMetallicRoughness"]["baseColorTexture"]["index"]
    image = glb.image(texture)
    from io import BytesIO
    from PIL import Image

    assert Image.open(BytesIO(image)).mode == "RGBA"
    blended = Glb.read(blend).document["materials"]
    assert {m["alphaMode"] for m in blended if m["name"].startswith("Hair")} == {"BLEND"}
    assert len(Glb.read(bare).document["meshes"]) == 1
    loaded = node_script("load_with_three.mjs", path)
    assert loaded["meshes"] >= 5 + 4  # the head's parts and the hair layers


def test_obj_bundle_writes_hair_beside_the_head(model, tmp_path):
    from faceeditor.export import ExportOptions, export_head, output_files

    params = _params(model, beard_style=5)
    path = tmp_path / "head.obj"
    options = ExportOptions(format="obj", texture_size=1024)
    written = export_head(model, params, path, options, None)
    names = {p.name for p in written}
    assert {"head_hair.obj", "head_hair.mtl", "head_hair_hair.png", "head_hair_beard.png"} <= names
    assert set(written) <= set(output_files(path, options, False))
    mtl = (tmp_path / "head_hair.mtl").read_text()
    assert "map_d head_hair_eyelashes.png" in mtl and "newmtl beard_cards" in mtl
    text = (tmp_path / "head_hair.obj").read_text()
    assert "o Hair" in text and "o Eyelashes" in text and "o Beard" in text
    vertices = sum(1 for line in text.splitlines() if line.startswith("v "))
    assert vertices == sum(1 for line in text.splitlines() if line.startswith("vt "))
    none = ExportOptions(format="obj", texture_size=1024, hair=False)
    assert not [p for p in export_head(model, params, tmp_path / "b.obj", none, None)
                if "hair" in p.name]


def test_contact_sheet_of_twenty_seeds_shows_hair_on_every_head(model, look_dir):
    """Writes contact_sheet_hair.png (20 sampled people, front view) to look at; every head but
    a bald or receding one has hair over most of the crown, every head has brows."""
    from faceeditor.render import OffscreenRenderer, contact_sheet, save_png
    from faceeditor.render.hair_pass import HairPass

    images, labels = [], []
    with OffscreenRenderer(144, 144, samples=0) as renderer:
        hair = HairPass()
        renderer.add_pass(hair)
        for seed in range(20):
            params = sample(model, seed)
            mesh = model.evaluate(params)
            bare = renderer.render(mesh, "front")
            hair.set_meshes(hair_for(model, params).evaluate(mesh))
            image = renderer.render(mesh, "front")
            hair.set_meshes([])
            images.append(image)
            settings = HairSettings.of(params)
            labels.append(f"{seed} {settings.style}")
            changed = np.abs(image.astype(int) - bare).sum(-1) > 30
            crown, brows = changed[4:32, 44:100], changed[52:68, 36:108]
            # a buzz cut colours the scalp without changing its outline: less changes
            least = {"bald": 0.0, "receding": 0.05, "buzz": 0.1}.get(settings.style, 0.3)
            assert crown.mean() >= least, (seed, settings.style)
            assert brows.any(), seed
    save_png(look_dir / "contact_sheet_hair.png", contact_sheet(images, 5, labels))


def test_black_brows_stay_dark_without_grey_sheen_patches(model):
    from faceeditor.render import OffscreenRenderer
    from faceeditor.render.hair_pass import HairPass

    params = _params(model, hair_melanin=1.0, hair_redness=0.0, hair_grey=0.0)
    mesh = model.evaluate(params)
    with OffscreenRenderer(256, 256) as renderer:
        bare = renderer.render(mesh, "three-quarter").astype(int)
        hair = HairPass()
        renderer.add_pass(hair)
        hair.set_meshes(hair_for(model, params, parts=("eyebrows",)).evaluate(mesh))
        brows = renderer.render(mesh, "three-quarter").astype(int)
    pixels = brows[..., :3][np.abs(brows - bare).max(-1) > 30]
    assert len(pixels) > 100
    # skin is saturated; unsaturated brow pixels are the hair itself: dark, not flat grey
    # (at the scalp's sheen whole flat brow cards lit grey: 19% of the brow, 90th percentile 71)
    neutral = pixels[pixels.max(-1) - pixels.min(-1) < 12].mean(-1)
    assert np.percentile(neutral, 90) < 55
    assert (neutral > 45).sum() < 0.1 * len(pixels)
