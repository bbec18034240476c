"""FLAME (Li et al. 2017) from the user's own files, without chumpy.

Files (from flame.is.tue.mpg.de after registration; FLAME2020 is the usual one):

* ``generic_model.pkl`` (also ``male_model.pkl`` / ``female_model.pkl``): a Python 2 pickle of a
  dict. ``v_template`` (V, 3), ``shapedirs`` (V, 3, 400: 300 shape then 100 expression
  components, a chumpy ``Ch``), ``posedirs`` (V, 3, 36), ``J_regressor`` (5, V, scipy sparse),
  ``weights`` (V, 5), ``kintree_table`` (2, 5), ``f`` (F, 3). Read with the allow-list unpickler.
* ``head_template.obj``: the same mesh with texture coordinates (FLAME's UV layout).
* texture spaces: ``FLAME_texture.npz`` (``mean``, ``tex_dir``; 0..255) and
  ``FLAME_albedo_from_BFM.npz`` (``MU``, ``PC``; 0..1), both 512 x 512 x 3 images in BGR order,
  top row first, flattened (DECA's ``FLAMETex`` convention).

The forward pass is smplx's ``lbs`` in numpy: shape and expression blendshapes, joints from the
shaped mesh, pose-corrective blendshapes, then linear blend skinning over the five joints
(global, neck, jaw, left eye, right eye), each posed by an axis-angle rotation.

DECA/EMOCA/MICA codes: ``shape.npy`` / ``shapecode.npy`` (first components of the 300),
``exp.npy`` / ``expcode.npy`` (first of the 100), ``pose.npy`` / ``posecode.npy`` (6 values:
global + jaw, or the full 15), and MICA's ``identity.npy`` (300 shape values).
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from faceeditor.backends.unpickler import safe_load

log = logging.getLogger(__name__)

JOINT_NAMES = ("global", "neck", "jaw", "left_eye", "right_eye")
NUM_EXPRESSION = 100
CODE_FILES = {
    "shape": ("shape.npy", "shapecode.npy"),
    "expression": ("exp.npy", "expcode.npy"),
    "pose": ("pose.npy", "posecode.npy"),
    "identity": ("identity.npy",),
    "texture": ("tex.npy", "texcode.npy"),
}


class FlameFormatError(ValueError):
    """A file that is not a FLAME model, texture space or code in the expected layout."""


@dataclasses.dataclass(frozen=True)
class TextureSpace:
    """A linear albedo space: ``image = mean + basis @ coefficients``.

    Attributes:
        mean: (H * W * 3,) float32 in [0, 1], RGB, top row first.
        basis: (H * W * 3, K) float32.
        size: H (= W).
        name: the file it came from.
    """

    mean: np.ndarray
    basis: np.ndarray
    size: int
    name: str

    def image(self, coefficients: np.ndarray) -> np.ndarray:
        """(K',) coefficients (the first K' components) -> (H, W, 3) uint8 sRGB albedo."""
        k = min(len(coefficients), self.basis.shape[1])
        flat = self.mean + self.basis[:, :k] @ np.asarray(coefficients[:k], np.float32)
        pixels = np.clip(flat.reshape(self.size, self.size, 3), 0.0, 1.0)
        return (pixels * 255.0 + 0.5).astype(np.uint8)


@dataclasses.dataclass(frozen=True)
class FlameModel:
    """The constant data of FLAME. Arrays are float32 unless noted.

    Attributes:
        v_template: (V, 3) template vertices, metres.
        shapedirs: (V * 3, S) identity blendshapes (S = 300 in FLAME2020).
        exprdirs: (V * 3, E) expression blendshapes (E = 100).
        posedirs: (9 * (J - 1), V * 3) pose-corrective blendshapes.
        j_regressor: (J, V) joints from vertices.
        weights: (V, J) skinning weights.
        parents: (J,) int64 parent joint, -1 for the root.
        faces: (F, 3) int32.
        uvs: (T, 2) texture coordinates (OBJ convention, origin bottom left) or None.
        face_uvs: (F, 3) int32 indices into ``uvs`` or None.
        name: the file it came from.
    """

    v_template: np.ndarray
    shapedirs: np.ndarray
    exprdirs: np.ndarray
    posedirs: np.ndarray
    j_regressor: np.ndarray
    weights: np.ndarray
    parents: np.ndarray
    faces: np.ndarray
    uvs: np.ndarray | None
    face_uvs: np.ndarray | None
    name: str

    @property
    def num_shape(self) -> int:
        return self.shapedirs.shape[1]

    @property
    def num_expression(self) -> int:
        return self.exprdirs.shape[1]

    @property
    def num_vertices(self) -> int:
        return self.v_template.shape[0]


def _dense(value, name: str, ndim: int) -> np.ndarray:
    """A numpy array from an array, a chumpy stand-in or a sparse stand-in."""
    try:
        array = np.asarray(value.toarray() if hasattr(value, "toarray") else value)
    except pickle.UnpicklingError as error:
        raise FlameFormatError(f"FLAME field {name!r}: {error}") from None
    if array.dtype == object or array.ndim != ndim:
        raise FlameFormatError(f"FLAME field {name!r} must be a {ndim}-D array, got "
                               f"{array.dtype} {array.shape}")
    return array


def load_flame(path: str | Path, uv_obj: str | Path | None = None,
               data: Mapping | None = None) -> FlameModel:
    """FLAME from ``generic_model.pkl`` (chumpy arrays read without chumpy), with UVs from
    ``uv_obj`` (``head_template.obj``) when given; ``data``: the pickle's dict if already read.

    Raises:
        UnsafePickleError: the pickle refers to code outside the allow-list.
        FlameFormatError: the file is not a FLAME model.
    """
    path = Path(path)
    data = safe_load(path) if data is None else data
    if not isinstance(data, Mapping) or "v_template" not in data:
        raise FlameFormatError(f"{path.name} is not a FLAME model (no v_template)")
    missing = {"shapedirs", "posedirs", "J_regressor", "weights", "kintree_table", "f"} - set(data)
    if missing:
        raise FlameFormatError(f"{path.name} lacks FLAME fields: {', '.join(sorted(missing))}")
    v_template = _dense(data["v_template"], "v_template", 2).astype(np.float32)
    num_vertices = v_template.shape[0]
    blend = _dense(data["shapedirs"], "shapedirs", 3).astype(np.float32)
    if blend.shape[:2] != (num_vertices, 3) or blend.shape[2] <= NUM_EXPRESSION:
        raise FlameFormatError(f"{path.name}: shapedirs has shape {blend.shape}, expected "
                               f"({num_vertices}, 3, shape + {NUM_EXPRESSION})")
    num_shape = blend.shape[2] - NUM_EXPRESSION
    posedirs = _dense(data["posedirs"], "posedirs", 3).astype(np.float32)
    j_regressor = _dense(data["J_regressor"], "J_regressor", 2).astype(np.float32)
    weights = _dense(data["weights"], "weights", 2).astype(np.float32)
    kintree = _dense(data["kintree_table"], "kintree_table", 2).astype(np.int64)
    faces = _dense(data["f"], "f", 2).astype(np.int32)
    num_joints = j_regressor.shape[0]
    parents = kintree[0].copy()
    parents[0] = -1  # stored as uint32 4294967295
    if (j_regressor.shape[1] != num_vertices or weights.shape != (num_vertices, num_joints)
            or posedirs.shape != (num_vertices, 3, 9 * (num_joints - 1))
            or len(parents) != num_joints or faces.max() >= num_vertices):
        raise FlameFormatError(f"{path.name}: inconsistent FLAME arrays (J_regressor "
                               f"{j_regressor.shape}, weights {weights.shape}, posedirs "
                               f"{posedirs.shape}, {num_vertices} vertices)")
    uvs = face_uvs = None
    if uv_obj is not None:
        faces, uvs, face_uvs = _uv_layout(Path(uv_obj), faces, num_vertices)
    return FlameModel(
        v_template=v_template,
        shapedirs=np.ascontiguousarray(blend[:, :, :num_shape].reshape(-1, num_shape)),
        exprdirs=np.ascontiguousarray(blend[:, :, num_shape:].reshape(-1, NUM_EXPRESSION)),
        posedirs=np.ascontiguousarray(posedirs.reshape(-1, posedirs.shape[2]).T),
        j_regressor=j_regressor, weights=weights, parents=parents, faces=faces,
        uvs=uvs, face_uvs=face_uvs, name=path.name,
    )


def read_obj_uvs(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(F, 3) int32 vertex indices, (T, 2) float32 UVs and (F, 3) int32 UV indices of a
    triangle OBJ (``f v/vt`` or ``f v/vt/vn``; 1-based, as OBJ writes them)."""
    uvs: list[tuple[float, float]] = []
    faces: list[list[int]] = []
    face_uvs: list[list[int]] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                parts = line.split()
                if not parts:
                    continue
                if parts[0] == "vt":
                    uvs.append((float(parts[1]), float(parts[2])))
                elif parts[0] == "f":
                    corners = [corner.split("/") for corner in parts[1:]]
                    if len(corners) != 3 or any(len(c) < 2 or not c[1] for c in corners):
                        raise FlameFormatError(f"{path.name}: faces must be triangles with "
                                               "texture coordinates (f v/vt)")
                    faces.append([int(c[0]) - 1 for c in corners])
                    face_uvs.append([int(c[1]) - 1 for c in corners])
    except (ValueError, IndexError) as error:
        raise FlameFormatError(f"{path.name}: unreadable OBJ line ({error})") from None
    if not faces or not uvs:
        raise FlameFormatError(f"{path.name} has no textured faces")
    return (np.array(faces, np.int32), np.array(uvs, np.float32), np.array(face_uvs, np.int32))


