"""Build the landmark sets ``resources/landmarks/{ibug68,dense}.json`` (read by
``faceeditor/model/landmarks.py``).

Usage (from the repository root)::

    python packaging/build_landmarks.py [--out resources/landmarks] [--preview sheet.png]

The points are found on the default (neutral, adult) head seen from the front at ``SIZE``
pixels through the batch label pass (segmentation, depth, normals), by rules in the image,
then lifted to 3D from the depth and bound to the nearest skin surface point
(``SurfacePoints.closest``), so they follow every slider afterwards:

* eyes 36-47: corners are the ends of each eye's visible region, the lids its top and bottom
  at a third and two thirds of the way between the corners;
* brows 17-26: five points along each brow's upper third, evenly from the outer end;
* lips 48-59: the outer lip corners and top/bottom of the lip region at 0.2 and 0.4 of the
  mouth's half-width and at the middle; 60-67: the mouth opening (the skin's boundary loop at
  the mouth) at its corners, at half the half-width and at the middle;
* nose 27-30: the midline from eye-corner height to the tip (the nearest point to the camera on
  the midline); 33 the subnasale (the deepest midline point between tip and upper lip); 31-35
  the nostril base, as wide as the eyes' inner corners are apart;
* jaw 0-16: the edge of the front-facing region (normal toward the camera more than
  ``FACING``) walked out from the nose tip, from eye-corner height round the chin.

``dense``: ``DENSE_COUNT`` skin vertices spread evenly (farthest-point order from the nose tip)
over the front-facing face region. Deterministic: integer pixel rules, exact float64 binding,
ties to the lowest index.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceeditor.batch.render import CLASSES, LabelPass, ItemRenderer  # noqa: E402
from faceeditor.fileio import write_atomic  # noqa: E402
from faceeditor.model import load_default_model  # noqa: E402
from faceeditor.model.landmarks import LandmarkSet  # noqa: E402
from faceeditor.model.surface import SurfacePoints  # noqa: E402
from faceeditor.render.camera import Camera  # noqa: E402

log = logging.getLogger("build_landmarks")
SIZE = 1024
FACING = 0.3
FACING_DOWN = 0.5  # under the chin the surface faces down: the jaw line
DENSE_COUNT = 256


def front_labels(mesh):
    """Label pass of ``mesh`` from the front: (classes, depth, normals, camera)."""
    renderer = ItemRenderer(SIZE)
    try:
        camera = Camera.framing("front", np.asarray(mesh.vertices), fov_y=20.0, margin=1.05)
        with renderer.renderer.ctx:
            geometry, surface = renderer.labels.draw(mesh, camera)
        drawn = geometry[..., 3] > 0
        classes = renderer.segmentation(surface, drawn)
    finally:
        renderer.close()
    return classes, geometry[..., 3], geometry[..., :3], camera


def unproject(pixels: np.ndarray, depth: np.ndarray, camera: Camera) -> np.ndarray:
    """(N, 2) (col, row) pixels with their depth -> (N, 3) world points."""
    f = (SIZE / 2) / math.tan(math.radians(camera.fov_y) / 2)
    pixels = np.asarray(pixels, np.float64)
    cols, rows = pixels[:, 0], pixels[:, 1]
    d = depth[rows.astype(int), cols.astype(int)].astype(np.float64)
    x = (cols + 0.5 - SIZE / 2) / f * d
    y = -(rows + 0.5 - SIZE / 2) / f * d
    view = np.stack([x, y, -d, np.ones_like(d)], 1)
    world = view @ np.linalg.inv(camera.view_matrix().astype(np.float64)).T
    return world[:, :3]


def column_extreme(mask: np.ndarray, col: int, top: bool) -> tuple[int, int]:
    rows = np.flatnonzero(mask[:, col])
    if not len(rows):
        raise RuntimeError(f"empty column {col}")
    return col, int(rows[0] if top else rows[-1])


def side_components(mask: np.ndarray, centre: int) -> tuple[np.ndarray, np.ndarray]:
    """``mask`` split into the image's left and right halves."""
    left, right = mask.copy(), mask.copy()
    left[:, centre:] = False
    right[:, :centre] = False
    return left, right


