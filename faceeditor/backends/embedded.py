"""The embedded head model as a ``Backend``: the default that research backends stand beside.

Geometry is ``FaceModel.evaluate``; the albedo is ``faceeditor.albedo``'s procedural texture
(from the model's own appearance parameters); the latent is the prior's standardised ``z``
(``faceeditor.model.prior``), so ``encode``/``decode`` are the prior's own mapping.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from faceeditor.backends.base import Backend, Params
from faceeditor.model import prior
from faceeditor.model.face_model import FaceModel, load_default_model
from faceeditor.model.mesh import FaceMesh
from faceeditor.model.spec import GROUP_LABELS

#: albedo edge length of a full evaluation, and while a slider is dragged
FULL_ALBEDO_SIZE = 2048
PREVIEW_ALBEDO_SIZE = 512


class EmbeddedBackend(Backend):
    """``FaceModel`` behind the backend interface (parameters and names unchanged)."""

    backend_id = "embedded"
    preview_albedo_size = PREVIEW_ALBEDO_SIZE
    geometry_kinds = frozenset({"phenotype", "local", "asym", "expression"})

    def __init__(self, model: FaceModel | None = None):
        self.model = model if model is not None else load_default_model()
        self.spec = self.model.spec
        self.version = f"{self.model.model_id} {self.model.version}"
        self.group_labels = {p.group: GROUP_LABELS.get(p.group, p.group) for p in self.spec}

    @property
    def model_id(self) -> str:
        return self.model.model_id

    def _as_dict(self, params: Params | None) -> dict[str, float]:
        return self.spec.to_dict(self.vector(params))

    def evaluate_mesh(self, params: Params | None = None) -> FaceMesh:
        return self.model.evaluate(self.vector(params).astype(np.float32))

    def evaluate_albedo(self, params: Params | None = None, *, albedo_size: int | None = None
                        ) -> np.ndarray | None:
        return _albedo(self._as_dict(params), albedo_size or FULL_ALBEDO_SIZE)

    def sample(self, seed: int, *, truncation: float = 1.0) -> dict[str, float]:
        """``prior.sample``, pulled toward the average head by ``truncation`` in latent z."""
        params = prior.sample(self.model, seed)
        if truncation == 1.0:
            return params
        return prior.latent_to_params(self.model,
                                      truncation * prior.params_to_latent(self.model, params))

    def latent_scale(self) -> np.ndarray:
        return prior.latent_scales(self.model)[1]

    def encode(self, params: Params) -> np.ndarray:
        return prior.params_to_latent(self.model, self._as_dict(params))

    def decode(self, latent: Any) -> dict[str, float]:
        return prior.latent_to_params(self.model, latent)


def _albedo(values: dict[str, float], size: int) -> np.ndarray | None:
    """The procedural albedo, or None while ``faceeditor.albedo`` is not installed."""
    try:
        from faceeditor.albedo.generator import albedo
    except ImportError:
        return None
    return albedo(values, size=size)
