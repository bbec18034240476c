"""Skin colour from melanin and hemoglobin: a two-layer spectral reflectance model and its LUT.

The model follows the two-layer skin of Donner & Jensen (2006) as simplified by Jimenez et al.
(2010, "A practical appearance model for dynamic facial color"): an absorbing epidermis holding
melanin over a scattering dermis holding blood. Per wavelength (400..700 nm, 10 nm steps):

* epidermis absorption ``mu_epi = C_m mu_mel + (1 - C_m) mu_base`` with the melanin mixture
  ``mu_mel = (1 - s) (b_e mu_eu + (1 - b_e) mu_pheo) + s mu_eu(600 nm)``: eumelanin
  ``6.6e10 lambda^-3.33`` and pheomelanin ``2.9e14 lambda^-4.75`` (1/mm, lambda in nm; Donner &
  Jensen 2006), and a share ``s`` of degraded "melanin dust" in the upper epidermis whose
  absorption is spectrally flat (Kollias; Nielsen et al.): without it the model's medium and
  dark skins come out orange (a* rising to 17, chroma 28 at ITA 0 deg, where measured facial
  skin keeps a* near 11-14 across ethnic groups, Xiao et al. 2017); see
  ``resources/render/skin_lab_reference.csv``. The baseline skin absorption is
  ``0.0244 + 8.53 exp(-(lambda - 154) / 66.2)`` (1/mm; Jacques 1998);
* dermis absorption ``mu_derm = C_h (g mu_oxy + (1 - g) mu_deoxy) + (1 - C_h) mu_base`` from
  Prahl's molar extinction of oxy/deoxy hemoglobin (omlc.org, 150 g/L whole blood, 64500 g/mol);
  reduced scattering ``2e5 lambda^-1.5 + 2e12 lambda^-4`` (1/cm; Jacques 2013) in both layers;
* dermis diffuse reflectance from the classical dipole (Jensen et al. 2001) with albedo
  ``a' = mu_s' / (mu_s' + mu_a)``; the epidermis attenuates light on the way in and out:
  ``R = R_surface + (1 - R_surface) T_epi^2 R_derm``, ``T_epi = exp(-mu_epi' d_epi)`` with an
  effective diffuse path length.

Spectra go to CIE XYZ under D65 (CIE 1931 2-degree matching functions in the analytic
multi-lobe fit of Wyman, Sloan & Shirley 2013) and to linear sRGB. ``skin_lut()`` tabulates
linear sRGB over the two slider values ``melanin`` and ``hemoglobin`` in [0, 1], which map to the
volume fractions by ``melanin_fraction`` / ``hemoglobin_fraction``.
"""

from __future__ import annotations

import functools

import numpy as np

WAVELENGTHS = np.arange(400.0, 701.0, 10.0)  # nm

#: Prahl's molar extinction coefficients (cm^-1 / M) of oxy- and deoxy-hemoglobin, 400..700 nm.
HBO2 = np.array([266232, 466816, 480360, 321440, 103292, 62816, 44480, 33209.2, 26629.2,
                 23684.4, 20932.8, 20035.2, 24202.4, 39956.8, 53236, 43016, 32613.2, 44496,
                 50104, 14400.8, 3200, 1506, 942, 610, 442, 368, 319.6, 294, 277.6, 276, 290])
HB = np.array([223296, 303956, 407560, 528600, 413280, 103292, 23388.8, 16156.4, 14550, 16684,
               20862, 25773.6, 31589.6, 39036.4, 46592, 53412, 53788, 45072, 37020, 28324.4,
               14677.2, 9443.6, 6509.6, 5148.8, 4345.2, 3750.12, 3226.56, 2795.12, 2407.92,
               2118.4, 1794.28])
#: CIE standard illuminant D65, relative spectral power, 400..700 nm.
D65 = np.array([82.75, 91.49, 93.43, 86.68, 104.86, 117.01, 117.81, 114.86, 115.92, 108.81,
                109.35, 107.80, 104.79, 107.69, 104.41, 104.05, 100.00, 96.33, 95.79, 88.69,
                90.01, 89.60, 87.70, 83.29, 83.70, 80.03, 80.21, 82.28, 78.28, 69.72, 71.61])
XYZ_TO_LINEAR_SRGB = np.array([[3.2404542, -1.5371385, -0.4985314],
                               [-0.9692660, 1.8760108, 0.0415560],
                               [0.0556434, -0.2040259, 1.0572252]])
D65_WHITE = np.array([0.95047, 1.0, 1.08883])

EUMELANIN_SHARE = 0.9      # b_e: share of eumelanin in the epidermal melanin
MELANIN_DUST_SHARE = 0.4   # s: share of melanin with flat absorption (melanin dust)
MELANIN_DUST_NM = 600.0    # the dust absorbs like eumelanin does at this wavelength
BLOOD_OXYGENATION = 0.75   # g
EPIDERMIS_MM = 0.25
DERMIS_SCATTERING = 1.5  # scale of the reduced scattering (dermis is denser than average skin)
SURFACE_REFLECTANCE = 0.035  # diffuse scattering of the stratum corneum (spectrally flat)
MELANIN_RANGE = (0.002, 0.16)    # C_m at melanin slider 0 and 1 (quadratic in between)
HEMOGLOBIN_RANGE = (0.001, 0.2)  # C_h at hemoglobin slider 0 and 1 (quadratic in between)