def eye_points(eye: np.ndarray, outer_is_left: bool) -> list[tuple[int, int]]:
    """Six points of one eye in iBUG order (outer corner, 2 upper, inner corner, 2 lower) for
    the image-left eye; mirrored order for the image-right eye (inner corner first)."""
    cols = np.flatnonzero(eye.any(0))
    c0, c1 = int(cols[0]), int(cols[-1])
    corner = lambda c: (c, int(np.round(np.flatnonzero(eye[:, c]).mean())))  # noqa: E731
    at = lambda t: int(round(c0 + (c1 - c0) * t))  # noqa: E731
    if outer_is_left:   # subject's right eye: 36 outer (left), 37, 38 top, 39 inner, 40, 41
        return [corner(c0), column_extreme(eye, at(1 / 3), True),
                column_extreme(eye, at(2 / 3), True), corner(c1),
                column_extreme(eye, at(2 / 3), False), column_extreme(eye, at(1 / 3), False)]
    # subject's left eye: 42 inner (left), 43, 44 top, 45 outer, 46, 47 bottom
    return [corner(c0), column_extreme(eye, at(1 / 3), True), column_extreme(eye, at(2 / 3), True),
            corner(c1), column_extreme(eye, at(2 / 3), False),
            column_extreme(eye, at(1 / 3), False)]


def brow_points(brow: np.ndarray, reverse: bool) -> list[tuple[int, int]]:
    cols = np.flatnonzero(brow.any(0))
    c0, c1 = int(cols[0]), int(cols[-1])
    out = []
    for t in (0.05, 0.28, 0.5, 0.72, 0.95):
        c = int(round(c0 + (c1 - c0) * t))
        rows = np.flatnonzero(brow[:, c])
        out.append((c, int(round(rows[0] + (rows[-1] - rows[0]) / 3))))
    return out[::-1] if reverse else out


def ray_exit(region: np.ndarray, start: tuple[float, float], angle: float,
             skip: float = 0.0, run: int = 6) -> tuple[int, int]:
    """Last pixel of ``region`` walking from ``start`` (col, row) along ``angle`` (radians,
    0 = image right, pi/2 = image down) before leaving it for ``run`` pixels in a row, not
    counting the first ``skip`` pixels (the nose's own sides face away too)."""
    c, r = start
    last, outside = (int(c), int(r)), 0
    for step in range(1, SIZE * 2):
        cc, rr = int(round(c + math.cos(angle) * step)), int(round(r + math.sin(angle) * step))
        if not (0 <= cc < SIZE and 0 <= rr < SIZE):
            return last
        if region[rr, cc] or step < skip:
            last, outside = (cc, rr), 0
        else:
            outside += 1
            if outside >= run:
                return last
    return last


def mouth_loop(mesh) -> np.ndarray:
    """(L, 3) vertices of the skin's boundary loop at the mouth (the lips' inner edge)."""
    faces = np.asarray(mesh.faces)[mesh.part_faces("skin")]
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), 1)
    unique, counts = np.unique(edges, axis=0, return_counts=True)
    ids = np.unique(unique[counts == 1])
    vertices = np.asarray(mesh.vertices, np.float64)
    front = ids[vertices[ids, 2] > vertices[:, 2].max() - 0.06]  # not the neck's cut
    return vertices[front]


def loop_point(loop: np.ndarray, x: float, top: bool) -> np.ndarray:
    """The loop vertex nearest in x to ``x`` on its upper (or lower) half."""
    centre_y = loop[:, 1].mean()
    half = loop[loop[:, 1] >= centre_y] if top else loop[loop[:, 1] <= centre_y]
    return half[np.argmin(np.abs(half[:, 0] - x) + 1e-9 * np.arange(len(half)))]


