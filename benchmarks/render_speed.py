"""Renderer speed against the budgets of issue 14, on whatever OpenGL the machine has (Mesa
llvmpipe without a GPU). Run: ``python benchmarks/render_speed.py``.

Rows (median of repeats, wall seconds and process CPU seconds; llvmpipe draws on every core,
so CPU seconds show the work when other processes compete for the cores):

* ``render 1024 normal``: what ``faceeditor render --size 1024`` does after loading the model:
  textures, evaluate, renderer, subdivision, occlusion bake, shadow map, draw, read, PNG.
* ``still frame 1280x800``: the viewport's still frame for a new shape (subdivision, occlusion
  bake, shadow map, 4x multisampled draw, read back) and for a new view of the same shape.
* ``draft frame 1280x800``: the draft quality without multisampling.
* ``interactive frame``: what the viewport draws while a slider or the camera moves (the cheaper
  shader, no per-shape shading inputs), at full size and at half size a side (the viewport's
  dynamic resolution stretches it over the window).
* reference: the same draft frame in the albedo view mode (same shader, output unlit), to tell a
  slow machine from a slow renderer.
"""

from __future__ import annotations

import tempfile
import statistics
import time
from pathlib import Path

import moderngl
import numpy as np

from faceeditor.model import load_default_model
from faceeditor.render import OffscreenRenderer
from faceeditor.render.camera import OrbitCamera
from faceeditor.render.contact_sheet import save_png
from faceeditor.render.quality import INTERACTIVE
from faceeditor.render.still import TEXTURE_SIZES, head_textures, render_still

BUDGETS = {"render 1024 normal": 2.0, "still frame 1280x800 (new shape)": 0.25,
           "still frame 1280x800 (new view)": 0.25, "interactive frame 640x400": 0.033}


def timed(fn, repeats: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    model = load_default_model()
    params = model.default_params()
    rows: dict[str, tuple[float, float]] = {}
    head_textures(params, 1024)  # warm the pore patterns and layers once

    def render_command() -> None:
        textures = head_textures(params, TEXTURE_SIZES["normal"])
        image = render_still(model.evaluate(params), textures, 1024, "front", "normal")
        save_png(Path(tempfile.gettempdir()) / "faceeditor_render_speed.png", image)

    rows["render 1024 normal"] = timed(render_command, 3)

    textures = head_textures(params, 1024)
    ctx = moderngl.create_standalone_context(backend="egl")
    with ctx:
        with OffscreenRenderer(1280, 800, samples=4, ctx=ctx, quality="normal") as renderer:
            renderer.set_albedo_map(textures.albedo)
            renderer.set_detail_maps(textures.normal, textures.material)
            mesh = model.evaluate(params)
            orbit = OrbitCamera.framing("front", mesh.vertices, aspect=1.6)
            renderer.render(mesh, orbit.camera())
            rows["still frame 1280x800 (new shape)"] = timed(
                lambda: renderer.render(model.evaluate(params), orbit.camera()), 5)
            angles = iter(np.linspace(5, 60, 20))
            rows["still frame 1280x800 (new view)"] = timed(
                lambda: renderer.render(mesh, orbit.orbited(next(angles), 0).camera()), 5)
        with OffscreenRenderer(1280, 800, samples=0, ctx=ctx, quality="draft") as renderer:
            renderer.set_albedo_map(textures.albedo)
            renderer.set_detail_maps(textures.normal, textures.material)
            renderer.render(mesh, orbit.camera())
            rows["draft frame 1280x800"] = timed(
                lambda: renderer.render(model.evaluate(params), orbit.camera()), 7)
            renderer.quality = INTERACTIVE
            rows["interactive frame 1280x800"] = timed(
                lambda: renderer.render(model.evaluate(params), orbit.camera()), 7)
            renderer.quality = "draft"
            renderer.set_view_mode("albedo")
            rows["reference: unlit albedo frame"] = timed(
                lambda: renderer.render(model.evaluate(params), orbit.camera()), 7)
        with OffscreenRenderer(640, 400, samples=0, ctx=ctx, quality=INTERACTIVE) as renderer:
            renderer.set_albedo_map(textures.albedo)
            renderer.render(mesh, orbit.camera())
            rows["interactive frame 640x400"] = timed(
                lambda: renderer.render(model.evaluate(params), orbit.camera()), 7)
    ctx.release()

    print(f"{'case':<36} {'wall (s)':>9} {'cpu (s)':>8} {'budget (s)':>11}  verdict")
    for name, (wall, cpu) in rows.items():
        budget = BUDGETS.get(name)
        verdict = "" if budget is None else ("ok" if wall <= budget else "OVER")
        shown = "" if budget is None else f"{budget:.3f}"
        print(f"{name:<36} {wall:>9.3f} {cpu:>8.3f} {shown:>11}  {verdict}")


if __name__ == "__main__":
    main()
