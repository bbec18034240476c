"""FLAME as a backend: shape, expression and pose sliders; albedo from a texture space if any.

Parameters (names are stable; saved in project files):

* ``shape_000`` ... ``shape_299``: identity coefficients (units of the component's spread);
* ``exp_000`` ... ``exp_099``: expression coefficients;
* ``{joint}_rx/ry/rz`` for ``global``, ``neck``, ``jaw``, ``left_eye``, ``right_eye``:
  axis-angle components in radians (``jaw_rx`` > 0 opens the mouth);
* ``tex_000`` ...: texture-space coefficients, when ``FLAME_texture.npz`` or
  ``FLAME_albedo_from_BFM.npz`` was loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from faceeditor.backends.base import Backend, Params, SpecBuilder
from faceeditor.backends.flame import (
    JOINT_NAMES, FlameModel, TextureSpace, flame_vertices, read_codes,
)
from faceeditor.model.face_model import NormalTopology, vertex_normals
from faceeditor.model.mesh import PART_NAMES, FaceMesh

log = logging.getLogger(__name__)

COEFFICIENT_RANGE = 4.0
#: (min, max) radians per joint and axis; the jaw opens with +x.
POSE_RANGES = {
    "global": ((-1.0, 1.0),) * 3,
    "neck": ((-0.6, 0.6),) * 3,
    "jaw": ((-0.1, 0.6), (-0.2, 0.2), (-0.2, 0.2)),
    "left_eye": ((-0.5, 0.5),) * 3,
    "right_eye": ((-0.5, 0.5),) * 3,
}
POSE_SPREAD = 0.2
AXIS_LABELS = ("pitch (x)", "yaw (y)", "roll (z)")
#: how many components of each group get a slider (all are parameters)
SLIDER_COUNTS = {"flame_shape": 20, "flame_expression": 20, "flame_texture": 10}


def add_flame_params(builder: SpecBuilder, flame: FlameModel) -> None:
    """Shape, expression and pose parameters of ``flame`` (see the module doc)."""
    for i in range(flame.num_shape):
        builder.add(f"shape_{i:03d}", kind="shape", group="flame_shape", group_label="Shape",
                    label=f"Shape {i + 1}", minimum=-COEFFICIENT_RANGE,
                    maximum=COEFFICIENT_RANGE, description=f"FLAME identity component {i + 1}")
    for i in range(flame.num_expression):
        builder.add(f"exp_{i:03d}", kind="expression", group="flame_expression",
                    group_label="Expression", label=f"Expression {i + 1}",
                    minimum=-COEFFICIENT_RANGE, maximum=COEFFICIENT_RANGE,
                    description=f"FLAME expression component {i + 1}")
    for joint in JOINT_NAMES:
        for axis, (low, high), axis_label in zip("xyz", POSE_RANGES[joint], AXIS_LABELS):
            builder.add(f"{joint}_r{axis}", kind="pose", group="flame_pose", group_label="Pose",
                        label=f"{joint.replace('_', ' ').capitalize()} {axis_label}",
                        minimum=low, maximum=high,
                        description=f"axis-angle rotation of the {joint} joint, radians")


class FlameGeometry:
    """Mesh evaluation shared by the FLAME-based backends (constant data only)."""

    def __init__(self, flame: FlameModel):
        self.flame = flame
        self.centre = (flame.v_template.min(0) + flame.v_template.max(0)) / 2
        self.topology = NormalTopology.of(flame.faces, flame.num_vertices)
        eye_weight = flame.weights[:, JOINT_NAMES.index("left_eye")] + flame.weights[
            :, JOINT_NAMES.index("right_eye")]
        eye_faces = (eye_weight[flame.faces] > 0.5).all(1)
        self.face_parts = np.where(eye_faces, PART_NAMES.index("eyes"),
                                   PART_NAMES.index("skin")).astype(np.uint8)
        if flame.uvs is None:
            log.info("%s: no head_template.obj, so no UVs; albedo maps will not show",
                     flame.name)
            self.uvs = np.zeros((1, 2), np.float32)
            self.face_uvs = np.zeros_like(flame.faces)
        else:
            self.uvs, self.face_uvs = flame.uvs, flame.face_uvs

    def mesh(self, shape: np.ndarray, expression: np.ndarray, pose: np.ndarray) -> FaceMesh:
        """FaceMesh for the coefficients, centred on the template's bounding box."""
        vertices = flame_vertices(self.flame, shape, expression, pose) - self.centre
        normals = vertex_normals(vertices, self.flame.faces, self.topology)
        return FaceMesh(vertices=vertices, normals=normals, faces=self.flame.faces,
                        uvs=self.uvs, face_uvs=self.face_uvs, face_parts=self.face_parts)


