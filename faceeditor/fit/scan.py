"""Fit the head to a 3D scan or sculpt (OBJ, PLY, STL, GLB).

1. units: the scan's size tells millimetres, centimetres or metres (a head is ~25 cm tall),
   unless the user says ``--units``;
2. rigid alignment (rotation, translation; the units give the size): the average head's skin is
   aligned to the scan by trimmed ICP (nearest points, rejecting the farthest third: neck,
   shoulders and hair of the scan find no partner), from a few start orientations (Y up or
   Z up, face toward +Z, -Z, +Y or -Y); the best is kept;
3. non-rigid: point-to-plane ICP against the scan's surface (``register``), solving the
   identity and expression sliders together with the head's pose, the prior relaxed round by
   round; expressions are held for the first rounds, until pose and identity have settled
   (a misaligned mouth would otherwise open the jaw to meet the scan's lips).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import numpy as np

from faceeditor.detect.pose import align_similarity
from faceeditor.fit.camera import rotation_matrix
from faceeditor.fit.meshio import MeshReadError, ScanMesh, read_mesh
from faceeditor.fit.pipeline import FitError, FitOptions, FitResult, Progress
from faceeditor.fit.register import Round, ScanSurface, register
from faceeditor.fit.scan_texture import carry_colour, has_colour
from faceeditor.fit.solver import MM, PointProblem
from faceeditor.model.face_model import FaceModel
from faceeditor.model.surface import SurfacePoints

log = logging.getLogger(__name__)

UNIT_SCALE = {"mm": 0.001, "cm": 0.01, "m": 1.0}
#: The head's model points used for matching, and scan samples for the rigid alignment.
MODEL_POINTS = 900
SCAN_SAMPLES = 12000
#: Point-to-plane rounds (``register.Round``: identity prior, expression prior, steps).
SCHEDULE = (Round(100.0, 1e4, 4), Round(30.0, 1e4, 4), Round(10.0, 1e4, 4), Round(3.0, 100.0, 4),
            Round(1.0, 30.0, 4), Round(0.3, 10.0, 4), Round(0.1, 3.0, 4), Round(0.03, 1.0, 4),
            Round(0.01, 0.3, 4))
#: Trimmed ICP keeps this fraction of the nearest pairs.
KEEP = 0.7


def detect_units(vertices: np.ndarray) -> str:
    """"mm", "cm" or "m" from the scan's size; ``FitError`` when it cannot be a head."""
    extent = float(np.max(vertices.max(0) - vertices.min(0)))
    for unit, (low, high) in (("m", (0.08, 1.5)), ("cm", (8.0, 150.0)), ("mm", (80.0, 1500.0))):
        if low <= extent <= high:
            return unit
    raise FitError(f"the scan is {extent:g} units across, which is no head size in mm, cm or "
                   "m; give --units")


def start_rotations() -> list[np.ndarray]:
    """Candidate rotations scan -> model axes (Y up / Z up, four facing directions each)."""
    rotations = []
    z_up = rotation_matrix(np.array([-np.pi / 2, 0.0, 0.0]))  # Z up -> Y up (anny, Blender)
    for base in (np.eye(3), z_up):
        for quarter in range(4):
            turn = rotation_matrix(np.array([0.0, quarter * np.pi / 2, 0.0]))
            rotations.append(turn @ base)
    return rotations


def align(model_points: np.ndarray, scan: np.ndarray, rotation: np.ndarray, tree=None,
          iterations: int = 20) -> tuple[np.ndarray, float]:
    """Trimmed rigid ICP moving ``scan`` onto ``model_points``; (scan -> model 4x4, cost).

    ``tree``: a ``scipy.spatial.cKDTree`` of ``scan`` (built here when not given)."""
    if tree is None:
        from scipy.spatial import cKDTree

        tree = cKDTree(scan)
    transform = np.eye(4)
    transform[:3, :3] = rotation
    # start: centres matched (the units give the size, the shape sliders the rest)
    transform[:3, 3] = model_points.mean(0) - rotation @ scan.mean(0)
    cost = np.inf
    for _ in range(iterations):
        # the model points in the scan's frame: distances are the same in both
        local = (model_points - transform[:3, 3]) @ transform[:3, :3]
        distance, index = tree.query(local)
        keep = distance <= np.quantile(distance, KEEP)
        _, rot, _ = align_similarity(scan[index[keep]], model_points[keep])
        transform = np.eye(4)
        transform[:3, :3] = rot
        transform[:3, 3] = model_points[keep].mean(0) - rot @ scan[index[keep]].mean(0)
        cost = float(np.median(distance[keep]))
    return transform, cost


