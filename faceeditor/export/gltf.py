"""Binary glTF 2.0 (GLB) export: one head mesh, PBR materials, ARKit expression morph targets.

The glTF is built as a plain dict plus one binary blob (``GltfBuilder``): every accessor gets its
count and min/max from the array it stores, every buffer view is padded to 4 bytes, and
``glb_bytes`` returns the file's bytes for the caller to write atomically.

Layout of the file:

* one node ``head`` holding one mesh; metres, Y up, the face toward +Z (our convention and
  glTF's);
* one primitive per part (skin, eyes, tongue, teeth, mouth cavity), each with its own material;
  vertices are split at UV seams and part borders (``SeamSplit``), so every primitive owns its
  vertices;
* attributes POSITION, NORMAL, TEXCOORD_0 (glTF's UV origin is the top left: v -> 1 - v), and
  TANGENT when textured (``vertex_tangents``);
* one metallic-roughness material per part (so each can be re-shaded on its own); all of them
  sample the same embedded baseColor, normal and metallicRoughness images, since the texture
  atlas paints the iris, teeth and tongue as well as the skin. Untextured, each part gets the
  renderer's plain colour;
* morph targets in ``primitive.targets`` (POSITION and NORMAL deltas), their ARKit names in
  ``mesh.extras.targetNames`` and the default weights in ``mesh.weights``. Deltas are sparse
  accessors listing only the vertices an expression moves; a delta that is zero for a whole
  primitive (an eye for ``jawOpen``) is an accessor without a buffer view (all zeros in glTF).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from faceeditor import __version__
from faceeditor.export.morphs import ExportGeometry
from faceeditor.export.tangents import vertex_tangents
from faceeditor.export.textures import IMAGE_FORMATS, TextureSet, encode_image
from faceeditor.model.mesh import PART_NAMES
from faceeditor.render.geometry import SeamSplit
from faceeditor.render.shading import PART_MATERIALS, srgb_to_linear

__all__ = ["GltfBuilder", "glb_bytes"]

_COMPONENT_TYPES = {
    np.dtype(np.int8): 5120, np.dtype(np.uint8): 5121, np.dtype(np.int16): 5122,
    np.dtype(np.uint16): 5123, np.dtype(np.uint32): 5125, np.dtype(np.float32): 5126,
}
_ELEMENT_TYPES = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4"}
ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963
_GLB_MAGIC = 0x46546C67  # "glTF"
_JSON_CHUNK = 0x4E4F534A  # "JSON"
_BIN_CHUNK = 0x004E4942  # "BIN\0"

#: Surface of each part: (roughness, metallic); colours come from the renderer's materials.
_PART_ROUGHNESS = {"skin": 0.5, "eyes": 0.08, "tongue": 0.45, "teeth": 0.3, "mouth_cavity": 0.8}

Progress = Callable[[float, str], None]


class GltfBuilder:
    """A glTF document as a dict plus its single binary buffer."""

    def __init__(self) -> None:
        self.document: dict = {
            "asset": {"version": "2.0", "generator": f"faceeditor {__version__}"},
            "buffers": [], "bufferViews": [], "accessors": [],
        }
        self._chunks: list[bytes] = []
        self._length = 0

    def add(self, kind: str, item: dict) -> int:
        """Append ``item`` to the top-level array ``kind``; its index."""
        items = self.document.setdefault(kind, [])
        items.append(item)
        return len(items) - 1

    def add_buffer_view(self, data: bytes, target: int | None = None) -> int:
        """A buffer view over ``data``, starting on a 4-byte boundary; its index."""
        view = {"buffer": 0, "byteOffset": self._length, "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        self._chunks.append(data)
        self._length += len(data)
        padding = -self._length % 4
        if padding:
            self._chunks.append(b"\0" * padding)
            self._length += padding
        return self.add("bufferViews", view)

    def add_accessor(self, array: np.ndarray, target: int | None = ARRAY_BUFFER,
                     bounds: bool = True) -> int:
        """An accessor over ``array`` (N,) or (N, C) with C in 1..4; count and min/max automatic.

        An all-zero float array gets no buffer view (glTF: the accessor then reads as zeros).
        """
        array = np.ascontiguousarray(array)
        if array.dtype not in _COMPONENT_TYPES:
            raise TypeError(f"glTF cannot store {array.dtype} arrays")
        columns = 1 if array.ndim == 1 else array.shape[1]
        accessor: dict = {
            "componentType": _COMPONENT_TYPES[array.dtype],
            "count": int(array.shape[0]),
            "type": _ELEMENT_TYPES[columns],
        }
        if bounds and len(array):
            flat = array.reshape(len(array), columns)
            accessor["min"] = [_number(v) for v in flat.min(axis=0)]
            accessor["max"] = [_number(v) for v in flat.max(axis=0)]
        zeros = array.dtype.kind == "f" and target == ARRAY_BUFFER and not array.any()
        if not zeros:
            accessor["bufferView"] = self.add_buffer_view(array.tobytes(), target)
        return self.add("accessors", accessor)

    def add_delta_accessor(self, array: np.ndarray, bounds: bool = True) -> int:
        """An accessor for (N, C) float32 morph deltas, stored sparsely when that is smaller.

        glTF sparse accessors start from zeros and overwrite the listed rows, so only the rows
        an expression moves are stored (a quarter of the head for a typical ARKit shape); an
        all-zero array stores nothing.
        """
        array = np.ascontiguousarray(array, np.float32)
        moved = np.flatnonzero(array.any(axis=1))
        index_type = np.uint16 if len(array) <= 65536 else np.uint32
        sparse_bytes = len(moved) * (array.shape[1] * 4 + np.dtype(index_type).itemsize)
        if not len(moved) or sparse_bytes >= array.nbytes:
            return self.add_accessor(array, ARRAY_BUFFER, bounds)
        index = self.add_accessor(np.zeros((len(array), array.shape[1]), np.float32),
                                  ARRAY_BUFFER, bounds=False)
        accessor = self.document["accessors"][index]
        if bounds:
            accessor["min"] = [_number(v) for v in np.minimum(array.min(axis=0), 0)]
            accessor["max"] = [_number(v) for v in np.maximum(array.max(axis=0), 0)]
        accessor["sparse"] = {
            "count": len(moved),
            "indices": {"bufferView": self.add_buffer_view(moved.astype(index_type).tobytes()),
                        "componentType": _COMPONENT_TYPES[np.dtype(index_type)]},
            "values": {"bufferView": self.add_buffer_view(array[moved].tobytes())},
        }
        return index

    def add_image(self, data: bytes, mime_type: str, name: str) -> int:
        """An image embedded in the buffer; its index."""
        view = self.add_buffer_view(data)
        return self.add("images", {"name": name, "bufferView": view, "mimeType": mime_type})

    def glb(self) -> bytes:
        """The GLB file: header, JSON chunk (space padded), BIN chunk (zero padded)."""
        self.document["buffers"] = [{"byteLength": self._length}] if self._length else []
        if not self._length:
            del self.document["bufferViews"]
        payload = json.dumps(self.document, separators=(",", ":"), allow_nan=False).encode()
        payload += b" " * (-len(payload) % 4)
        binary = b"".join(self._chunks)
        total = 12 + 8 + len(payload) + (8 + len(binary) if binary else 0)
        parts = [struct.pack("<III", _GLB_MAGIC, 2, total),
                 struct.pack("<II", len(payload), _JSON_CHUNK), payload]
        if binary:
            parts += [struct.pack("<II", len(binary), _BIN_CHUNK), binary]
        return b"".join(parts)


def glb_bytes(geometry: ExportGeometry, textures: TextureSet | None = None,
              image_format: str = "png", progress: Progress | None = None,
              hair: dict | None = None, hair_blend: bool = False) -> bytes:
    """The GLB file of ``geometry`` textured with ``textures`` (plain colours without), with
    ``hair`` (``export.hair.hair_parts``) as meshes of their own (Hair, Eyebrows ...)."""
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {sorted(IMAGE_FORMATS)}, got "
                         f"{image_format!r}")
    report = progress or (lambda fraction, message: None)
    builder = GltfBuilder()
    materials = _add_materials(builder, textures, image_format, report)
    base = geometry.base
    split = SeamSplit.from_mesh(base)
    primitives = []
    present = [p for p in range(len(PART_NAMES)) if np.any(split.part_id == p)]
    for number, part in enumerate(present):
        name = PART_NAMES[part]
        report(0.5 + 0.45 * number / len(present), f"writing the {name}")
        primitives.append(_add_primitive(builder, geometry, split, part, materials[name],
                                         textured=textures is not None))
    mesh: dict = {"name": "head", "primitives": primitives}
    if geometry.morph_count:
        mesh["weights"] = [_number(w) for w in geometry.default_weights]
        mesh["extras"] = {"targetNames": list(geometry.morph_names)}
    builder.add("meshes", mesh)
    builder.add("nodes", {"name": "head", "mesh": 0})
    nodes = [0]
    if hair:
        from faceeditor.export.hair import add_hair_to_gltf

        report(0.95, "writing the hair")
        nodes += add_hair_to_gltf(builder, hair, geometry, blend=hair_blend)
    builder.add("scenes", {"name": "faceeditor", "nodes": nodes})
    builder.document["scene"] = 0
    report(0.97, "packing the file")
    return builder.glb()


def _add_materials(builder: GltfBuilder, textures: TextureSet | None, image_format: str,
                   report: Progress) -> dict[str, int]:
    """One material per part. With ``textures`` every part samples the same three maps (the
    texture atlas paints the iris, teeth and tongue too); without, each gets a plain colour."""
    indices = {}
    shared: dict[str, int] = {}
    if textures is not None:
        sampler = builder.add("samplers", {"magFilter": 9729, "minFilter": 9987,
                                           "wrapS": 33071, "wrapT": 33071})
        images = _texture_images(textures, image_format)
        report(0.05, "encoding the texture maps")
        # Pillow's encoders release the GIL: the three maps compress on separate cores.
        with ThreadPoolExecutor(max_workers=len(images)) as pool:
            encoded = list(pool.map(lambda item: encode_image(item[1], item[2]), images))
        for (label, _, encoding), data in zip(images, encoded):
            source = builder.add_image(data, IMAGE_FORMATS[encoding], f"head_{label}")
            shared[label] = builder.add("textures", {"sampler": sampler, "source": source})
    for name in PART_NAMES:
        colour = [_number(c) for c in srgb_to_linear(PART_MATERIALS[name].albedo_srgb)] + [1.0]
        pbr: dict = {"baseColorFactor": colour, "metallicFactor": 0.0,
                     "roughnessFactor": _PART_ROUGHNESS[name]}
        material: dict = {"name": name, "pbrMetallicRoughness": pbr}
        if shared:
            pbr["baseColorFactor"] = [1.0, 1.0, 1.0, 1.0]
            pbr["baseColorTexture"] = {"index": shared["albedo"]}
        if "roughness" in shared:
            pbr["metallicRoughnessTexture"] = {"index": shared["roughness"]}
            pbr["roughnessFactor"] = 1.0
        if "normal" in shared:
            material["normalTexture"] = {"index": shared["normal"]}
        indices[name] = builder.add("materials", material)
    return indices


def _texture_images(textures: TextureSet, image_format: str
                    ) -> tuple[tuple[str, np.ndarray, str], ...]:
    """(label, image, encoding) of each map ``textures`` holds: the albedo in ``image_format``,
    the normal and packed metallicRoughness maps (when present) always PNG."""
    images = [("albedo", textures.albedo, image_format)]
    if textures.normal is not None:
        images.append(("normal", textures.normal, "png"))
    if textures.roughness is not None:
        images.append(("roughness", textures.metallic_roughness(), "png"))
    return tuple(images)


def _add_primitive(builder: GltfBuilder, geometry: ExportGeometry, split: SeamSplit,
                   part: int, material: int, textured: bool) -> dict:
    """The primitive of one part: its own vertices, triangles, attributes and morph targets."""
    base = geometry.base
    chosen = np.flatnonzero(split.part_id == part)
    local = np.full(len(split.part_id), -1, np.int64)
    local[chosen] = np.arange(len(chosen))
    triangles = local[split.indices[base.face_parts == part]]
    vertex = split.vertex_index[chosen]
    positions = np.asarray(base.vertices, np.float32)[vertex]
    normals = _unit_rows(np.asarray(base.normals, np.float32)[vertex])
    uvs = np.asarray(base.uvs, np.float32)[split.uv_index[chosen]]

    index_type = np.uint16 if len(chosen) < 65535 else np.uint32
    attributes = {
        "POSITION": builder.add_accessor(positions),
        "NORMAL": builder.add_accessor(normals),
        "TEXCOORD_0": builder.add_accessor(
            np.stack([uvs[:, 0], 1.0 - uvs[:, 1]], axis=1).astype(np.float32)),
    }
    if textured:
        attributes["TANGENT"] = builder.add_accessor(
            vertex_tangents(positions, normals, uvs, triangles))
    primitive: dict = {
        "attributes": attributes,
        "indices": builder.add_accessor(triangles.astype(index_type).ravel(),
                                        ELEMENT_ARRAY_BUFFER, bounds=False),
        "material": material,
        "mode": 4,
    }
    if geometry.morph_count:
        position_deltas = geometry.position_deltas[:, vertex]
        normal_deltas = geometry.normal_deltas[:, vertex]
        primitive["targets"] = [
            {"POSITION": builder.add_delta_accessor(position_deltas[k]),
             "NORMAL": builder.add_delta_accessor(normal_deltas[k], bounds=False)}
            for k in range(geometry.morph_count)
        ]
    return primitive


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """(N, 3) float32 rows scaled to unit length (renormalised in float32, as glTF checks)."""
    length = np.sqrt(np.sum(vectors.astype(np.float64) ** 2, axis=1, keepdims=True))
    return (vectors / np.where(length > 0, length, 1.0)).astype(np.float32)


def _number(value: float) -> float | int:
    """A JSON number: exact for float32 values (Python floats print the shortest round trip)."""
    return float(value)