def melanin_fraction(melanin):
    """Slider value in [0, 1] -> epidermal melanin volume fraction C_m."""
    lo, hi = MELANIN_RANGE
    return lo + (hi - lo) * np.asarray(melanin, np.float64) ** 2


def hemoglobin_fraction(hemoglobin):
    """Slider value in [0, 1] -> dermal blood volume fraction C_h (lips reach the top)."""
    lo, hi = HEMOGLOBIN_RANGE
    return lo + (hi - lo) * np.asarray(hemoglobin, np.float64) ** 2


def _lobe(lam, mu, s1, s2):
    return np.exp(-0.5 * ((lam - mu) / np.where(lam < mu, s1, s2)) ** 2)


def colour_matching() -> np.ndarray:
    """(W, 3) CIE 1931 x, y, z matching functions (Wyman, Sloan & Shirley 2013 fit)."""
    lam = WAVELENGTHS
    x = (1.056 * _lobe(lam, 599.8, 37.9, 31.0) + 0.362 * _lobe(lam, 442.0, 16.0, 26.7)
         - 0.065 * _lobe(lam, 501.1, 20.4, 26.2))
    y = 0.821 * _lobe(lam, 568.8, 46.9, 40.5) + 0.286 * _lobe(lam, 530.9, 16.3, 31.1)
    z = 1.217 * _lobe(lam, 437.0, 11.8, 36.0) + 0.681 * _lobe(lam, 459.0, 26.0, 13.8)
    return np.stack([x, y, z], -1)


def skin_reflectance(melanin_fraction_, hemoglobin_fraction_) -> np.ndarray:
    """(..., W) diffuse reflectance spectrum for volume fractions C_m, C_h (broadcast)."""
    lam = WAVELENGTHS
    c_m = np.asarray(melanin_fraction_, np.float64)[..., None]
    c_h = np.asarray(hemoglobin_fraction_, np.float64)[..., None]
    base = 0.0244 + 8.53 * np.exp(-(lam - 154.0) / 66.2)
    eumelanin = 6.6e10 * lam ** -3.33
    pheomelanin = 2.9e14 * lam ** -4.75
    granules = EUMELANIN_SHARE * eumelanin + (1 - EUMELANIN_SHARE) * pheomelanin
    dust = 6.6e10 * MELANIN_DUST_NM ** -3.33
    melanin = (1 - MELANIN_DUST_SHARE) * granules + MELANIN_DUST_SHARE * dust
    mu_epi = c_m * melanin + (1 - c_m) * base
    blood = np.log(10) * 150.0 / 64500.0 / 10.0 * (BLOOD_OXYGENATION * HBO2 + (1 - BLOOD_OXYGENATION) * HB)
    mu_derm = c_h * blood + (1 - c_h) * base
    mu_s = DERMIS_SCATTERING * (2e5 * lam ** -1.5 + 2e12 * lam ** -4.0) / 10.0  # 1/mm, reduced
    albedo = mu_s / (mu_s + mu_derm)
    eta_term = (1 + 0.44) / (1 - 0.44)  # dipole boundary term A, F_dr = 0.44 for eta = 1.4
    root = np.sqrt(3 * (1 - albedo))
    r_derm = albedo / 2 * (1 + np.exp(-4 / 3 * eta_term * root)) * np.exp(-root)
    t_epi = np.exp(-mu_epi * EPIDERMIS_MM)
    return SURFACE_REFLECTANCE + (1 - SURFACE_REFLECTANCE) * t_epi ** 2 * r_derm


def spectrum_to_xyz(reflectance: np.ndarray) -> np.ndarray:
    """(..., W) reflectance -> (..., 3) XYZ under D65, white = D65 white point (Y = 1)."""
    cmf = colour_matching() * D65[:, None]
    white = cmf.sum(0)
    return (reflectance @ cmf) / white[1] * (D65_WHITE / (white / white[1]))


def xyz_to_linear_srgb(xyz: np.ndarray) -> np.ndarray:
    return np.asarray(xyz) @ XYZ_TO_LINEAR_SRGB.T


def xyz_to_lab(xyz: np.ndarray) -> np.ndarray:
    """(..., 3) XYZ -> CIELAB (D65)."""
    t = np.asarray(xyz) / D65_WHITE
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], -1)


def linear_srgb_to_xyz(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(rgb) @ np.linalg.inv(XYZ_TO_LINEAR_SRGB).T


def ita_degrees(lab: np.ndarray) -> np.ndarray:
    """Individual typology angle ITA = atan((L* - 50) / b*) in degrees (Chardon et al. 1991)."""
    lab = np.asarray(lab)
    return np.degrees(np.arctan2(lab[..., 0] - 50.0, lab[..., 2]))


@functools.lru_cache(maxsize=2)
def skin_lut(size: int = 64) -> np.ndarray:
    """(size, size, 3) float32 linear sRGB, indexed [melanin, hemoglobin] over [0, 1]^2."""
    axis = np.linspace(0.0, 1.0, size)
    m, h = np.meshgrid(melanin_fraction(axis), hemoglobin_fraction(axis), indexing="ij")
    rgb = xyz_to_linear_srgb(spectrum_to_xyz(skin_reflectance(m, h)))
    lut = np.clip(rgb, 0.0, 1.0).astype(np.float32)
    lut.setflags(write=False)
    return lut