def model_sample(model: FaceModel, mesh) -> SurfacePoints:
    """Skin vertices of the head (no neck below the jaw, no inner mouth), evenly thinned."""
    skin = np.unique(mesh.faces[mesh.part_faces("skin")])
    vertices = np.asarray(mesh.vertices)
    chin = vertices[skin, 1].min() + 0.35 * np.ptp(vertices[skin, 1])
    chosen = skin[vertices[skin, 1] > chin - 0.03]
    step = max(1, len(chosen) // MODEL_POINTS)
    return SurfacePoints.of_vertices(chosen[::step], mesh.faces)


def fit_scan(model: FaceModel, scan: ScanMesh, options: FitOptions = FitOptions(),
             progress: Progress | None = None) -> tuple[dict[str, float], np.ndarray, dict]:
    """Fit a scan. Returns (params with the scan's expression, (4, 4) scan -> model transform
    (model metres), stats); ``options.expression`` is applied by ``fit_scan_file``."""
    report = progress or (lambda fraction, text: None)
    scan = referenced_only(scan)
    unit = options.units or detect_units(scan.vertices)
    metres = scan.vertices * UNIT_SCALE[unit]
    rng = np.random.default_rng(0)
    sample_index = np.sort(rng.choice(len(metres), SCAN_SAMPLES, replace=False)) \
        if len(metres) > SCAN_SAMPLES else None
    samples = metres[sample_index] if sample_index is not None else metres
    vector = model.spec.defaults.astype(np.float64)
    mesh = model.evaluate(vector)
    points = model_sample(model, mesh)
    free = [p.name for p in model.spec if p.kind in ("phenotype", "local", "asym", "expression")]
    problem = PointProblem.build(model, points, free)
    start = problem.positions(vector) / MM
    report(0.05, "aligning")
    from scipy.spatial import cKDTree

    tree = cKDTree(samples)
    best = None
    for rotation in start_rotations():
        transform, cost = align(start, samples, rotation, tree, iterations=8)
        if best is None or cost < best[1]:
            best = (transform, cost)
    transform, cost = align(start, samples, best[0][:3, :3], tree, iterations=15)
    if cost * MM > 15.0:
        raise FitError(f"the scan does not look like a head (closest fit is {cost * MM:.0f} mm "
                       "off on average)")
    surface = ScanSurface.build((metres @ transform[:3, :3].T + transform[:3, 3]) * MM,
                                scan.faces)

    def point_normals(values: np.ndarray) -> np.ndarray:
        head = model.evaluate(values)
        normals = points.positions(np.asarray(head.normals, np.float64), head.faces)
        return normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)

    vector, moved, register_stats = register(
        problem, surface, vector, SCHEDULE, point_normals,
        lambda fraction: report(0.2 + 0.75 * fraction, "fitting shape"))
    # the registration moved the model onto the aligned scan: scan -> model is its inverse
    inverse = np.linalg.inv(moved)
    inverse[:3, 3] /= MM
    transform = inverse @ transform
    fitted = model.evaluate(vector)
    face = np.asarray(fitted.vertices, np.float64)[face_vertices(fitted)] * MM
    distance = surface.closest(face @ moved[:3, :3].T + moved[:3, 3])[2]
    stats = {"units_detected": 0.0 if options.units else 1.0,
             "face_median_mm": float(np.median(distance)),
             "face_mean_mm": float(distance.mean()), **register_stats}
    params = model.spec.to_dict(vector)
    log.info("scan fit (%s): face median %.2f mm", unit, stats["face_median_mm"])
    transform[:3, :3] *= UNIT_SCALE[unit]  # from the file's units
    return params, transform, stats


