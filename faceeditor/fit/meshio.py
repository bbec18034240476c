"""Small readers of triangle meshes from scans and sculpts: OBJ, PLY (ASCII and binary), STL
(ASCII and binary) and GLB (glTF 2.0 binary). Positions and triangles only (polygons are fanned
into triangles); everything else is ignored. No third-party dependency.

    mesh = read_mesh(Path("scan.ply"))   # ScanMesh: (N, 3) float64 vertices, (F, 3) int64 faces
"""

from __future__ import annotations

import dataclasses
import json
import struct
from pathlib import Path

import numpy as np


class MeshReadError(ValueError):
    """A file that is not a readable mesh; the message is one line naming the file."""


@dataclasses.dataclass(frozen=True)
class ScanMesh:
    """A triangle mesh in the file's own units and axes."""

    vertices: np.ndarray
    faces: np.ndarray


def read_mesh(path: Path) -> ScanMesh:
    """Read ``path`` by its extension; raises ``MeshReadError`` for anything unusable."""
    path = Path(path)
    readers = {".obj": _read_obj, ".ply": _read_ply, ".stl": _read_stl, ".glb": _read_glb}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise MeshReadError(f"{path.name}: unknown mesh type (OBJ, PLY, STL or GLB)")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MeshReadError(f"cannot read {path.name}: {error.strerror or error}") from None
    if not data:
        raise MeshReadError(f"{path.name} is empty")
    try:
        vertices, faces = reader(data)
    except MeshReadError as error:
        raise MeshReadError(f"{path.name}: {error}") from None
    except (ValueError, IndexError, KeyError, struct.error, UnicodeDecodeError) as error:
        raise MeshReadError(f"{path.name} is not a readable {path.suffix[1:].upper()} mesh "
                            f"({type(error).__name__})") from None
    vertices = np.asarray(vertices, np.float64).reshape(-1, 3)
    faces = np.asarray(faces, np.int64).reshape(-1, 3)
    if len(vertices) < 3 or len(faces) < 1:
        raise MeshReadError(f"{path.name} has no triangles")
    if not np.isfinite(vertices).all():
        raise MeshReadError(f"{path.name} has non-finite vertex positions")
    if faces.min() < 0 or faces.max() >= len(vertices):
        raise MeshReadError(f"{path.name} has faces that point to missing vertices")
    return ScanMesh(vertices, faces)


def _fan(polygon: list[int]) -> list[tuple[int, int, int]]:
    return [(polygon[0], polygon[i], polygon[i + 1]) for i in range(1, len(polygon) - 1)]


def _read_obj(data: bytes):
    vertices, faces = [], []
    for line in data.decode("utf-8", errors="replace").splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "v":
            vertices.append([float(v) for v in parts[1:4]])
        elif parts[0] == "f":
            polygon = []
            for token in parts[1:]:
                index = int(token.split("/")[0])
                polygon.append(index - 1 if index > 0 else len(vertices) + index)
            faces += _fan(polygon)
    return vertices, faces


_PLY_TYPES = {"char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1", "short": "i2",
              "int16": "i2", "ushort": "u2", "uint16": "u2", "int": "i4", "int32": "i4",
              "uint": "u4", "uint32": "u4", "float": "f4", "float32": "f4", "double": "f8",
              "float64": "f8"}


def _read_ply(data: bytes):
    end = data.find(b"end_header")
    if not data.startswith(b"ply") or end < 0:
        raise MeshReadError("not a PLY file (no 'ply' header)")
    header = data[:end].decode("ascii", errors="replace").splitlines()
    body = data[data.index(b"\n", end) + 1:]
    fmt, elements = "ascii", []
    for line in header:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "format":
            fmt = parts[1]
        elif parts[0] == "element":
            elements.append({"name": parts[1], "count": int(parts[2]), "props": []})
        elif parts[0] == "property" and elements:
            elements[-1]["props"].append(parts[1:])
    if fmt == "ascii":
        return _ply_ascii(body, elements)
    endian = {"binary_little_endian": "<", "binary_big_endian": ">"}.get(fmt)
    if endian is None:
        raise MeshReadError(f"unknown PLY format {fmt!r}")
    return _ply_binary(body, elements, endian)


def _ply_ascii(body: bytes, elements):
    tokens = body.split()
    position = 0
    vertices, faces = [], []
    for element in elements:
        for _ in range(element["count"]):
            row = {}
            for prop in element["props"]:
                if prop[0] == "list":
                    count = int(tokens[position])
                    row[prop[-1]] = [int(float(t)) for t in tokens[position + 1:position + 1 + count]]
                    position += 1 + count
                else:
                    row[prop[-1]] = float(tokens[position])
                    position += 1
            if element["name"] == "vertex":
                vertices.append([row["x"], row["y"], row["z"]])
            elif element["name"] == "face":
                faces += _fan(row.get("vertex_indices", row.get("vertex_index", [])))
    return vertices, faces


