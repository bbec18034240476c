"""Tests for faceeditor.model.subdivide (one level of Loop subdivision)."""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np
import pytest
import trimesh

from faceeditor.model.mesh import FaceMesh
from faceeditor.model.subdivide import LoopSubdivision, subdivide


# --- mesh builders ------------------------------------------------------------------------


def make_mesh(vertices, faces, uvs=None, face_uvs=None, face_parts=None) -> FaceMesh:
    """A FaceMesh; by default one UV per vertex (no seams) and every face in part 0."""
    vertices = np.asarray(vertices, dtype=np.float32)
    faces = np.asarray(faces, dtype=np.int32)
    if uvs is None:
        uvs = vertices[:, :2].copy()
        face_uvs = faces.copy()
    if face_parts is None:
        face_parts = np.zeros(len(faces), dtype=np.uint8)
    return FaceMesh(
        vertices=vertices,
        normals=np.zeros_like(vertices),
        faces=faces,
        uvs=np.asarray(uvs, dtype=np.float32),
        face_uvs=np.asarray(face_uvs, dtype=np.int32),
        face_parts=np.asarray(face_parts, dtype=np.uint8),
    )


def from_trimesh(tm: trimesh.Trimesh) -> FaceMesh:
    return make_mesh(tm.vertices, tm.faces)


def tetrahedron() -> FaceMesh:
    v = [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]
    f = [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]
    return make_mesh(v, f)


def grid(n: int = 6) -> FaceMesh:
    """A flat open (n x n)-quad grid on [0, 1]^2 at z = 0, alternating diagonals."""
    xs = np.linspace(0.0, 1.0, n + 1)
    x, y = np.meshgrid(xs, xs, indexing="xy")
    vertices = np.stack([x.ravel(), y.ravel(), np.zeros(x.size)], axis=1)
    faces = []
    for j, i in itertools.product(range(n), range(n)):
        a = j * (n + 1) + i
        b, c, d = a + 1, a + n + 2, a + n + 1
        if (i + j) % 2:
            faces += [[a, b, c], [a, c, d]]
        else:
            faces += [[a, b, d], [b, c, d]]
    return make_mesh(vertices, faces)


def cylinder_with_seam(segments: int = 8) -> FaceMesh:
    """An open tube, 2 rings of ``segments`` vertices, UV u wrapping 0..1 with a seam at u = 0."""
    angle = 2 * np.pi * np.arange(segments) / segments
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    vertices = np.concatenate(
        [np.column_stack([ring, np.zeros(segments)]), np.column_stack([ring, np.ones(segments)])]
    )
    u = np.arange(segments + 1) / segments
    uvs = np.concatenate(
        [np.column_stack([u, np.zeros_like(u)]), np.column_stack([u, np.ones_like(u)])]
    )
    faces, face_uvs = [], []
    for i in range(segments):
        j = (i + 1) % segments
        # Vertices wrap around; UVs use column segments (u = 1) instead of column 0 at the end.
        faces += [[i, j, segments + j], [i, segments + j, segments + i]]
        ti, tj = i, i + 1
        face_uvs += [[ti, tj, segments + 1 + tj], [ti, segments + 1 + tj, segments + 1 + ti]]
    return make_mesh(vertices, faces, uvs, face_uvs)


def concatenate(*meshes: FaceMesh) -> FaceMesh:
    v_offset = np.cumsum([0] + [len(m.vertices) for m in meshes])
    t_offset = np.cumsum([0] + [len(m.uvs) for m in meshes])
    return make_mesh(
        np.concatenate([m.vertices for m in meshes]),
        np.concatenate([m.faces + o for m, o in zip(meshes, v_offset)]),
        np.concatenate([m.uvs for m in meshes]),
        np.concatenate([m.face_uvs + o for m, o in zip(meshes, t_offset)]),
        np.concatenate([m.face_parts for m in meshes]),
    )


def step_for(mesh: FaceMesh) -> LoopSubdivision:
    return LoopSubdivision.from_topology(
        mesh.faces, mesh.face_uvs, len(mesh.vertices), len(mesh.uvs)
    )


