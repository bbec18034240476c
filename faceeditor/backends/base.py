"""The interface every head model implements, so the GUI and CLI need not know which is loaded.

A backend is a pure function of its parameters, like the default model:

* ``spec``: a ``faceeditor.model.ParameterSpec`` (names, groups, ranges) the GUI builds slider
  panels from; ``slider_params()`` is the subset worth a slider (e.g. the first 20 of FLAME's
  300 shape components); ``group_labels`` names the panels;
* ``evaluate(params, albedo_size=None) -> BackendOutput``: mesh and albedo map (or None);
  ``albedo_size`` asks for a smaller albedo while dragging (``preview_albedo_size``);
  ``evaluate_mesh`` / ``evaluate_albedo`` compute one half (``is_geometry(name)`` says which
  half a parameter change needs);
* ``sample(seed, truncation=1.0)``: a random head, the same for the same seed;
* text-edit hooks: ``encode(params) -> latent`` and ``decode(latent) -> params`` map to and
  from a standardised latent vector (unit spread per entry; edits move in it), and
  ``latent_directions()`` names directions in that latent (e.g. W-space principal directions).
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from faceeditor.model.mesh import FaceMesh
from faceeditor.model.spec import ParameterSpec, ParamSpec

Params = Mapping[str, float] | np.ndarray


@dataclasses.dataclass(frozen=True)
class BackendParam(ParamSpec):
    """A ``ParamSpec`` of a research backend: its group is the backend's own, labelled here."""

    group_label: str = ""

    def as_json(self) -> dict:
        return {
            "name": self.name, "group": self.group, "subgroup": self.subgroup,
            "group_label": self.group_label, "label": self.label, "kind": self.kind,
            "min": self.minimum, "max": self.maximum, "default": self.default,
            "mirror": self.mirror, "description": self.description,
        }


@dataclasses.dataclass(frozen=True)
class BackendOutput:
    """One evaluated head.

    Attributes:
        mesh: the geometry (``FaceMesh``: vertices, normals, faces, UVs, parts).
        albedo: (H, W, 3) uint8 sRGB texture in the mesh's UV layout, top row first (UV
            origin bottom left, as ``OffscreenRenderer.set_albedo_map`` takes it), or None.
    """

    mesh: FaceMesh
    albedo: np.ndarray | None


class SpecBuilder:
    """Collects ``BackendParam``s group by group and numbers them."""

    def __init__(self) -> None:
        self.params: list[BackendParam] = []
        self.group_labels: dict[str, str] = {}

    def add(self, name: str, *, kind: str, group: str, group_label: str, label: str,
            minimum: float, maximum: float, default: float = 0.0, description: str = "") -> None:
        self.group_labels.setdefault(group, group_label)
        self.params.append(BackendParam(
            name=name, kind=kind, group=group, label=label, minimum=float(minimum),
            maximum=float(maximum), default=float(default), index=len(self.params),
            description=description, group_label=group_label))

    def build(self) -> ParameterSpec:
        return ParameterSpec(list(self.params))


class Backend(abc.ABC):
    """A head model: parameters in, mesh and albedo out."""

    backend_id: str = ""
    version: str = ""
    spec: ParameterSpec
    group_labels: dict[str, str]
    #: albedo edge length to ask for while a slider is dragged (None: always full size)
    preview_albedo_size: int | None = None
    #: parameter kinds that move the mesh; every other kind changes only the albedo
    geometry_kinds: frozenset[str] = frozenset({"shape", "expression", "pose"})
    #: the files (or folders) the model was read from, when known (``open_model`` sets them)
    source_paths: tuple = ()

    @property
    def model_id(self) -> str:
        """The model id project files store (``faceeditor.project`` refuses other models')."""
        return self.backend_id

    def default_params(self) -> dict[str, float]:
        """Every parameter at its default."""
        return self.spec.to_dict(self.spec.defaults)

    def slider_params(self) -> list[ParamSpec]:
        """The parameters the GUI shows as sliders, in panel order (default: all)."""
        return list(self.spec.params)

    def vector(self, params: Params | None) -> np.ndarray:
        """(P,) float64 vector from a mapping (validated, clamped) or a vector."""
        if params is None or isinstance(params, Mapping):
            return self.spec.vector(params).astype(np.float64)
        vector = np.asarray(params, np.float64).reshape(-1)
        if len(vector) != len(self.spec):
            raise ValueError(f"parameter vector must have {len(self.spec)} values, got "
                             f"{len(vector)}")
        return vector

    def evaluate(self, params: Params | None = None, *, albedo_size: int | None = None
                 ) -> BackendOutput:
        """The head for ``params`` ({name: value}, missing names at their default, or a (P,)
        vector); ``albedo_size`` limits the albedo's edge length (None: full size)."""
        vector = self.vector(params)
        return BackendOutput(mesh=self.evaluate_mesh(vector),
                             albedo=self.evaluate_albedo(vector, albedo_size=albedo_size))

    @abc.abstractmethod
    def evaluate_mesh(self, params: Params | None = None) -> FaceMesh:
        """The geometry alone (changes only with ``geometry_kinds`` parameters)."""

    @abc.abstractmethod
    def evaluate_albedo(self, params: Params | None = None, *, albedo_size: int | None = None
                        ) -> np.ndarray | None:
        """The albedo alone: (R, R, 3) uint8, R <= ``albedo_size`` when given; or None."""

    def is_geometry(self, name: str) -> bool:
        """Whether parameter ``name`` moves the mesh (else it changes only the albedo)."""
        return self.spec[name].kind in self.geometry_kinds

    @abc.abstractmethod
    def sample(self, seed: int, *, truncation: float = 1.0) -> dict[str, float]:
        """A random head; the same seed gives the same head. ``truncation`` (psi) in [0, 1]
        pulls it toward the average (0 = the average head)."""

    def latent_scale(self) -> np.ndarray:
        """(P,) spread of each parameter (one latent unit)."""
        return np.ones(len(self.spec))

    def encode(self, params: Params) -> np.ndarray:
        """Parameters -> (P,) latent: (value - default) / spread."""
        return (self.vector(params) - self.spec.defaults) / self.latent_scale()

    def decode(self, latent: Any) -> dict[str, float]:
        """(P,) latent -> {name: value}, clipped to the ranges."""
        latent = np.asarray(latent, np.float64).reshape(-1)
        if len(latent) != len(self.spec):
            raise ValueError(f"latent must have {len(self.spec)} values, got {len(latent)}")
        values = self.spec.defaults + self.latent_scale() * latent
        return self.spec.to_dict(np.clip(values, self.spec.minimum, self.spec.maximum))

    def latent_directions(self) -> dict[str, np.ndarray]:
        """Named (P,) unit directions in the latent that text edits may use (default: none)."""
        return {}

    def summary(self) -> str:
        groups = ", ".join(f"{label} ({len([p for p in self.spec if p.group == g])})"
                           for g, label in self.group_labels.items())
        return f"{self.backend_id} {self.version}: {len(self.spec)} parameters: {groups}"


def select_device(preferred: str | None = None):
    """The torch device to run on: ``preferred`` if given, else CUDA when available, else CPU."""
    import torch

    if preferred is not None:
        return torch.device(preferred)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
