"""The photometric stage of the photo fit: lighting and skin from the skin's shading, and the
shading divided out of the photo texture."""

import math

import numpy as np
import pytest

from faceeditor.model import load_default_model

pytest.importorskip("ai_edge_litert")

TRUE_SKIN = {"skin_melanin": 0.6, "skin_hemoglobin": 0.45}


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def lit_from_the_right(model):
    """A darker-skinned head (the prior's mean is 0.25) lit by a key light on the camera's
    right (the app's studio key is on its left), rendered by the app's renderer."""
    from faceeditor.export.textures import skin_albedo
    from faceeditor.fit.camera import HeadPose, PhotoCamera
    from faceeditor.fit.preview import posed_mesh
    from faceeditor.render import OffscreenRenderer
    from faceeditor.render.shading import Light, StudioLighting

    params = model.default_params() | TRUE_SKIN
    size = 384
    camera = PhotoCamera(size, size, 2.2 * size)
    pose = HeadPose(np.array([0.0, math.radians(10), 0.0]), np.array([0.0, 0.03, -0.75]))
    lighting = StudioLighting(key=Light((0.7, 0.3, 0.65), (1.3, 1.25, 1.2)),
                              fill=Light((-0.7, -0.1, 0.7), (0.1, 0.1, 0.1)))
    with OffscreenRenderer(size, size) as renderer:
        renderer.set_albedo_map(skin_albedo(params, 512))
        renderer.set_lighting(lighting)
        image = renderer.render(posed_mesh(model.evaluate(params), pose),
                                camera.render_camera(), background=(120, 120, 120))
    return image, params


def test_fit_recovers_melanin_and_the_light_side(model, lit_from_the_right):
    from faceeditor.fit.pipeline import FitOptions, fit_photo

    image, truth = lit_from_the_right
    result = fit_photo(model, image, FitOptions(texture="procedural"))
    assert result.params["skin_melanin"] == pytest.approx(truth["skin_melanin"], abs=0.1)
    assert result.params["skin_hemoglobin"] == pytest.approx(truth["skin_hemoglobin"], abs=0.15)
    x, y, z = result.lighting.direction
    key = np.array([0.7, 0.3])
    angle = math.degrees(math.acos(np.dot([x, y], key) / np.linalg.norm([x, y])
                                   / np.linalg.norm(key)))
    assert angle < 35, (x, y, z)
    # the light's colour balance stays near white (the skin's colour is the skin's)
    assert np.all(np.abs(np.log(result.lighting.gain)) < 0.3)


@pytest.fixture(scope="module")
def fitted(model, lit_from_the_right):
    """(landmark fit, face mask, colour-only skin tone) of the lit head."""
    from faceeditor.detect import detect_faces, face_landmarks
    from faceeditor.fit.photo import fit_landmarks
    from faceeditor.fit.pipeline import face_mask
    from faceeditor.fit.skin import fit_skin_tone

    image, _ = lit_from_the_right
    landmarks = face_landmarks(image, detect_faces(image)[0])
    fit = fit_landmarks(model, landmarks, image.shape[1], image.shape[0])
    return fit, face_mask(image, landmarks), fit_skin_tone(image, landmarks)


def test_shading_division_flattens_the_photo_texture(model, lit_from_the_right, fitted):
    from faceeditor.albedo.layers import load_layers
    from faceeditor.export.textures import skin_albedo
    from faceeditor.fit.photometric import fit_photometric
    from faceeditor.fit.preview import resize
    from faceeditor.fit.skin import srgb_to_linear
    from faceeditor.fit.texture import photo_texture

    image, truth = lit_from_the_right
    fit, mask, tone = fitted
    shaded = fit_photometric(model, image, fit, mask, tone)
    size = 256
    layers = load_layers()
    region = sum(layers.mask(name) for name in ("cheeks", "forehead", "nose_tip"))[::-1]
    region = resize(region > 0.5, size, size)
    true_luminance = srgb_to_linear(skin_albedo(truth, size) / 255.0).mean(-1)

    def flatness_error(lighting) -> float:
        """Spread of the texture's log brightness over the true albedo's on the face."""
        texture = photo_texture(model, fit.params, shaded.params, fit.pose, fit.camera, image,
                                size, mask, lighting)
        luminance = srgb_to_linear(texture / 255.0).mean(-1)
        return float(np.log(luminance[region] / true_luminance[region]).std())

    assert flatness_error(shaded.lighting) < 0.8 * flatness_error(None)