def _uv_layout(path: Path, faces: np.ndarray, num_vertices: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Faces, UVs and UV indices from ``head_template.obj``; its faces index the same vertices."""
    obj_faces, uvs, face_uvs = read_obj_uvs(path)
    if obj_faces.max() >= num_vertices or face_uvs.max() >= len(uvs):
        raise FlameFormatError(f"{path.name} does not fit the FLAME model ({num_vertices} "
                               "vertices)")
    if obj_faces.shape != faces.shape or not np.array_equal(obj_faces, faces):
        log.info("%s lists faces in another order than the model; using the OBJ's", path.name)
    return obj_faces, uvs, face_uvs


def load_texture_space(path: str | Path) -> TextureSpace:
    """``FLAME_texture.npz`` (mean, tex_dir; 0..255) or ``FLAME_albedo_from_BFM.npz`` (MU, PC;
    0..1): BGR 512 x 512 images, flattened. Returned in RGB, [0, 1]."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            if "mean" in npz and "tex_dir" in npz:
                mean, basis, scale = npz["mean"], npz["tex_dir"], 1.0 / 255.0
            elif "MU" in npz and "PC" in npz:
                mean, basis, scale = npz["MU"], npz["PC"], 1.0
            else:
                raise FlameFormatError(f"{path.name} is not a FLAME texture space (needs mean/"
                                       f"tex_dir or MU/PC, has {', '.join(npz.files)})")
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        if isinstance(error, FlameFormatError):
            raise
        raise FlameFormatError(f"{path.name} is not a readable .npz ({error})") from None
    mean = np.asarray(mean, np.float32).reshape(-1) * scale
    basis = np.asarray(basis, np.float32).reshape(mean.size, -1) * scale
    size = int(round(np.sqrt(mean.size / 3)))
    if size * size * 3 != mean.size:
        raise FlameFormatError(f"{path.name}: {mean.size} values are not a square RGB image")
    # BGR -> RGB: reverse the channel axis of the mean and of every component
    order = np.arange(mean.size).reshape(size, size, 3)[:, :, ::-1].reshape(-1)
    return TextureSpace(mean[order], np.ascontiguousarray(basis[order]), size, path.name)


# -- forward pass ---------------------------------------------------------------------------

def rodrigues(axis_angles: np.ndarray) -> np.ndarray:
    """(J, 3) axis-angle vectors -> (J, 3, 3) rotation matrices."""
    angles = np.linalg.norm(axis_angles, axis=1, keepdims=True) + 1e-8
    x, y, z = (axis_angles / angles).T
    zero = np.zeros_like(x)
    k = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], 1).reshape(-1, 3, 3)
    sin, cos = np.sin(angles)[:, :, None], np.cos(angles)[:, :, None]
    return np.eye(3)[None] + sin * k + (1.0 - cos) * (k @ k)


