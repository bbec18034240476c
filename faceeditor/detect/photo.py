"""Reading a user's photo into one canonical form: (H, W, 3) uint8 sRGB, upright.

Whatever the file holds (JPEG, PNG, WebP, TIFF, BMP, GIF; greyscale, palette, 16-bit, CMYK,
alpha, an ICC profile, an EXIF orientation) comes out the way a photo viewer shows it. Anything
that is not a usable photo raises `PhotoError` with a one-line message naming the file.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

MIN_SIDE = 32  # pixels; below this no detector can find a face
MAX_PIXELS = 120_000_000  # above any camera's; decodes to 360 MB of RGB
ALPHA_BACKGROUND = (255, 255, 255)  # transparent pixels become white, like a cut-out on paper


class PhotoError(ValueError):
    """A file that is not a usable photo; the message is one line naming the file."""


def load_photo(path: str | Path, max_side: int | None = None) -> np.ndarray:
    """Read `path` as an upright RGB photo.

    Returns (H, W, 3) uint8 in sRGB, rotated/mirrored by its EXIF orientation, greyscale
    expanded to three channels, CMYK and ICC-profiled images converted to sRGB, alpha
    composited over white. The first frame of an animated file. Raises `PhotoError` for a
    missing, empty, truncated, tiny (< 32 px on a side), huge (> 120 MP) or non-image file.

    max_side: scale the photo down (never up) so its longer side is at most this many pixels
    (antialiased; a JPEG is decoded directly at 1/2, 1/4 or 1/8 size first, which makes a
    12-megapixel photo several times faster to read).
    """
    path = Path(path)
    name = path.name or str(path)
    if not path.exists():
        raise PhotoError(f"{name}: no such file")
    if path.is_dir():
        raise PhotoError(f"{name} is a folder, not a photo")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PhotoError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if not data:
        raise PhotoError(f"{name} is empty")
    return decode_photo(data, name, max_side)


def decode_photo(data: bytes, name: str = "photo", max_side: int | None = None) -> np.ndarray:
    """`load_photo` for bytes already in memory; `name` is used in error messages."""
    if max_side is not None and max_side < MIN_SIDE:
        raise ValueError(f"max_side must be at least {MIN_SIDE}, got {max_side}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # own limit below
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoError(
                    f"{name} is too large ({width}x{height} pixels; at most "
                    f"{MAX_PIXELS // 1_000_000} megapixels)")
            image.seek(0)
            if max_side is not None and max(width, height) > max_side:
                factor = max_side / max(width, height)
                image.draft(image.mode, (math.ceil(width * factor), math.ceil(height * factor)))
            image.load()
    except UnidentifiedImageError as exc:
        raise PhotoError(f"{name} is not a readable image (JPEG, PNG or WebP expected)") from exc
    except Image.DecompressionBombError as exc:
        raise PhotoError(f"{name} is too large to open safely") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if isinstance(exc, PhotoError):
            raise
        raise PhotoError(f"{name} is damaged or truncated ({_one_line(exc)})") from exc
    if min(image.size) < MIN_SIDE:
        raise PhotoError(
            f"{name} is too small ({image.width}x{image.height} pixels; a face needs at least "
            f"{MIN_SIDE}x{MIN_SIDE})")
    try:
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, KeyError) as exc:  # a broken EXIF block
        log.warning("%s: ignoring unreadable EXIF orientation (%s)", name, _one_line(exc))
    pixels = _to_srgb(image, name)
    if max_side is not None and max(pixels.shape[:2]) > max_side:
        height, width = pixels.shape[:2]
        factor = max_side / max(width, height)
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        pixels = np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))
    return pixels


def _to_srgb(image: Image.Image, name: str) -> np.ndarray:
    """(H, W, 3) uint8 sRGB from any Pillow mode."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        image = Image.fromarray(_grey_to_8bit(np.asarray(image), image.mode), "L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, ALPHA_BACKGROUND + (255,))
        image = Image.alpha_composite(background, rgba).convert("RGB")
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "CMYK", "L"):
        converted = _apply_icc(image, profile, name)
        if converted is not None:
            return np.ascontiguousarray(np.asarray(converted, dtype=np.uint8))
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))


def _apply_icc(image: Image.Image, profile: bytes, name: str) -> Image.Image | None:
    """The image converted from its embedded ICC profile to sRGB (None: profile unusable)."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError) as exc:
        log.warning("%s: ignoring unusable ICC profile (%s)", name, _one_line(exc))
        return None


def _grey_to_8bit(values: np.ndarray, mode: str) -> np.ndarray:
    """16-bit, 32-bit or float greyscale to 0..255 (16-bit by its full range, floats as 0..1)."""
    values = np.nan_to_num(values.astype(np.float64))
    peak = float(values.max(initial=0.0))
    if mode == "F" and peak <= 1.0:
        values = values * 255.0
    elif mode.startswith("I;16") or peak > 255.0:
        values = values / (257.0 if peak <= 65535.0 else peak / 255.0)
    return np.clip(values, 0, 255).round().astype(np.uint8)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
