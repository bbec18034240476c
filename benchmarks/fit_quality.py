"""How well does fitting recover a head? Synthetic photos and scans of known heads, and the real
astronaut photo, printed as tables next to the average head (no fit) as the reference.

* photo round trip: heads sampled from the prior with a random expression, rendered by the
  app's renderer at yaw -40..40 degrees, run through the real detector and fitted; errors are
  NoW-style scan-to-mesh distances (mm) of the true face vertices to the
  fitted surface after similarity alignment, mean absolute expression error, and yaw error;
* scan round trip: the same heads as meshes in millimetres, Z up, with 0.2 mm noise and 5% of
  the triangles missing;
* astronaut (skimage, public domain): landmark reprojection error in % of the eye distance and
  a preview PNG (out/fit_astronaut.png) to look at.

Run: ``.venv/bin/python benchmarks/fit_quality.py [--heads N] [--size PIXELS] [--only PART]``
(PART: photo, scan or astronaut; all three by default).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from faceeditor.cli import limit_blas_threads

limit_blas_threads()
import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "out"
EXPRESSIONS = ("mouthSmileLeft", "mouthSmileRight", "jawOpen", "browInnerUp", "eyeBlinkLeft",
               "mouthFunnel", "cheekPuff", "browDownRight")


def aligned_error(fitted, truth, face: np.ndarray) -> np.ndarray:
    """NoW-style scan-to-mesh error (mm): the true face vertices' distances to the fitted
    mesh's surface, after the similarity that best aligns the fitted face vertices to the true
    ones."""
    from faceeditor.detect.pose import align_similarity as similarity
    from faceeditor.fit.scan import surface_distance

    a = np.asarray(fitted.vertices, np.float64)
    b = np.asarray(truth.vertices, np.float64)
    scale, rotation, shift = similarity(a[face], b[face])
    moved = a @ (scale * rotation).T + shift
    skin = fitted.faces[fitted.face_parts == 0]
    return surface_distance(b[face], moved, skin) * 1000.0


def synthetic_heads(model, count: int, seed: int = 0):
    from faceeditor.model.prior import sample

    rng = np.random.default_rng(seed)
    for i in range(count):
        params = sample(model, 1000 + i)
        for name in rng.choice(EXPRESSIONS, 2, replace=False):
            params[name] = float(rng.uniform(0.2, 0.8))
        yield params, float(rng.uniform(-40, 40))


def render(model, params, yaw: float, size: int):
    from faceeditor.export.textures import skin_albedo
    from faceeditor.fit.camera import HeadPose, PhotoCamera
    from faceeditor.fit.preview import render_in_photo

    camera = PhotoCamera(size, size, 2.2 * size)
    pose = HeadPose(np.array([0.0, math.radians(yaw), 0.0]), np.array([0.0, 0.03, -0.75]))
    image, covered = render_in_photo(model.evaluate(params), pose, camera,
                                     skin_albedo(params, 512))
    return np.where(covered[..., None], image, np.uint8(110))


def table(title: str, rows: list[tuple[str, list[float]]], unit: str) -> None:
    print(f"\n{title}")
    print(f"{'':34s} {'median':>9s} {'mean':>9s} {'p90':>9s}  ({unit})")
    for name, values in rows:
        v = np.asarray(values, float)
        print(f"{name:34s} {np.median(v):9.2f} {v.mean():9.2f} {np.percentile(v, 90):9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heads", type=int, default=20)
    parser.add_argument("--size", type=int, default=512, help="synthetic photo size")
    parser.add_argument("--only", choices=("photo", "scan", "astronaut"),
                        help="run one part only")
    parser.add_argument("--no-shape-shading", action="store_true",
                        help="photo fits without the shading refinement of the shape")
    parser.add_argument("--no-rerender", action="store_true",
                        help="photo fits without the re-render stage (fit.rerender)")
    args = parser.parse_args()
    parts = {args.only} if args.only else {"photo", "scan", "astronaut"}

    from faceeditor.fit.meshio import ScanMesh
    from faceeditor.fit.pipeline import FitOptions, NoFaceError, fit_photo
    from faceeditor.fit.scan import face_vertices, fit_scan
    from faceeditor.model import load_default_model

    model = load_default_model()
    mean_mesh = model.evaluate()
    face = face_vertices(mean_mesh)
    expression_names = [p.name for p in model.spec.of_kind("expression")]
    photo = {"fit": [], "mean": [], "expr": [], "expr_mean": [], "yaw": [], "s": [], "cpu": [],
             "skin": [], "skin_colour": [], "skin_mean": []}
    scan = {"fit": [], "mean": [], "s": []}
    missed = 0
    for index, (params, yaw) in enumerate(synthetic_heads(model, args.heads)):
        truth = model.evaluate(params)
        if "photo" in parts:
            image = render(model, params, yaw, args.size)
            started, cpu = time.perf_counter(), time.process_time()
            try:
                result = fit_photo(model, image, FitOptions(
                    texture="photo", texture_size=1024, refine_shape=not args.no_shape_shading,
                    rerender=not args.no_rerender))
            except NoFaceError:
                missed += 1
                result = None
            if result is not None:
                photo["s"].append(time.perf_counter() - started)
                photo["cpu"].append(time.process_time() - cpu)
                skin_errors(photo, image, params, result.params)
                fitted = model.evaluate(result.params)
                photo["fit"].append(np.median(aligned_error(fitted, truth, face)))
                photo["mean"].append(np.median(aligned_error(mean_mesh, truth, face)))
                photo["expr"].append(np.mean([abs(result.params[n] - params[n])
                                              for n in expression_names]))
                photo["expr_mean"].append(np.mean([params[n] for n in expression_names]))
                yaw_fit = result.stats.get("yaw")
                if yaw_fit is not None:
                    photo["yaw"].append(abs(yaw_fit - yaw))
        if "scan" in parts:  # a scan of the same head
            rng = np.random.default_rng(index)
            faces = truth.faces[truth.face_parts == 0]
            faces = faces[rng.random(len(faces)) > 0.05].astype(np.int64)
            z_up = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])
            vertices = (np.asarray(truth.vertices, np.float64) @ z_up.T * 1000.0
                        + rng.normal(0, 0.2, (len(truth.vertices), 3)))
            started = time.perf_counter()
            scan_params, _, _ = fit_scan(model, ScanMesh(vertices, faces))
            scan["s"].append(time.perf_counter() - started)
            fitted = model.evaluate(scan_params)
            scan["fit"].append(np.median(aligned_error(fitted, truth, face)))
            scan["mean"].append(np.median(aligned_error(mean_mesh, truth, face)))
    if "photo" in parts:
        report_photo(args, photo, missed)
    if "scan" in parts:
        table("Scan round trip (noise 0.2 mm, 5% holes): face scan-to-mesh error",
              [("fitted", scan["fit"]), ("average head (no fit)", scan["mean"])], "mm")
    times = [(name, values) for name, values in (
        ("photo (incl. 1024 px texture)", photo["s"]),
        ("photo, CPU seconds (all threads)", photo["cpu"]), ("scan", scan["s"])) if values]
    if times:
        table("Time per fit", times, "s")
    if "astronaut" in parts:
        astronaut(model)


def skin_errors(photo: dict, image: np.ndarray, truth: dict, fitted: dict) -> None:
    """|fitted - true| melanin and hemoglobin (mean of the two) of the photometric fit, of
    the colour-only estimate it starts from, and of the prior's mean skin."""
    from faceeditor.detect import detect_faces, face_landmarks
    from faceeditor.fit.skin import fit_skin_tone

    names = ("skin_melanin", "skin_hemoglobin")
    colour = fit_skin_tone(image, face_landmarks(image, detect_faces(image)[0]))
    for key, values in (("skin", fitted), ("skin_colour", colour),
                        ("skin_mean", {"skin_melanin": 0.25, "skin_hemoglobin": 0.35})):
        photo[key].append(np.mean([abs(values[n] - truth[n]) for n in names]))


