"""The static UV-space layers of the albedo generator (``resources/albedo/layers.npz``).

Built by ``packaging/build_albedo_assets.py``; see its docstring for what each mask means.
All arrays have row 0 at UV v = 0 (OpenGL texture order).
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np

from faceeditor.fileio import resource_file



def default_layers_path() -> Path:
    """Where the layers live (inside the installed package or the repository)."""
    return resource_file("albedo/layers.npz")


class AlbedoAssetError(RuntimeError):
    """The albedo layers file is missing or malformed."""


@dataclasses.dataclass(frozen=True, eq=False)
class Layers:
    """Static layers at ``resolution`` x ``resolution`` texels.

    Attributes:
        position: (R, R, 3) float32 neutral-head surface point per texel (dilated into gaps).
        masks: (R, R, K) uint8 region masks, 255 = fully inside.
        mask_names: K names, in channel order.
    """

    position: np.ndarray
    masks: np.ndarray
    mask_names: tuple[str, ...]

    @property
    def resolution(self) -> int:
        return int(self.masks.shape[0])

    def mask(self, name: str) -> np.ndarray:
        """(R, R) float32 mask in [0, 1]."""
        if name not in self.mask_names:
            raise KeyError(f"no albedo mask {name!r}; masks: {', '.join(self.mask_names)}")
        return self.masks[..., self.mask_names.index(name)].astype(np.float32) / 255.0


@functools.lru_cache(maxsize=1)
def load_layers(path: Path | None = None) -> Layers:
    """Read the layers file (default: ``default_layers_path()``) once (cached)."""
    path = default_layers_path() if path is None else path
    try:
        with np.load(path, allow_pickle=False) as data:
            layers = Layers(position=data["position"].astype(np.float32),
                            masks=np.ascontiguousarray(data["masks"]),
                            mask_names=tuple(str(n) for n in data["mask_names"]))
    except (OSError, KeyError, ValueError) as exc:
        raise AlbedoAssetError(
            f"cannot read albedo layers {path}: {exc}; rebuild them with "
            "'python packaging/build_albedo_assets.py'") from exc
    return layers