def to_trimesh(mesh: FaceMesh) -> trimesh.Trimesh:
    return trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)


# --- an independent, slow reference implementation ----------------------------------------


def reference_loop(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, list]:
    """Loop subdivision written the obvious way (dicts and loops) to check the vectorised one.

    Returns the new vertices (original vertices first, then one per edge in sorted order of
    (min, max) vertex index) and that edge list.
    """
    vertices = np.asarray(vertices, dtype=np.float64)
    edge_faces = defaultdict(list)
    for f, tri in enumerate(faces):
        for k in range(3):
            a, b = int(tri[k]), int(tri[(k + 1) % 3])
            edge_faces[(min(a, b), max(a, b))].append((f, int(tri[(k + 2) % 3])))
    edges = sorted(edge_faces)
    neighbours = defaultdict(set)
    crease_neighbours = defaultdict(set)
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
        if len(edge_faces[(a, b)]) != 2:
            crease_neighbours[a].add(b)
            crease_neighbours[b].add(a)
    even = np.empty_like(vertices)
    for v in range(len(vertices)):
        creases = crease_neighbours[v]
        if len(creases) == 2:
            even[v] = 0.75 * vertices[v] + 0.125 * sum(vertices[n] for n in creases)
        elif len(creases) > 2:
            even[v] = vertices[v]
        else:
            n = len(neighbours[v])
            if n == 0:
                even[v] = vertices[v]
                continue
            beta = 3.0 / 16.0 if n == 3 else 3.0 / (8.0 * n)
            even[v] = (1 - n * beta) * vertices[v] + beta * sum(vertices[u] for u in neighbours[v])
    odd = []
    for a, b in edges:
        incident = edge_faces[(a, b)]
        if len(incident) == 2:
            c, d = incident[0][1], incident[1][1]
            odd.append(0.375 * (vertices[a] + vertices[b]) + 0.125 * (vertices[c] + vertices[d]))
        else:
            odd.append(0.5 * (vertices[a] + vertices[b]))
    return np.concatenate([even, np.reshape(odd, (-1, 3))]), edges


def awkward_mesh() -> FaceMesh:
    """Boundary, a non-manifold fin (an edge with three faces), valence-3 vertices, an isolated
    vertex and a bowtie vertex (two fans meeting at one vertex, four boundary edges)."""
    g = grid(3)
    tet = tetrahedron()
    # Three triangles sharing the edge (0, 1), plus a bowtie: two triangles touching at vertex 5.
    fin_v = [[0, 0, 0], [1, 0, 0], [0.5, 1, 0], [0.5, -1, 0.2], [0.5, 0.1, 1],
             [2, 0, 0], [3, 1, 0], [3, -1, 0], [1.5, 1, 0.3]]
    fin_f = [[0, 1, 2], [1, 0, 3], [0, 1, 4], [5, 6, 7], [5, 8, 1]]
    fin = make_mesh(fin_v, fin_f)
    lone = make_mesh([[9.0, 9.0, 9.0]], np.zeros((0, 3), dtype=np.int32))
    rng = np.random.default_rng(0)
    mesh = concatenate(g, tet, fin, lone)
    jitter = rng.normal(scale=0.05, size=mesh.vertices.shape).astype(np.float32)
    return make_mesh(mesh.vertices + jitter, mesh.faces, mesh.uvs, mesh.face_uvs)


# --- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mesh", "num_edges"),
    [
        (tetrahedron(), 6),
        (from_trimesh(trimesh.creation.box()), 18),
        (from_trimesh(trimesh.creation.icosphere(subdivisions=2)), 480),
    ],
    ids=["tetrahedron", "cube", "icosphere"],
)
def test_counts(mesh: FaceMesh, num_edges: int) -> None:
    out = subdivide(mesh)
    v, f = len(mesh.vertices), len(mesh.faces)
    assert out.vertices.shape == (v + num_edges, 3)
    assert out.normals.shape == (v + num_edges, 3)
    assert out.faces.shape == (4 * f, 3)
    assert out.face_uvs.shape == (4 * f, 3)
    assert out.face_parts.shape == (4 * f,)
    # One UV per vertex and no seams: the UV edges are the position edges.
    assert out.uvs.shape == (v + num_edges, 2)
    assert out.faces.dtype == np.int32 and out.face_uvs.dtype == np.int32
    assert out.vertices.dtype == np.float32 and out.normals.dtype == np.float32
    assert out.uvs.dtype == np.float32 and out.face_parts.dtype == np.uint8
    # Euler characteristic is kept (V - E + F = 2 for these spheres).
    new_edges = 2 * num_edges + 3 * f
    assert len(out.vertices) - new_edges + len(out.faces) == 2


