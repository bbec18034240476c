"""Build resources/fit/mediapipe468.npz: where MediaPipe's 468 face-mesh landmarks lie on our head.

How (reproducible, offline, a few seconds):

1. render the average head (``model.default_params()``, its procedural albedo) with the app's
   OpenGL renderer from a few views around the front (yaw -20..20 degrees, pitch -10..10);
2. run the vendored detector and face mesh (``faceeditor.detect``) on each render;
3. back-project every landmark through a triangle-id buffer of the same camera
   (``render.differentiable.rasterize``): pixel -> triangle -> barycentric -> 3D point;
4. per landmark, the coordinate-wise median of its 3D points over the views, bound to the
   nearest skin triangle (``SurfacePoints.closest``);
5. ``reliability`` per landmark from how much the views disagree (1 = every view agrees to
   within a millimetre, down to 0.2); ``contour`` marks the face-oval landmarks, which sit on
   the silhouette of a turned head rather than at one place on the skin.

The file holds ``triangles`` (468,) and ``weights`` (468, 3) (``SurfacePoints.load`` reads it),
``reliability`` (468,), ``contour`` (468,) bool and ``contour_order`` (36,): the face oval as a
closed loop (from resources/detect/face_mesh_regions.json). Barycentric weights are rounded to 1e-4, so
small rendering differences between machines do not change the file.

    python packaging/build_fit_landmarks.py [--check] [--preview out.png]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "fit" / "mediapipe468.npz"
REGIONS = ROOT / "resources" / "detect" / "face_mesh_regions.json"
SIZE = 768
VIEWS = [(yaw, pitch) for pitch in (-10.0, 0.0, 10.0) for yaw in (-20.0, -10.0, 0.0, 10.0, 20.0)]


def view_camera(mesh, yaw: float, pitch: float):
    """A camera looking at the face from ``yaw``/``pitch`` degrees, the face filling the frame."""
    from faceeditor.render.camera import Camera

    vertices = np.asarray(mesh.vertices, np.float64)
    face = vertices[vertices[:, 2] > np.percentile(vertices[:, 2], 60)]
    front = Camera.framing("front", face, margin=1.6)
    centre = np.asarray(front.target)
    distance = float(np.linalg.norm(np.subtract(front.eye, centre)))
    a, b = math.radians(yaw), math.radians(pitch)
    direction = np.array([math.sin(a) * math.cos(b), math.sin(b), math.cos(a) * math.cos(b)])
    eye = centre + distance * direction
    return Camera(eye=tuple(map(float, eye)), target=front.target, fov_y=front.fov_y,
                  near=front.near, far=front.far)


def back_project(mesh, camera, pixels: np.ndarray) -> np.ndarray:
    """(N, 2) pixel positions -> (N, 3) surface points (NaN where no triangle is seen)."""
    import torch

    from faceeditor.render.differentiable import barycentric, project, rasterize

    vertices = torch.as_tensor(np.asarray(mesh.vertices, np.float32))
    raster = rasterize(project(vertices, camera, SIZE, SIZE), mesh.faces, SIZE, SIZE)
    screen = project(vertices.double(), camera, SIZE, SIZE)
    face_of_pixel = np.full(SIZE * SIZE, -1, np.int64)
    face_of_pixel[raster.pixels.numpy()] = raster.faces.numpy()
    out = np.full((len(pixels), 3), np.nan)
    columns = np.clip(np.floor(pixels[:, 0]).astype(int), 0, SIZE - 1)
    rows = np.clip(np.floor(pixels[:, 1]).astype(int), 0, SIZE - 1)
    triangles = face_of_pixel[rows * SIZE + columns]
    hit = triangles >= 0
    corners = torch.as_tensor(mesh.faces[triangles[hit]].astype(np.int64))
    weights = barycentric(screen[corners][:, :, :2],
                          torch.as_tensor(pixels[hit], dtype=torch.float64)).numpy()
    weights = np.clip(weights, 0.0, None)
    weights /= weights.sum(1, keepdims=True)
    out[hit] = (weights[:, :, None] * np.asarray(mesh.vertices, np.float64)[
        mesh.faces[triangles[hit]]]).sum(1)
    return out


def build(preview: Path | None = None) -> dict[str, np.ndarray]:
    from faceeditor.detect import detect_faces, draw_landmarks, face_landmarks
    from faceeditor.export.textures import skin_albedo
    from faceeditor.model import load_default_model
    from faceeditor.model.surface import SurfacePoints
    from faceeditor.render import OffscreenRenderer, save_png

    model = load_default_model()
    params = model.default_params()
    mesh = model.evaluate(params)
    hits = []
    with OffscreenRenderer(SIZE, SIZE) as renderer:
        albedo = skin_albedo(params, 1024)
        if albedo is not None:
            renderer.set_albedo_map(albedo)
        for yaw, pitch in VIEWS:
            camera = view_camera(mesh, yaw, pitch)
            image = renderer.render(mesh, camera)
            faces = detect_faces(image)
            if not faces:
                print(f"view yaw={yaw} pitch={pitch}: no face found", file=sys.stderr)
                continue
            landmarks = face_landmarks(image, faces[0])
            hits.append(back_project(mesh, camera, landmarks[:, :2].astype(np.float64)))
            if preview is not None and yaw == 0.0 and pitch == 0.0:
                save_png(preview, draw_landmarks(image, landmarks))
    if len(hits) < 3:
        raise SystemExit("the detector found the average head in fewer than 3 views")
    stack = np.stack(hits)  # (views, 468, 3)
    centre = np.nanmedian(stack, axis=0)
    spread = np.nanmedian(np.linalg.norm(stack - centre, axis=2), axis=0) * 1000.0  # mm
    seen = np.isfinite(stack[:, :, 0]).sum(0)
    if (seen == 0).any():
        raise SystemExit(f"landmarks {np.flatnonzero(seen == 0)[:10]} were never on the head")
    skin = mesh.part_faces("skin")
    points = SurfacePoints.closest(centre, mesh.vertices, mesh.faces, candidates=skin)
    weights = np.round(points.weights, 4)
    weights[:, 0] = 1.0 - weights[:, 1:].sum(1)
    reliability = np.clip(1.0 / (1.0 + (spread / 1.5) ** 2), 0.2, 1.0) * (seen / len(hits))
    oval = np.asarray(json.loads(REGIONS.read_text())["face_oval"], np.int64)
    contour = np.zeros(len(centre), bool)
    contour[oval] = True
    print(f"{len(hits)} views; spread median {np.median(spread):.2f} mm, "
          f"90% {np.percentile(spread, 90):.2f} mm; reliability mean {reliability.mean():.2f}")
    return {"triangles": points.triangles, "weights": weights,
            "reliability": np.round(reliability, 3), "contour": contour,
            "contour_order": oval}


def encode(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed file instead of writing it")
    parser.add_argument("--preview", type=Path, help="write the frontal render with landmarks")
    args = parser.parse_args()
    arrays = build(args.preview)
    if args.check:
        with np.load(OUT) as old:
            moved = {k: float(np.abs(old[k].astype(float) - arrays[k].astype(float)).max())
                     for k in arrays}
        print("largest differences to the committed file:", moved)
        return 0 if moved["triangles"] == 0 and moved["weights"] < 1e-3 else 1
    from faceeditor.fileio import write_atomic

    OUT.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(OUT, encode(arrays))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