def report_photo(args, photo: dict, missed: int) -> None:
    print(f"{args.heads} synthetic heads ({missed} without a detected face), photos "
          f"{args.size} px, yaw -40..40")
    table("Photo round trip: face scan-to-mesh error after similarity alignment",
          [("fitted", photo["fit"]), ("average head (no fit)", photo["mean"])], "mm")
    print(f"ratio fitted / average head (median): "
          f"{np.median(photo['fit']) / np.median(photo['mean']):.3f}  (goal <= 0.6)")
    table("Photo: expression error (mean |fitted - true| over 52 sliders)",
          [("fitted", photo["expr"]), ("all expressions at 0", photo["expr_mean"])], "slider")
    table("Photo: skin error (mean |fitted - true| of melanin and hemoglobin)",
          [("photometric fit", photo["skin"]), ("photo colour only", photo["skin_colour"]),
           ("prior mean skin", photo["skin_mean"])], "slider")
    if photo["yaw"]:
        table("Photo: yaw error", [("fitted", photo["yaw"])], "degrees")


def astronaut(model) -> None:
    import skimage.data

    from faceeditor.fit.pipeline import FitOptions, fit_photo
    from faceeditor.render import save_png

    image = skimage.data.astronaut()
    started = time.perf_counter()
    result = fit_photo(model, image, FitOptions(texture="photo"))
    seconds = time.perf_counter() - started
    OUT.mkdir(exist_ok=True)
    save_png(OUT / "fit_astronaut.png", result.preview())
    print(f"\nastronaut: landmark error {result.stats['landmark_error_percent_eye_distance']:.2f}% "
          f"of the eye distance (raw detections: "
          f"{result.stats['detected_landmark_error_percent_eye_distance']:.2f}%), "
          f"{seconds:.1f} s; preview {OUT / 'fit_astronaut.png'}")


if __name__ == "__main__":
    main()
