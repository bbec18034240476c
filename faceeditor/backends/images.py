"""Pictures of a backend's heads with their albedo, for CLIP text edits.

``faceeditor.text.clip_edit.global_directions`` measures each parameter's CLIP direction from
renders of parameter changes; its ``render_images`` argument takes a callable like
``BackendImages(backend, size)``, which renders meshes *with* the backend's albedo so that
albedo parameters (e.g. AlbedoGAN's W directions) get image-space directions too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from faceeditor.backends.base import Backend


class BackendImages:
    """``images = BackendImages(backend, 224)(list of {name: value})`` -> (B, H, W, 3) float32
    sRGB in [0, 1]; one OpenGL renderer (on ``ctx``, or its own headless context), the camera
    framed on the first head. ``albedo_size`` defaults to the backend's preview size (the
    albedo only needs the CLIP resolution)."""

    def __init__(self, backend: Backend, size: int, view: str = "front",
                 albedo_size: int | None = None, ctx=None):
        from faceeditor.render import OffscreenRenderer

        self.backend, self.view = backend, view
        self.albedo_size = albedo_size if albedo_size is not None else backend.preview_albedo_size
        self.renderer = OffscreenRenderer(size, size, ctx=ctx)
        self.camera = None

    def __call__(self, batch: Sequence[Mapping[str, float]]) -> np.ndarray:
        images = []
        for values in batch:
            output = self.backend.evaluate(values, albedo_size=self.albedo_size)
            if self.camera is None:
                self.camera = self.renderer.camera_for(output.mesh, self.view)
            self.renderer.set_albedo_map(output.albedo)
            images.append(self.renderer.render(output.mesh, self.camera).astype(np.float32) / 255)
        return np.stack(images)

    def close(self) -> None:
        self.renderer.close()

    def __enter__(self) -> BackendImages:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