def kinematic_chain(rotations: np.ndarray, parents: np.ndarray, joints: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """World rotations and skinning translations of each joint, relative to the rest joints.

    Args:
        rotations: (J, 3, 3) local rotation per joint; parents: (J,) parent index, -1 at the
            root (parents come before their children).
        joints: (J, 3) rest joint positions, or (J, 3, K) (the translations are linear in the
            joints for fixed rotations: K directions at once).
    Returns:
        (J, 3, 3) world rotations and (J, 3) or (J, 3, K) translations: a vertex skinned to
        joint j alone goes to ``world[j] @ v + translation[j]``.
    """
    joints = np.asarray(joints, np.float64)
    columns = joints if joints.ndim == 3 else joints[:, :, None]  # (J, 3, K)
    world = np.empty((len(parents), 3, 3))
    placed = np.empty(columns.shape)
    for j, parent in enumerate(parents):
        if parent < 0:
            world[j], placed[j] = rotations[j], columns[j]
        else:
            world[j] = world[parent] @ rotations[j]
            placed[j] = placed[parent] + world[parent] @ (columns[j] - columns[parent])
    translations = placed - world @ columns
    return world, translations if joints.ndim == 3 else translations[:, :, 0]


def flame_vertices(model: FlameModel, shape: np.ndarray, expression: np.ndarray,
                   pose: np.ndarray) -> np.ndarray:
    """Posed FLAME vertices.

    Args:
        shape: (S,) identity coefficients; expression: (E,); pose: (J * 3,) axis-angle per
            joint in ``JOINT_NAMES`` order (radians).
    Returns:
        (V, 3) float32 vertices, metres, in FLAME's frame (Y up, face toward +Z).
    """
    f32 = lambda array: np.asarray(array, np.float32)  # noqa: E731 - keep the big products float32
    # 1. blendshapes: identity and expression
    v_shaped = (model.v_template.reshape(-1) + model.shapedirs @ f32(shape)
                + model.exprdirs @ f32(expression)).reshape(-1, 3)
    # 2. joints of the shaped mesh
    joints = (model.j_regressor @ v_shaped).astype(np.float64)
    # 3. pose-corrective blendshapes from the non-root rotations
    rotations = rodrigues(np.asarray(pose, np.float64).reshape(-1, 3))
    pose_feature = (rotations[1:] - np.eye(3)).reshape(-1)
    v_posed = v_shaped + (f32(pose_feature) @ model.posedirs).reshape(-1, 3)
    # 4. world transforms down the kinematic chain, relative to the rest joints
    transforms = np.zeros((len(joints), 4, 4))
    transforms[:, :3, :3], transforms[:, :3, 3] = kinematic_chain(rotations, model.parents,
                                                                  joints)
    transforms[:, 3, 3] = 1.0
    # 5. linear blend skinning
    blended = (model.weights @ f32(transforms.reshape(-1, 16))).reshape(-1, 4, 4)
    vertices = (blended[:, :3, :3] @ v_posed[:, :, None])[:, :, 0] + blended[:, :3, 3]
    return vertices.astype(np.float32)


# -- DECA / EMOCA / MICA codes -----------------------------------------------------------------

def _load_code(path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise FlameFormatError(f"{path.name} is not a readable .npy array ({error})") from None
    if array.dtype.kind not in "fiu" or array.ndim > 2 or (array.ndim == 2 and array.shape[0] != 1):
        raise FlameFormatError(f"{path.name} must hold one code vector, got {array.dtype} "
                               f"{array.shape}")
    return array.reshape(-1).astype(np.float64)


def read_codes(source: str | Path) -> dict[str, np.ndarray]:
    """The FLAME codes in a folder of DECA/EMOCA/MICA outputs (or one such ``.npy`` file).

    Returns:
        {"shape": (S',), "expression": (E',), "pose": (15,), "texture": (K',)} with the keys
        found; MICA's ``identity`` becomes ``shape``; a 6-value DECA pose (global + jaw) is
        expanded to all five joints (neck and eyes at rest).
    Raises:
        FlameFormatError: nothing recognised, or an array of the wrong kind.
    """
    source = Path(source)
    folder = source if source.is_dir() else source.parent
    wanted = None if source.is_dir() else source.name
    codes: dict[str, np.ndarray] = {}
    for key, names in CODE_FILES.items():
        for name in names:
            if (wanted is None or wanted == name) and (folder / name).is_file():
                codes[key] = _load_code(folder / name)
                break
    if "identity" in codes:
        codes["shape"] = codes.pop("identity")
    if "pose" in codes:
        codes["pose"] = _full_pose(codes["pose"])
    if not codes:
        known = ", ".join(n for names in CODE_FILES.values() for n in names)
        raise FlameFormatError(f"no FLAME codes in {source.name} (expected {known})")
    return codes


def _full_pose(pose: np.ndarray) -> np.ndarray:
    if len(pose) == 6:  # DECA/EMOCA: global rotation + jaw
        full = np.zeros(15)
        full[0:3], full[6:9] = pose[:3], pose[3:]
        return full
    if len(pose) == 15:
        return pose
    raise FlameFormatError(f"a FLAME pose has 6 (DECA: global + jaw) or 15 values, got {len(pose)}")