def _ply_binary(body: bytes, elements, endian: str):
    offset = 0
    vertices, faces = None, []
    for element in elements:
        props = element["props"]
        if all(p[0] != "list" for p in props):
            dtype = np.dtype([(p[-1], endian + _PLY_TYPES[p[0]]) for p in props])
            table = np.frombuffer(body, dtype, element["count"], offset)
            offset += dtype.itemsize * element["count"]
            if element["name"] == "vertex":
                vertices = np.stack([table["x"], table["y"], table["z"]], 1).astype(np.float64)
            continue
        for _ in range(element["count"]):  # rows with lists: read one by one
            row = {}
            for prop in props:
                if prop[0] == "list":
                    count_type = np.dtype(endian + _PLY_TYPES[prop[1]])
                    item_type = np.dtype(endian + _PLY_TYPES[prop[2]])
                    count = int(np.frombuffer(body, count_type, 1, offset)[0])
                    offset += count_type.itemsize
                    row[prop[-1]] = np.frombuffer(body, item_type, count, offset).tolist()
                    offset += item_type.itemsize * count
                else:
                    item_type = np.dtype(endian + _PLY_TYPES[prop[0]])
                    row[prop[-1]] = np.frombuffer(body, item_type, 1, offset)[0]
                    offset += item_type.itemsize
            if element["name"] == "face":
                faces += _fan(row.get("vertex_indices", row.get("vertex_index", [])))
    if vertices is None:
        raise MeshReadError("no vertex element")
    return vertices, faces


def _read_stl(data: bytes):
    if len(data) >= 84:
        count = struct.unpack_from("<I", data, 80)[0]
        if len(data) == 84 + 50 * count:
            records = np.frombuffer(data, np.dtype([("n", "<f4", 3), ("v", "<f4", (3, 3)),
                                                    ("a", "<u2")]), count, 84)
            return _weld(records["v"].reshape(-1, 3))
    text = data.decode("ascii", errors="replace")
    if not text.lstrip().startswith("solid"):
        raise MeshReadError("not an STL file")
    corners = [[float(v) for v in line.split()[1:4]] for line in text.splitlines()
               if line.strip().startswith("vertex")]
    return _weld(np.asarray(corners, np.float64))


def _weld(corners: np.ndarray):
    """Triangle soup (3F, 3) -> shared vertices and (F, 3) faces."""
    unique, inverse = np.unique(np.asarray(corners, np.float64), axis=0, return_inverse=True)
    return unique, inverse.reshape(-1, 3)


_GLTF_COMPONENTS = {5120: "i1", 5121: "u1", 5122: "i2", 5123: "u2", 5125: "u4", 5126: "f4"}
_GLTF_SIZES = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


def _read_glb(data: bytes):
    magic, version, _length = struct.unpack_from("<4sII", data, 0)
    if magic != b"glTF" or version != 2:
        raise MeshReadError("not a glTF 2.0 binary (GLB) file")
    offset, document, binary = 12, None, b""
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from("<II", data, offset)
        chunk = data[offset + 8:offset + 8 + size]
        if kind == 0x4E4F534A:
            document = json.loads(chunk.decode("utf-8"))
        elif kind == 0x004E4942:
            binary = chunk
        offset += 8 + size
    if document is None:
        raise MeshReadError("GLB without a JSON chunk")

    def accessor(index: int) -> np.ndarray:
        acc = document["accessors"][index]
        view = document["bufferViews"][acc["bufferView"]]
        dtype = np.dtype("<" + _GLTF_COMPONENTS[acc["componentType"]])
        width = _GLTF_SIZES[acc["type"]]
        start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
        stride = view.get("byteStride", 0) or dtype.itemsize * width
        rows = np.frombuffer(binary, np.uint8, stride * (acc["count"] - 1)
                             + dtype.itemsize * width, start)
        out = np.empty((acc["count"], width), dtype)
        for k in range(width):
            picked = np.lib.stride_tricks.as_strided(rows[k * dtype.itemsize:], (acc["count"],
                                                     dtype.itemsize), (stride, 1))
            out[:, k] = np.ascontiguousarray(picked).view(dtype).reshape(-1)
        return out

    vertices, faces = [], []
    for mesh in document.get("meshes", []):
        for primitive in mesh.get("primitives", []):
            if primitive.get("mode", 4) != 4:
                continue
            positions = accessor(primitive["attributes"]["POSITION"]).astype(np.float64)
            if "indices" in primitive:
                indices = accessor(primitive["indices"]).reshape(-1, 3).astype(np.int64)
            else:
                indices = np.arange(len(positions)).reshape(-1, 3)
            base = sum(len(v) for v in vertices)
            vertices.append(positions)
            faces.append(indices + base)
    if not vertices:
        raise MeshReadError("GLB without triangle meshes")
    return np.concatenate(vertices), np.concatenate(faces)