def test_shape_refinement_explains_the_shading_better(model, lit_from_the_right, fitted):
    from faceeditor.fit.photometric import fit_photometric

    image, _ = lit_from_the_right
    fit, mask, tone = fitted
    plain = fit_photometric(model, image, fit, mask, tone, refine_shape=False)
    refined = fit_photometric(model, image, fit, mask, tone, refine_shape=True)
    assert refined.skin.residual < plain.skin.residual
    # a refinement, not a new head: the sliders move little
    moved = [abs(refined.params[name] - value) for name, value in fit.params.items()
             if model.spec[name].kind != "albedo"]
    assert 0 < max(moved) < 0.3


def test_face_mask_ramp_fades_the_photo_out_smoothly_inside_the_edge():
    from faceeditor.fit.texture import EDGE_MARGIN, EDGE_WIDTH, mask_ramp

    rng = np.random.default_rng(3)
    mask = np.zeros((200, 200), bool)
    mask[40:170, 50:150] = True
    mask[40:60] &= rng.random((20, 200)) > 0.5  # a ragged top edge (hair over the forehead)
    ramp = mask_ramp(mask)
    scale = math.sqrt(mask.sum())
    assert np.all(ramp[~mask] == 0)
    assert np.all(ramp[40:62] < 0.05)  # the ragged band itself hardly counts
    assert ramp[105, 100] == 1.0  # deep inside: the photo, whole
    # no step: neighbouring pixels differ by at most the slope of the smoothstep
    steepest = 1.5 / (EDGE_WIDTH * scale)
    assert np.abs(np.diff(ramp, axis=0)).max() <= steepest
    assert np.abs(np.diff(ramp, axis=1)).max() <= steepest
    assert EDGE_MARGIN * scale > 1  # pixels on the edge mix skin with what is beyond it


def test_photo_texture_has_no_seam_where_hair_covered_the_forehead(model, lit_from_the_right,
                                                                   fitted):
    """Dark hair with a ragged edge painted over the forehead: where the photo texture meets
    the procedural albedo, the texture changes no more abruptly than inside the photo part."""
    from faceeditor.detect import detect_faces, face_landmarks
    from faceeditor.fit.landmarks import eye_distance
    from faceeditor.fit.pipeline import face_mask
    from faceeditor.fit.texture import photo_texture, procedural_linear, skin_texels, \
        srgb_to_linear

    image, _ = lit_from_the_right
    fit, _, _ = fitted
    landmarks = face_landmarks(image, detect_faces(image)[0])
    brow = landmarks[[105, 334, 66, 296], 1].min()
    hairline = brow - 0.2 * eye_distance(landmarks)
    rng = np.random.default_rng(5)
    hairy = image.copy()
    for x in range(image.shape[1]):
        hairy[:int(hairline + rng.uniform(-6, 6)), x] = (35, 30, 28)
    mask = face_mask(hairy, landmarks)
    size = 512
    texture = photo_texture(model, fit.params, fit.params, fit.pose, fit.camera, hairy, size,
                            mask, None)
    mesh = model.evaluate(fit.params)
    texel, points, _ = skin_texels(mesh, size)
    change = srgb_to_linear(texture / 255.0) - procedural_linear(fit.params, size)
    steps = np.maximum(np.abs(np.diff(change, axis=0)).sum(-1)[:, :-1],
                       np.abs(np.diff(change, axis=1)).sum(-1)[:-1])
    # texels whose point of the head is seen in the photo near the hairline ...
    x, rows = np.full((2, size, size), np.nan)
    x[texel], rows[texel] = fit.camera.project(fit.pose.apply(points)).T
    columns = np.flatnonzero(mask.any(0))
    across = (x > columns.min()) & (x < columns.max())
    near = across & (rows > hairline - 8) & (rows < hairline + 0.15 * eye_distance(landmarks))
    # ... against the cheeks, where the photo is whole
    cheeks = across & (rows > landmarks[1, 1] - 0.3 * eye_distance(landmarks)) \
        & (rows < landmarks[1, 1])
    near, cheeks = near[:-1, :-1], cheeks[:-1, :-1]
    assert near.sum() > 300 and cheeks.sum() > 300
    # main before the fix: 0.67 against 0.35 (a ragged pale edge); after: 0.11 against 0.21
    assert np.percentile(steps[near], 99.5) < np.percentile(steps[cheeks], 99.5)
