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
from faceeditor.model.blocked import BlockedBasis
from faceeditor.model.mesh import FaceMesh
from faceeditor.model.spec import ParameterSpec, build_spec, side_of as _side_of

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
        self._phen_index = self.spec.indices("phenotype")
        self._phen_names = [p.name for p in self.spec.of_kind("phenotype")]
        self._local_index = self.spec.indices("local")
        self._asym_index = self.spec.indices("asym")
        self._expr_index = self.spec.indices("expression")
        self._normal_topology = NormalTopology.of(asset.faces, asset.num_vertices)
        n_phen = asset.phen_projection.shape[1]
        skull = asset.basis[:n_phen].reshape(n_phen, 3, -1)[:, :, asset.centre_vertices]
        self._phen_centroids = skull.mean(2)  # (96, 3): skull translation per phenotype shape
        self._template_cm = np.ascontiguousarray(asset.template.T)  # (3, V)
        self._blocked = BlockedBasis.of(asset.basis, self._row_groups(), asset.num_vertices)
        self._phen_table = PhenotypeTable.of(meta, self._phen_names, asset.phen_mask)
        defaults = self.spec.defaults[None, self._phen_index]
        self._default_centroid = (self.phenotype_coefficients(defaults) @ self._phen_centroids)[0]

    def _row_groups(self) -> list:
        """A region label per basis row (for ``BlockedBasis``): group and side."""
        sizes = self.asset.block_sizes()
        by_kind = {
            "expr": self.spec.of_kind("expression"), "local_pos": self.spec.of_kind("local"),
            "local_neg": self.spec.of_kind("local"), "asym_pos": self.spec.of_kind("asym"),
            "asym_neg": self.spec.of_kind("asym"),
        }
        labels: list = [("phenotype",)] * sizes["phen"]
        for block in ("expr", "local_pos", "local_neg", "asym_pos", "asym_neg"):
            labels += [(p.group, _side_of(p.name)) for p in by_kind[block]]
        return labels

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
        if isinstance(vector, np.ndarray) and vector.ndim == 1:
            # fast path: stay coordinate-major (3, V) until the end
            xyz = self._coordinate_major_vertices(vector[None])[0]
            vertices = np.ascontiguousarray(xyz.T)
            normals = np.ascontiguousarray(_normals_coordinate_major(xyz, self._normal_topology).T)
        else:
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
        xyz = self._coordinate_major_vertices(vector if batched else vector[None])
        vertices = xyz.transpose(0, 2, 1) if xp is np else xyz.transpose(1, 2)
        if xp is np:
            vertices = np.ascontiguousarray(vertices)
        return vertices if batched else vertices[0]

    def _coordinate_major_vertices(self, values):
        """(B, P) parameter vectors -> (B, 3, V) vertices, as the basis stores them."""
        xp = _xp(values)
        coefficients = self.coefficients(values)
        basis, template = self._constants(xp, values)
        offset = self._recentring(coefficients[:, : len(self._phen_centroids)])
        product = self._blocked.apply(coefficients) if xp is np else coefficients @ basis
        return product.reshape(len(values), 3, -1) + (template - offset[:, :, None])

    def expression_targets(self, vertex_ids=None) -> np.ndarray:
        """(E, V, 3) float32: how each expression (spec order) at 1.0 moves the vertices
        ``vertex_ids`` (default all), on any head. Expressions enter the forward pass linearly
        (their coefficient is the slider value and the recentring ignores them), so these are
        the basis rows themselves: exact, with no evaluation's rounding."""
        sizes = self.asset.block_sizes()
        rows = self.asset.basis[sizes["phen"]:sizes["phen"] + sizes["expr"]]
        count = self.asset.num_vertices
        ids = np.arange(count) if vertex_ids is None else np.asarray(vertex_ids)
        columns = (np.arange(3)[:, None] * count + ids[None, :]).reshape(-1)
        return np.ascontiguousarray(
            rows[:, columns].reshape(len(rows), 3, len(ids)).transpose(0, 2, 1), np.float32)

    def recentring_offset(self, vector):
        """(3,) or (B, 3): the translation ``vertices`` subtracts for these phenotypes."""
        values = vector if vector.ndim == 2 else vector[None]
        phen = self.phenotype_coefficients(values[:, self._phen_index])
        offset = self._recentring(phen)
        return offset if vector.ndim == 2 else offset[0]

    def _recentring(self, phen_coefficients):
        centroids = self._like(self._phen_centroids, phen_coefficients)
        default = self._like(self._default_centroid, phen_coefficients)
        return phen_coefficients @ centroids - default

    def coefficients(self, values):
        """(B, P) parameter vectors -> (B, K) coefficients of the basis rows."""
        xp = _xp(values)
        local = values[:, self._local_index]
        asym = values[:, self._asym_index]
        # Bipolar sliders: the positive part drives one target, the negative part its opposite.
        # ``>= 0`` (not ``> 0``) keeps a gradient of 1 at exactly 0 (as anny does), so an
        # optimiser can move a slider away from its default; the values are the same.
        return xp.concatenate(
            [
                self.phenotype_coefficients(values[:, self._phen_index]),
                values[:, self._expr_index],
                local * (local >= 0), -local * (local < 0),
                asym * (asym >= 0), -asym * (asym < 0),
            ],
            1,
        )

    def phenotype_coefficients(self, phenotypes):
        """(B, 8) macros (spec order) -> (B, 96) coefficients of the compact phenotype basis."""
        xp = _xp(phenotypes)
        table = self._phen_table
        race = phenotypes[:, table.race_inputs]
        total = race.sum(1)[:, None]
        # all three at zero means an even mix, as in anny
        race = xp.where(total == 0, 1.0 / 3.0, race / (total + (total == 0)))
        values = phenotypes[:, table.hat_inputs].clip(0.0, 1.0)
        anchors, steps, constants = (self._like(a, phenotypes) for a in
                                     (table.hat_anchors, table.hat_steps, table.constants))
        hats = (1 - abs(values - anchors) / steps).clip(0.0, 1.0)
        # race, interpolated, constant (fixed phenotypes and the padding 1) columns
        variations = xp.concatenate([race, hats, constants + 0 * phenotypes[:, :1]], 1)
        shape_weights = variations[:, table.factors].prod(-1)  # (B, 624)
        return shape_weights @ self._like(self.asset.phen_projection, phenotypes)

    # -- constants per array library --------------------------------------------------------

    def _constants(self, xp, like):
        """(K, 3V) basis and (3, V) template, as numpy or as torch like ``like``."""
        return self._like(self.asset.basis, like), self._like(self._template_cm, like)

    def _like(self, array: np.ndarray, like):
        """``array`` itself for numpy input; a cached torch copy of ``like``'s dtype and device."""
        if isinstance(like, np.ndarray):
            return array
        key = (id(array), like.dtype, str(like.device))
        if key not in self._torch_cache:
            import torch

            self._torch_cache[key] = torch.as_tensor(np.array(array), dtype=like.dtype,
                                                     device=like.device)
        return self._torch_cache[key]

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


