"""The three PBR texture images an export embeds, and how they are encoded.

Exporters take a ``TextureSet`` (or ``None`` for an untextured head), so they do not care where
the images come from; ``generate_textures`` asks ``faceeditor.albedo`` for them.
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import logging
from collections.abc import Callable, Mapping

import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

#: Texture sizes the exporters offer (square, power of two).
TEXTURE_SIZES: tuple[int, ...] = (1024, 2048, 4096)

#: Image encodings and their MIME types.
IMAGE_FORMATS: dict[str, str] = {"png": "image/png", "jpeg": "image/jpeg"}


class TexturesUnavailableError(RuntimeError):
    """The texture generator (``faceeditor.albedo``) is missing or lacks a function we need."""


@dataclasses.dataclass(frozen=True)
class TextureSet:
    """PBR textures of the skin, all (H, W) in size, top row first (UV origin bottom left).

    Attributes:
        albedo: (H, W, 3) uint8 sRGB base colour.
        normal: (H, W, 3) uint8 tangent-space normal map, OpenGL/glTF convention (+Y = green =
            toward the top of the image), or None (a research backend's albedo alone: the
            exporters then write no normal map).
        roughness: (H, W) uint8 roughness, 0 = mirror, 255 = fully rough, or None (no
            roughness map; each part keeps its constant roughness).
    """

    albedo: np.ndarray
    normal: np.ndarray | None = None
    roughness: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("albedo", "normal"):
            image = getattr(self, name)
            if image is None and name == "normal":
                continue
            if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
                raise ValueError(f"{name} map must be (H, W, 3) uint8, got "
                                 f"{image.shape} {image.dtype}")
        roughness = self.roughness
        if roughness is None:
            return
        if roughness.ndim == 3 and roughness.shape[2] in (1, 3):
            object.__setattr__(self, "roughness", np.ascontiguousarray(roughness[:, :, 0]))
        if self.roughness.dtype != np.uint8 or self.roughness.ndim != 2:
            raise ValueError(f"roughness map must be (H, W) uint8, got "
                             f"{self.roughness.shape} {self.roughness.dtype}")

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the albedo map."""
        return self.albedo.shape[1], self.albedo.shape[0]

    @property
    def labels(self) -> tuple[str, ...]:
        """The maps present, of "albedo", "normal", "roughness" (in that order)."""
        return ("albedo",) + tuple(name for name in ("normal", "roughness")
                                   if getattr(self, name) is not None)

    def resized(self, size: int) -> TextureSet:
        """These maps scaled to ``size`` x ``size`` (itself when they already are).

        Only full sets (the built-in model's) are scaled: a backend's albedo alone is written
        at its own resolution.
        """
        if self.normal is None or self.roughness is None:
            raise ValueError("only a full texture set (albedo, normal, roughness) is resized")
        if self.albedo.shape[:2] == (size, size) and self.normal.shape[:2] == (size, size) \
                and self.roughness.shape == (size, size):
            return self

        def scale(image: np.ndarray) -> np.ndarray:
            picture = Image.fromarray(image).resize((size, size), Image.Resampling.LANCZOS)
            return np.asarray(picture, np.uint8)

        normal = scale(self.normal).astype(np.float32) / 127.5 - 1.0  # re-normalise after filtering
        normal /= np.linalg.norm(normal, axis=2, keepdims=True) + 1e-8
        return TextureSet(albedo=scale(self.albedo),
                          normal=np.clip(np.rint((normal + 1.0) * 127.5), 0, 255).astype(np.uint8),
                          roughness=scale(self.roughness))

    def metallic_roughness(self) -> np.ndarray:
        """(H, W, 3) uint8 glTF metallicRoughness image: roughness in green, metallic 0 in blue.

        Red (ambient occlusion in packed ORM textures) is 255, i.e. no occlusion.
        """
        packed = np.zeros(self.roughness.shape + (3,), np.uint8)
        packed[:, :, 0] = 255
        packed[:, :, 1] = self.roughness
        return packed


def encode_image(image: np.ndarray, image_format: str = "png") -> bytes:
    """PNG or JPEG bytes of an (H, W, 3) or (H, W) uint8 image.

    PNGs use a fast zlib level: a 2K map encodes in a fraction of a second, ~10 % larger than
    the default level.
    """
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {sorted(IMAGE_FORMATS)}, got "
                         f"{image_format!r}")
    out = io.BytesIO()
    picture = Image.fromarray(np.ascontiguousarray(image))
    if image_format == "png":
        picture.save(out, format="PNG", compress_level=1)
    else:
        picture.save(out, format="JPEG", quality=92, subsampling=0)
    return out.getvalue()


def _generator(name: str) -> Callable[[Mapping[str, float], int], np.ndarray]:
    """The texture function ``faceeditor.albedo.<name>(params, size)``."""
    try:
        albedo_module = importlib.import_module("faceeditor.albedo")
    except ImportError as error:  # the package, or something it needs (torch), is missing
        raise TexturesUnavailableError(
            f"skin textures need faceeditor.albedo, which cannot be imported ({error})") from None
    function = getattr(albedo_module, name, None)
    if function is None:
        raise TexturesUnavailableError(f"faceeditor.albedo has no {name}() function")
    return function


def generate_textures(params: Mapping[str, float], size: int) -> TextureSet:
    """The skin textures of the head ``params`` at ``size`` x ``size`` from ``faceeditor.albedo``.

    Raises:
        TexturesUnavailableError: the albedo package is missing or incomplete.
    """
    if size not in TEXTURE_SIZES:
        raise ValueError(f"texture size must be one of {TEXTURE_SIZES}, got {size}")
    makers = {name: _generator(name) for name in ("albedo", "normal_map", "roughness_map")}
    return TextureSet(
        albedo=makers["albedo"](params, size),
        normal=makers["normal_map"](params, size),
        roughness=makers["roughness_map"](params, size),
    )


def skin_textures(params: Mapping[str, float], size: int) -> TextureSet | None:
    """``generate_textures``, or None with a logged warning when the generator is unavailable
    (the export then gives the skin a plain colour)."""
    try:
        return generate_textures(params, size)
    except TexturesUnavailableError as error:
        log.warning("%s; the head gets plain colours instead of textures", error)
        return None


def skin_albedo(params: Mapping[str, float], size: int) -> np.ndarray | None:
    """(size, size, 3) uint8 albedo of the head ``params`` for previews, or None (with a logged
    warning) when the generator is unavailable."""
    try:
        return _generator("albedo")(params, size)
    except TexturesUnavailableError as error:
        log.warning("%s; the head gets a plain skin colour", error)
        return None
