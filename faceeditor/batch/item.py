"""Making one item: its files (as bytes, by path relative to the output folder) and its record.

``ItemMaker(config)`` holds what a worker keeps between items (the model, one renderer, the
landmark sets); ``make(index) -> ItemFiles``. Files of item 12::

    images/000012.png         the rendered head on its background (--render / --labels)
    segmentation/000012.png   class per pixel (palette PNG; pixel value = class index)  (--labels)
    depth/000012.png          16-bit depth along the camera axis, DEPTH_SCALE metres per unit
    normals/000012.png        camera-space normals, (n + 1) / 2 * 255
    heads/000012.face         the head's parameters (a project the app opens)
    heads/000012.glb|.obj     exports (--export; OBJ with its .mtl and textures)
    records/000012.json       the item's metadata row (assembled into metadata.jsonl)
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from faceeditor.batch.config import BatchConfig
from faceeditor.batch.hair import hair_meshes
from faceeditor.batch.render import ALBEDO_SIZE, CLASS_COLOURS, DEPTH_SCALE, ItemRenderer, \
    extrinsics, intrinsics, project
from faceeditor.batch.scene import Scene, make_scene

log = logging.getLogger(__name__)

#: The folders items write into.
FOLDERS = ("images", "segmentation", "depth", "normals", "heads", "records")
EXPORT_TEXTURE_SIZE = 1024
#: A landmark counts as visible when its depth is within this of the depth drawn at its pixel.
VISIBLE_TOLERANCE = 0.01  # metres (the eyeball may bulge in front of the lid margin)


def stem(index: int) -> str:
    return f"{index:06d}"


@dataclasses.dataclass
class ItemFiles:
    """What one item made: ``files`` {relative path: bytes} and its metadata ``record``."""

    index: int
    files: dict[str, bytes]
    record: dict


def png_bytes(image: np.ndarray, mode: str | None = None, palette=None) -> bytes:
    picture = Image.fromarray(image, mode) if mode else Image.fromarray(image)
    if palette is not None:
        picture.putpalette([c for colour in palette for c in colour])
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=3)  # near level 6 in size, 2.5x faster
    return out.getvalue()


def demographics(model, params: dict[str, float]) -> dict[str, object]:
    """Sex, age in years, ancestry weights and skin tone of a head (for the dataset card)."""
    from faceeditor.model.prior import calibration_ages, calibration_years

    years = float(np.interp(params["age"], calibration_ages(model), calibration_years(model)))
    ancestry = {name: round(params[name], 4) for name in ("african", "asian", "caucasian")}
    people = {"sex": "male" if params["gender"] < 0.5 else "female", "age_years": round(years, 1),
              "ancestry": ancestry, "skin_melanin": round(params.get("skin_melanin", 0.0), 4)}
    if "hair_style" in params:
        choices = model.spec["hair_style"].choices
        people["hair_style"] = choices[int(round(params["hair_style"]))]
    return people


class ItemMaker:
    """Makes the items of one run; keeps the model and (lazily) a renderer between items."""

    def __init__(self, config: BatchConfig):
        from faceeditor.model import load_default_model

        self.config = config
        self.model = load_default_model()
        self._renderer: ItemRenderer | None = None
        self._landmarks = None

    @property
    def renderer(self) -> ItemRenderer:
        if self._renderer is None:
            self._renderer = ItemRenderer(self.config.size)
        return self._renderer

    @property
    def landmarks(self):
        if self._landmarks is None:
            from faceeditor.model.landmarks import load_landmarks

            self._landmarks = {name: load_landmarks(name) for name in ("ibug68", "dense")}
        return self._landmarks

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    def make(self, index: int) -> ItemFiles:
        config, model = self.config, self.model
        scene = make_scene(config, model, index)
        name = stem(index)
        files: dict[str, bytes] = {}
        record: dict[str, object] = {}
        if config.renders:
            record.update(self._render(scene, files, name))
        files[f"heads/{name}.face"] = self._project(scene)
        if config.export:
            files.update(self._export(scene, name))
        record.update({
            "index": index, "seed": scene.seed, "run_seed": config.seed,
            "expression": scene.expression,
            "expression_weights": {p.name: round(scene.params[p.name], 4)
                                   for p in model.spec.of_kind("expression")},
            "demographics": demographics(model, scene.params),
            "lighting": scene.lighting,
            "parameters": {k: round(v, 6) for k, v in scene.params.items()},
            "head_file": f"heads/{name}.face",
            "exports": [f"heads/{name}.{fmt}" for fmt in config.export],
        })
        files[f"records/{name}.json"] = (json.dumps(record, separators=(",", ":")) + "\n").encode()
        return ItemFiles(index, files, record)

    def _project(self, scene: Scene) -> bytes:
        from faceeditor.project import Project, encode_project

        project = Project.for_model(self.model, dict(scene.params), seed=scene.seed)
        return encode_project(project)

    def _render(self, scene: Scene, files: dict[str, bytes], name: str) -> dict[str, object]:
        from faceeditor.render.still import head_textures

        config, size = self.config, self.config.size
        mesh = self.model.evaluate(scene.params)
        face = self.landmarks["ibug68"].points.positions(np.asarray(mesh.vertices, np.float64),
                                                         np.asarray(mesh.faces))
        hair = hair_meshes(self.model, scene.params, mesh)
        textures = head_textures(scene.params, ALBEDO_SIZE)
        out = self.renderer.render(scene, mesh, textures, face, hair)
        files[f"images/{name}.png"] = png_bytes(out.image)
        row: dict[str, object] = {"file_name": f"images/{name}.png"}
        K = intrinsics(out.camera, size, size)
        pose = scene.pose
        row.update({
            "width": size, "height": size,
            "head_pose": {"yaw": round(pose.yaw, 4), "pitch": round(pose.pitch, 4),
                          "roll": round(pose.roll, 4),
                          "rotation": np.round(pose.rotation, 6).tolist(),
                          "pivot": np.round(out.pivot, 6).tolist()},
            "camera": {"intrinsics": np.round(K, 4).tolist(),
                       "extrinsics": np.round(extrinsics(out.camera), 6).tolist(),
                       "fov_y": round(out.camera.fov_y, 4), "convention": "opencv"},
            "background": out.background_kind,
        })
        if not config.labels:
            return row
        files[f"segmentation/{name}.png"] = png_bytes(out.segmentation, "P", CLASS_COLOURS)
        depth = np.clip(np.round(out.depth / DEPTH_SCALE), 0, 65535).astype(np.uint16)
        files[f"depth/{name}.png"] = png_bytes(depth)
        normals = np.where(out.depth[..., None] > 0, np.round((out.normals + 1) * 127.5), 0)
        files[f"normals/{name}.png"] = png_bytes(normals.astype(np.uint8))
        row.update({"segmentation_file_name": f"segmentation/{name}.png",
                    "depth_file_name": f"depth/{name}.png",
                    "normals_file_name": f"normals/{name}.png",
                    "depth_scale": DEPTH_SCALE})
        faces = np.asarray(out.mesh.faces)
        for set_name, landmarks in self.landmarks.items():
            world = landmarks.points.positions(np.asarray(out.mesh.vertices, np.float64), faces)
            pixels, cam = project(world, out.camera, size, size)
            row[f"landmarks_2d_{set_name}"] = np.round(pixels, 3).tolist()
            row[f"landmarks_3d_{set_name}"] = np.round(cam, 6).tolist()
            row[f"landmarks_visible_{set_name}"] = visible(pixels, cam[:, 2], out.depth).tolist()
        return row

    def _export(self, scene: Scene, name: str) -> dict[str, bytes]:
        from faceeditor.export import ExportOptions, export_head, skin_textures

        files: dict[str, bytes] = {}
        textures = skin_textures(scene.params, EXPORT_TEXTURE_SIZE)
        with tempfile.TemporaryDirectory(prefix="faceeditor-batch-") as folder:
            for fmt in self.config.export:
                options = ExportOptions(format=fmt, texture_size=EXPORT_TEXTURE_SIZE)
                written = export_head(self.model, scene.params, Path(folder) / f"{name}.{fmt}",
                                      options, textures,
                                      header=f"faceeditor batch, seed {scene.seed}")
                for path in written:
                    files[f"heads/{path.name}"] = path.read_bytes()
        return files


def visible(pixels: np.ndarray, depth: np.ndarray, depth_map: np.ndarray) -> np.ndarray:
    """(N,) bool: inside the image and not hidden (its depth matches the depth drawn there)."""
    height, width = depth_map.shape
    col = np.floor(pixels[:, 0]).astype(np.int64)
    row = np.floor(pixels[:, 1]).astype(np.int64)
    inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    drawn = np.zeros(len(pixels))
    drawn[inside] = depth_map[row[inside], col[inside]]
    return inside & (drawn > 0) & (np.abs(drawn - depth) < VISIBLE_TOLERANCE)
