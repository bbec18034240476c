"""How fast and how good is a sculpt drag on a FLAME head (issue 18)?

No FLAME file ships with faceeditor, so this builds a FLAME of the same kind in memory: the
embedded model's heads (prior samples, and random ARKit expressions) reduced by PCA to 300 shape
and 100 expression components of unit spread (as FLAME's are), on its 5,309-vertex mesh, with
the jaw hinged between the ears. Each case drags one point by a known amount (ground truth)
through ``FlameSculptSession`` as the viewport does (8 live updates, then the settle) and
reports how far the point lands from where it was sent (in the picture plane; its depth is
free and reported too), how much the head moved more than
6 cm away from it (and from its mirror partner under the symmetry lock), and the solver time per
update next to one ``evaluate_mesh`` of the same model.

Target: <= 15 ms per drag update (the frame stays <= 33 ms).
Run: ``.venv/bin/python benchmarks/flame_sculpt_speed.py [--samples N]``.
"""

from __future__ import annotations

import argparse
import time

from faceeditor.cli import limit_blas_threads

limit_blas_threads()  # the setting the application runs with, before numpy loads BLAS
import numpy as np  # noqa: E402

SIZE = (1000, 800)


def principal_directions(rows: np.ndarray, count: int) -> np.ndarray:
    """(3V, count) the first principal directions of (S, 3V) ``rows``, scaled by their
    spread: unit-Gaussian coefficients, like FLAME's."""
    centred = rows - rows.mean(0)
    _, spread, directions = np.linalg.svd(centred, full_matrices=False)
    scale = spread[:count] / np.sqrt(len(rows) - 1)
    return np.ascontiguousarray((directions[:count] * scale[:, None]).T, np.float32)


def pca_flame(samples: int):
    """A FLAME backend built from the embedded model (see the module doc)."""
    from faceeditor.backends.flame import FlameModel
    from faceeditor.backends.flame_backend import FlameBackend
    from faceeditor.model import load_default_model
    from faceeditor.model.mesh import PART_NAMES
    from faceeditor.model.prior import sample

    model = load_default_model()
    mesh = model.evaluate()
    spec = model.spec
    heads = np.array([model.evaluate(spec.vector(sample(model, seed)).astype(np.float32))
                      .vertices.reshape(-1) for seed in range(samples)], np.float64)
    rng = np.random.default_rng(0)
    expressions = spec.of_kind("expression")
    faces_of = []
    for _ in range(samples):
        vector = spec.defaults.astype(np.float32).copy()
        for param in rng.choice(expressions, 6, replace=False):
            vector[param.index] = rng.uniform(0.0, 0.8)
        faces_of.append(model.evaluate(vector).vertices.reshape(-1))
    vertices = mesh.vertices.astype(np.float64)
    count = len(vertices)
    eyes = np.zeros(count, bool)
    eyes[np.unique(mesh.faces[mesh.face_parts == PART_NAMES.index("eyes")])] = True
    opened = spec.defaults.astype(np.float32).copy()
    opened[spec["jawOpen"].index] = 1.0
    jaw = np.linalg.norm(model.evaluate(opened).vertices - mesh.vertices, axis=1) > 0.003
    joint = np.select([eyes & (vertices[:, 0] > 0), eyes, jaw], [3, 4, 2], 0)
    regressor = np.zeros((5, count), np.float32)
    for j in range(5):
        members = np.flatnonzero(joint == j) if (joint == j).any() else np.arange(count)
        regressor[j, members] = 1.0 / len(members)
    regressor[2] = 0.0  # the jaw hinges between the ears
    for side in (-1.0, 1.0):
        regressor[2, np.argmin(np.linalg.norm(vertices - (side * 0.065, -0.035, 0.0), axis=1))
                  ] = 0.5
    flame = FlameModel(
        v_template=heads.mean(0).reshape(-1, 3).astype(np.float32),
        shapedirs=principal_directions(heads, 300),
        exprdirs=principal_directions(np.array(faces_of), 100),
        posedirs=np.zeros((36, count * 3), np.float32), j_regressor=regressor,
        weights=np.eye(5, dtype=np.float32)[joint], parents=np.array([-1, 0, 1, 1, 1]),
        faces=mesh.faces.astype(np.int32), uvs=mesh.uvs, face_uvs=mesh.face_uvs,
        name="pca-of-embedded")
    return FlameBackend(flame)