def referenced_only(scan: ScanMesh) -> ScanMesh:
    """The scan without vertices that no triangle uses (stray points, loose markers)."""
    used = np.unique(scan.faces)
    if len(used) == len(scan.vertices):
        return scan
    remap = np.full(len(scan.vertices), -1, np.int64)
    remap[used] = np.arange(len(used))
    colors = scan.colors[used] if scan.colors is not None else None
    return dataclasses.replace(scan, vertices=scan.vertices[used], faces=remap[scan.faces],
                               colors=colors)


def surface_distance(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(N,) distance of each point to the nearest point of the mesh surface (searched among the
    triangles around the nearest vertices, so a big scan stays quick)."""
    used = np.unique(faces)
    remap = np.zeros(len(vertices), np.int64)
    remap[used] = np.arange(len(used))
    surface = ScanSurface.build(np.asarray(vertices, np.float64)[used], remap[faces])
    return surface.closest(np.asarray(points, np.float64))[2]


def face_vertices(mesh) -> np.ndarray:
    """Skin vertices of the face region (in front of the ears, brow to chin)."""
    skin = np.unique(mesh.faces[mesh.part_faces("skin")])
    v = np.asarray(mesh.vertices)[skin]
    front = v[:, 2] > np.quantile(v[:, 2], 0.6)
    return skin[front & (np.abs(v[:, 0]) < 0.065)]


def fit_scan_file(model: FaceModel, path: Path, options: FitOptions = FitOptions(),
                  progress: Progress | None = None) -> FitResult:
    started = time.perf_counter()
    try:
        scan = read_mesh(path)
    except MeshReadError as error:
        raise FitError(str(error)) from None
    scan = referenced_only(scan)
    fitted, transform, stats = fit_scan(model, scan, options, progress)
    params = dict(fitted)
    if options.expression == "neutral":
        params = {k: (model.spec[k].default if model.spec[k].kind == "expression" else v)
                  for k, v in params.items()}
    texture = None
    if has_colour(scan):  # the scan's skin tone, and its texture in our UV layout
        if progress:
            progress(0.95, "carrying the scan's colour over")
        params, texture, colour_stats = carry_colour(model, fitted, params, scan, transform,
                                                     options.texture_size
                                                     if options.texture == "photo" else None,
                                                     path.name)
        stats.update(colour_stats)
    stats["seconds"] = time.perf_counter() - started

    def preview() -> np.ndarray:
        return scan_preview(model, params, scan, transform, texture)

    return FitResult(params, texture, "scan", stats, preview)


def scan_preview(model: FaceModel, params: dict[str, float], scan: ScanMesh,
                 transform: np.ndarray, texture: np.ndarray | None = None, size: int = 512,
                 views: tuple[str, ...] = ("front", "three-quarter")) -> np.ndarray:
    """Scan (left, in its own texture where it has one) and fitted head (right, in ``texture``
    or the procedural albedo), in each of ``views`` (``render.camera.VIEW_DIRECTIONS``)."""
    from faceeditor.export.textures import skin_albedo
    from faceeditor.fit.preview import side_by_side
    from faceeditor.model.face_model import vertex_normals
    from faceeditor.model.mesh import FaceMesh
    from faceeditor.render import OffscreenRenderer

    head = model.evaluate(params)
    vertices = scan.vertices @ transform[:3, :3].T + transform[:3, 3]
    faces = scan.faces.astype(np.int32)
    textured = scan.texture is not None and scan.uvs is not None
    scan_mesh = FaceMesh(vertices=vertices.astype(np.float32),
                         normals=vertex_normals(vertices.astype(np.float32), faces),
                         faces=faces,
                         uvs=scan.uvs.astype(np.float32) if textured else np.zeros((1, 2),
                                                                                   np.float32),
                         face_uvs=np.maximum(scan.face_uvs, 0).astype(np.int32) if textured
                         else np.zeros_like(faces), face_parts=np.zeros(len(faces), np.uint8))
    albedo = texture if texture is not None else skin_albedo(params, 1024)
    panels = []
    with OffscreenRenderer(size, size) as renderer:
        for view in views:
            camera = renderer.camera_for(head, view)
            renderer.set_albedo_map(scan.texture if textured else None)
            panels.append(renderer.render(scan_mesh, camera))
            renderer.set_albedo_map(albedo)
            panels.append(renderer.render(head, camera))
    return side_by_side(*panels)
