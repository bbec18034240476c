"""Skin parameters from a photo: melanin and hemoglobin whose plain skin colour matches the
photo's cheeks and forehead (chromaticity, and brightness under an assumed exposure)."""

from __future__ import annotations

import numpy as np

#: MediaPipe landmarks on plain skin (forehead, cheeks), away from brows, eyes, lips and beard.
SKIN_LANDMARKS = (10, 151, 9, 108, 337, 67, 297, 50, 280, 101, 330, 117, 346, 123, 352, 205,
                  425, 36, 266)
#: The photo's skin is taken as this fraction of its albedo (diffuse light, typical exposure).
EXPOSURE = 0.85


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def sample_skin(photo: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(3,) linear RGB median of small patches around the plain-skin landmarks."""
    height, width = photo.shape[:2]
    eye = np.linalg.norm(landmarks[33, :2] - landmarks[263, :2])
    radius = max(1, int(eye * 0.04))
    samples = []
    for index in SKIN_LANDMARKS:
        x, y = (int(round(v)) for v in landmarks[index, :2])
        if 0 <= x < width and 0 <= y < height:
            patch = photo[max(y - radius, 0):y + radius + 1, max(x - radius, 0):x + radius + 1]
            samples.append(patch.reshape(-1, 3))
    if not samples:
        return srgb_to_linear(np.array([0.7, 0.55, 0.45]))
    pixels = srgb_to_linear(np.concatenate(samples) / 255.0)
    # drop the darkest and brightest quarter (shadows, highlights, stray hair)
    luminance = pixels @ [0.2126, 0.7152, 0.0722]
    low, high = np.percentile(luminance, [25, 75])
    keep = (luminance >= low) & (luminance <= high)
    return np.median(pixels[keep] if keep.any() else pixels, axis=0)


def fit_skin_tone(photo: np.ndarray, landmarks: np.ndarray) -> dict[str, float]:
    """``skin_melanin`` and ``skin_hemoglobin`` matching the photo's skin colour."""
    return skin_tone_of(sample_skin(photo, landmarks))


def skin_tone_of(target: np.ndarray, exposure: float = EXPOSURE) -> dict[str, float]:
    """``skin_melanin`` and ``skin_hemoglobin`` whose plain skin colour, times ``exposure``,
    matches ``target`` ((3,) linear RGB): chromaticity first, brightness loosely."""
    from faceeditor.albedo.generator import AlbedoValues, base_skin_srgb

    target_chroma = target / max(target.sum(), 1e-6)
    best, best_cost = (0.25, 0.35), np.inf
    for melanin in np.linspace(0.0, 1.0, 41):
        for hemoglobin in np.linspace(0.1, 0.8, 15):
            values = AlbedoValues.from_params({"skin_melanin": melanin,
                                               "skin_hemoglobin": hemoglobin})
            albedo = srgb_to_linear(base_skin_srgb(values))
            chroma = albedo / max(albedo.sum(), 1e-6)
            brightness = np.log(max(target.sum(), 1e-4) / max(albedo.sum() * exposure, 1e-4))
            cost = float(((chroma - target_chroma) ** 2).sum() * 400.0 + 0.5 * brightness ** 2)
            if cost < best_cost:
                best, best_cost = (float(melanin), float(hemoglobin)), cost
    return {"skin_melanin": best[0], "skin_hemoglobin": best[1]}


def skin_like(colours: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """(N,) bool: which of ``colours`` (N, 3) linear RGB have the chroma and roughly the
    brightness of ``skin`` (3,) linear RGB (not hair, not background)."""
    total = max(float(skin.sum()), 1e-4)
    chroma = colours / np.maximum(colours.sum(-1, keepdims=True), 1e-4)
    brightness = np.log(np.maximum(colours.sum(-1), 1e-4) / total)
    return (np.abs(chroma - skin / total).sum(-1) < 0.08) & (np.abs(brightness) < 0.7)
