"""CLIP-guided editing: StyleCLIP-style global directions and optimisation.

Global directions (StyleCLIP, Patashnik et al. 2021, section 6, over our parameters instead of
StyleGAN channels): for each parameter j and each of a few faces sampled from the prior, render
the face at ``+step`` and ``-step`` of j, encode both with the CLIP image tower, and average the
normalised differences into a unit direction ``d_j``; the (P, D) table is computed once per
(model, model version, CLIP architecture, checkpoint hash, settings), with a progress callback,
and cached on disk.  Research backends (FLAME, AlbedoGAN's W) get the same directions over
their slider parameters (``backend_directions``: faces from ``backend.sample``, renders with
the backend's albedo).  At edit time ``dt`` = mean over prompt templates of
E(target) - E(neutral), normalised; relevance ``r_j = d_j . dt``; parameters with
``|r_j| >= beta`` move by ``alpha * r_j / max|r| * reach * range_j``.

Optimisation mode: a few dozen Adam steps on the parameters minimising ``1 - cos(E(render),
E(prompt))`` on ``render.differentiable`` images, plus ``lambda * |(p - p0) / range|^2`` toward
the starting face.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from faceeditor.fileio import write_atomic
from faceeditor.model.face_model import FaceModel
from faceeditor.text.clip import NEUTRAL_TEXT, ClipBackend, Progress, file_hash
from faceeditor.text.storage import cache_dir

log = logging.getLogger(__name__)

#: Bump when the way directions are computed changes (invalidates the disk cache).
DIRECTIONS_VERSION = 2


# -- global directions -------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DirectionSettings:
    """How global directions are measured.

    Attributes:
        faces: number of faces sampled from the prior (seeds 0 .. faces-1).
        step: parameter change rendered on each side, as a fraction of the range.
        view: named camera view.
        names: parameters to measure (None: every geometry parameter of the model; for a
            research backend its slider parameters but rotations, ``backend_names``).
    """

    faces: int = 4
    step: float = 0.35
    view: str = "front"
    names: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True)
class GlobalDirections:
    """(P, D) unit image-space directions ``vectors`` of the parameters ``names``."""

    names: tuple[str, ...]
    vectors: np.ndarray
    key: str


#: Parameter kinds that change the geometry (what the renders used for directions show).
GEOMETRY_KINDS = ("phenotype", "local", "asym", "expression")


#: Left out of CLIP edits: CLIP's learned associations between words and ethnicity are a
#: known bias, and "a villain" or "a gargoyle" must not change a face's ethnic traits.
EXCLUDED = ("african", "asian", "caucasian")


def geometry_names(model: FaceModel) -> tuple[str, ...]:
    """The parameters CLIP may move: those that move vertices (appearance parameters change
    textures instead), without the ``EXCLUDED`` ethnicity macros."""
    return tuple(p.name for p in model.spec
                 if p.kind in GEOMETRY_KINDS and p.name not in EXCLUDED)


def directions_key(model: FaceModel, clip: ClipBackend, settings: DirectionSettings) -> str:
    names = settings.names or geometry_names(model)
    text = json.dumps([DIRECTIONS_VERSION, model.model_id, str(model.version), clip.model_name,
                       clip.checkpoint_hash, clip.image_size, settings.faces, settings.step,
                       settings.view, list(names)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def global_directions(model: FaceModel, clip: ClipBackend,
                      settings: DirectionSettings = DirectionSettings(),
                      progress: Progress | None = None, cache: Path | None = None,
                      render_images: Callable | None = None) -> GlobalDirections:
    """The parameters' CLIP directions, from the disk cache or computed (and cached).

    Args:
        render_images: ``f(list of value dicts) -> (B, H, W, 3) float [0, 1] array``; default
            renders with the OpenGL ``OffscreenRenderer`` at the CLIP image size.
    """
    if not isinstance(model, FaceModel):  # a research backend (faceeditor.backends)
        return backend_directions(model, clip, settings, progress, cache, render_images)
    key = directions_key(model, clip, settings)
    path = (cache if cache is not None else cache_dir() / "clip") / f"directions-{key}.npz"
    names = tuple(settings.names or geometry_names(model))
    cached = _read_directions(path, names)
    if cached is not None:
        log.debug("CLIP directions from %s", path)
        return GlobalDirections(names, cached, key)
    vectors = _measure_directions(model, clip, settings, names, progress, render_images)
    _write_directions(path, names, vectors)
    return GlobalDirections(names, vectors, key)


def _measure_directions(model, clip, settings, names, progress, render_images) -> np.ndarray:
    from faceeditor.model.prior import sample  # noqa: PLC0415

    faces = [sample(model, seed) for seed in range(settings.faces)]
    own_renderer = None
    if render_images is None:
        own_renderer = _GLRenderer(model, clip.image_size, settings.view)
        render_images = own_renderer
    try:
        return _measure_rows(model.spec, faces, clip, settings, names, progress, render_images)
    finally:
        if own_renderer is not None:
            own_renderer.close()


def _measure_rows(spec, faces, clip, settings, names, progress, render_images) -> np.ndarray:
    """(len(names), D) unit directions: for each parameter, the mean normalised CLIP image
    difference between ``+step`` and ``-step`` renders of every face in ``faces``."""
    import torch  # noqa: PLC0415

    rows = []
    for done, name in enumerate(names):
        p = spec[name]
        step = settings.step * (p.maximum - p.minimum)
        batch = []
        for values in faces:
            base = values.get(name, p.default)
            hi = min(p.maximum, base + step)
            lo = max(p.minimum, hi - 2 * step)
            batch += [{**values, name: hi}, {**values, name: lo}]
        images = torch.as_tensor(np.asarray(render_images(batch), np.float32))
        with torch.no_grad():
            features = clip.encode_images(images)
        delta = torch.nn.functional.normalize(features[0::2] - features[1::2], dim=-1)
        rows.append(torch.nn.functional.normalize(delta.mean(0), dim=0).numpy())
        if progress is not None:
            progress(done + 1, len(names))
    return np.stack(rows).astype(np.float32) if rows else np.zeros((0, 0), np.float32)


# -- global directions of research backends ---------------------------------------------------

#: Backend parameter kinds CLIP leaves to the sliders: head, neck, jaw and eye rotations change
#: the picture more than any trait of the face, and would dominate every direction.
BACKEND_EXCLUDED_KINDS = ("pose",)


def backend_names(backend) -> tuple[str, ...]:
    """The parameters CLIP may move on a ``faceeditor.backends.Backend``: its slider
    parameters (AlbedoGAN's ``w_000``..., FLAME's first shape / expression / texture
    components) except rotations (``BACKEND_EXCLUDED_KINDS``)."""
    return tuple(p.name for p in backend.slider_params()
                 if p.kind not in BACKEND_EXCLUDED_KINDS)


def _model_files(backend) -> list[Path]:
    """The files a backend was read from (``source_paths``: files, or folders of them)."""
    files: list[Path] = []
    for source in getattr(backend, "source_paths", ()) or ():
        source = Path(source)
        if source.is_dir():
            files += sorted(f for f in source.iterdir() if f.is_file())
        elif source.is_file():
            files.append(source)
    return files


def model_fingerprint(backend) -> str:
    """A stable hash of the backend's model file(s); of its parameter names when it does not
    say which files it came from."""
    files = _model_files(backend)
    if files:
        content = [[f.name, file_hash(f)] for f in files]
    else:
        content = [p.name for p in backend.spec]
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()


def backend_directions_key(backend, clip: ClipBackend, settings: DirectionSettings) -> str:
    names = settings.names or backend_names(backend)
    text = json.dumps([DIRECTIONS_VERSION, "backend", backend.model_id, str(backend.version),
                       model_fingerprint(backend), clip.model_name, clip.checkpoint_hash,
                       clip.image_size, settings.faces, settings.step, settings.view,
                       list(names)])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def backend_directions(backend, clip: ClipBackend,
                       settings: DirectionSettings = DirectionSettings(),
                       progress: Progress | None = None, cache: Path | None = None,
                       render_images: Callable | None = None) -> GlobalDirections:
    """``global_directions`` for any ``faceeditor.backends.Backend``: faces from
    ``backend.sample(seed)`` (its default truncation), each slider parameter stepped and
    rendered with its albedo (``BackendImages``); cached on disk by model id, model files,
    checkpoint and settings.  The embedded model's backend keeps the embedded model's
    directions and cache."""
    from faceeditor.backends.embedded import EmbeddedBackend  # noqa: PLC0415

    if isinstance(backend, EmbeddedBackend):
        return global_directions(backend.model, clip, settings, progress, cache, render_images)
    key = backend_directions_key(backend, clip, settings)
    path = (cache if cache is not None else cache_dir() / "clip") / f"directions-{key}.npz"
    names = tuple(settings.names or backend_names(backend))
    cached = _read_directions(path, names)
    if cached is not None:
        log.debug("CLIP directions of %s from %s", backend.model_id, path)
        return GlobalDirections(names, cached, key)
    log.info("measuring CLIP directions of %d %s parameters", len(names), backend.model_id)
    faces = [backend.sample(seed) for seed in range(settings.faces)]
    own_renderer = None
    if render_images is None:
        from faceeditor.backends.images import BackendImages  # noqa: PLC0415

        own_renderer = BackendImages(backend, clip.image_size, settings.view)
        render_images = own_renderer
    try:
        vectors = _measure_rows(backend.spec, faces, clip, settings, names, progress,
                                render_images)
    finally:
        if own_renderer is not None:
            own_renderer.close()
    _write_directions(path, names, vectors)
    return GlobalDirections(names, vectors, key)


class _GLRenderer:
    """Renders value dicts with the OpenGL renderer, framed on the first face."""

    def __init__(self, model: FaceModel, size: int, view: str):
        from faceeditor.render import OffscreenRenderer  # noqa: PLC0415

        self.model, self.view = model, view
        self.renderer = OffscreenRenderer(size, size)
        self.camera = None

    def __call__(self, batch: list[dict]) -> np.ndarray:
        images = []
        for values in batch:
            mesh = self.model.evaluate(values)
            if self.camera is None:
                self.camera = self.renderer.camera_for(mesh, self.view)
            images.append(self.renderer.render(mesh, self.camera).astype(np.float32) / 255.0)
        return np.stack(images)

    def close(self) -> None:
        self.renderer.close()


def _read_directions(path: Path, names: tuple[str, ...]) -> np.ndarray | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            stored = tuple(str(n) for n in data["names"])
            vectors = data["vectors"].astype(np.float32)
    except (OSError, KeyError, ValueError):
        return None
    return vectors if stored == names and len(vectors) == len(names) else None


def _write_directions(path: Path, names: tuple[str, ...], vectors: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, names=np.array(names), vectors=vectors)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buffer.getvalue())
    except OSError as error:
        log.warning("cannot cache CLIP directions in %s: %s", path, error)


@dataclasses.dataclass(frozen=True)
class DirectionEdit:
    """Parameter changes of one CLIP direction edit: ``deltas`` by name and every relevance."""

    deltas: dict[str, float]
    relevance: dict[str, float]


def direction_edit(model: FaceModel, clip: ClipBackend, directions: GlobalDirections,
                   prompt: str, alpha: float = 1.0, beta: float = 0.1,
                   reach: float = 0.4, neutral: str = NEUTRAL_TEXT) -> DirectionEdit:
    """StyleCLIP global-direction edit: ``r = d . dt``, keep ``|r| >= beta * max|r|``, move
    each kept parameter by ``alpha * r / max|r| * reach * range``.

    ``beta`` is relative to the strongest relevance, so it means the same for every checkpoint
    (StyleCLIP's absolute threshold depends on the model's embedding statistics)."""
    dt = clip.text_direction(prompt, neutral).numpy()
    relevance = directions.vectors @ dt
    peak = float(np.max(np.abs(relevance))) if len(relevance) else 0.0
    deltas: dict[str, float] = {}
    if peak > 0:
        for name, r in zip(directions.names, relevance):
            if abs(r) >= beta * peak:
                p = model.spec[name]
                deltas[name] = float(alpha * r / peak * reach * (p.maximum - p.minimum))
    return DirectionEdit(deltas, {n: float(r) for n, r in zip(directions.names, relevance)})


# -- optimisation ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class OptimisationResult:
    """``values`` after optimising; ``similarities[i]`` is cos(E(render), E(prompt)) before
    step i (the last entry after the last step)."""

    values: dict[str, float]
    similarities: list[float]


def optimise(model: FaceModel, clip: ClipBackend, prompt: str, values: dict[str, float],
             steps: int = 30, learning_rate: float = 0.03, regulariser: float = 0.5,
             names: Sequence[str] | None = None, size: int | None = None,
             view: str = "front") -> OptimisationResult:
    """Adam on the parameters ``names`` (default: every geometry parameter)
    minimising ``1 - cos(E(render), E(template(prompt)))`` plus ``regulariser`` times the
    squared range-normalised distance to the start; values stay inside their ranges."""
    import torch  # noqa: PLC0415

    from faceeditor.render import differentiable  # noqa: PLC0415
    from faceeditor.render.camera import Camera  # noqa: PLC0415

    spec = model.spec
    size = size or clip.image_size
    start = torch.as_tensor(spec.vector(values), dtype=torch.float32)
    chosen = [spec[n].index for n in (names or geometry_names(model))]
    lower = torch.as_tensor(spec.minimum)
    upper = torch.as_tensor(spec.maximum)
    span = (upper - lower).clamp_min(1e-6)
    mask = torch.zeros(len(spec))
    mask[chosen] = 1.0
    # (the model keeps a gradient at 0 on its bipolar sliders, so defaults can move)
    offset = torch.zeros(len(spec), requires_grad=True)
    target = torch.nn.functional.normalize(clip.template_mean(prompt), dim=0)
    camera = Camera.framing(view, model.evaluate(start.numpy()).vertices, aspect=1.0)
    optimiser = torch.optim.Adam([offset], lr=learning_rate)
    similarities: list[float] = []

    def similarity_and_loss():
        vector = torch.clamp(start + offset * mask * span, lower, upper)
        image = differentiable.render(model.evaluate(vector), camera, size, size)
        similarity = clip.encode_images(image[None])[0] @ target
        loss = 1.0 - similarity + regulariser * ((vector - start) / span).pow(2).sum()
        return similarity, loss

    for _ in range(steps):
        optimiser.zero_grad()
        similarity, loss = similarity_and_loss()
        similarities.append(float(similarity.detach()))
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        similarity, _ = similarity_and_loss()
        similarities.append(float(similarity))
        final = torch.clamp(start + offset * mask * span, lower, upper).numpy()
    return OptimisationResult(spec.to_dict(final), similarities)