class FlameBackend(Backend):
    """FLAME geometry, with a linear texture space for the albedo when one is given."""

    backend_id = "flame"

    def __init__(self, flame: FlameModel, texture: TextureSpace | None = None):
        self.flame = flame
        self.texture = texture
        self.version = flame.name if texture is None else f"{flame.name}+{texture.name}"
        self.geometry = FlameGeometry(flame)
        builder = SpecBuilder()
        add_flame_params(builder, flame)
        if texture is not None:
            for i in range(texture.basis.shape[1]):
                builder.add(f"tex_{i:03d}", kind="albedo", group="flame_texture",
                            group_label="Skin texture", label=f"Texture {i + 1}",
                            minimum=-COEFFICIENT_RANGE, maximum=COEFFICIENT_RANGE,
                            description=f"{texture.name} component {i + 1}")
        self.spec = builder.build()
        self.group_labels = builder.group_labels
        self._slices = {kind: self.spec.indices(kind) for kind in
                        ("shape", "expression", "pose", "albedo")}
        self._preview_textures: dict[int, TextureSpace] = {}
        self.preview_albedo_size = 256 if texture is not None and texture.size > 256 else None

    def slider_params(self):
        return [p for p in self.spec if p.group not in SLIDER_COUNTS
                or int(p.name.rsplit("_", 1)[1]) < SLIDER_COUNTS[p.group]]

    def latent_scale(self) -> np.ndarray:
        return np.where([p.kind == "pose" for p in self.spec], POSE_SPREAD, 1.0)

    def evaluate_mesh(self, params: Params | None = None) -> FaceMesh:
        vector = self.vector(params)
        return self.geometry.mesh(*(vector[self._slices[k]] for k in ("shape", "expression",
                                                                        "pose")))

    def evaluate_albedo(self, params: Params | None = None, *, albedo_size: int | None = None
                        ) -> np.ndarray | None:
        if self.texture is None:
            return None
        return self._texture_at(albedo_size).image(self.vector(params)[self._slices["albedo"]])

    def _texture_at(self, size: int | None) -> TextureSpace:
        """The texture space, subsampled by a power of two to at least ``size`` pixels."""
        texture = self.texture
        step = 1
        while size is not None and texture.size // (step * 2) >= size:
            step *= 2
        if step == 1:
            return texture
        if step not in self._preview_textures:
            rows = np.arange(texture.mean.size).reshape(texture.size, texture.size, 3)
            rows = rows[::step, ::step].reshape(-1)
            self._preview_textures[step] = TextureSpace(
                texture.mean[rows], np.ascontiguousarray(texture.basis[rows]),
                texture.size // step, texture.name)
        return self._preview_textures[step]

    def sample(self, seed: int, *, truncation: float = 1.0) -> dict[str, float]:
        """Identity (and texture) coefficients ~ N(0, truncation^2); neutral expression and
        pose."""
        rng = np.random.default_rng(seed)
        vector = self.spec.defaults.astype(np.float64)
        for kind in ("shape", "albedo"):
            index = self._slices[kind]
            vector[index] = truncation * rng.standard_normal(len(index))
        return self.spec.to_dict(np.clip(vector, self.spec.minimum, self.spec.maximum))

    def params_from_codes(self, source: str | Path) -> dict[str, float]:
        """Parameters from DECA/EMOCA (``shape.npy``, ``exp.npy``, ``pose.npy``) or MICA
        (``identity.npy``) outputs: a folder or one file; components beyond the files' stay 0."""
        return codes_to_params(self.spec, read_codes(source))


def codes_to_params(spec, codes: Mapping[str, np.ndarray]) -> dict[str, float]:
    """{"shape": (S',), "expression": (E',), "pose": (15,), "texture": (K',)} -> {name: value}
    for every parameter of the groups present (components beyond the code at 0; components
    beyond the model's dropped with a warning; values clamped to the ranges)."""
    kinds = {"shape": "shape", "expression": "expression", "pose": "pose", "texture": "albedo"}
    values: dict[str, float] = {}
    for key, code in codes.items():
        if key == "texture" and not any(p.name.startswith("tex_") for p in spec):
            log.warning("texture codes ignored: this model has no FLAME texture space")
            continue
        names = [p.name for p in spec.of_kind(kinds[key])]
        if len(code) > len(names):
            log.warning("%d of %d %s values have no parameter here; ignored",
                        len(code) - len(names), len(code), key)
        values.update({name: spec[name].default for name in names})
        values.update((name, float(v)) for name, v in zip(names, code))
    full = spec.to_dict(spec.vector(values))
    return {name: full[name] for name in values}
