"""How fast is GLB export? 52 ARKit morphs, one level of subdivision, 2K textures (target <= 3 s).

Times the whole export as the command line runs it (generate the 2K albedo, normal and roughness
maps with ``faceeditor.albedo``; then ``export_head``: evaluate, subdivide the head and its 52
morph deltas, tangents, encode three 2048x2048 PNGs, pack and write the GLB atomically) and its
stages, against a reference in the same run: trimesh writing a GLB of the same subdivided head
without morphs or textures. Without ``faceeditor.albedo`` the maps are a smooth test pattern
with fine noise and only the export itself is timed.
Run: ``.venv/bin/python benchmarks/export_speed.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from faceeditor.cli import limit_blas_threads

limit_blas_threads()  # the setting the application runs with, before numpy loads BLAS
import numpy as np  # noqa: E402

TARGET_SECONDS = 3.0
SIZE = 2048


def timings(function, repeats: int, warmup: int = 1) -> np.ndarray:
    """(repeats,) seconds of successive calls of ``function()``."""
    for _ in range(warmup):
        function()
    result = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        function()
        result[i] = time.perf_counter() - start
    return result


def pattern_textures(size: int):
    """Test textures with the structure of a skin map: smooth colour plus fine pore noise."""
    from faceeditor.export import TextureSet

    rng = np.random.default_rng(0)
    ramp = np.linspace(0.0, 1.0, size, dtype=np.float32)
    base = np.stack([0.75 + 0.1 * ramp[None, :] + 0 * ramp[:, None],
                     0.55 + 0.1 * ramp[:, None] + 0 * ramp[None, :],
                     np.full((size, size), 0.45, np.float32)], -1)
    noise = rng.normal(0.0, 0.02, (size, size, 1)).astype(np.float32)
    albedo = np.clip((base + noise) * 255, 0, 255).astype(np.uint8)
    normal = np.empty((size, size, 3), np.uint8)
    normal[:, :, :2] = np.clip(128 + rng.normal(0, 3, (size, size, 2)), 0, 255)
    normal[:, :, 2] = 250
    roughness = np.clip(140 + 20 * noise[:, :, 0] * 50, 0, 255).astype(np.uint8)
    return TextureSet(albedo=albedo, normal=normal, roughness=roughness)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import trimesh

    from faceeditor.export import (ExportOptions, TexturesUnavailableError, export_geometry,
                                   export_head, generate_textures)
    from faceeditor.export.gltf import glb_bytes
    from faceeditor.model import load_default_model
    from faceeditor.model.prior import sample

    model = load_default_model()
    params = sample(model, 11)
    params.update(jawOpen=0.3, mouthSmileLeft=0.5)
    options = ExportOptions(format="glb", texture_size=SIZE, subdivisions=1, morphs=True)
    rows: list[tuple[str, np.ndarray]] = []
    folder = Path(tempfile.mkdtemp(prefix="faceeditor-bench-"))
    out = folder / "head.glb"
    try:
        textures = generate_textures(params, SIZE)
        source = "faceeditor.albedo"
    except TexturesUnavailableError as error:
        textures = None
        source = f"test pattern ({error})"
    if textures is not None:
        # what `faceeditor export` and the dialog do: generate the maps, then export
        complete = timings(lambda: export_head(model, params, out, options,
                                               generate_textures(params, SIZE)), args.repeats)
        rows += [("GLB export incl. generating the 2K textures", complete),
                 ("  stage: texture generation (faceeditor.albedo)",
                  timings(lambda: generate_textures(params, SIZE), args.repeats))]
    else:
        textures = pattern_textures(SIZE)
    export = timings(lambda: export_head(model, params, out, options, textures), args.repeats)
    checked = rows[0][1] if rows else export
    size_mb = out.stat().st_size / 1e6
    geometry = export_geometry(model, params, subdivisions=1)
    rows += [
        ("GLB export: 52 morphs, subdiv 1, given 2K textures", export),
        ("  stage: evaluate + subdivide + morph deltas",
         timings(lambda: export_geometry(model, params, subdivisions=1), args.repeats)),
        ("  stage: pack GLB (tangents, PNGs, buffers)",
         timings(lambda: glb_bytes(geometry, textures), args.repeats)),
        ("  stage: pack GLB without textures",
         timings(lambda: glb_bytes(geometry, None), args.repeats)),
    ]
    base = geometry.base
    reference_mesh = trimesh.Trimesh(base.vertices, base.faces, vertex_normals=base.normals,
                                     process=False)
    rows.append(("reference: trimesh GLB, same head, no morphs/tex",
                 timings(lambda: reference_mesh.export(folder / "ref.glb"), args.repeats)))

    print(f"{'what':50s} {'median s':>9s} {'min s':>8s} {'max s':>8s}")
    for name, t in rows:
        print(f"{name:50s} {np.median(t):9.3f} {t.min():8.3f} {t.max():8.3f}")
    verdict = "meets" if np.median(checked) <= TARGET_SECONDS else "MISSES"
    what = "incl. textures" if rows[0][1] is checked else "given the textures"
    print(f"GLB export ({what}) median {np.median(checked):.2f} s {verdict} the "
          f"{TARGET_SECONDS:.0f} s target; "
          f"file {size_mb:.1f} MB, {len(base.vertices)} vertices, {len(base.faces)} triangles, "
          f"{geometry.morph_count} morphs; textures: {source}; {args.repeats} runs")
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