def test_counts_with_split_uvs() -> None:
    """Every corner with its own UV: E_uv = 3F distinct UV edges, so T' = 3F + 3F."""
    tm = trimesh.creation.box()
    f = len(tm.faces)
    uvs = np.random.default_rng(1).random((3 * f, 2))
    mesh = make_mesh(tm.vertices, tm.faces, uvs, np.arange(3 * f).reshape(f, 3))
    out = subdivide(mesh)
    assert out.uvs.shape == (6 * f, 2)
    assert len(out.vertices) == 8 + 18


def test_matches_slow_reference_on_awkward_mesh() -> None:
    mesh = awkward_mesh()
    step = step_for(mesh)
    expected, edges = reference_loop(mesh.vertices, mesh.faces)
    np.testing.assert_array_equal(step.edges, np.array(edges))
    got = step.apply(mesh.vertices.astype(np.float64))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    # The isolated vertex (the last one) stays put.
    np.testing.assert_array_equal(got[len(mesh.vertices) - 1], mesh.vertices[-1])


def test_operator_rows_sum_to_one() -> None:
    mesh = awkward_mesh()
    step = step_for(mesh)
    row_sums = np.add.reduceat(step.weights, step.indptr[:-1])
    np.testing.assert_allclose(row_sums, 1.0, atol=1e-12)
    assert step.indptr[-1] == len(step.indices) == len(step.weights)
    assert (np.diff(step.indptr) > 0).all()


def test_agrees_with_trimesh_where_the_rules_coincide() -> None:
    """trimesh uses Loop's original beta, equal to Warren's at valence 6; edge points agree."""
    tm = trimesh.creation.icosphere(subdivisions=2)
    ours = subdivide(from_trimesh(tm)).vertices.astype(np.float64)
    theirs, _ = trimesh.remesh.subdivide_loop(tm.vertices, tm.faces)
    v = len(tm.vertices)
    valence = np.bincount(tm.edges_unique.ravel(), minlength=v)
    regular = np.flatnonzero(valence == 6)
    assert len(regular) > 100
    np.testing.assert_allclose(ours[regular], theirs[regular], atol=1e-6)
    # Match edge points by position (the two orderings of edges may differ).
    distance = np.linalg.norm(ours[v:, None, :] - theirs[None, v:, :], axis=2)
    assert distance.min(axis=1).max() < 1e-6
    # And the valence-5 vertices do differ (Warren's beta is 3/40, Loop's about 0.0842).
    irregular = np.flatnonzero(valence == 5)
    assert np.abs(ours[irregular] - theirs[irregular]).max() > 1e-4


def test_icosphere_stays_near_the_sphere_and_gets_smoother() -> None:
    tm = trimesh.creation.icosphere(subdivisions=2)
    out = subdivide(from_trimesh(tm))
    radius = np.linalg.norm(out.vertices, axis=1)
    assert radius.max() <= 1.0 + 1e-6  # Loop on a convex mesh only shrinks
    assert np.abs(radius - 1.0).max() < 0.1
    # Smoother: the largest angle between neighbouring face normals drops well below the
    # input's (a midpoint split would keep it exactly).
    before = to_trimesh(from_trimesh(tm)).face_adjacency_angles.max()
    after = to_trimesh(out).face_adjacency_angles.max()
    assert after < 0.7 * before