def ibug68(model, mesh) -> tuple[np.ndarray, list[str]]:
    """(68, 3) world points of the iBUG layout on ``mesh`` (front pose) and their names."""
    classes, depth, normals, camera = front_labels(mesh)
    drawn = depth > 0
    centre = SIZE // 2
    eyes = classes == CLASSES.index("eyes")
    brows = classes == CLASSES.index("brows")
    lips = classes == CLASSES.index("lips")
    eye_l, eye_r = side_components(eyes, centre)
    brow_l, brow_r = side_components(brows, centre)
    pixels: dict[int, tuple[int, int]] = {}
    for i, p in enumerate(eye_points(eye_l, True)):
        pixels[36 + i] = p
    for i, p in enumerate(eye_points(eye_r, False)):
        pixels[42 + i] = p
    for i, p in enumerate(brow_points(brow_l, False)):
        pixels[17 + i] = p
    for i, p in enumerate(brow_points(brow_r, False)):
        pixels[22 + i] = p
    # lips (outer)
    cols = np.flatnonzero(lips.any(0))
    l0, l1 = int(cols[0]), int(cols[-1])
    mid = (l0 + l1) / 2
    half = (l1 - l0) / 2
    side = lambda c: (c, int(np.round(np.flatnonzero(lips[:, c]).mean())))  # noqa: E731
    pixels[48], pixels[54] = side(l0), side(l1)
    for k, t in zip((49, 50, 51, 52, 53), (-0.4, -0.2, 0.0, 0.2, 0.4)):
        pixels[k] = column_extreme(lips, int(round(mid + t * half)), True)
    for k, t in zip((55, 56, 57, 58, 59), (0.4, 0.2, 0.0, -0.2, -0.4)):
        pixels[k] = column_extreme(lips, int(round(mid + t * half)), False)
    # nose midline: from the inner eye corners' height to the tip
    inner_row = (pixels[39][1] + pixels[42][1]) // 2
    lip_top = pixels[51][1]
    rows = np.arange(inner_row, lip_top)
    tip_row = int(rows[np.argmin(depth[rows, centre])])
    pixels[27], pixels[30] = (centre, inner_row), (centre, tip_row)
    pixels[28] = (centre, int(round(inner_row + (tip_row - inner_row) / 3)))
    pixels[29] = (centre, int(round(inner_row + 2 * (tip_row - inner_row) / 3)))
    below = np.arange(tip_row + 1, lip_top)
    sub_row = int(below[np.argmax(depth[below, centre])]) if len(below) else tip_row + 1
    pixels[33] = (centre, sub_row)
    alar = (pixels[42][0] - pixels[39][0]) / 2
    base_row = int(round(sub_row - 0.25 * (sub_row - tip_row)))
    for k, t in zip((31, 32, 34, 35), (-1.0, -0.5, 0.5, 1.0)):
        pixels[k] = (int(round(centre + t * alar)), base_row if abs(t) == 1 else
                     int(round((base_row + sub_row) / 2)))
    # jaw: edge of the front-facing region walked out from the nose tip
    facing = drawn & (normals[..., 2] > FACING) & (normals[..., 1] > -FACING_DOWN)
    # the lips and the fold below them face down in places: count the mouth as facing
    top, bottom = pixels[51][1], pixels[57][1]
    facing[top - 5:bottom + (bottom - top), l0 - 5:l1 + 6] = True
    start = (centre, tip_row)
    row0 = (pixels[36][1] + pixels[45][1]) / 2
    skip = 0.6 * abs(pixels[36][0] - centre)
    left_edge = ray_exit(facing, start, math.pi, skip)
    # angles: 0 = image right, pi/2 = image down; point 0 toward the left edge at eye height
    angle0 = math.atan2(row0 - tip_row, left_edge[0] - centre) % (2 * math.pi)
    for k in range(9):
        angle = angle0 + (math.pi / 2 - angle0) * k / 8
        pixels[k] = ray_exit(facing, start, angle, skip)
        pixels[16 - k] = ray_exit(facing, start, math.pi - angle, skip)
    points = np.array([pixels.get(k, pixels[51]) for k in range(68)])  # 60-67 below
    world = unproject(points, depth, camera)
    names = ([f"jaw_{k:02d}" for k in range(17)] + [f"brow_right_{k}" for k in range(5)]
             + [f"brow_left_{k}" for k in range(5)] + [f"nose_bridge_{k}" for k in range(4)]
             + [f"nose_base_{k}" for k in range(5)] + [f"eye_right_{k}" for k in range(6)]
             + [f"eye_left_{k}" for k in range(6)] + [f"lip_outer_{k:02d}" for k in range(12)]
             + [f"lip_inner_{k}" for k in range(8)])
    # inner lips from the mouth's boundary loop, in 3D
    loop = mouth_loop(mesh)
    x0, x1 = loop[:, 0].min(), loop[:, 0].max()
    corner_l = loop[np.argmin(loop[:, 0])]
    corner_r = loop[np.argmax(loop[:, 0])]
    inner = [corner_l, loop_point(loop, x0 / 2, True), loop_point(loop, 0.0, True),
             loop_point(loop, x1 / 2, True), corner_r, loop_point(loop, x1 / 2, False),
             loop_point(loop, 0.0, False), loop_point(loop, x0 / 2, False)]
    world[60:68] = np.array(inner)
    return world, names


