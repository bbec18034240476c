"""AlbedoGAN's research system: FLAME geometry with a StyleGAN2 UV albedo generator.

The generator maps a W latent (the same W that drives the FFHQ image generator) to a UV albedo
in FLAME's texture layout (``head_template.obj``), values in [-1, 1] -> sRGB.

Parameters: FLAME's (see ``flame_backend``) plus ``w_000`` ... one per W dimension: the
coordinates of W in its principal directions (PCA of mapped Gaussian z, centred on
``latent_avg``), in units of each direction's spread. The first ones are the sliders; all of
them together are W exactly, so sampling and text edits (which move W) are lossless:
``w = latent_avg + D @ (spread * coordinates)``.
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from faceeditor.backends.base import Backend, Params, SpecBuilder, select_device
from faceeditor.backends.flame import FlameModel, read_codes
from faceeditor.backends.flame_backend import (
    COEFFICIENT_RANGE, POSE_SPREAD, FlameGeometry, add_flame_params, codes_to_params,
)
from faceeditor.backends.stylegan2 import Generator
from faceeditor.model.mesh import FaceMesh

log = logging.getLogger(__name__)

PCA_SAMPLES = 4096
PCA_SEED = 0
W_SLIDERS = 16
SHAPE_SLIDERS = 20
#: albedo edge length while dragging on a CPU: the generator stops at this level (at 1024 px a
#: full albedo is ~74 GMAC, stopping at 128 px ~31 GMAC; see benchmarks/albedo_gan_speed.py)
PREVIEW_SIZE = 128


class WBasis:
    """Principal directions of W: ``w = mean + directions @ (spread * coordinates)``.

    Attributes:
        mean: (D,) float64, the checkpoint's ``latent_avg`` (or the mean of the samples).
        directions: (D, D) float64 orthonormal columns, by decreasing spread.
        spread: (D,) float64 standard deviation along each direction.
        extent: (D,) float64 largest |coordinate| seen in the samples (slider ranges).
    """

    def __init__(self, samples: np.ndarray, mean: np.ndarray):
        centred = samples - mean
        covariance = centred.T @ centred / len(samples)
        eigenvalues, vectors = np.linalg.eigh(covariance)
        order = np.argsort(eigenvalues)[::-1]
        self.mean = mean
        self.directions = vectors[:, order]
        self.spread = np.sqrt(np.maximum(eigenvalues[order], 1e-12))
        self.extent = np.abs(self.to_coordinates(samples)).max(0)

    def to_coordinates(self, w: np.ndarray) -> np.ndarray:
        """(..., D) W -> (..., D) coordinates."""
        return ((w - self.mean) @ self.directions) / self.spread

    def to_w(self, coordinates: np.ndarray) -> np.ndarray:
        """(..., D) coordinates -> (..., D) W."""
        return self.mean + (coordinates * self.spread) @ self.directions.T


class AlbedoGanBackend(Backend):
    """FLAME shape + StyleGAN2 albedo. ``device``: None picks CUDA when available."""

    backend_id = "albedogan"

    def __init__(self, flame: FlameModel, generator: Generator,
                 latent_avg: torch.Tensor | None = None, *, name: str = "stylegan2",
                 device: str | None = None):
        self.device = select_device(device)
        self.generator = generator.to(self.device).eval().requires_grad_(False)
        self.geometry = FlameGeometry(flame)
        self.version = f"{flame.name}+{name}"
        self.basis = self._w_basis(latent_avg)
        builder = SpecBuilder()
        add_flame_params(builder, flame)
        extent = np.maximum(np.ceil(self.basis.extent * 1.25), COEFFICIENT_RANGE)
        for i in range(generator.style_dim):
            builder.add(f"w_{i:03d}", kind="albedo", group="albedo_w", group_label="Albedo (W)",
                        label=f"Albedo direction {i + 1}", minimum=-extent[i], maximum=extent[i],
                        description=f"W principal direction {i + 1} of the albedo generator")
        self.spec = builder.build()
        self.group_labels = builder.group_labels
        self._index = {kind: self.spec.indices(kind) for kind in
                       ("shape", "expression", "pose", "albedo")}
        on_cpu = self.device.type == "cpu"
        self.preview_albedo_size = PREVIEW_SIZE if on_cpu and generator.size > PREVIEW_SIZE else None

    @torch.no_grad()
    def _w_basis(self, latent_avg: torch.Tensor | None) -> WBasis:
        generator = torch.Generator().manual_seed(PCA_SEED)
        z = torch.randn(PCA_SAMPLES, self.generator.style_dim, generator=generator)
        w = torch.cat([self.generator.mapping(chunk.to(self.device)).cpu()
                       for chunk in z.split(1024)]).double().numpy()
        mean = w.mean(0) if latent_avg is None else latent_avg.double().cpu().numpy().reshape(-1)
        return WBasis(w, mean)

    def slider_params(self):
        limits = {"shape": SHAPE_SLIDERS, "expression": SHAPE_SLIDERS, "albedo": W_SLIDERS}
        return [p for p in self.spec if p.kind not in limits
                or int(p.name.rsplit("_", 1)[1]) < limits[p.kind]]

    def latent_scale(self) -> np.ndarray:
        return np.where([p.kind == "pose" for p in self.spec], POSE_SPREAD, 1.0)

    # -- W, the albedo latent: hooks for text edits (CLIP directions act on W) ------------------

    def w_from_params(self, params: Params) -> np.ndarray:
        """(style_dim,) W of ``params``."""
        return self.basis.to_w(self.vector(params)[self._index["albedo"]])

    def with_w(self, params: Params, w: np.ndarray) -> dict[str, float]:
        """``params`` with the albedo replaced by W (style_dim,), e.g. after a text edit."""
        vector = self.vector(params)
        vector[self._index["albedo"]] = self.basis.to_coordinates(np.asarray(w, np.float64))
        return self.spec.to_dict(np.clip(vector, self.spec.minimum, self.spec.maximum))

    def latent_directions(self) -> dict[str, np.ndarray]:
        """The first W principal directions, as unit vectors of the backend latent."""
        directions = {}
        for i, index in enumerate(self._index["albedo"][:W_SLIDERS]):
            direction = np.zeros(len(self.spec))
            direction[index] = 1.0
            directions[f"albedo_pc{i + 1}"] = direction
        return directions

    @torch.no_grad()
    def albedo(self, w: np.ndarray, size: int | None = None) -> np.ndarray:
        """(style_dim,) W -> (R, R, 3) uint8 albedo; R = the generator's size, or the first
        level of at least ``size`` (the cheap preview)."""
        w_tensor = torch.as_tensor(w, dtype=torch.float32, device=self.device)[None]
        image = self.generator.synthesis(w_tensor, noise_mode="const", max_size=size)
        if size is not None and image.shape[-1] > size:
            image = torch.nn.functional.interpolate(image, size=(size, size), mode="area")
        pixels = ((image[0].permute(1, 2, 0) + 1.0) * 127.5).clamp(0, 255)
        return (pixels + 0.5).to(torch.uint8).cpu().numpy()

    # -- Backend --------------------------------------------------------------------------------

    def evaluate_mesh(self, params: Params | None = None) -> FaceMesh:
        vector = self.vector(params)
        return self.geometry.mesh(*(vector[self._index[k]] for k in ("shape", "expression",
                                                                       "pose")))

    def evaluate_albedo(self, params: Params | None = None, *, albedo_size: int | None = None
                        ) -> np.ndarray:
        return self.albedo(self.w_from_params(params), albedo_size)

    @torch.no_grad()
    def sample(self, seed: int, *, truncation: float = 1.0) -> dict[str, float]:
        """W from z ~ N(0, I) through the mapping network, truncated toward ``latent_avg`` by
        psi = ``truncation``; identity ~ N(0, psi^2); neutral expression and pose."""
        z = torch.randn(1, self.generator.style_dim, generator=torch.Generator().manual_seed(seed))
        w = self.generator.mapping(z.to(self.device))[0].double().cpu().numpy()
        w = self.basis.mean + truncation * (w - self.basis.mean)
        vector = self.spec.defaults.astype(np.float64)
        vector[self._index["albedo"]] = self.basis.to_coordinates(w)
        rng = np.random.default_rng(seed)
        vector[self._index["shape"]] = truncation * rng.standard_normal(len(self._index["shape"]))
        return self.spec.to_dict(np.clip(vector, self.spec.minimum, self.spec.maximum))

    def params_from_codes(self, source) -> dict[str, float]:
        """FLAME parameters from DECA/EMOCA/MICA code files (see ``flame.read_codes``)."""
        return codes_to_params(self.spec, read_codes(source))