def drag_case(backend, vertex: int, offset, *, expressions=False, symmetric=False) -> dict:
    """Drag ``vertex`` by ``offset`` (metres, front view) as the viewport does."""
    from faceeditor.render.camera import OrbitCamera
    from faceeditor.sculpt import project, session_for
    from faceeditor.sculpt.flame import flame_regions
    from faceeditor.state import ParameterState

    state = ParameterState(backend, sampler=backend.sample,
                           geometry_kinds=backend.geometry_kinds)
    state.symmetry_lock = symmetric
    session = session_for(state)
    session.expressions = expressions
    before = backend.evaluate_mesh(state.vector)
    vertices = before.vertices.astype(np.float64)
    camera = OrbitCamera.framing("front", before.vertices, aspect=SIZE[0] / SIZE[1]).camera()
    pixels = project(camera, np.stack([vertices[vertex], vertices[vertex] + offset]), SIZE)
    assert session.grab(before, camera, pixels[0], SIZE)
    free = len(session.grab_state.free)
    updates = []
    for step in range(1, 9):
        session.drag(backend.evaluate_mesh(state.vector),
                     pixels[0] + (pixels[1] - pixels[0]) * step / 8, SIZE)
        updates.append(session.last_solve_ms)
    session.settle(backend.evaluate_mesh(state.vector), pixels[1], SIZE)
    settle = session.last_solve_ms
    session.release()
    after = backend.evaluate_mesh(state.vector).vertices.astype(np.float64)
    moved = np.linalg.norm(after - vertices, axis=1) * 1000.0
    far = np.linalg.norm(vertices - vertices[vertex], axis=1) > 0.06
    if symmetric:
        partner = flame_regions(backend).mirror[vertex]
        far &= np.linalg.norm(vertices - vertices[partner], axis=1) > 0.06
    error = (after[vertex] - vertices[vertex] - offset) * 1000.0  # front view: z is depth
    return {"free": free, "landed": np.linalg.norm(error[:2]), "depth": error[2], "far max": moved[far].max(), "far p99": np.percentile(moved[far], 99),
            "updates": updates, "settle": settle}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=400, help="heads for the PCA")
    args = parser.parse_args()

    started = time.perf_counter()
    backend = pca_flame(args.samples)
    print(f"built the PCA FLAME from {args.samples} heads in {time.perf_counter() - started:.0f} s")
    vertices = backend.evaluate_mesh(None).vertices.astype(np.float64)
    middle = np.flatnonzero(np.abs(vertices[:, 0]) < 0.002)
    tip = int(middle[np.argmax(vertices[middle, 2])])
    chin = int(middle[np.argmin(np.abs(vertices[middle, 1] - vertices[tip, 1] + 0.075)
                                - (vertices[middle, 2] > 0.07))])
    front = vertices[:, 2] > vertices[:, 2].max() - 0.03
    cheek = int(np.argmin(np.linalg.norm(vertices[:, :2] - (0.045, -0.01), axis=1) - front))
    cases = [
        ("nose tip up 6 mm", drag_case(backend, tip, (0.0, 0.006, 0.0))),
        ("cheek out 5 mm", drag_case(backend, cheek, (0.005, 0.0, 0.0))),
        ("cheek out 5 mm, symmetry lock", drag_case(backend, cheek, (0.005, 0.0, 0.0),
                                                    symmetric=True)),
        ("chin down 8 mm, expression", drag_case(backend, chin, (0.0, -0.008, 0.0),
                                                 expressions=True)),
    ]
    reference = []
    for _ in range(20):
        start = time.perf_counter()
        backend.evaluate_mesh(None)
        reference.append((time.perf_counter() - start) * 1e3)
    print(f"{'case':32s} {'free':>5s} {'landed mm':>10s} {'depth mm':>9s} {'far max':>8s} "
          f"{'far p99':>8s} {'update ms':>10s} {'p95':>6s} {'settle':>7s}")
    for name, row in cases:
        print(f"{name:32s} {row['free']:5d} {row['landed']:10.2f} {row['depth']:9.2f} "
              f"{row['far max']:8.2f} "
              f"{row['far p99']:8.2f} {np.median(row['updates']):10.2f} "
              f"{np.percentile(row['updates'], 95):6.2f} {row['settle']:7.2f}")
    print(f"reference: one evaluate_mesh {np.median(reference):.2f} ms (median of 20)")
    print("target: <= 15 ms per drag update; landed: distance in the picture plane of the "
          "dragged vertex from where it was sent; depth: how far it moved in depth (free); far: "
          "movement (mm) > 6 cm from the dragged point (and its mirror)")


if __name__ == "__main__":
    main()
