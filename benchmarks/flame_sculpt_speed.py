"""How fast is a sculpt drag on a FLAME head (issue 18)? A FLAME of the real size (5,023
vertices, 300 shape and 100 expression components, random bases that shrink like principal
components) built in memory; the solver update of each drag step, the settle after release and
the hover highlight, next to one ``evaluate_mesh`` of the same model as the reference.

Target: <= 15 ms per drag update (the frame stays <= 33 ms).
Run: ``.venv/bin/python benchmarks/flame_sculpt_speed.py [--drags N]``.
"""

from __future__ import annotations

import argparse
import time

from faceeditor.cli import limit_blas_threads

limit_blas_threads()  # the setting the application runs with, before numpy loads BLAS
import numpy as np  # noqa: E402


def sphere(n_lat: int, n_lon: int, radius: float = 0.1):
    """Vertices and faces of a UV sphere (a head-sized stand-in for FLAME's template)."""
    theta = np.pi * np.arange(1, n_lat + 1) / (n_lat + 1)
    phi = 2 * np.pi * np.arange(n_lon) / n_lon
    t, p = np.meshgrid(theta, phi, indexing="ij")
    ring = np.stack([np.sin(t) * np.sin(p), np.cos(t), np.sin(t) * np.cos(p)], -1).reshape(-1, 3)
    vertices = np.concatenate([[[0, 1, 0]], ring, [[0, -1, 0]]]) * radius
    index = lambda i, j: 1 + i * n_lon + j % n_lon  # noqa: E731
    faces = [[0, index(0, j), index(0, j + 1)] for j in range(n_lon)]
    for i in range(n_lat - 1):
        for j in range(n_lon):
            a, b, c, d = index(i, j), index(i + 1, j), index(i + 1, j + 1), index(i, j + 1)
            faces += [[a, b, c], [a, c, d]]
    last = len(vertices) - 1
    faces += [[last, index(n_lat - 1, j + 1), index(n_lat - 1, j)] for j in range(n_lon)]
    return vertices, np.array(faces, np.int32)


def flame_sized_backend():
    from faceeditor.backends.flame import FlameModel
    from faceeditor.backends.flame_backend import FlameBackend

    vertices, faces = sphere(69, 72)  # 4,970 vertices
    n = len(vertices)
    rng = np.random.default_rng(0)
    # smooth random fields: each component a sum of three wide Gaussian bumps, spreads shrinking
    centres = vertices[rng.integers(0, n, (400, 3))]  # (K, 3 bumps, 3)
    bumps = np.exp(-((vertices[None, None] - centres[:, :, None]) ** 2).sum(-1) / 0.06 ** 2)
    directions = rng.normal(0, 1, (400, 3, 1, 3)) * bumps[..., None]  # (K, 3, V, 3)
    scale = np.concatenate([0.004 / np.sqrt(1 + np.arange(300) / 10),
                            0.003 / np.sqrt(1 + np.arange(100) / 10)])
    blend = (directions.sum(1) * scale[:, None, None]).transpose(1, 2, 0)  # (V, 3, K)
    joint = np.zeros(n, np.int64)
    joint[vertices[:, 1] < -0.06] = 1
    joint[(vertices[:, 2] > 0.03) & (vertices[:, 1] < -0.01) & (vertices[:, 1] >= -0.06)] = 2
    weights = np.eye(5)[joint].astype(np.float32)
    regressor = np.zeros((5, n), np.float32)
    for j in range(5):
        members = np.flatnonzero(joint == j) if (joint == j).any() else np.arange(n)
        regressor[j, members] = 1.0 / len(members)
    flame = FlameModel(
        v_template=vertices.astype(np.float32),
        shapedirs=np.ascontiguousarray(blend[:, :, :300].reshape(-1, 300), np.float32),
        exprdirs=np.ascontiguousarray(blend[:, :, 300:].reshape(-1, 100), np.float32),
        posedirs=rng.normal(0, 1e-4, (36, n * 3)).astype(np.float32),
        j_regressor=regressor, weights=weights, parents=np.array([-1, 0, 1, 1, 1]),
        faces=faces, uvs=None, face_uvs=None, name="flame-sized")
    return FlameBackend(flame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drags", type=int, default=10)
    args = parser.parse_args()

    from faceeditor.render.camera import OrbitCamera
    from faceeditor.sculpt import project, session_for
    from faceeditor.state import ParameterState

    backend = flame_sized_backend()
    state = ParameterState(backend, sampler=backend.sample, geometry_kinds=backend.geometry_kinds)
    session = session_for(state)
    size = (1000, 800)
    mesh = backend.evaluate_mesh(state.vector)
    camera = OrbitCamera.framing("front", mesh.vertices, aspect=1.25).camera()
    front = np.flatnonzero(mesh.vertices[:, 2] > 0.08)
    rows: dict[str, list[float]] = {}
    free: list[int] = []

    def timed(name: str, function):
        start = time.perf_counter()
        out = function()
        rows.setdefault(name, []).append((time.perf_counter() - start) * 1e3)
        return out

    for i in range(args.drags):
        expressions, symmetric = bool(i % 2), bool(i % 3 == 0)
        session.expressions, state.symmetry_lock = expressions, symmetric
        vertex = front[(i * 37) % len(front)]
        start = project(camera, mesh.vertices[vertex][None], size)[0]
        timed("hover: pick + highlight", lambda: session.highlight(
            session.hit(mesh, camera, start, size), mesh))
        assert session.grab(mesh, camera, start, size)
        free.append(len(session.grab_state.free))
        for step in range(1, 9):
            current = backend.evaluate_mesh(state.vector)
            session.drag(current, start + (0, -3 * step), size)
            rows.setdefault(f"drag update ({'expression' if expressions else 'shape'})",
                            []).append(session.last_solve_ms)
        session.settle(backend.evaluate_mesh(state.vector), start + (0, -24), size)
        rows.setdefault("settle after release", []).append(session.last_solve_ms)
        session.release()
        state.undo()
        timed("reference: one evaluate_mesh", lambda: backend.evaluate_mesh(state.vector))
    print(f"{'case':40s} {'median ms':>10s} {'p95 ms':>10s}")
    for name, values in rows.items():
        print(f"{name:40s} {np.median(values):10.2f} {np.percentile(values, 95):10.2f}")
    print(f"components solved for per drag: {min(free)} to {max(free)}")
    print("target: <= 15 ms per drag update")


if __name__ == "__main__":
    main()
