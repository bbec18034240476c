"""The hair colour of the person in a photo: ``hair_melanin`` and ``hair_redness``. Entry
point: ``fit_hair_colour``.

The hair is sampled in a band above the forehead (above the face mesh's top landmark, along the
face's own up direction, so a tilted head is sampled where its hair is); pixels the colour of
the skin (a bald or receding head) are left out, and when few pixels remain the photo shows no
hair and nothing is fitted. The median of the rest, taken to albedo with the exposure the skin's
colour is read with (``skin.EXPOSURE``), is matched against the hair colour of every
(melanin, redness) on a grid (``faceeditor.hair.settings.hair_colours``) in log RGB. The same two
parameters colour the eyebrows and stubble.

Measured on the app's own renders (studio light) of known hair colours: within 0.1 of the
melanin for light and mid hair; dark short hair reads up to 0.25 too light (the renderer's
sheen on it, which a photo's matte hair has less of), and redness reads about half of its value.
"""

from __future__ import annotations

import logging

import numpy as np

from faceeditor.fit.skin import EXPOSURE, sample_skin, skin_like, srgb_to_linear

log = logging.getLogger(__name__)

#: The band sampled for hair, in eye distances above the forehead's top landmark (10).
BAND = (0.15, 0.55)
#: ... and across, in eye distances either side of the face's midline.
HALF_WIDTH = 0.45
#: Fewer hair pixels than this share of the band: no hair to fit (bald, or a hat).
MIN_SHARE = 0.3
#: Grid steps of melanin and redness searched.
STEPS = 101

_TOP, _CHIN = 10, 152


def fit_hair_colour(photo: np.ndarray, landmarks: np.ndarray) -> dict[str, float]:
    """{"hair_melanin", "hair_redness"} of the hair above the face, or {} when the photo shows
    none there.

    Args:
        photo: (H, W, 3) uint8 sRGB.
        landmarks: (468, 2+) MediaPipe face-mesh points in pixels.
    """
    pixels = hair_pixels(photo, landmarks)
    if pixels is None:
        return {}
    colour = np.median(pixels, axis=0)
    melanin, redness = match_hair_colour(colour / EXPOSURE)
    log.info("hair colour: melanin %.2f, redness %.2f (%d pixels)", melanin, redness,
             len(pixels))
    return {"hair_melanin": melanin, "hair_redness": redness}


def hair_pixels(photo: np.ndarray, landmarks: np.ndarray) -> np.ndarray | None:
    """(N, 3) linear RGB of the non-skin pixels in the band above the forehead, or None when
    they are fewer than ``MIN_SHARE`` of the band (or the band leaves the photo)."""
    from faceeditor.fit.landmarks import eye_distance

    height, width = photo.shape[:2]
    eye = eye_distance(landmarks)
    top, chin = landmarks[_TOP, :2], landmarks[_CHIN, :2]
    up = (top - chin) / max(np.linalg.norm(top - chin), 1e-6)
    across = np.array([-up[1], up[0]])
    # only the band's bounding box is searched (a phone photo has tens of millions of pixels)
    corners = np.array([top + eye * (a * up + s * across)
                        for a in BAND for s in (-HALF_WIDTH, HALF_WIDTH)])
    x0, y0 = np.clip(np.floor(corners.min(0)).astype(int), 0, [width, height])
    x1, y1 = np.clip(np.ceil(corners.max(0)).astype(int) + 1, 0, [width, height])
    rows, columns = np.mgrid[y0:y1, x0:x1]
    offset = np.stack([columns - top[0], rows - top[1]], -1).astype(np.float64)
    along, side = offset @ up / eye, offset @ across / eye
    band = (along > BAND[0]) & (along < BAND[1]) & (np.abs(side) < HALF_WIDTH)
    expected = (BAND[1] - BAND[0]) * 2 * HALF_WIDTH * eye * eye
    if band.sum() < 0.5 * expected:  # the band is cut off by the photo's edge
        return None
    colours = srgb_to_linear(photo[y0:y1, x0:x1][band][:, :3].astype(np.float64) / 255.0)
    hair = colours[~skin_like(colours, sample_skin(photo, landmarks))]
    if len(hair) < MIN_SHARE * len(colours):
        return None
    return hair


def match_hair_colour(albedo: np.ndarray) -> tuple[float, float]:
    """(melanin, redness) whose hair colour is nearest ``albedo`` (3,) linear RGB in log RGB;
    ties go to the lowest melanin, then the lowest redness."""
    from faceeditor.hair.settings import hair_colours

    grid = np.linspace(0.0, 1.0, STEPS)
    melanin, redness = (values.ravel() for values in np.meshgrid(grid, grid, indexing="ij"))
    colours = hair_colours(melanin, redness)
    error = ((np.log(np.maximum(colours, 1e-4)) - np.log(np.maximum(albedo, 1e-4))) ** 2).sum(1)
    best = int(np.argmin(error))  # first minimum: melanin-major order
    return float(melanin[best]), float(redness[best])