def farthest_points(points: np.ndarray, count: int, start: int) -> np.ndarray:
    chosen = [start]
    distance = np.linalg.norm(points - points[start], axis=1)
    for _ in range(count - 1):
        nxt = int(np.argmax(distance))
        chosen.append(nxt)
        distance = np.minimum(distance, np.linalg.norm(points - points[nxt], axis=1))
    return np.array(chosen)


def dense(mesh) -> np.ndarray:
    """Vertex ids of the dense set: front-facing skin of the face, spread evenly."""
    vertices = np.asarray(mesh.vertices, np.float64)
    normals = np.asarray(mesh.normals, np.float64)
    skin = np.unique(np.asarray(mesh.faces)[mesh.part_faces("skin")])
    face = skin[(normals[skin, 2] > 0.35) & (vertices[skin, 1] > vertices[:, 1].min() + 0.06)]
    tip = int(np.argmax(vertices[face, 2]))
    return face[farthest_points(vertices[face], DENSE_COUNT, tip)]


def build(out: Path, preview: Path | None = None) -> None:
    model = load_default_model()
    mesh = model.evaluate(model.default_params())
    vertices, faces = np.asarray(mesh.vertices, np.float64), np.asarray(mesh.faces)
    skin = mesh.part_faces("skin")
    world, names = ibug68(model, mesh)
    ibug = SurfacePoints.closest(world, vertices, faces, candidates=skin)
    sets = [LandmarkSet("ibug68", tuple(names), ibug,
                        "68-point iBUG/300-W layout (subject's right = image left)"),
            LandmarkSet("dense", tuple(f"dense_{k:03d}" for k in range(DENSE_COUNT)),
                        SurfacePoints.of_vertices(dense(mesh), faces),
                        f"{DENSE_COUNT} points spread evenly over the face")]
    out.mkdir(parents=True, exist_ok=True)
    for landmark_set in sets:
        document = landmark_set.to_json(model.model_id, str(model.version))
        write_atomic(out / f"{landmark_set.name}.json",
                     (json.dumps(document, separators=(",", ":")) + "\n").encode())
        log.info("wrote %s (%d points)", out / f"{landmark_set.name}.json", len(landmark_set))
    if preview is not None:
        draw_preview(model, mesh, sets[0].points, preview)


def draw_preview(model, mesh, points: SurfacePoints, path: Path) -> None:
    from PIL import Image, ImageDraw

    from faceeditor.export.textures import skin_albedo
    from faceeditor.render import OffscreenRenderer

    size = 768
    camera = Camera.framing("front", np.asarray(mesh.vertices), fov_y=20.0, margin=1.05)
    with OffscreenRenderer(size, size) as renderer:
        albedo = skin_albedo(model.default_params(), 1024)
        if albedo is not None:
            renderer.set_albedo_map(albedo)
        image = Image.fromarray(renderer.render(mesh, camera))
    from faceeditor.batch.render import project

    xy, _ = project(points.positions(np.asarray(mesh.vertices, np.float64), mesh.faces),
                    camera, size, size)
    draw = ImageDraw.Draw(image)
    for k, (x, y) in enumerate(xy):
        draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=(0, 255, 0))
        draw.text((x + 3, y - 10), str(k), fill=(255, 255, 0))
    image.save(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "resources/landmarks")
    parser.add_argument("--preview", type=Path, help="also draw the iBUG points on a render")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build(args.out, args.preview)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