def test_normals_are_unit_and_point_outward_on_a_sphere() -> None:
    out = subdivide(from_trimesh(trimesh.creation.icosphere(subdivisions=2)))
    np.testing.assert_allclose(np.linalg.norm(out.normals, axis=1), 1.0, atol=1e-5)
    radial = out.vertices / np.linalg.norm(out.vertices, axis=1, keepdims=True)
    assert (np.sum(out.normals * radial, axis=1) > 0.99).all()


def test_flat_grid_stays_flat_and_its_boundary_stays_on_the_boundary() -> None:
    n = 6
    mesh = grid(n)
    out = subdivide(mesh)
    np.testing.assert_array_equal(out.vertices[:, 2], 0.0)
    xy = out.vertices[:, :2].astype(np.float64)
    assert (xy >= -1e-7).all() and (xy <= 1 + 1e-7).all()

    tm = to_trimesh(out)
    once = trimesh.grouping.group_rows(tm.edges_sorted, require_count=1)
    boundary_edges = tm.edges_sorted[once]
    assert len(boundary_edges) == 2 * (4 * n)  # each boundary edge split in two
    boundary = np.unique(boundary_edges)
    # The four corners follow the boundary rule 3/4 v + 1/8 (n1 + n2), cutting the corner.
    h = 1.0 / n
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=np.float64)
    inward = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float64)
    corner_index = [0, n, (n + 1) * (n + 1) - 1, n * (n + 1)]
    np.testing.assert_allclose(xy[corner_index], corners + inward * h / 8, atol=1e-6)
    # Every other boundary vertex lies on one of the square's sides.
    rest = np.setdiff1d(boundary, corner_index)
    on_side = (np.abs(xy[rest]) < 1e-6) | (np.abs(xy[rest] - 1) < 1e-6)
    assert on_side.any(axis=1).all()
    # Interior vertices stay interior.
    interior = np.setdiff1d(np.arange(len(xy)), boundary)
    assert ((xy[interior] > 1e-6) & (xy[interior] < 1 - 1e-6)).all()


def test_uv_seam_gets_two_uv_midpoints_and_one_position_midpoint() -> None:
    segments = 8
    mesh = cylinder_with_seam(segments)
    step = step_for(mesh)
    out = subdivide(mesh)
    v, t = len(mesh.vertices), len(mesh.uvs)
    assert len(out.vertices) == v + 4 * segments
    assert len(out.uvs) == t + 4 * segments + 1  # the seam's vertical UV edge is doubled

    # The seam is the position edge (0, segments): exactly one new vertex on it ...
    seam_edge = int(np.flatnonzero((step.edges == [0, segments]).all(axis=1))[0])
    seam_vertex = v + seam_edge
    corners = out.faces == seam_vertex
    assert corners.sum() == 6  # three children on each side use it
    # ... but the faces around it see two different UV midpoints, at u = 0 and u = 1.
    seam_uvs = np.unique(out.face_uvs[corners])
    assert len(seam_uvs) == 2 and (seam_uvs >= t).all()
    np.testing.assert_allclose(np.sort(out.uvs[seam_uvs][:, 0]), [0.0, 1.0])
    np.testing.assert_allclose(out.uvs[seam_uvs][:, 1], [0.5, 0.5])


def test_corner_uvs_are_kept_and_new_uvs_are_midpoints() -> None:
    mesh = cylinder_with_seam(5)
    out = subdivide(mesh)
    np.testing.assert_array_equal(out.uvs[: len(mesh.uvs)], mesh.uvs)
    # Each parent corner's (vertex, uv) pair is still paired in the first three children.
    children = out.faces.reshape(-1, 4, 3)
    child_uvs = out.face_uvs.reshape(-1, 4, 3)
    for k in range(3):
        np.testing.assert_array_equal(children[:, k, 0], mesh.faces[:, k])
        np.testing.assert_array_equal(child_uvs[:, k, 0], mesh.face_uvs[:, k])
    # The middle child's UV corners sit halfway along the parent's UV sides.
    parent_uv = mesh.uvs[mesh.face_uvs]
    halfway = 0.5 * (parent_uv + np.roll(parent_uv, -1, axis=1))
    np.testing.assert_allclose(out.uvs[child_uvs[:, 3]], halfway, atol=1e-7)


