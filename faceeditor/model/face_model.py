"""The head model as a pure function of its parameters: ``evaluate(params) -> FaceMesh``.

The forward pass, in the style of smplx's ``lbs``:

1. phenotype macros -> anchor interpolation weights -> products per phenotype shape
   -> compact phenotype coefficients (exactly anny's ``phenotype_blendshape_weights``);
2. bipolar local changes and asymmetries -> (positive, negative) coefficients;
3. one matrix product of every coefficient with the basis of every target;
4. re-centring: anny grows a whole body, so age or gender move the head by up to a metre;
   we subtract the translation the phenotype shapes give the skull's centroid (a linear map
   of the phenotype coefficients), so the head stays where the viewer looks. Shape sliders
   (nose, ears ...) do not move the head at all; they are not re-centred;
5. area-weighted vertex normals.

Apart from step 4's translation, vertices equal anny's rest pose (no skinning) rotated to our
axes: (x, y, z)_anny -> (x, z, -y) - origin.

The same code runs on numpy arrays (fast, for interactive use) and on torch tensors (for
differentiable rendering and fitting): pass a torch parameter vector to get torch outputs that
carry gradients. The model object holds only constant data; nothing about a face is stored in it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from faceeditor.model.asset import HeadAsset, load_asset
from faceeditor.model.mesh import FaceMesh
from faceeditor.model.spec import ParameterSpec, build_spec

log = logging.getLogger(__name__)

#: Anchor grids of the interpolated phenotypes (anny: ``make_phenotype_anchors``).
_ANCHOR_START = {"age": -1.0 / 3.0}

MODEL_ID = "anny-head"

Params = Mapping[str, float] | np.ndarray | Any  # a name->value mapping, or a (P,) / (B, P) vector


def _xp(array) -> ModuleType:
    """numpy or torch, whichever ``array`` belongs to."""
    if isinstance(array, np.ndarray):
        return np
    import torch

    return torch


class FaceModel:
    """The embedded head model. ``evaluate`` is a pure function of the parameters."""

    model_id = MODEL_ID

    def __init__(self, asset: HeadAsset):
        self.asset = asset
        self.spec: ParameterSpec = build_spec(asset.metadata)
        meta = asset.metadata
        self.version = str(meta["asset_version"])
        self._phenotype_labels = list(meta["phenotype_labels"])
        self._fixed = dict(meta["fixed_phenotypes"])
        self._variation_counts = dict(meta["phenotype_anchor_variations"])
        self._variation_order = list(meta["phenotype_variation_order"])
        self._phen_index = self.spec.indices("phenotype")
        self._phen_names = [p.name for p in self.spec.of_kind("phenotype")]
        self._local_index = self.spec.indices("local")
        self._asym_index = self.spec.indices("asym")
        self._expr_index = self.spec.indices("expression")
        self._normal_topology = NormalTopology.of(asset.faces, asset.num_vertices)
        n_phen = asset.phen_projection.shape[1]
        skull = asset.basis[:n_phen].reshape(n_phen, -1, 3)[:, asset.centre_vertices]
        self._phen_centroids = skull.mean(1)  # (96, 3): skull translation per phenotype shape
        defaults = self.spec.defaults[None, self._phen_index]
        self._default_centroid = (self.phenotype_coefficients(defaults) @ self._phen_centroids)[0]

    # -- parameters -----------------------------------------------------------------------

    def default_params(self) -> dict[str, float]:
        """Every parameter at its default: the neutral average head."""
        return self.spec.to_dict(self.spec.defaults)

    def vector(self, params: Params | None = None):
        """A parameter vector from a mapping (validated, clamped) or an existing vector."""
        if params is None or isinstance(params, Mapping):
            return self.spec.vector(params)
        xp = _xp(params)
        vector = params if xp is not np else np.asarray(params, np.float32)
        if vector.shape[-1] != len(self.spec):
            raise ValueError(
                f"parameter vector must have {len(self.spec)} values, got shape {tuple(vector.shape)}"
            )
        return vector

    # -- forward pass ---------------------------------------------------------------------

    def evaluate(self, params: Params | None = None) -> FaceMesh:
        """The head for ``params``.

        Args:
            params: {name: value} (missing names take their default; unknown names raise
                ``UnknownParameterError``; out-of-range values are clamped with a warning),
                or a (P,) parameter vector in spec order: numpy, or torch for gradients.
        Returns:
            FaceMesh with (V, 3) vertices and normals of the same array type as the input.
        """
        vector = self.vector(params)
        vertices = self.vertices(vector)
        normals = vertex_normals(vertices, self.asset.faces, self._normal_topology)
        return FaceMesh(
            vertices=vertices, normals=normals, faces=self.asset.faces, uvs=self.asset.uvs,
            face_uvs=self.asset.face_uvs, face_parts=self.asset.face_parts,
        )

    def vertices(self, vector):
        """(P,) or (B, P) parameter vector -> (V, 3) or (B, V, 3) vertices."""
        xp = _xp(vector)
        batched = vector.ndim == 2
        values = vector if batched else vector[None]
        coefficients = self.coefficients(values)
        basis, template = self._constants(xp, values)
        flat = coefficients @ basis
        offset = self._recentring(coefficients[:, : len(self._phen_centroids)])
        vertices = template + flat.reshape(len(values), -1, 3) - offset[:, None, :]
        return vertices if batched else vertices[0]

    def recentring_offset(self, vector):
        """(3,) or (B, 3): the translation ``vertices`` subtracts for these phenotypes."""
        values = vector if vector.ndim == 2 else vector[None]
        phen = self.phenotype_coefficients(values[:, self._phen_index])
        offset = self._recentring(phen)
        return offset if vector.ndim == 2 else offset[0]

    def _recentring(self, phen_coefficients):
        centroids, default = self._phen_centroids, self._default_centroid
        if _xp(phen_coefficients) is not np:
            import torch

            like = phen_coefficients
            centroids = torch.as_tensor(centroids, dtype=like.dtype, device=like.device)
            default = torch.as_tensor(default, dtype=like.dtype, device=like.device)
        return phen_coefficients @ centroids - default

    def coefficients(self, values):
        """(B, P) parameter vectors -> (B, K) coefficients of the basis rows."""
        xp = _xp(values)
        local = values[:, self._local_index]
        asym = values[:, self._asym_index]
        # Bipolar sliders: the positive part drives one target, the negative part its opposite.
        return xp.concatenate(
            [
                self.phenotype_coefficients(values[:, self._phen_index]),
                values[:, self._expr_index],
                local * (local > 0), -local * (local < 0),
                asym * (asym > 0), -asym * (asym < 0),
            ],
            1,
        )

    def phenotype_coefficients(self, phenotypes):
        """(B, 8) macros (spec order) -> (B, 96) coefficients of the compact phenotype basis."""
        xp = _xp(phenotypes)
        batch = len(phenotypes)
        named = {name: phenotypes[:, i] for i, name in enumerate(self._phen_names)}
        columns = []
        for feature in self._variation_order:
            if feature == "race":
                race = xp.stack([named[k] for k in ("african", "asian", "caucasian")], 1)
                total = race.sum(1)[:, None]
                # all three at zero means an even mix, as in anny
                columns.append(xp.where(total == 0, 1.0 / 3.0, race / (total + (total == 0))))
                continue
            value = named[feature] if feature in named else phenotypes[:, 0] * 0 + self._fixed[feature]
            columns.append(_hat_weights(value, _ANCHOR_START.get(feature, 0.0),
                                        self._variation_counts[feature]))
        variations = xp.concatenate(columns, 1)  # (B, 26)
        mask, projection = self._phen_constants(xp, phenotypes)
        shape_weights = (variations[:, None, :] * mask + (1 - mask)).prod(-1)  # (B, 624)
        return shape_weights @ projection

    # -- constants per array library --------------------------------------------------------

    def _constants(self, xp, like):
        if xp is np:
            return self.asset.basis, self.asset.template
        return self._torch_constants(like.dtype, like.device)[:2]

    def _phen_constants(self, xp, like):
        if xp is np:
            return self.asset.phen_mask, self.asset.phen_projection
        return self._torch_constants(like.dtype, like.device)[2:]

    def _torch_constants(self, dtype, device):
        key = (dtype, str(device))
        cache = self._torch_cache
        if key not in cache:
            import torch

            cache[key] = tuple(
                torch.as_tensor(np.array(a), dtype=dtype, device=device)
                for a in (self.asset.basis, self.asset.template, self.asset.phen_mask,
                          self.asset.phen_projection)
            )
        return cache[key]

    @cached_property
    def _torch_cache(self) -> dict:
        return {}

    def summary(self) -> str:
        """A short human-readable description of the model."""
        counts = {k: len(self.spec.of_kind(k)) for k in ("phenotype", "local", "asym", "expression")}
        return (
            f"{self.model_id} v{self.version}: {self.asset.num_vertices} vertices, "
            f"{len(self.asset.faces)} triangles, {len(self.spec)} parameters "
            f"({counts['phenotype']} macros, {counts['local']} shape, {counts['asym']} asymmetry, "
            f"{counts['expression']} ARKit expressions)"
        )


def _hat_weights(value, start: float, count: int):
    """(B,) values -> (B, count) linear interpolation weights on ``linspace(start, 1, count)``.

    Values outside the anchor range are clamped (anny's ``extrapolate=False``).
    """
    xp = _xp(value)
    step = (1.0 - start) / (count - 1)
    value = value.clip(start, 1.0)
    columns = [(1 - abs((value - (start + i * step)) / step)).clip(0, 1) for i in range(count)]
    return xp.stack(columns, 1)


@dataclasses.dataclass(frozen=True)
class NormalTopology:
    """What ``vertex_normals`` precomputes for one triangle list.

    Attributes:
        corner_vertex: (3F,) vertex of each face corner, sorted.
        corner_face: (3F,) face of each sorted corner.
        starts: (U,) where each used vertex's run of corners begins.
        used: (U,) the vertices that lie on at least one face.
        num_vertices: V.
    """

    corner_vertex: np.ndarray
    corner_face: np.ndarray
    starts: np.ndarray
    used: np.ndarray
    num_vertices: int

    @classmethod
    def of(cls, faces: np.ndarray, num_vertices: int) -> "NormalTopology":
        corner_vertex = faces.reshape(-1).astype(np.int64)
        order = np.argsort(corner_vertex, kind="stable")
        counts = np.bincount(corner_vertex, minlength=num_vertices)
        used = np.flatnonzero(counts)
        starts = np.concatenate([[0], np.cumsum(counts[used])[:-1]])
        return cls(corner_vertex[order], order // 3, starts, used, num_vertices)


def vertex_normals(vertices, faces: np.ndarray, topology: NormalTopology | None = None):
    """Area-weighted unit vertex normals.

    Args:
        vertices: (V, 3) or (B, V, 3) numpy array or torch tensor.
        faces: (F, 3) int vertex indices.
        topology: ``NormalTopology.of(faces, V)``, computed here when omitted.
    Returns:
        normals of the same shape and array type; vertices on no face get (0, 0, 0).
    """
    xp = _xp(vertices)
    if topology is None:
        topology = NormalTopology.of(faces, vertices.shape[-2])
    a = vertices[..., faces[:, 0], :]
    b = vertices[..., faces[:, 1], :]
    c = vertices[..., faces[:, 2], :]
    u, v = b - a, c - a
    # unnormalised cross product: its length is twice the face area (the weight we want)
    face_normals = xp.stack(
        [
            u[..., 1] * v[..., 2] - u[..., 2] * v[..., 1],
            u[..., 2] * v[..., 0] - u[..., 0] * v[..., 2],
            u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0],
        ],
        -1,
    )
    corners = face_normals[..., topology.corner_face, :]
    if xp is np:
        summed = np.zeros(vertices.shape, vertices.dtype)
        summed[..., topology.used, :] = np.add.reduceat(corners, topology.starts, axis=-2)
    else:
        index = xp.as_tensor(topology.corner_vertex, device=vertices.device)
        summed = xp.zeros_like(vertices).index_add(-2, index, corners)
    length = ((summed * summed).sum(-1) + 1e-30) ** 0.5
    return summed / length[..., None]


def load_default_model(asset_path: Path | None = None) -> FaceModel:
    """The embedded CC0 head model."""
    return FaceModel(load_asset(asset_path))
