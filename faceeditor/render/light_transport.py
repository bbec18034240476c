"""Tables the skin shader looks up, computed once in numpy: the pre-integrated skin scattering
LUT and the spherical-harmonic (SH) ambient light of a lighting preset.

Pre-integrated skin (Penner and Borshukov, GPU Pro 2, 2011): light scattered under the skin
blurs the cosine falloff of a curved surface. For a sphere of radius ``r`` lit at angle ``theta``
the diffuse response of each colour channel is

    D(theta, r) = int cos+(theta + x) R(2 r sin(x / 2)) dx / int R(2 r sin(x / 2)) dx

over ``x`` in [-pi, pi], with ``R`` the diffusion profile of skin: the sum of six Gaussians
fitted by d'Eon and Luebke (GPU Gems 3, ch. 14) to the measured three-layer skin model; red
light travels millimetres, blue a fraction of one. The LUT is indexed by ``N.L * 0.5 + 0.5``
(u) and ``LUT_RADIUS_MM / r`` (v, the surface curvature in units of 1 / 2 mm): small radii
(ear rims, nostril wings) bleed red into the shadow side, flat cheeks follow plain cosine.

SH ambient: the studio environment (sky above, ground below, a softened copy of each light
for the size of its softbox and the room's bounce) projected on the nine real SH basis functions
and convolved with the cosine lobe (Ramamoorthi and Hanrahan, 2001), so that
``sum_k sh[k] Y_k(n)`` is the irradiance divided by pi for a unit normal ``n`` in view space.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from faceeditor.render.shading import StudioLighting

#: Diffusion profile of skin: Gaussian variances in mm^2 and their (R, G, B) weights.
SKIN_PROFILE_VARIANCES = np.array([0.0064, 0.0484, 0.187, 0.567, 1.99, 7.41])
SKIN_PROFILE_WEIGHTS = np.array([
    [0.233, 0.455, 0.649],
    [0.100, 0.336, 0.344],
    [0.118, 0.198, 0.000],
    [0.113, 0.007, 0.007],
    [0.358, 0.004, 0.000],
    [0.078, 0.000, 0.000],
])
LUT_SIZE = 64
LUT_RADIUS_MM = 2.0      # v = 1 is a 2 mm radius; v -> 0 a flat surface
LUT_MIN_CURVATURE = 0.02  # v of the flattest row (a 10 cm radius)
SOFTBOX_SHARE = 0.08     # share of each light's power spread over a wide lobe (bounce)
_SH_DIRECTIONS = 4096


def diffusion_profile(distance_mm: np.ndarray) -> np.ndarray:
    """(..., 3) radial reflectance of skin at ``distance_mm`` (...), per unit area."""
    d2 = np.asarray(distance_mm, dtype=np.float64)[..., None] ** 2
    gauss = np.exp(-d2 / (2 * SKIN_PROFILE_VARIANCES)) / (2 * np.pi * SKIN_PROFILE_VARIANCES)
    return gauss @ SKIN_PROFILE_WEIGHTS


@functools.lru_cache(maxsize=1)
def skin_lut(size: int = LUT_SIZE) -> np.ndarray:
    """(size, size, 3) float32 pre-integrated diffuse response, row ``j`` = curvature
    ``v = (j + 0.5) / size``, column ``i`` = ``N.L = 2 (i + 0.5) / size - 1``."""
    cos_theta = 2 * (np.arange(size) + 0.5) / size - 1
    theta = np.arccos(np.clip(cos_theta, -1, 1))
    curvature = np.maximum((np.arange(size) + 0.5) / size, LUT_MIN_CURVATURE)
    radius = LUT_RADIUS_MM / curvature                              # (size,) mm
    x = np.linspace(-np.pi, np.pi, 512, endpoint=False) + np.pi / 512
    profile = diffusion_profile(2 * radius[:, None] * np.abs(np.sin(x / 2))[None, :])  # (R, X, 3)
    lit = np.maximum(np.cos(theta[:, None] + x[None, :]), 0.0)                       # (T, X)
    lut = np.einsum("tx,rxc->rtc", lit, profile) / profile.sum(axis=1)[:, None, :]
    lut.setflags(write=False)
    return lut.astype(np.float32)


def sh_basis(directions: np.ndarray) -> np.ndarray:
    """(N, 9) real SH basis (bands 0..2) at unit ``directions`` (N, 3)."""
    x, y, z = directions.T
    return np.stack([
        np.full_like(x, 0.282095),
        0.488603 * y, 0.488603 * z, 0.488603 * x,
        1.092548 * x * y, 1.092548 * y * z, 0.315392 * (3 * z * z - 1),
        1.092548 * x * z, 0.546274 * (x * x - y * y),
    ], axis=1)


def _sphere_directions(count: int) -> np.ndarray:
    """(count, 3) unit directions on a Fibonacci spiral (deterministic, near uniform)."""
    k = np.arange(count) + 0.5
    y = 1 - 2 * k / count
    r = np.sqrt(1 - y * y)
    phi = k * np.pi * (3 - np.sqrt(5))
    return np.stack([r * np.cos(phi), y, r * np.sin(phi)], axis=1)


def environment_radiance(lighting: StudioLighting, directions: np.ndarray) -> np.ndarray:
    """(N, 3) linear radiance of the studio around the head, seen along ``directions``."""
    t = 0.5 + 0.5 * directions[:, 1:2]
    radiance = np.asarray(lighting.ground) * (1 - t) + np.asarray(lighting.sky) * t
    for light in lighting.lights:
        l = np.asarray(light.direction, dtype=np.float64)
        l /= np.linalg.norm(l)
        lobe = np.maximum(directions @ l, 0.0) ** 2 * (3 / (2 * np.pi))  # integrates to 1
        radiance = radiance + SOFTBOX_SHARE * np.pi * lobe[:, None] * np.asarray(light.colour)
    return radiance


@functools.lru_cache(maxsize=16)
def sh_irradiance(lighting: StudioLighting) -> np.ndarray:
    """(9, 3) float32 SH coefficients of irradiance / pi of the studio environment."""
    directions = _sphere_directions(_SH_DIRECTIONS)
    basis = sh_basis(directions)
    radiance = environment_radiance(lighting, directions)
    coefficients = basis.T @ radiance * (4 * np.pi / len(directions))
    band = np.array([np.pi] + [2 * np.pi / 3] * 3 + [np.pi / 4] * 5)[:, None]
    out = (coefficients * band / np.pi).astype(np.float32)
    out.setflags(write=False)
    return out