def test_batch_apply_equals_per_item_apply() -> None:
    mesh = from_trimesh(trimesh.creation.icosphere(subdivisions=2))
    step = step_for(mesh)
    deltas = np.random.default_rng(2).normal(size=(5, len(mesh.vertices), 3)).astype(np.float32)
    batch = step.apply(deltas)
    assert batch.shape == (5, step.shape[0], 3) and batch.dtype == np.float32
    for k in range(5):
        np.testing.assert_allclose(batch[k], step.apply(deltas[k]), rtol=0, atol=1e-6)
    # float32 arithmetic stays close to float64, which comes back as float64.
    wide = step.apply(deltas.astype(np.float64))
    assert wide.dtype == np.float64
    np.testing.assert_allclose(batch, wide, rtol=0, atol=1e-5)
    # Deeper batches too.
    deep = step.apply(deltas.reshape(5, 1, -1, 3))
    np.testing.assert_allclose(deep[:, 0], batch, rtol=0, atol=1e-6)


def test_apply_is_linear() -> None:
    mesh = awkward_mesh()
    step = step_for(mesh)
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, len(mesh.vertices), 3))
    np.testing.assert_allclose(step.apply(a + b), step.apply(a) + step.apply(b), atol=1e-12)
    np.testing.assert_allclose(step.apply(2.5 * a), 2.5 * step.apply(a), atol=1e-12)
    # Affine invariance: translating the input translates the output.
    shift = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(step.apply(a + shift), step.apply(a) + shift, atol=1e-12)


def test_face_parts_are_inherited() -> None:
    tm = trimesh.creation.icosphere(subdivisions=1)
    parts = (np.arange(len(tm.faces)) % 5).astype(np.uint8)
    mesh = make_mesh(tm.vertices, tm.faces, face_parts=parts)
    out = subdivide(mesh)
    np.testing.assert_array_equal(out.face_parts, np.repeat(parts, 4))
    # And the children of face f really lie on face f: they use its three corners.
    children = out.faces.reshape(-1, 4, 3)
    np.testing.assert_array_equal(np.sort(children[:, :3, 0], axis=1), np.sort(tm.faces, axis=1))


def test_watertight_icosphere_stays_watertight_and_consistently_wound() -> None:
    tm = trimesh.creation.icosphere(subdivisions=2)
    out = to_trimesh(subdivide(from_trimesh(tm)))
    assert out.is_watertight
    assert out.is_winding_consistent
    assert out.volume > 0  # still wound outward


@pytest.mark.parametrize("builder", [grid, cylinder_with_seam, awkward_mesh])
def test_open_meshes_keep_consistent_winding(builder) -> None:
    mesh = builder()
    out = subdivide(mesh)
    # Each child's oriented sides follow its parent's: corner k -> midpoint k.
    children = out.faces.reshape(-1, 4, 3)
    for k in range(3):
        np.testing.assert_array_equal(children[:, k, 0], mesh.faces[:, k])
    if builder is not awkward_mesh:  # trimesh's check needs a manifold mesh
        assert to_trimesh(out).is_winding_consistent


def test_two_disjoint_components_subdivide_independently() -> None:
    a = from_trimesh(trimesh.creation.icosphere(subdivisions=1))
    b_tm = trimesh.creation.icosphere(subdivisions=2)
    b_tm.apply_translation([3.0, 0.0, 0.0])
    b = grid(4)  # an open component beside a closed one
    b = make_mesh(b.vertices + [0.0, 5.0, 0.0], b.faces)
    c = from_trimesh(b_tm)
    both = concatenate(a, b, c)
    out = subdivide(both)
    parts = [subdivide(m) for m in (a, b, c)]
    # Original vertices come first, in order; then the edge points, component by component
    # (edges are sorted by their smaller vertex index).
    expected = np.concatenate(
        [p.vertices[: len(m.vertices)] for p, m in zip(parts, (a, b, c))]
        + [p.vertices[len(m.vertices) :] for p, m in zip(parts, (a, b, c))]
    )
    np.testing.assert_allclose(out.vertices, expected, atol=1e-6)
    assert len(out.faces) == sum(len(p.faces) for p in parts)
    # No new vertex mixes components: every row of S stays within one component's columns.
    step = step_for(both)
    component = np.repeat([0, 1, 2], [len(a.vertices), len(b.vertices), len(c.vertices)])
    row_of_entry = np.repeat(np.arange(step.shape[0]), np.diff(step.indptr))
    row_component = component[step.indices[step.indptr[:-1]]]
    np.testing.assert_array_equal(component[step.indices], row_component[row_of_entry])


