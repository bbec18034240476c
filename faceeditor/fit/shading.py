"""The photo's light and the skin it falls on: spherical-harmonic lighting, visible skin samples,
and the fit of lighting and skin parameters (melanin, hemoglobin) to them.

Image model of a visible skin pixel ``p`` (linear RGB)::

    I_p = albedo(melanin, hemoglobin) * detail_p * gain * sum_k L_k Y_k(n_p)

``albedo`` is the plain skin colour of the spectral skin LUT (``albedo.generator``), ``detail_p``
the procedural texture's variation around it at the pixel's UV (eye sockets, redness, blotches),
``Y_k`` the nine real SH basis functions (``render.light_transport.sh_basis``) of the camera-space
normal, ``L`` a grey irradiance (divided by pi, as the renderer's SH ambient) and ``gain`` the
photo's colour balance (green = 1). Albedo brightness and light intensity trade off exactly; the
priors settle it: skin parameters from ``faceeditor.model.prior``, a colour balance near white, an
exposure near ``EXPOSURE``, and higher SH bands no stronger than one directional light makes.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from faceeditor.fit.camera import HeadPose, PhotoCamera
from faceeditor.fit.solver import levenberg_marquardt
from faceeditor.model.mesh import PART_NAMES, FaceMesh
from faceeditor.model.surface import SurfacePoints
from faceeditor.render.light_transport import sh_basis

log = logging.getLogger(__name__)

#: The face spans about this many pixels between the eye centres in the working image.
EYE_PIXELS = 56
#: At most this many skin samples (a regular subset of the visible skin pixels).
MAX_SAMPLES = 3500
#: UV regions of the albedo layers that are not plain skin in a photo (hair, lashes, lips ...).
NOT_SKIN = ("eyeball", "tongue", "teeth", "cavity", "lips", "eyelids", "brows", "eyeliner",
            "beard", "ears")
#: Surfaces seen more obliquely than this (cosine to the view direction) are left out.
MIN_FACING = 0.3
#: Assumed mean shading of the visible face (photo skin / albedo), and its log spread.
EXPOSURE = 0.95
EXPOSURE_SPREAD = 0.4
#: Spread of the colour balance (log red/green, log blue/green).
GAIN_SPREAD = 0.1
#: Spread of SH bands 1 and 2 relative to the band-0 irradiance (a directional light: ~1.2, ~1).
BAND_SPREAD = (1.2, 0.5)
#: Prior mean of the band-1 z coefficient relative to band 0: light mostly from the camera's
#: side (over the visible normals band 0, z and z^2 are nearly collinear; this settles them).
FRONT_LIGHT = 0.6
FRONT_SPREAD = 0.5
#: Typical misfit of a skin pixel (linear units), and how many independent samples the photo
#: is worth (neighbouring pixels share their errors).
PIXEL_NOISE = 0.03
EFFECTIVE_SAMPLES = 200
#: Samples whose misfit exceeds this many times the median are outliers (highlights, shadows).
OUTLIER_FACTOR = 3.0
_SKIN_STEP = 1e-3


@dataclasses.dataclass(frozen=True)
class Lighting:
    """Camera-space SH lighting of a photo.

    Attributes:
        sh: (9,) grey irradiance / pi coefficients (bands 0..2, ``sh_basis`` order).
        gain: (3,) linear colour balance (green = 1).
    """

    sh: np.ndarray
    gain: np.ndarray

    @classmethod
    def uniform(cls, exposure: float = EXPOSURE) -> Lighting:
        """The same light from every direction (shading ``exposure`` everywhere)."""
        sh = np.zeros(9)
        sh[0] = exposure / sh_basis(np.array([[0.0, 0.0, 1.0]]))[0, 0]
        return cls(sh, np.ones(3))

    def shading(self, normals: np.ndarray) -> np.ndarray:
        """(N, 3) camera-space unit normals -> (N, 3) linear shading (photo / albedo)."""
        return (sh_basis(normals) @ self.sh)[:, None] * self.gain

    @property
    def direction(self) -> np.ndarray:
        """(3,) unit camera-space direction the light mostly comes from, as the visible
        surfaces see it: the mean of the camera-facing normals weighted by how much brighter
        than the darkest of them they are lit (bands 1 and 2 both tilt the shading)."""
        from faceeditor.render.light_transport import _sphere_directions

        normals = _sphere_directions(512)
        normals = normals[normals[:, 2] > 0.2]
        grey = sh_basis(normals) @ self.sh
        vector = ((grey - grey.min())[:, None] * normals).sum(0)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)

    def to_json(self) -> dict:
        return {"sh": [float(v) for v in self.sh], "gain": [float(v) for v in self.gain],
                "direction": [float(v) for v in self.direction]}


@dataclasses.dataclass(frozen=True)
class SkinSamples:
    """Visible skin of a photo: points on the fitted head and the photo's colour there.

    Attributes:
        points: N ``SurfacePoints`` on the head's mesh.
        colours: (N, 3) linear RGB of the photo (reduced to the working size).
        detail: (N, 3) procedural albedo variation around the plain skin colour.
        pixels: (N, 2) photo pixel (column, row) of each sample, full size.
    """

    points: SurfacePoints
    colours: np.ndarray
    detail: np.ndarray
    pixels: np.ndarray

    def __len__(self) -> int:
        return len(self.points)

    def subset(self, keep: np.ndarray) -> SkinSamples:
        return SkinSamples(self.points[keep], self.colours[keep], self.detail[keep],
                           self.pixels[keep])

    def normals(self, mesh: FaceMesh, pose: HeadPose) -> np.ndarray:
        """(N, 3) unit camera-space normals of the samples on ``mesh`` posed by ``pose``."""
        return camera_normals(self.points, np.asarray(mesh.normals, np.float64), mesh.faces,
                              pose.matrix)


def camera_normals(points: SurfacePoints, normals: np.ndarray, faces: np.ndarray,
                   rotation: np.ndarray) -> np.ndarray:
    """(..., N, 3) interpolated unit normals of ``points`` for (..., V, 3) vertex normals."""
    n = points.positions(normals, faces)
    n = n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-12)
    return n @ rotation.T


def skin_samples(mesh: FaceMesh, pose: HeadPose, camera: PhotoCamera, photo: np.ndarray,
                 face_mask: np.ndarray, detail_texture: np.ndarray, eye_pixels: float
                 ) -> SkinSamples:
    """The visible plain skin of ``mesh`` (posed by ``pose``) in ``photo``.

    Args:
        face_mask: (H, W) bool where the photo shows the face (not hair or background).
        detail_texture: (R, R, 3) albedo variation in UV space, row 0 = v 0.
        eye_pixels: the photo's eye distance in pixels (sets the working size).
    """
    from faceeditor.albedo.layers import load_layers
    from faceeditor.fit.preview import resize
    from faceeditor.fit.skin import srgb_to_linear
    from faceeditor.fit.texture import triangle_ids

    scale = min(1.0, EYE_PIXELS / max(eye_pixels, 1.0))
    width = max(16, int(round(camera.width * scale)))
    height = max(16, int(round(camera.height * scale)))
    small = dataclasses.replace(camera, width=width, height=height,
                                focal=camera.focal * height / camera.height)
    ids, bary = triangle_ids(pose.apply(np.asarray(mesh.vertices, np.float64)), mesh.faces, small)
    pixels = np.flatnonzero(ids.reshape(-1) >= 0)
    triangles = ids.reshape(-1)[pixels]
    weights = np.clip(bary.reshape(-1, 3)[pixels], 0.0, 1.0)
    weights /= np.maximum(weights.sum(1, keepdims=True), 1e-12)
    points = SurfacePoints(triangles, weights)
    keep = mesh.face_parts[triangles] == PART_NAMES.index("skin")
    keep &= resize(face_mask, width, height).reshape(-1)[pixels]
    uv = points.positions(np.asarray(mesh.uvs, np.float64)[:, :],
                          np.asarray(mesh.face_uvs))  # (N, 2): UVs are per corner
    layers = load_layers()
    size = layers.resolution
    texel = (np.clip((uv[:, 1] * size).astype(int), 0, size - 1),
             np.clip((uv[:, 0] * size).astype(int), 0, size - 1))
    for name in NOT_SKIN:
        keep &= layers.masks[..., layers.mask_names.index(name)][texel] < 40
    normals = camera_normals(points, np.asarray(mesh.normals, np.float64), mesh.faces,
                             pose.matrix)
    centres = pose.apply(points.positions(np.asarray(mesh.vertices, np.float64), mesh.faces))
    view = -centres / np.linalg.norm(centres, axis=1, keepdims=True)
    keep &= (normals * view).sum(1) > MIN_FACING
    chosen = np.flatnonzero(keep)
    if len(chosen) > MAX_SAMPLES:
        chosen = chosen[np.linspace(0, len(chosen) - 1, MAX_SAMPLES).round().astype(int)]
    image = srgb_to_linear(resize(photo, width, height).astype(np.float64) / 255.0)
    colours = image.reshape(-1, 3)[pixels[chosen]]
    detail_size = detail_texture.shape[0]
    detail_texel = (np.clip((uv[chosen, 1] * detail_size).astype(int), 0, detail_size - 1),
                    np.clip((uv[chosen, 0] * detail_size).astype(int), 0, detail_size - 1))
    at = np.stack([pixels[chosen] % width + 0.5, pixels[chosen] // width + 0.5], 1) / scale
    return SkinSamples(points[chosen], colours, detail_texture[detail_texel], at)


def skin_detail(params: dict[str, float]) -> np.ndarray:
    """(R, R, 3) the procedural albedo of ``params`` divided by its plain skin colour (linear),
    row 0 = v 0: the variation a skin pixel keeps whatever melanin and hemoglobin are."""
    from faceeditor.albedo.generator import (AlbedoValues, base_skin_srgb, compose_texture,
                                             srgb_to_linear)

    values = AlbedoValues.from_params(params)
    texture = srgb_to_linear(compose_texture(values)[..., :3]).astype(np.float64)
    base = srgb_to_linear(base_skin_srgb(values)).astype(np.float64)
    return texture / np.maximum(base, 1e-4)


def skin_albedo_linear(melanin: float, hemoglobin: float) -> np.ndarray:
    """(3,) linear plain skin colour of the two skin sliders."""
    from faceeditor.albedo.generator import LUT_SIZE, lut_lookup
    from faceeditor.albedo.spectral import skin_lut

    return lut_lookup(skin_lut(LUT_SIZE), np.float64(melanin), np.float64(hemoglobin)).astype(
        np.float64)


@dataclasses.dataclass(frozen=True)
class SkinFit:
    """Lighting and skin parameters fitted to skin samples.

    Attributes:
        lighting: the photo's ``Lighting``.
        melanin, hemoglobin: skin slider values.
        inliers: (N,) bool samples the model explains (not highlights, shadows, stray hair).
        residual: RMS misfit of the inliers (linear units).
    """

    lighting: Lighting
    melanin: float
    hemoglobin: float
    inliers: np.ndarray
    residual: float

    @property
    def params(self) -> dict[str, float]:
        return {"skin_melanin": self.melanin, "skin_hemoglobin": self.hemoglobin}

    def albedo(self) -> np.ndarray:
        return skin_albedo_linear(self.melanin, self.hemoglobin)


def fit_lighting_and_skin(samples: SkinSamples, normals: np.ndarray,
                          start: dict[str, float], prior: tuple[np.ndarray, np.ndarray],
                          rounds: int = 2, iterations: int = 12) -> SkinFit:
    """SH lighting, colour balance, melanin and hemoglobin explaining the skin samples.

    Args:
        normals: (N, 3) camera-space normals of the samples.
        start: ``skin_melanin`` and ``skin_hemoglobin`` to start from.
        prior: ((2,) mean, (2,) spread) of melanin and hemoglobin.
        rounds: fits, each after dropping the previous fit's outliers.
    """
    basis = sh_basis(normals)
    observed = samples.colours
    inliers = np.ones(len(samples), bool)
    mean, spread = (np.asarray(v, np.float64) for v in prior)
    x = np.zeros(13)
    x[11:] = start["skin_melanin"], start["skin_hemoglobin"]
    albedo = samples.detail * skin_albedo_linear(*x[11:])
    # band 0 alone explaining the mean brightness: the scale of the lighting's priors
    reference = max(float(observed.mean() / max(albedo.mean(), 1e-6) / sh_basis(
        np.array([[0.0, 0.0, 1.0]]))[0, 0]), 1e-3)
    x[0] = reference
    noise = PIXEL_NOISE
    for _ in range(rounds):
        rows = np.flatnonzero(inliers)
        objective = _LightObjective(basis[rows], observed[rows], samples.detail[rows], mean,
                                    spread, reference, noise)
        x = levenberg_marquardt(x, objective.residuals, objective.jacobian,
                                *objective.bounds(), iterations=iterations)
        misfit = np.linalg.norm(_predict(x, basis, samples.detail) - observed, axis=1)
        inliers = misfit <= OUTLIER_FACTOR * np.median(misfit[inliers])
        # a photo the model explains less well than a synthetic one weighs less against the
        # priors (e.g. hard flash light, make-up): its skin stays plausible
        noise = max(PIXEL_NOISE, float(np.sqrt((misfit[inliers] ** 2).mean() / 3.0)))
    lighting = Lighting(x[:9].copy(), np.exp([x[9], 0.0, x[10]]))
    misfit = np.linalg.norm(_predict(x, basis, samples.detail) - observed, axis=1)
    residual = float(np.sqrt((misfit[inliers] ** 2).mean() / 3.0))
    log.info("lighting and skin: melanin %.2f, hemoglobin %.2f, light from %s, %.0f%% inliers, "
             "rms %.3f", x[11], x[12], np.round(lighting.direction, 2), 100 * inliers.mean(),
             residual)
    return SkinFit(lighting, float(x[11]), float(x[12]), inliers, residual)


def _predict(x: np.ndarray, basis: np.ndarray, detail: np.ndarray) -> np.ndarray:
    gain = np.exp([x[9], 0.0, x[10]])
    return detail * skin_albedo_linear(x[11], x[12]) * gain * (basis @ x[:9])[:, None]


class _LightObjective:
    """Residual rows of ``fit_lighting_and_skin``: x = [SH (9), log gain red, blue, melanin,
    hemoglobin]; pixel rows in units of the pixel noise worth ``EFFECTIVE_SAMPLES`` samples,
    then the priors, each in units of its spread."""

    def __init__(self, basis, observed, detail, mean, spread, reference, noise):
        self.basis, self.observed, self.detail = basis, observed, detail
        self.mean, self.spread = mean, spread
        self.scale = np.sqrt(EFFECTIVE_SAMPLES / max(len(observed), 1)) / noise
        bands = np.array([BAND_SPREAD[0]] * 3 + [BAND_SPREAD[1]] * 5)
        self.band_scale = 1.0 / (bands * reference)
        self.band_mean = np.zeros(8)
        self.band_mean[1] = FRONT_LIGHT * reference  # SH index 2: z
        self.band_scale[1] = 1.0 / (FRONT_SPREAD * reference)
        self.mean_basis = basis.mean(0)

    @staticmethod
    def bounds():
        lower = np.full(13, -np.inf)
        upper = np.full(13, np.inf)
        lower[11:], upper[11:] = 0.0, 1.0
        return lower, upper

    def residuals(self, x: np.ndarray) -> np.ndarray:
        pixels = (_predict(x, self.basis, self.detail) - self.observed).reshape(-1) * self.scale
        exposure = np.log(max(float(self.mean_basis @ x[:9]), 1e-6) / EXPOSURE) / EXPOSURE_SPREAD
        return np.concatenate([pixels, (x[11:] - self.mean) / self.spread,
                               x[9:11] / GAIN_SPREAD, [exposure],
                               (x[1:9] - self.band_mean) * self.band_scale])

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        n = len(self.observed)
        gain = np.exp([x[9], 0.0, x[10]])
        albedo = self.detail * skin_albedo_linear(x[11], x[12]) * gain  # (N, 3)
        shade = self.basis @ x[:9]
        out = np.zeros((n * 3 + 2 + 2 + 1 + 8, 13))
        pixel = out[:n * 3].reshape(n, 3, 13)
        pixel[:, :, :9] = albedo[:, :, None] * self.basis[:, None, :]
        predicted = albedo * shade[:, None]
        pixel[:, 0, 9] = predicted[:, 0]
        pixel[:, 2, 10] = predicted[:, 2]
        for column, offset in ((11, np.array([_SKIN_STEP, 0.0])),
                               (12, np.array([0.0, _SKIN_STEP]))):
            plus = skin_albedo_linear(*np.clip(x[11:] + offset, 0, 1))
            minus = skin_albedo_linear(*np.clip(x[11:] - offset, 0, 1))
            step = np.clip(x[11:] + offset, 0, 1) - np.clip(x[11:] - offset, 0, 1)
            slope = (plus - minus) / max(float(step.sum()), 1e-12)
            pixel[:, :, column] = self.detail * slope * gain * shade[:, None]
        out[:n * 3] *= self.scale
        row = n * 3
        out[row, 11], out[row + 1, 12] = 1.0 / self.spread
        out[row + 2, 9] = out[row + 3, 10] = 1.0 / GAIN_SPREAD
        mean_shade = max(float(self.mean_basis @ x[:9]), 1e-6)
        out[row + 4, :9] = self.mean_basis / mean_shade / EXPOSURE_SPREAD
        out[row + 5:, 1:9] = np.diag(self.band_scale)
        return out
