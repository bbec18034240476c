"""Carry a scan's own colour (its base-colour texture, or per-vertex colours) into the head's UV
layout after a scan fit.

1. texels: every skin texel of the fitted head (``texture.skin_texels``: triangle and barycentric
   weights per texel, drawn in UV space) gives a 3D point and normal on the fitted head;
2. closest scan point: the scan, moved into the model's frame by the fit's transform, is
   searched for the closest surface point of each texel point (``register.ScanSurface.locate``:
   KD-tree, then exact closest points on the nearby triangles);
3. colour: the scan's UV there (barycentric over the triangle's corners) samples the scan's
   texture bilinearly; per-vertex colours are interpolated the same way. Colours are linear
   from here on (the texture is sRGB, as the photo is in ``texture.photo_texture``);
4. which texels: a texel takes the scan's colour when its closest point is within
   ``FULL_DISTANCE`` (fading out until ``MAX_DISTANCE``), faces the same way as the head's skin
   and lies inside the scan's surface, not on the border of a hole (the offset to it is along the
   scan's normal, not sliding sideways onto an edge); triangles without UVs are holes too;
5. skin tone: ``skin_melanin`` and ``skin_hemoglobin`` are fitted to the scan's face skin
   (``skin.skin_tone_of``, as a photo's are), so what stays procedural (holes, the back of a
   face-only scan) has the scan's colour too; with ``--texture procedural`` only this is kept;
6. blend: into the fitted procedural albedo with the photo path's feathered mask
   (``texture.feather``). Our own UV seams are not borders: texels off the skin islands do not
   shrink the mask, so a fully textured scan shows no procedural strip along our seams. Unlike
   the photo path the scan's low frequencies are kept (a scan's texture is its skin colour,
   not a photo under unknown light).

    params, texture, stats = carry_colour(model, fitted_params, params, scan, transform, 1024)
    # = sample_on_head (steps 1-4), skin_tone (5), scan_texture (6)
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from faceeditor.fit.meshio import ScanMesh
from faceeditor.fit.register import MIN_NORMAL_DOT, ScanSurface
from faceeditor.fit.solver import MM
from faceeditor.fit.texture import (bilinear, feather, linear_to_srgb, procedural_linear,
                                    skin_texels, srgb_to_linear)
from faceeditor.model.face_model import FaceModel

log = logging.getLogger(__name__)

#: Millimetres from the fitted skin to the scan: full weight within ``FULL_DISTANCE``, none
#: beyond ``MAX_DISTANCE``.
FULL_DISTANCE = 1.5
MAX_DISTANCE = 3.0
#: Millimetres the closest point may lie off the texel's normal line: more means it is on the
#: border of a hole in the scan (the closest point slid sideways onto an edge).
MAX_SLIDE = 1.0


#: Texture edge used only to measure the scan's skin tone (``--texture procedural``).
TONE_SIZE = 128


@dataclasses.dataclass(frozen=True)
class HeadSamples:
    """The scan's colour on every skin texel of the fitted head.

    Attributes:
        texel: (S, S) bool, the skin texels of our layout.
        points: (N, 3) their points on the fitted head (millimetres, the model's frame).
        colours: (N, 3) linear RGB of the scan there.
        weights: (N,) how much the scan is trusted there, in [0, 1] (0: far, a hole, no UVs).
    """

    texel: np.ndarray
    points: np.ndarray
    colours: np.ndarray
    weights: np.ndarray


def has_colour(scan: ScanMesh) -> bool:
    """Whether ``scan`` has a texture with UVs or per-vertex colours."""
    return (scan.texture is not None and scan.uvs is not None) or scan.colors is not None


def sample_on_head(model: FaceModel, fitted_params: dict[str, float], scan: ScanMesh,
                   transform: np.ndarray, size: int) -> HeadSamples:
    """Steps 1-4: the scan's colour at every skin texel of the head fitted with
    ``fitted_params`` (the scan's expression); ``transform``: (4, 4) scan -> model frame
    (metres), as ``scan.fit_scan`` returns it."""
    texel, points, normals = skin_texels(model.evaluate(fitted_params), size)
    points = points * MM
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    surface = ScanSurface.build((scan.vertices @ transform[:3, :3].T + transform[:3, 3]) * MM,
                                scan.faces)
    return HeadSamples(texel, points, *sample_scan(scan, surface, points, normals))


def skin_tone(samples: HeadSamples) -> dict[str, float]:
    """``skin_melanin`` and ``skin_hemoglobin`` of the scan's face skin: the median of the
    trusted face texels (front of the head), the darkest and brightest quarters dropped (brows,
    lips, stray hair, highlights), taken as the albedo itself (exposure 1)."""
    from faceeditor.fit.skin import skin_tone_of

    points = samples.points
    front = (points[:, 2] > np.quantile(points[:, 2], 0.6)) & (np.abs(points[:, 0]) < 65.0)
    colours = samples.colours[front & (samples.weights > 0.5)]
    if len(colours) < 50:
        colours = samples.colours[samples.weights > 0.5]
    if len(colours) < 50:
        return {}
    luminance = colours @ [0.2126, 0.7152, 0.0722]
    low, high = np.percentile(luminance, [25, 75])
    return skin_tone_of(np.median(colours[(luminance >= low) & (luminance <= high)], axis=0),
                        exposure=1.0)


def scan_texture(samples: HeadSamples, params: dict[str, float]
                 ) -> tuple[np.ndarray, dict[str, float]]:
    """Step 6: ((S, S, 3) uint8 sRGB albedo, stats): ``samples`` blended into the procedural
    albedo of ``params``."""
    texel = samples.texel
    size = texel.shape[0]
    base = procedural_linear(params, size)
    sampled = base.copy()
    # texels the scan does not reach keep the procedural colour, whatever the mask's blur says
    sampled[texel] = np.where(samples.weights[:, None] > 0, samples.colours, base[texel])
    mask = np.ones((size, size))  # off the skin islands: no border to feather from
    mask[texel] = samples.weights
    alpha = feather(mask, size)
    alpha[~texel] = 0.0
    result = sampled * alpha[..., None] + base * (1.0 - alpha[..., None])
    stats = {"scan_texture_percent": 100.0 * float((alpha[texel] > 0.5).mean())}
    log.info("scan texture: %.0f%% of the skin texels from the scan",
             stats["scan_texture_percent"])
    return np.round(linear_to_srgb(result) * 255.0).astype(np.uint8), stats


def carry_colour(model: FaceModel, fitted_params: dict[str, float], params: dict[str, float],
                 scan: ScanMesh, transform: np.ndarray, size: int | None, name: str = "scan"
                 ) -> tuple[dict[str, float], np.ndarray | None, dict[str, float]]:
    """(``params`` with the scan's skin tone, (size, size, 3) uint8 albedo or None, stats):
    the whole recipe; ``size`` None measures the skin tone only (``--texture procedural``)."""
    started = time.perf_counter()
    samples = sample_on_head(model, fitted_params, scan, transform, size or TONE_SIZE)
    params = params | skin_tone(samples)
    texture, stats = None, {}
    if size is not None:
        texture, stats = scan_texture(samples, params)
        if stats["scan_texture_percent"] < 1.0:
            log.warning("%s: the scan's colour reaches almost none of the head's skin; the head "
                        "keeps its procedural skin texture", name)
            texture = None
    stats["texture_seconds"] = time.perf_counter() - started
    return params, texture, stats


def sample_scan(scan: ScanMesh, surface: ScanSurface, points: np.ndarray, normals: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """((N, 3) linear colours, (N,) weights in [0, 1]) of the scan's surface closest to
    ``points`` ((N, 3) millimetres in ``surface``'s frame, unit ``normals`` of the head there).
    """
    triangles, bary, distance = surface.locate(points)
    corners = surface.faces[triangles]
    closest = np.einsum("nk,nkc->nc", bary, surface.vertices[corners])
    scan_normal = np.einsum("nk,nkc->nc", bary, surface.normals[corners])
    scan_normal /= np.maximum(np.linalg.norm(scan_normal, axis=1, keepdims=True), 1e-12)
    a, b, c = (surface.vertices[corners[:, k]] for k in range(3))
    face_normal = np.cross(b - a, c - a)
    face_normal /= np.maximum(np.linalg.norm(face_normal, axis=1, keepdims=True), 1e-12)
    along = ((points - closest) * face_normal).sum(1)  # all of it inside a triangle
    slide = np.sqrt(np.maximum(distance ** 2 - along ** 2, 0.0))
    weight = np.clip((MAX_DISTANCE - distance) / (MAX_DISTANCE - FULL_DISTANCE), 0.0, 1.0)
    weight *= (slide <= MAX_SLIDE) & ((scan_normal * normals).sum(1) > MIN_NORMAL_DOT)
    if scan.texture is not None and scan.uvs is not None:
        uv_corners = scan.face_uvs[triangles]
        weight *= (uv_corners >= 0).all(1)
        uv = np.einsum("nk,nkc->nc", bary, scan.uvs[np.maximum(uv_corners, 0)])
        outside = (uv < 0.0) | (uv > 1.0)
        uv = np.where(outside, uv - np.floor(uv), uv)  # glTF's default sampler repeats
        height, width = scan.texture.shape[:2]
        colour = bilinear(scan.texture, uv[:, 0] * width, (1.0 - uv[:, 1]) * height,
                          srgb_to_linear(np.arange(256) / 255.0))  # interpolated in linear
    else:
        colour = np.einsum("nk,nkc->nc", bary, srgb_to_linear(scan.colors[scan.faces[triangles]]))
    return colour, weight
