"""Where hair grows on the rest head: landmarks, the scalp hairline, collision and projection.

Everything here is measured once on the neutral head the hair is grown on (``HeadShape.of``);
the grown strands are then bound to its triangles and follow every other head.
Coordinates follow ``FaceMesh``: metres, Y up, the face toward +Z, the subject's left at +X.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property

import numpy as np

from faceeditor.hair.strands import card_sides
from faceeditor.model.mesh import PART_NAMES, FaceMesh
from faceeditor.model.surface import SurfacePoints, closest_on_candidates, closest_points


@dataclasses.dataclass(frozen=True)
class HeadShape:
    """The rest head and its landmarks.

    Attributes:
        vertices, normals: (V, 3) float64 rest positions and unit normals.
        faces: (F, 3) triangles; ``skin``: (F_skin,) indices of the skin triangles;
        ``face_parts``: (F,) the part of every triangle (``PART_NAMES``).
        eye_centres: (2, 3) centres of the left (+X) and right eyeballs' visible front.
        centre, radius: the sphere fitted to the cranium (above the brows).
    """

    vertices: np.ndarray
    normals: np.ndarray
    faces: np.ndarray
    skin: np.ndarray
    eye_centres: np.ndarray
    centre: np.ndarray
    radius: float
    face_parts: np.ndarray
    _cache: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, mesh: FaceMesh) -> HeadShape:
        vertices = np.asarray(mesh.vertices, np.float64)
        normals = np.asarray(mesh.normals, np.float64)
        faces = np.asarray(mesh.faces, np.int64)
        parts = np.asarray(mesh.face_parts)
        skin = np.flatnonzero(parts == PART_NAMES.index("skin"))
        eye_vertices = vertices[np.unique(faces[parts == PART_NAMES.index("eyes")])]
        eye_centres = np.array([
            eye_vertices[eye_vertices[:, 0] > 0].mean(0), eye_vertices[eye_vertices[:, 0] < 0].mean(0)])
        eye_centres[:, 1] = eye_vertices[:, 1].mean()  # the same height on both sides
        skin_vertices = vertices[np.unique(faces[skin])]
        cranium = skin_vertices[skin_vertices[:, 1] > eye_centres[0, 1] + 0.035]
        centre, radius = _fit_sphere(cranium)
        return cls(vertices, normals, faces, skin, eye_centres, centre, radius, parts)

    # -- derived measurements ---------------------------------------------------------------

    @property
    def eye_y(self) -> float:
        return float(self.eye_centres[0, 1])

    @cached_property
    def skin_vertex_ids(self) -> np.ndarray:
        return np.unique(self.faces[self.skin])

    @cached_property
    def outer(self) -> np.ndarray:
        """Triangle ids of the head's outer surface: the skin and the front of the eyeballs in
        its openings (what hair must stay outside of; the back of an eyeball, facing into the
        head, would read the head's inside as outside)."""
        eyes = np.flatnonzero(self.face_parts == PART_NAMES.index("eyes"))
        corners = self.vertices[self.faces[eyes]]
        front = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])[:, 2] > 0
        return np.concatenate([self.skin, eyes[front]])

    @cached_property
    def outer_vertex_ids(self) -> np.ndarray:
        return np.unique(self.faces[self.outer])

    @cached_property
    def vertex_tree(self):
        """A k-d tree of the outer surface's vertices (``outer_vertex_ids`` order)."""
        from scipy.spatial import cKDTree

        return cKDTree(self.vertices[self.outer_vertex_ids])

    def _tree(self, triangles: np.ndarray):
        key = ("tree", len(triangles))
        if key not in self._cache:
            from scipy.spatial import cKDTree

            self._cache[key] = cKDTree(self.vertices[self.faces[triangles]].mean(1))
        return self._cache[key]

    def push_out(self, points: np.ndarray, clearance) -> np.ndarray:
        """``points`` ((..., 3)) moved along the face normal of their nearest skin triangle
        until they are at least ``clearance`` (metres, scalar or broadcastable to (...)) above
        its plane; points already higher stay."""
        flat = points.reshape(-1, 3)
        triangles, weights = self.nearest_surface(flat)
        corners = self.vertices[self.faces[triangles]]
        nearest = np.einsum("nk,nkd->nd", weights, corners)
        normal = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
        normal /= np.maximum(np.linalg.norm(normal, axis=-1, keepdims=True), 1e-20)
        height = ((flat - nearest) * normal).sum(-1)
        need = np.broadcast_to(np.asarray(clearance, np.float64), points.shape[:-1]).reshape(-1)
        lift = np.maximum(need - height, 0.0)
        return (flat + lift[:, None] * normal).reshape(points.shape)

    def lift_card_edges(self, points: np.ndarray, ref: np.ndarray, widths: np.ndarray,
                        clearance: float, rounds: int = 8) -> np.ndarray:
        """Card centre lines ``points`` ((N, K, 3); cards facing ``ref``, ``widths`` wide, see
        ``strands.card_sides``) moved out until both edges are ``clearance`` (metres) above the
        skin: a flat card across the curved scalp, or over an ear, dips its edges in where its
        centre is clear. Each round lifts along one triangle's normal (which in a crease can
        land under its neighbour) and turns the cards a little (their sides follow the centre
        line): later rounds revisit the cards the last one moved."""
        points = points.copy()
        active = np.arange(len(points))
        for _ in range(rounds):
            sides = card_sides(points[active], ref[active], widths[active])
            edges = points[active] + np.array([-1.0, 1.0])[:, None, None, None] * sides
            lifts = self.push_out(edges, clearance) - edges  # (2, A, K, 3)
            right = (lifts[1] ** 2).sum(-1) > (lifts[0] ** 2).sum(-1)
            lift = np.where(right[..., None], lifts[1], lifts[0])
            points[active] += lift
            active = active[(lift ** 2).sum(-1).max(1) > 1e-12]
            if not len(active):
                break
        # what the lifts could not clear (an ear's folds, where the nearest triangle's plane
        # misleads): lift along the normal at the nearest outer point, as signed_distance reads it
        active = np.arange(len(points))
        for _ in range(3):
            sides = card_sides(points[active], ref[active], widths[active])
            edges = points[active] + np.array([-1.0, 1.0])[:, None, None, None] * sides
            depth, normal = self._outer_nearest(edges.reshape(-1, 3))
            need = np.maximum(0.5 * clearance - depth, 0.0).reshape(edges.shape[:-1])
            lifts = need[..., None] * normal.reshape(edges.shape)
            right = need[1] > need[0]
            lift = np.where(right[..., None], lifts[1], lifts[0])
            points[active] += lift
            active = active[need.max(0).max(1) > 0]
            if not len(active):
                break
        return points

    def signed_distance(self, points: np.ndarray) -> np.ndarray:
        """(N,) distance of ``points`` ((N, 3)) to the outer surface (skin and eyeballs),
        negative inside. The side is read from the interpolated vertex normal at the nearest
        point (a face normal misreads points beside a thin rim whose nearest point lies on an
        edge), and a point that reads inside is inside only if the head also winds around it
        (``winding_numbers`` > 1/2): beside the ear's rim, or below the neck's open cut edge,
        the normal at the nearest point says little about the side."""
        return self._outer_nearest(points)[0]

    def _outer_nearest(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``signed_distance`` and the (N, 3) vertex normal at each point's nearest point."""
        triangles, weights = self.nearest_surface(points, among=self.outer)
        corners = self.vertices[self.faces[triangles]]
        nearest = np.einsum("nk,nkd->nd", weights, corners)
        offset = points - nearest
        normals = self.normals_at(triangles, weights)
        inside = (offset * normals).sum(-1) < 0
        inside[inside] = self.winding_numbers(points[inside]) > 0.5
        return np.linalg.norm(offset, axis=-1) * np.where(inside, -1.0, 1.0), normals

    def winding_numbers(self, points: np.ndarray) -> np.ndarray:
        """(N,) generalised winding number of the whole head mesh (skin, eyes, mouth) around
        ``points`` ((N, 3)): 1 inside, 0 outside, between the two near its openings (the neck's
        cut edge). Solid angles of every triangle (Van Oosterom and Strackee), so keep N small."""
        corners = self.vertices[self.faces]  # (F, 3, 3)
        out = np.zeros(len(points))
        for start in range(0, len(points), 32):
            rel = corners[None] - points[start:start + 32, None, None]  # (n, F, 3, 3)
            a, b, c = rel[:, :, 0], rel[:, :, 1], rel[:, :, 2]
            la, lb, lc = (np.linalg.norm(x, axis=-1) for x in (a, b, c))
            det = np.einsum("nfd,nfd->nf", a, np.cross(b, c))
            dot = lambda u, v: np.einsum("nfd,nfd->nf", u, v)  # noqa: E731
            den = la * lb * lc + dot(a, b) * lc + dot(b, c) * la + dot(c, a) * lb
            out[start:start + 32] = np.arctan2(det, den).sum(1) / (2 * np.pi)
        return out

    def nearest_surface(self, points: np.ndarray, k: int = 8, among: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
        """(triangle (N,), barycentric weights (N, 3)) of the nearest skin point (or of the
        nearest point on the triangles ``among``) to each of ``points`` ((N, 3)), searched
        among the ``k`` triangles with the nearest centroids."""
        among = self.skin if among is None else among
        points = np.asarray(points, np.float64).reshape(-1, 3)
        _, near = self._tree(among).query(points, k=k)
        triangles = np.zeros(len(points), np.int64)
        weights = np.zeros((len(points), 3))
        for start in range(0, len(points), 4096):  # blocks bound the (n, k, 3, 3) corners
            block = slice(start, start + 4096)
            triangles[block], weights[block], _ = closest_on_candidates(
                points[block], self.vertices, self.faces, among[near[block]])
        return triangles, weights

    def project_front(self, xy: np.ndarray) -> SurfacePoints:
        """The frontmost skin point under each (x, y) ((N, 2)), looking along -Z (the nearest
        skin point to (x, y, front) where no skin triangle covers it)."""
        xy = np.asarray(xy, np.float64).reshape(-1, 2)
        tris, weights, hit = self.front_hits(xy, self.skin)
        for i in np.flatnonzero(~hit):
            tri, w, _ = closest_points(np.r_[xy[i], 0.2][None], self.vertices, self.faces, self.skin)
            tris[i], weights[i] = tri[0], w[0]
        return SurfacePoints(tris, weights)

    def front_hits(self, xy: np.ndarray, candidates: np.ndarray):
        """Frontmost of ``candidates`` (triangle ids) under each (x, y): (triangles (N,),
        weights (N, 3), hit (N,) bool); triangles facing away from +Z are ignored."""
        corners = self.vertices[self.faces[candidates]]
        front = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])[:, 2] > 0
        lo, hi = corners[:, :, :2].min(1), corners[:, :, :2].max(1)
        if len(xy):  # only triangles over the queried area (an eyebrow, not the whole head)
            front &= (hi >= xy.min(0)).all(1) & (lo <= xy.max(0)).all(1)
        tris, corners, lo, hi = candidates[front], corners[front], lo[front], hi[front]
        best_t = np.zeros(len(xy), np.int64)
        best_w = np.zeros((len(xy), 3))
        hit = np.zeros(len(xy), bool)
        for start in range(0, len(xy), 256):  # every (point, box) pair of a block at once
            block = xy[start:start + 256]
            near = np.flatnonzero((hi >= block.min(0)).all(1) & (lo <= block.max(0)).all(1))
            inbox = (lo[near] <= block[:, None]).all(-1) & (hi[near] >= block[:, None]).all(-1)
            at, box = np.nonzero(inbox)  # by point, then in candidate order
            box = near[box]
            c, p = corners[box], block[at]
            v0, v1, v2 = c[:, 1, :2] - c[:, 0, :2], c[:, 2, :2] - c[:, 0, :2], p - c[:, 0, :2]
            den = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
            with np.errstate(divide="ignore", invalid="ignore"):
                u = (v2[:, 0] * v1[:, 1] - v1[:, 0] * v2[:, 1]) / den
                v = (v0[:, 0] * v2[:, 1] - v2[:, 0] * v0[:, 1]) / den
            inside = (u >= 0) & (v >= 0) & (u + v <= 1) & (den != 0)
            w = np.stack([1 - u, u, v], -1)
            w[:, 0] -= v
            z = np.einsum("nk,nk->n", w, c[:, :, 2])
            at, box, w, z = at[inside], box[inside], w[inside], z[inside]
            top = np.full(len(block), -np.inf)
            np.maximum.at(top, at, z)
            first = np.flatnonzero(z == top[at])  # the frontmost; the first of equals
            first = first[np.unique(at[first], return_index=True)[1]]
            rows = start + at[first]
            best_t[rows], best_w[rows], hit[rows] = tris[box[first]], w[first], True
        return best_t, best_w, hit

    def azimuth(self, points: np.ndarray) -> np.ndarray:
        """Angle (degrees) around the vertical axis through the cranium's centre: 0 at the face,
        +-180 at the back, positive on the subject's left."""
        d = np.asarray(points)[..., [0, 2]] - self.centre[[0, 2]]
        return np.degrees(np.arctan2(d[..., 0], d[..., 1]))

    def sample_skin(self, count: int, rng: np.random.Generator,
                    keep=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``count`` area-uniform points on the skin (triangles (N,), weights (N, 3),
        positions (N, 3)), optionally only triangles whose centroid passes ``keep(centroids)``."""
        tris = self.skin
        corners = self.vertices[self.faces[tris]]
        if keep is not None:
            mask = keep(corners.mean(1))
            tris, corners = tris[mask], corners[mask]
        if count == 0 or len(tris) == 0:
            return np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros((0, 3))
        area = 0.5 * np.linalg.norm(np.cross(corners[:, 1] - corners[:, 0],
                                             corners[:, 2] - corners[:, 0]), axis=1)
        pick = rng.choice(len(tris), size=count, p=area / area.sum())
        r1, r2 = rng.random(count), rng.random(count)
        s = np.sqrt(r1)
        weights = np.stack([1 - s, s * (1 - r2), s * r2], -1)
        positions = np.einsum("nk,nkd->nd", weights, corners[pick])
        return tris[pick], weights, positions

    def normals_at(self, triangles: np.ndarray, weights: np.ndarray) -> np.ndarray:
        n = np.einsum("nk,nkd->nd", weights, self.normals[self.faces[triangles]])
        return n / np.linalg.norm(n, axis=-1, keepdims=True)

    @cached_property
    def lid_margins(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Upper and lower lid margins of each eye, found by looking at the face from the front:
        where, above and below the eye's centre, the frontmost surface turns from eyeball to
        skin. Keys ``upper_left``, ``lower_left``, ``upper_right``, ``lower_right``; values
        (triangles (n,), weights (n, 3)) from the inner corner outward (n = 16)."""
        margins = {}
        all_tris = np.arange(len(self.faces))
        skin_mask = np.zeros(len(self.faces), bool)
        skin_mask[self.skin] = True
        for side, centre in zip(("left", "right"), self.eye_centres):
            near = np.abs(self.vertices[self.faces].mean(1) - centre)
            region = all_tris[(near[:, 0] < 0.03) & (near[:, 1] < 0.025)]
            ys = centre[1] + np.arange(-0.010, 0.0101, 0.0003)
            xs = centre[0] + np.sign(centre[0]) * np.linspace(-0.02, 0.02, 49)
            grid = np.stack(np.meshgrid(xs, ys, indexing="ij"), -1).reshape(-1, 2)
            tris, weights, hit = self.front_hits(grid, region)
            eye = (hit & ~skin_mask[tris]).reshape(len(xs), len(ys))
            columns = np.flatnonzero(eye.any(1))
            columns = columns[1:-1]  # the corners themselves are too tight for lashes
            pick = np.linspace(0, len(columns) - 1, 16).round().astype(int)
            rows_t, rows_w = tris.reshape(len(xs), len(ys)), weights.reshape(len(xs), len(ys), 3)
            for lid in ("upper", "lower"):
                t_out, w_out = [], []
                for col in columns[pick]:
                    eye_rows = np.flatnonzero(eye[col])
                    row = eye_rows.max() + 1 if lid == "upper" else eye_rows.min() - 1
                    row = int(np.clip(row, 0, len(ys) - 1))
                    t_out.append(rows_t[col, row])
                    w_out.append(rows_w[col, row])
                margins[f"{lid}_{side}"] = (np.array(t_out), np.array(w_out))
        return margins


def _fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares sphere through ``points`` ((N, 3)): (centre (3,), radius)."""
    a = np.c_[2 * points, np.ones(len(points))]
    b = (points ** 2).sum(1)
    solution, *_ = np.linalg.lstsq(a, b, rcond=None)
    centre = solution[:3]
    return centre, float(np.sqrt(solution[3] + centre @ centre))