def test_torch_mesh_is_refused_with_a_clear_error() -> None:
    torch = pytest.importorskip("torch")
    mesh = tetrahedron()
    mesh = FaceMesh(
        vertices=torch.from_numpy(mesh.vertices),
        normals=torch.from_numpy(mesh.normals),
        faces=mesh.faces,
        uvs=mesh.uvs,
        face_uvs=mesh.face_uvs,
        face_parts=mesh.face_parts,
    )
    with pytest.raises(TypeError, match=r"mesh\.vertices.*detach\(\)\.cpu\(\)\.numpy\(\)"):
        subdivide(mesh)


def test_bad_inputs_raise_with_the_numbers_involved() -> None:
    mesh = tetrahedron()
    with pytest.raises(ValueError, match=r"\[0, 3\], expected \[0, 3\)"):
        LoopSubdivision.from_topology(mesh.faces, mesh.face_uvs, 3, 4)
    with pytest.raises(ValueError, match=r"face_uvs has shape \(2, 3\)"):
        LoopSubdivision.from_topology(mesh.faces, mesh.face_uvs[:2], 4, 4)
    step = LoopSubdivision.from_topology(mesh.faces, mesh.face_uvs, 4, 4)
    with pytest.raises(ValueError, match=r"\(\.\.\., 4, C\), got \(5, 3\)"):
        step.apply(np.zeros((5, 3)))


def test_two_levels_stay_close_to_the_sphere() -> None:
    """Repeated steps converge: vertices move inward less and less, the radius evens out."""
    mesh = from_trimesh(trimesh.creation.icosphere(subdivisions=0))
    once = subdivide(mesh)
    twice = subdivide(once)
    r1 = np.linalg.norm(once.vertices, axis=1)
    r2 = np.linalg.norm(twice.vertices, axis=1)
    assert len(twice.vertices) == 12 + 30 + 120
    # Converging: the radius spread shrinks from one level to the next.
    assert np.ptp(r2) < np.ptp(r1)
    assert r2.max() < r1.max() <= 1.0 + 1e-6


def test_the_default_head_subdivides_cleanly() -> None:
    """The real head: open boundaries, several components and UV seams."""
    from faceeditor.model.face_model import load_default_model

    head = load_default_model().evaluate()
    out = subdivide(head)
    tm_in = to_trimesh(head)
    tm_out = to_trimesh(out)
    num_edges = len(tm_in.edges_unique)
    assert len(out.vertices) == len(head.vertices) + num_edges
    assert len(out.faces) == 4 * len(head.faces)
    assert tm_out.is_winding_consistent == tm_in.is_winding_consistent
    assert np.isfinite(out.vertices).all()
    np.testing.assert_allclose(np.linalg.norm(out.normals, axis=1), 1.0, atol=1e-4)
    np.testing.assert_array_equal(np.bincount(out.face_parts), 4 * np.bincount(head.face_parts))
    # Each boundary edge is split in two; no other edge becomes a boundary.
    def boundary_count(tm: trimesh.Trimesh) -> int:
        return len(trimesh.grouping.group_rows(tm.edges_sorted, require_count=1))

    assert boundary_count(tm_out) == 2 * boundary_count(tm_in)
    # One subdivision step moves vertices by a fraction of an edge, not across the head.
    size = np.ptp(head.vertices, axis=0).max()
    moved = np.linalg.norm(out.vertices[: len(head.vertices)] - head.vertices, axis=1)
    assert moved.max() < 0.05 * size