@dataclasses.dataclass(frozen=True)
class PhenotypeTable:
    """Precomputed indexing for ``phenotype_coefficients``.

    anny's phenotype weights: each macro is linearly interpolated between anchors (hat
    functions on ``linspace(start, 1, n)``; age starts at -1/3), the three ancestry weights are
    normalised, and each of the 624 phenotype shapes takes the product of a few of those 26
    anchor weights (``prod(weights * mask + (1 - mask))``). Here the columns are built in the
    order race, interpolated, constants (fixed phenotypes, then a padding 1), and ``factors``
    lists, per shape, the (at most 6) columns it multiplies.

    Attributes:
        race_inputs: (3,) which macros are african, asian, caucasian.
        hat_inputs, hat_anchors, hat_steps: (H,) per interpolated column: its macro, anchor, step.
        constants: (C,) weights of the fixed phenotypes, then 1.0.
        factors: (624, M) column indices per phenotype shape.
    """

    race_inputs: np.ndarray
    hat_inputs: np.ndarray
    hat_anchors: np.ndarray
    hat_steps: np.ndarray
    constants: np.ndarray
    factors: np.ndarray

    @classmethod
    def of(cls, metadata: Mapping, macro_names: list[str], mask: np.ndarray) -> "PhenotypeTable":
        counts = metadata["phenotype_anchor_variations"]
        fixed = metadata["fixed_phenotypes"]
        race_inputs = [macro_names.index(k) for k in ("african", "asian", "caucasian")]
        hat_inputs, hat_anchors, hat_steps, constants = [], [], [], []
        canonical = {}  # canonical column (anny's order) -> (kind, position)
        column = 0
        for feature in metadata["phenotype_variation_order"]:
            if feature == "race":
                for i in range(3):
                    canonical[column] = ("race", i)
                    column += 1
                continue
            n = counts[feature]
            start = _ANCHOR_START.get(feature, 0.0)
            step = (1.0 - start) / (n - 1)
            anchors = [start + i * step for i in range(n)]
            if feature in fixed:
                value = min(max(fixed[feature], start), 1.0)
                for anchor in anchors:
                    canonical[column] = ("constant", len(constants))
                    constants.append(max(0.0, 1.0 - abs(value - anchor) / step))
                    column += 1
            else:
                for anchor in anchors:
                    canonical[column] = ("hat", len(hat_inputs))
                    hat_inputs.append(macro_names.index(feature))
                    hat_anchors.append(anchor)
                    hat_steps.append(step)
                    column += 1
        constants.append(1.0)  # the padding factor
        offsets = {"race": 0, "hat": 3, "constant": 3 + len(hat_inputs)}
        position = {c: offsets[kind] + i for c, (kind, i) in canonical.items()}
        padding = offsets["constant"] + len(constants) - 1
        width = int(mask.sum(1).max())
        factors = np.full((len(mask), width), padding, np.int64)
        for row, used in enumerate(mask > 0.5):
            chosen = [position[c] for c in np.flatnonzero(used)]
            factors[row, : len(chosen)] = chosen
        as32 = lambda v: np.asarray(v, np.float32)  # noqa: E731
        return cls(np.asarray(race_inputs), np.asarray(hat_inputs), as32(hat_anchors),
                   as32(hat_steps), as32(constants), factors)


