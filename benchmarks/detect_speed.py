"""How fast is photo input? Load -> detect faces -> 468 landmarks, on the CPU.

Photos: skimage's `astronaut` (512x512, public domain) saved as JPEG, and the same photo scaled
to 12 megapixels (4000x3000, her face then ~750 px wide) as a phone camera would give.
Reference in the same run: decoding the JPEG alone (`load_photo`). Target (issue 12): the
whole photo fit <= 10 s; detection + landmarks take at most 5% of it, 500 ms.

Run: ``.venv/bin/python benchmarks/detect_speed.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

TARGET_MS = 500.0  # 5% of the whole photo fit's 10 s budget


def timings(function, repeats: int) -> np.ndarray:
    function()  # warm-up: model loading is a one-off per process, reported on its own row
    result = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        result.append(time.perf_counter() - start)
    return np.asarray(result)


def row(label: str, seconds: np.ndarray, target_ms: float | None = None) -> str:
    median, p95 = np.median(seconds) * 1e3, np.percentile(seconds, 95) * 1e3
    verdict = "" if target_ms is None else ("ok" if median <= target_ms else "OVER")
    target = "" if target_ms is None else f"{target_ms:.0f}"
    return f"| {label:40s} | {median:9.2f} | {p95:9.2f} | {target:>6s} | {verdict:4s} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    from skimage import data

    from faceeditor.detect import detect_faces, face_landmarks, face_mesh, load_photo
    from faceeditor.detect.blazeface import detect_boxes
    from faceeditor.detect.runtime import FACE_MESH, FULL_RANGE, SHORT_RANGE, load_model

    start = time.perf_counter()
    for name in (SHORT_RANGE, FULL_RANGE, FACE_MESH):
        load_model(name)
    load_seconds = np.array([time.perf_counter() - start])

    rows = [row("load the 3 models (once per process)", load_seconds)]
    with tempfile.TemporaryDirectory() as tmp:
        astronaut = Image.fromarray(data.astronaut())
        photos = {"512x512": astronaut, "4000x3000": astronaut.resize(
            (4000, 4000), Image.Resampling.BICUBIC).crop((0, 500, 4000, 3500))}
        for size, image in photos.items():
            path = Path(tmp) / f"photo-{size}.jpg"
            image.save(path, quality=92)
            photo = load_photo(path)
            face = detect_faces(photo)[0]

            def whole(path=path):
                photo = load_photo(path)
                face_landmarks(photo, detect_faces(photo)[0])

            rows += [
                row(f"{size}: decode JPEG (reference)", timings(lambda: load_photo(path), args.repeats)),
                row(f"{size}: decode JPEG, max_side=1024",
                    timings(lambda: load_photo(path, max_side=1024), args.repeats)),
                row(f"{size}: BlazeFace boxes (short+full)",
                    timings(lambda: detect_boxes(photo), args.repeats)),
                row(f"{size}: detect_faces (boxes + mesh check)",
                    timings(lambda: detect_faces(photo), args.repeats)),
                row(f"{size}: face_landmarks (2 mesh passes)",
                    timings(lambda: face_landmarks(photo, face), args.repeats)),
                row(f"{size}: 1 mesh pass (no refinement)",
                    timings(lambda: face_mesh(photo, face, refine=False), args.repeats)),
                row(f"{size}: detect + landmarks", timings(
                    lambda: face_landmarks(photo, detect_faces(photo)[0]), args.repeats), TARGET_MS),
                row(f"{size}: decode + detect + landmarks", timings(whole, args.repeats)),
            ]
    print("| step                                     | median ms |    p95 ms | target | ok?  |")
    print("|------------------------------------------|-----------|-----------|--------|------|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
