"""The viewport's skin texture: the GPU albedo generator and detail maps of the embedded model,
a research backend's albedo (preview size while dragging, full size from a worker thread), or
a fitted photo's texture."""

from __future__ import annotations

import logging

import moderngl
import numpy as np
from PySide6.QtCore import QThreadPool

from faceeditor.render.errors import RenderError

log = logging.getLogger(__name__)

ALBEDO_PREVIEW_SIZE = 1024


class AlbedoMixin:
    """Albedo methods of ``Viewport`` (which owns the albedo state and the
    ``albedoUnavailable`` / ``_fullAlbedoReady`` signals)."""

    def set_photo_albedo(self, image: np.ndarray | None) -> None:
        """Show an (H, W, 3) uint8 albedo (a photo projected by a fit) instead of the generated
        skin texture; ``None`` goes back to the generated one."""
        self.photo_albedo = None if image is None else np.ascontiguousarray(image)
        self._photo_dirty = True
        self._albedo_dirty = True
        self.invalidate()

    def _update_backend_albedo(self) -> None:
        """Upload the backend's albedo when the values or the wanted size changed: its preview
        size during an interactive frame of a drag, full size otherwise. A full-size albedo can
        take seconds on a CPU (StyleGAN2 at 1024 px), so it is made by a worker: until it
        arrives the preview-size albedo of the same values is shown."""
        if self._full_albedo_pending is not None:
            image, self._full_albedo_pending = self._full_albedo_pending, None
            self.renderer.set_albedo_map(image)
            self._backend_albedo_size = None
            self.albedo_status = "ready" if image is not None else "unavailable"
        dragging = self.state.interacting and not self._still
        size = self.backend.preview_albedo_size if dragging else None
        if not self._albedo_dirty and size == self._backend_albedo_size:
            return
        preview = self.backend.preview_albedo_size
        if size is None and preview is not None:
            if self._albedo_dirty or self._backend_albedo_size != preview:
                self._upload_backend_albedo(preview)
            self._albedo_dirty = False
            self._start_full_albedo()
            return
        self._albedo_dirty = False
        self._upload_backend_albedo(size)

    def _upload_backend_albedo(self, size: int | None) -> None:
        image = self.backend.evaluate_albedo(self.state.vector, albedo_size=size)
        self.renderer.set_albedo_map(image)
        self._backend_albedo_size = size
        self.albedo_status = "ready" if image is not None else "unavailable"

    def _start_full_albedo(self) -> None:
        """Ask a worker thread for the full-size albedo of the current values."""
        self._full_albedo_request += 1
        request, backend = self._full_albedo_request, self.backend
        vector = np.array(self.state.vector, copy=True)

        def work() -> None:
            try:
                image = backend.evaluate_albedo(vector, albedo_size=None)
            except Exception as error:  # noqa: BLE001 - reported, never lost in the thread
                log.error("full-size albedo failed: %s", error)
                return
            try:
                self._fullAlbedoReady.emit(request, image)
            except RuntimeError:  # the window closed while the albedo was being made
                log.debug("full-size albedo finished after its viewport was closed")

        QThreadPool.globalInstance().start(work)

    def _receive_full_albedo(self, request: int, image: object) -> None:
        """A worker's full-size albedo: shown unless the values moved on meanwhile."""
        if request != self._full_albedo_request or self._albedo_dirty:
            return
        self._full_albedo_pending = image
        self.update()

    def _start_albedo(self) -> None:
        """After the first frame (start-up shows the head first, then its skin): create the
        skin-texture generator and draw the texture."""
        if self.ctx is None or self._albedo_drawer is not None or self.backend is not None:
            return
        self.makeCurrent()
        try:
            self._albedo_drawer = self._create_albedo_drawer()
        finally:
            self.doneCurrent()
        self._albedo_dirty = self._albedo_drawer is not None
        if self._albedo_drawer is None:
            self.albedo_status = "unavailable"
        self.invalidate()

    def _create_albedo_drawer(self):
        """The GPU skin-texture generator on this context, or None (flat colours) when the
        albedo package or its assets are missing or its shader does not build here."""
        try:
            from faceeditor.albedo.gpu import GpuAlbedo

            return GpuAlbedo(size=ALBEDO_PREVIEW_SIZE, ctx=self.ctx)
        except (ImportError, RenderError, RuntimeError, OSError, moderngl.Error) as error:
            log.warning("no skin texture in the viewport: %s", error)
            self.albedoUnavailable.emit(f"Skin texture unavailable ({error}); showing flat "
                                        "colours")
            return None

    def _draw_albedo(self) -> None:
        """Redraw the skin texture for the current appearance parameters (one GPU pass)."""
        assert self._albedo_drawer is not None and self.renderer is not None
        texture = self._albedo_drawer.draw(self.state.values())
        texture.build_mipmaps()
        texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        self._albedo_texture = texture
        self.renderer.set_albedo_texture(texture)
        self._update_detail_maps()
        self.albedo_status = "ready"

    def _update_detail_maps(self) -> None:
        """Normal and material maps of the current detail parameters (pores, wrinkles), made
        again only when those change."""
        from faceeditor.albedo.layers import AlbedoAssetError
        from faceeditor.albedo.maps import DETAIL_PARAMS, material_map, normal_map

        values = self.state.values()
        key = tuple(float(values.get(name, -1.0)) for name in DETAIL_PARAMS)
        if key == self._detail_key:
            return
        try:
            self._detail_maps = (normal_map(values, ALBEDO_PREVIEW_SIZE),
                                 material_map(values, ALBEDO_PREVIEW_SIZE))
        except AlbedoAssetError as error:
            log.warning("no skin detail maps in the viewport: %s", error)
            self._detail_maps = None
        self._detail_key = key
        assert self.renderer is not None
        self.renderer.set_detail_maps(*(self._detail_maps or (None, None)))