@dataclasses.dataclass(frozen=True)
class NormalTopology:
    """What ``vertex_normals`` precomputes for one triangle list.

    Attributes:
        corner_vertex: (3F,) vertex of each face corner, faces' order (torch's ``index_add``).
        face_corners: the (F,) first, second and third vertex of every face.
        corner_slots: (9F,) for coordinate-major sums: corner vertex + axis * V, axis-major.
        num_vertices: V.
    """

    corner_vertex: np.ndarray
    face_corners: tuple[np.ndarray, np.ndarray, np.ndarray]
    corner_slots: np.ndarray
    num_vertices: int

    @classmethod
    def of(cls, faces: np.ndarray, num_vertices: int) -> "NormalTopology":
        flat = faces.reshape(-1).astype(np.intp)
        corners = tuple(np.ascontiguousarray(faces[:, i], dtype=np.intp) for i in range(3))
        slots = np.concatenate([flat + axis * num_vertices for axis in range(3)])
        return cls(flat, corners, slots, num_vertices)


def vertex_normals(vertices, faces: np.ndarray, topology: NormalTopology | None = None):
    """Area-weighted unit vertex normals.

    Args:
        vertices: (V, 3) or (B, V, 3) numpy array or torch tensor.
        faces: (F, 3) int vertex indices.
        topology: ``NormalTopology.of(faces, V)``, computed here when omitted.
    Returns:
        normals of the same shape and array type; vertices on no face get (0, 0, 0).
    """
    if topology is None:
        topology = NormalTopology.of(faces, vertices.shape[-2])
    if isinstance(vertices, np.ndarray):
        if vertices.ndim == 2:
            return _vertex_normals_numpy(vertices, topology)
        flat = vertices.reshape(-1, *vertices.shape[-2:])
        return np.stack([_vertex_normals_numpy(v, topology) for v in flat]).reshape(vertices.shape)
    import torch

    a = vertices[..., faces[:, 0], :]
    b = vertices[..., faces[:, 1], :]
    c = vertices[..., faces[:, 2], :]
    u, v = b - a, c - a
    # unnormalised cross product: its length is twice the face area (the weight we want)
    face_normals = torch.stack(
        [
            u[..., 1] * v[..., 2] - u[..., 2] * v[..., 1],
            u[..., 2] * v[..., 0] - u[..., 0] * v[..., 2],
            u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0],
        ],
        -1,
    )
    corners = face_normals.repeat_interleave(3, dim=-2)  # (..., 3F, 3) in the faces' corner order
    index = torch.as_tensor(topology.corner_vertex, device=vertices.device)
    summed = torch.zeros_like(vertices).index_add(-2, index, corners)
    length = ((summed * summed).sum(-1) + 1e-30) ** 0.5
    return summed / length[..., None]


def _vertex_normals_numpy(vertices: np.ndarray, topology: NormalTopology) -> np.ndarray:
    """``vertex_normals`` for one (V, 3) numpy array."""
    return np.ascontiguousarray(
        _normals_coordinate_major(np.ascontiguousarray(vertices.T), topology).T
    )


def _normals_coordinate_major(xyz: np.ndarray, topology: NormalTopology) -> np.ndarray:
    """(3, V) vertices -> (3, V) unit normals (numpy; coordinate-major arrays keep every gather
    a fast 1-D ``take`` and the accumulation one ``bincount``)."""
    f0, f1, f2 = topology.face_corners
    a = xyz.take(f0, axis=1)
    u = xyz.take(f1, axis=1) - a
    v = xyz.take(f2, axis=1) - a
    face_normals = np.stack(
        (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
    )
    corners = np.repeat(face_normals, 3, axis=1).reshape(-1)  # (3 * 3F,), faces' corner order
    summed = np.bincount(topology.corner_slots, weights=corners,
                         minlength=3 * topology.num_vertices).reshape(3, -1)
    summed /= np.sqrt((summed * summed).sum(0)) + 1e-30
    return summed.astype(xyz.dtype)


def load_default_model(asset_path: Path | None = None) -> FaceModel:
    """The embedded CC0 head model."""
    return FaceModel(load_asset(asset_path))
