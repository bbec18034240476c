"""The photographic renderer, checked by reading pixels back: subsurface at the terminator,
specular and catchlights, ear glow under back light, smooth silhouettes, baked occlusion, the
quality levels and the extra-pass hook."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from faceeditor.model.mesh import PART_NAMES
from faceeditor.render import OffscreenRenderer
from faceeditor.render.light_transport import sh_basis, sh_irradiance, skin_lut
from faceeditor.render.quality import QUALITY_LEVELS, quality_level
from faceeditor.render.shading import PART_MATERIALS, Light, StudioLighting
from faceeditor.render.occlusion import OcclusionBaker
from faceeditor.render.smooth import SurfaceCache
from tests.test_render import uv_sphere

BLACK = (0, 0, 0)
DARK = Light((0.0, 0.0, 1.0), (0.0, 0.0, 0.0))
KEY_ONLY = StudioLighting(key=Light((-1.0, 0.0, 0.35), (1.6, 1.6, 1.6)), fill=DARK, rim=DARK,
                          sky=(0.0, 0.0, 0.0), ground=(0.0, 0.0, 0.0))


@pytest.fixture(scope="module")
def head():
    from faceeditor.model import load_default_model

    model = load_default_model()
    params = model.default_params()
    return model, params, model.evaluate(params)


@pytest.fixture(scope="module")
def textures(head):
    from faceeditor.render.still import head_textures

    return head_textures(head[1], 512)


def covered(image: np.ndarray, background=BLACK) -> np.ndarray:
    return np.any(image != np.array(background, np.uint8), axis=2)


def test_quality_levels_and_bad_names():
    assert list(QUALITY_LEVELS) == ["draft", "normal", "high"]
    assert quality_level("high").subdivision > quality_level("normal").subdivision > 0
    assert quality_level("draft").shadow_size == 0
    with pytest.raises(ValueError, match="unknown quality 'best'"):
        quality_level("best")


def test_skin_lut_bleeds_red_past_the_terminator():
    lut = skin_lut()
    flat, curved = lut[1], lut[-1]           # 10 cm radius, 2 mm radius
    lit = -1                                  # N.L = 1
    assert np.allclose(flat[lit], 1.0, atol=0.05) and np.allclose(curved[lit], 1.0, atol=0.1)
    past = lut.shape[1] // 2 - 4              # N.L slightly below 0
    assert curved[past, 0] > 3 * curved[past, 2] and curved[past, 0] > flat[past, 0]


def test_sh_of_a_uniform_studio_is_its_colour():
    grey = StudioLighting(key=DARK, fill=DARK, rim=DARK, sky=(0.3, 0.4, 0.5),
                          ground=(0.3, 0.4, 0.5))
    sh = sh_irradiance(grey)
    normals = np.array([[0, 1, 0], [0, -1, 0], [1, 0, 0], [0, 0, 1.0]])
    np.testing.assert_allclose(sh_basis(normals) @ sh, [[0.3, 0.4, 0.5]] * 4, atol=0.01)


def test_terminator_is_redder_than_the_lit_side(gl_context):
    with OffscreenRenderer(160, 160, ctx=gl_context, lighting=KEY_ONLY,
                           quality="normal") as renderer:
        image = renderer.render(uv_sphere(scale=(0.05, 0.05, 0.05)), "front",
                                background=BLACK).astype(float)
    row = image[80]
    red, green = row[:, 0], row[:, 1]
    lum = row.mean(axis=1)
    lit = (lum > 0.7 * lum.max())
    dim = (lum > 0.08 * lum.max()) & (lum < 0.3 * lum.max())
    assert lit.any() and dim.any()
    ratio = lambda m: (red[m] / np.maximum(green[m], 1)).mean()  # noqa: E731
    assert ratio(dim) > ratio(lit) * 1.15, (ratio(dim), ratio(lit))


def nose_tip_pixel(renderer, mesh) -> tuple[int, int]:
    skin = np.unique(mesh.faces[mesh.part_faces("skin")])
    tip = mesh.vertices[skin[np.argmax(mesh.vertices[skin, 2])]]
    camera = renderer.camera_for(mesh, "front")
    clip = camera.projection_matrix(1.0) @ camera.view_matrix() @ np.append(tip, 1.0)
    x, y = clip[:2] / clip[3]
    size = renderer.width
    return int((1 - y) / 2 * size), int((x + 1) / 2 * size)


def test_specular_highlight_on_the_nose_tip(gl_context, head, textures):
    _, _, mesh = head
    with OffscreenRenderer(256, 256, ctx=gl_context, quality="normal") as renderer:
        renderer.set_albedo_map(textures.albedo)
        renderer.set_detail_maps(textures.normal, textures.material)
        shiny = renderer.render(mesh, "front", background=BLACK).astype(float)
        matte = dict(PART_MATERIALS, skin=dataclasses.replace(PART_MATERIALS["skin"], f0=0.0))
        renderer.set_materials(matte)
        dull = renderer.render(mesh, "front", background=BLACK).astype(float)
        row, col = nose_tip_pixel(renderer, mesh)
    window = np.s_[row - 6:row + 7, col - 6:col + 7]
    gain = (shiny[window] - dull[window]).mean(axis=2)
    assert gain.max() > 12, gain.max()
    # the highlight is white-ish: it raises blue about as much as red
    best = np.unravel_index(np.argmax(gain), gain.shape)
    delta = (shiny[window] - dull[window])[best]
    assert delta[2] > 0.6 * delta[0], delta


def test_eyes_have_a_catchlight(gl_context, head, textures):
    _, _, mesh = head
    with OffscreenRenderer(768, 768, ctx=gl_context, quality="normal") as renderer:
        renderer.set_view_mode("albedo")  # flat part colours: find the eye pixels
        parts = renderer.render(mesh, "front", background=BLACK).astype(int)
        renderer.set_view_mode("shaded")
        renderer.set_albedo_map(textures.albedo)
        renderer.set_detail_maps(textures.normal, textures.material)
        image = renderer.render(mesh, "front", background=BLACK).astype(int)
    eye_srgb = np.round(np.array(PART_MATERIALS["eyes"].albedo_srgb) * 255)
    eyes = np.abs(parts - eye_srgb).max(axis=2) <= 2
    assert eyes.sum() > 300
    for side in (slice(0, 384), slice(384, 768)):  # each eye
        pixels = image[:, side][eyes[:, side]]
        brightest = pixels[np.argmax(pixels.sum(axis=1))]
        assert brightest.max() > 235 and brightest.min() > 185, brightest  # a white catchlight
        # but not a white eyeball: the sclera stays off-white and most of the eye darker
        assert np.median(pixels.mean(axis=1)) < 215


def test_ears_glow_red_under_back_light(gl_context, head, textures):
    _, _, mesh = head
    # behind the head: light crosses the ears (thin) toward the camera, not the skull
    back = StudioLighting(key=Light((0.15, 0.25, -1.0), (2.0, 2.0, 2.0)), fill=DARK, rim=DARK,
                          sky=(0.02, 0.02, 0.02), ground=(0.01, 0.01, 0.01))
    images = {}
    for quality in ("draft", "normal"):
        with OffscreenRenderer(256, 256, ctx=gl_context, lighting=back,
                               quality=quality) as renderer:
            renderer.set_albedo_map(textures.albedo)
            images[quality] = renderer.render(mesh, "front", background=BLACK).astype(float)
    glow = images["normal"][..., 0] - images["draft"][..., 0] > 15
    assert glow.sum() > 20, glow.sum()
    pixels = images["normal"][glow]
    assert (pixels[:, 0] > 1.4 * pixels[:, 1]).mean() > 0.8


def outline_turning_degrees(image: np.ndarray, background) -> float:
    """Largest turn between 6-pixel chords of the top outline (sub-pixel edge per column)."""
    bg = np.array(background, float)
    distance = np.abs(image.astype(float) - bg).sum(axis=2)
    mask = covered(image, background)
    cols = np.flatnonzero(mask.any(axis=0))
    left, right = cols.min(), cols.max()
    xs = np.arange(left + (right - left) // 5, right - (right - left) // 5)
    ys = []
    for x in xs:
        top = np.argmax(mask[:, x])
        inside = distance[top + 3, x]
        ys.append(top + 1 - min(distance[top, x] / max(inside, 1), 1.0))
    points = np.stack([xs, ys], axis=1)[::6].astype(float)
    chords = np.diff(points, axis=0)
    angles = np.degrees(np.arctan2(chords[:, 1], chords[:, 0]))
    return float(np.abs(np.diff(angles)).max())


def test_normal_quality_silhouette_is_smooth(gl_context, head):
    _, _, mesh = head
    turns = {}
    # the geometry is what is checked: both multisampled (FXAA would move the sub-pixel edge)
    levels = {"draft": QUALITY_LEVELS["draft"],
              "normal": dataclasses.replace(QUALITY_LEVELS["normal"], multisample=True)}
    for quality, level in levels.items():
        with OffscreenRenderer(1024, 1024, ctx=gl_context, quality=level) as renderer:
            turns[quality] = outline_turning_degrees(renderer.render(mesh, "front", BLACK),
                                                     BLACK)
    assert turns["normal"] < 9.0, turns
    assert turns["normal"] < turns["draft"], turns


def test_occlusion_darkens_the_mouth_and_nostrils_not_the_forehead(gl_context, head):
    _, _, mesh = head
    baker = OcclusionBaker(gl_context, directions=48)
    try:
        occlusion = baker(mesh.vertices, mesh.normals, mesh.faces)
    finally:
        baker.release()
    cavity = np.unique(mesh.faces[mesh.part_faces("mouth_cavity")])
    top = mesh.vertices[:, 1] > np.percentile(mesh.vertices[:, 1], 95)
    assert occlusion[cavity].mean() < 0.4
    assert occlusion[top].mean() > 0.85
    assert 0.0 <= occlusion.min() and occlusion.max() <= 1.0


def test_surface_cache_subdivides_once_per_shape_and_finds_the_wet_lids(head):
    model, params, mesh = head
    calls = []
    cache = SurfaceCache(occlusion=lambda v, n, f: calls.append(1) or np.ones(len(v), np.float32))
    first = cache.get(mesh, 1, occlusion=True)
    assert len(first.mesh.faces) == 4 * len(mesh.faces) and calls == [1]
    assert cache.get(mesh, 1, occlusion=True) is first and calls == [1]
    again = cache.get(model.evaluate(params), 1, occlusion=True)
    assert again is not first and calls == [1, 1]
    wet = first.surface[:, 2] == 1.0
    assert wet.any()
    for k, side in enumerate((first.mesh.vertices[:, 0] < 0, first.mesh.vertices[:, 0] >= 0)):
        centre = first.eyes[k, 0]
        lids = first.mesh.vertices[wet & side]
        assert len(lids) > 3 and np.all(lids[:, 1] < centre[1])  # the lower lids only


def test_extra_passes_draw_after_the_head_at_every_quality(gl_context):
    class Recorder:
        def __init__(self):
            self.calls, self.released = [], False

        def draw(self, ctx, camera, aspect, lighting) -> None:
            # drawn into the head's framebuffer, after the head: its depth is there
            depth = ctx.fbo.read(viewport=(32, 32, 1, 1), attachment=-1, dtype="f4")
            self.calls.append((camera, aspect, lighting, np.frombuffer(depth, np.float32)[0]))

        def release(self) -> None:
            self.released = True

    recorder = Recorder()
    sphere = uv_sphere()
    with OffscreenRenderer(64, 64, ctx=gl_context, samples=0, quality="normal") as renderer:
        renderer.add_pass(recorder)
        camera = renderer.camera_for(sphere, "front")
        renderer.render(sphere, camera)
        renderer.quality = "draft"
        renderer.render(sphere, camera)
    assert [call[0] for call in recorder.calls] == [camera, camera]
    assert all(call[2] is renderer.lighting for call in recorder.calls)
    assert all(call[3] < 1.0 for call in recorder.calls)  # the sphere's depth is drawn
    assert recorder.released


def test_high_quality_supersamples_and_keeps_the_background_exact(gl_context):
    with OffscreenRenderer(48, 48, ctx=gl_context, quality="high") as renderer:
        image = renderer.render(uv_sphere(), "front", background=(12, 34, 56))
    assert image.shape == (48, 48, 3)
    assert tuple(image[0, 0]) == (12, 34, 56)
    assert 0.2 < covered(image, (12, 34, 56)).mean() < 0.8


def test_parts_keep_their_materials():
    assert set(PART_MATERIALS) == set(PART_NAMES)
    assert PART_MATERIALS["eyes"].roughness < PART_MATERIALS["skin"].roughness
    assert PART_MATERIALS["skin"].subsurface == 1.0 and PART_MATERIALS["eyes"].subsurface == 0.0


def test_normal_quality_antialiases_edges_and_keeps_the_background_exact(gl_context):
    sphere = uv_sphere()
    with OffscreenRenderer(96, 96, ctx=gl_context, quality="normal") as renderer:
        smooth = renderer.render(sphere, "front", background=(12, 34, 56))
    with OffscreenRenderer(96, 96, ctx=gl_context, samples=0, quality="normal") as renderer:
        jagged = renderer.render(sphere, "front", background=(12, 34, 56))
    far = np.zeros((96, 96), bool)
    far[:4], far[-4:], far[:, :4], far[:, -4:] = True, True, True, True
    assert np.all(smooth[far] == (12, 34, 56))
    # FXAA blends the outline: more distinct edge values than the single-sampled drawing
    edge = covered(smooth, (12, 34, 56)) ^ covered(jagged, (12, 34, 56)) | (
        np.abs(smooth.astype(int) - jagged).sum(axis=2) > 0)
    assert edge.sum() > 20


def test_surface_values_do_not_depend_on_the_head_drawn_before(head):
    """The wet lid line is found per shape: head A gives the same values after head B."""
    model, params, _ = head
    other = dict(params, age=1.0, l_eye_height2=1.0, r_eye_height2=1.0, l_eye_bag=1.0,
                 r_eye_bag=1.0, l_eye_scale=1.0, r_eye_scale=1.0)
    a_fresh = SurfaceCache().get(model.evaluate(params), 0, occlusion=False).surface
    cache = SurfaceCache()
    b = cache.get(model.evaluate(other), 0, occlusion=False).surface
    a_after_b = cache.get(model.evaluate(params), 0, occlusion=False).surface
    np.testing.assert_array_equal(a_after_b, a_fresh)
    assert not np.array_equal(b[:, 2], a_fresh[:, 2])  # the other head's lids differ


def test_eyeballs_are_split_by_topology_whatever_the_pose_drawn_first(head):
    """Each eyeball is one connected piece: the split (and so the eyes' frames) does not
    depend on which side of x = 0 a vertex lies on. A head moved 35 mm to its left, about the
    eyes' distance from the midline, used to put most of the right eyeball on the left, and the
    split of the first head drawn was kept for the next ones (batch items rendered differently
    after another item)."""
    model, params, _ = head
    mesh = model.evaluate(params)
    moved = dataclasses.replace(mesh, vertices=mesh.vertices + np.float32([0.035, 0.0, 0.0]))
    fresh = SurfaceCache()
    upright = fresh.get(mesh, 0, occlusion=False)
    sides = fresh._topology.eye_sides
    assert len(sides) == 2 and not set(sides[0]) & set(sides[1])
    assert mesh.vertices[sides[0], 0].mean() < 0 < mesh.vertices[sides[1], 0].mean()
    cache = SurfaceCache()
    cache.get(moved, 0, occlusion=False)
    after = cache.get(mesh, 0, occlusion=False)
    assert all(np.array_equal(a, b) for a, b in zip(cache._topology.eye_sides, sides))
    np.testing.assert_array_equal(after.eyes, upright.eyes)


def test_interactive_quality_shades_like_draft_without_the_detail(gl_context, head, textures):
    """The viewport's interactive frames: a second, cheaper program that follows every setting
    made before or after it was compiled (lights, albedo, view mode) and draws what draft
    draws, less the detail."""
    from faceeditor.render.quality import INTERACTIVE

    _, _, mesh = head
    with OffscreenRenderer(192, 192, ctx=gl_context, samples=0, quality=INTERACTIVE) as renderer:
        renderer.render(mesh, "front", BLACK)  # the interactive program exists from here
        renderer.set_lighting(KEY_ONLY)
        renderer.set_albedo_map(textures.albedo)
        renderer.set_view_mode("albedo")  # unlit: both programs output the albedo texture
        albedo = renderer.render(mesh, "front", BLACK)
        renderer.quality = "draft"
        # the same texture, but for the wet lower-lid line (interactive frames have none)
        differs = np.any(renderer.render(mesh, "front", BLACK) != albedo, axis=2)
        assert differs.sum() < 0.01 * covered(albedo).sum()
        renderer.set_view_mode("shaded")
        renderer.set_detail_maps(textures.normal, textures.material)
        draft = renderer.render(mesh, "front", BLACK).astype(float)
        renderer.quality = INTERACTIVE
        interactive = renderer.render(mesh, "front", BLACK).astype(float)
    # same lights and materials: the same picture but for the detail (mean step of a few levels)
    assert np.abs(draft - interactive)[covered(albedo)].mean() < 12


def test_occlusion_baker_reused_for_another_mesh_matches_a_fresh_one(gl_context, head):
    _, _, mesh = head
    smaller = mesh.vertices * 0.9  # another shape, then another vertex count
    corner = mesh.faces[: len(mesh.faces) // 2]
    count = int(corner.max()) + 1
    baker, fresh = OcclusionBaker(gl_context, directions=16), OcclusionBaker(gl_context, 16)
    try:
        baker(mesh.vertices, mesh.normals, mesh.faces)
        again = baker(smaller, mesh.normals, mesh.faces)
        part = baker(mesh.vertices[:count], mesh.normals[:count], corner)
        assert np.array_equal(again, fresh(smaller, mesh.normals, mesh.faces))
        assert np.array_equal(part, fresh(mesh.vertices[:count], mesh.normals[:count], corner))
        assert part.shape == (count,)
    finally:
        baker.release()
        fresh.release()
