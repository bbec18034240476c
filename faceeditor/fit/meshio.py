"""Small readers of triangle meshes from scans and sculpts: OBJ, PLY (ASCII and binary), STL
(ASCII and binary) and GLB (glTF 2.0 binary). Positions and triangles (polygons are fanned into
triangles), and the scan's colour where the file has one: UVs with a base-colour texture (OBJ
``vt`` + the MTL's ``map_Kd``, GLB ``TEXCOORD_0`` + ``baseColorTexture``, PLY ``texcoord`` + a
``TextureFile`` comment) or per-vertex colours (PLY ``red green blue``, OBJ ``v x y z r g b``,
GLB ``COLOR_0``). A texture that is missing or unreadable is a one-line warning, never an error:
the mesh is still read. Images are decoded by Pillow; nothing else is needed.

    mesh = read_mesh(Path("scan.ply"))   # ScanMesh: (N, 3) float64 vertices, (F, 3) int64 faces
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import logging
import struct
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


class MeshReadError(ValueError):
    """A file that is not a readable mesh; the message is one line naming the file."""


@dataclasses.dataclass(frozen=True)
class ScanMesh:
    """A triangle mesh in the file's own units and axes, with its colour where it has one.

    Attributes:
        vertices: (N, 3) float64 positions.
        faces: (F, 3) int64 triangles.
        uvs: (T, 2) float64 texture coordinates, origin at the bottom left (OBJ's convention;
            a GLB's are flipped on reading), or None.
        face_uvs: (F, 3) int64 indices into ``uvs`` per corner, -1 where a triangle has none
            (or uses another material's texture), or None.
        texture: (H, W, 3) uint8 sRGB base colour that ``uvs`` point into, or None.
        colors: (N, 3) float64 sRGB per-vertex colours in [0, 1], or None.
    """

    vertices: np.ndarray
    faces: np.ndarray
    uvs: np.ndarray | None = None
    face_uvs: np.ndarray | None = None
    texture: np.ndarray | None = None
    colors: np.ndarray | None = None


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
        parsed = reader(data, path)
    except MeshReadError as error:
        raise MeshReadError(f"{path.name}: {error}") from None
    except (ValueError, IndexError, KeyError, struct.error, UnicodeDecodeError) as error:
        raise MeshReadError(f"{path.name} is not a readable {path.suffix[1:].upper()} mesh "
                            f"({type(error).__name__})") from None
    vertices = np.asarray(parsed["vertices"], np.float64).reshape(-1, 3)
    faces = np.asarray(parsed["faces"], np.int64).reshape(-1, 3)
    if len(vertices) < 3 or len(faces) < 1:
        raise MeshReadError(f"{path.name} has no triangles")
    if not np.isfinite(vertices).all():
        raise MeshReadError(f"{path.name} has non-finite vertex positions")
    if faces.min() < 0 or faces.max() >= len(vertices):
        raise MeshReadError(f"{path.name} has faces that point to missing vertices")
    return ScanMesh(vertices, faces, **_appearance(parsed, len(vertices), len(faces), path.name))


def _appearance(parsed: dict, vertex_count: int, face_count: int, name: str) -> dict:
    """The checked colour fields of ``ScanMesh`` from a reader's output; what is unusable is
    dropped with a one-line warning."""
    out = {}
    colors = parsed.get("colors")
    if colors is not None:
        colors = np.asarray(colors, np.float64).reshape(-1, 3)
        if len(colors) == vertex_count and np.isfinite(colors).all():
            out["colors"] = np.clip(colors, 0.0, 1.0)
    uvs, face_uvs, source = parsed.get("uvs"), parsed.get("face_uvs"), parsed.get("texture")
    if source is None or uvs is None or face_uvs is None or len(uvs) == 0:
        return out
    uvs = np.asarray(uvs, np.float64).reshape(-1, 2)
    face_uvs = np.asarray(face_uvs, np.int64).reshape(-1, 3)
    if (len(face_uvs) != face_count or not np.isfinite(uvs).all()
            or face_uvs.max() >= len(uvs) or (face_uvs >= 0).sum() == 0):
        log.warning("%s: its texture coordinates are unusable; the scan's texture is not used",
                    name)
        return out
    texture = _load_image(source, name)
    if texture is not None:
        out.update(uvs=uvs, face_uvs=np.where(face_uvs < 0, -1, face_uvs), texture=texture)
    return out


def _load_image(source: tuple[str, object], name: str) -> np.ndarray | None:
    """(H, W, 3) uint8 from ("file", Path) or ("bytes", (label, bytes)); None with a warning."""
    from PIL import Image

    kind, value = source
    label = value.name if kind == "file" else value[0]
    try:
        data = value.read_bytes() if kind == "file" else value[1]
        with Image.open(io.BytesIO(data)) as image:
            return np.asarray(image.convert("RGB")).copy()
    except FileNotFoundError:
        problem = "not found"
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        problem = f"unreadable ({type(error).__name__})"
    log.warning("%s: texture %s %s; the head keeps its procedural skin texture", name, label,
                problem)
    return None


def _fan(polygon: list[int]) -> list[tuple[int, int, int]]:
    return [(polygon[0], polygon[i], polygon[i + 1]) for i in range(1, len(polygon) - 1)]


def _read_obj(data: bytes, path: Path):
    vertices, colors, uvs, faces, face_uvs, face_material = [], [], [], [], [], []
    libraries, material = [], None
    for line in data.decode("utf-8", errors="replace").splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "v":
            vertices.append([float(v) for v in parts[1:4]])
            colors.append([float(v) for v in parts[4:7]] if len(parts) >= 7 else None)
        elif parts[0] == "vt":
            uvs.append([float(v) for v in parts[1:3]])
        elif parts[0] == "f":
            polygon, corners = [], []
            for token in parts[1:]:
                fields = token.split("/")
                index = int(fields[0])
                polygon.append(index - 1 if index > 0 else len(vertices) + index)
                uv = int(fields[1]) if len(fields) > 1 and fields[1] else 0
                corners.append(uv - 1 if uv > 0 else len(uvs) + uv if uv < 0 else -1)
            fan = _fan(polygon)
            faces += fan
            face_uvs += _fan(corners) if min(corners) >= 0 else [(-1, -1, -1)] * len(fan)
            face_material += [material] * len(fan)
        elif parts[0] == "mtllib":
            libraries.append(line.split(None, 1)[1].strip())
        elif parts[0] == "usemtl":
            material = line.split(None, 1)[1].strip() if len(parts) > 1 else None
    out = {"vertices": vertices, "faces": faces}
    if colors and all(c is not None for c in colors):
        out["colors"] = np.asarray(colors, np.float64)
        if out["colors"].max() > 1.0:  # some writers use 0-255
            out["colors"] = out["colors"] / 255.0
    textures = _mtl_textures(path, libraries)
    used = [m for m in face_material if m in textures]
    if uvs and used:
        chosen = max(set(used), key=used.count)  # one texture: the one most triangles use
        face_uvs = np.asarray(face_uvs, np.int64).reshape(-1, 3)
        other = np.array([m != chosen for m in face_material], bool)
        face_uvs[other] = -1
        out.update(uvs=uvs, face_uvs=face_uvs, texture=("file", textures[chosen]))
    return out


#: Options of an MTL texture statement and how many values each takes.
_MTL_OPTIONS = {"-blendu": 1, "-blendv": 1, "-bm": 1, "-boost": 1, "-cc": 1, "-clamp": 1,
                "-imfchan": 1, "-mm": 2, "-o": 3, "-s": 3, "-t": 3, "-texres": 1, "-type": 1}


def _mtl_textures(obj: Path, libraries: list[str]) -> dict[str, Path]:
    """Material name -> base-colour texture path (``map_Kd``) from the OBJ's material
    libraries; an unreadable library is a warning."""
    textures: dict[str, Path] = {}
    for library in libraries:
        mtl = obj.parent / library.replace("\\", "/")
        try:
            text = mtl.read_text("utf-8", errors="replace")
        except OSError:
            log.warning("%s: material library %s not found; the scan's texture is not used",
                        obj.name, library)
            continue
        material = None
        for line in text.splitlines():
            parts = line.split()
            if len(parts) > 1 and parts[0] == "newmtl":
                material = line.split(None, 1)[1].strip()
            elif len(parts) > 1 and parts[0].lower() == "map_kd" and material is not None:
                tokens, i = parts[1:], 0
                while i < len(tokens) - 1 and tokens[i] in _MTL_OPTIONS:
                    count = _MTL_OPTIONS[tokens[i]]
                    i += 2  # the option and its first value; "-s 1" may stand for "-s 1 1 1"
                    for _ in range(count - 1):
                        i += int(i < len(tokens) - 1 and _is_number(tokens[i]))
                name = " ".join(tokens[i:]).replace("\\", "/")
                candidate = mtl.parent / name
                if not candidate.exists() and (mtl.parent / Path(name).name).exists():
                    candidate = mtl.parent / Path(name).name  # an absolute path from elsewhere
                textures[material] = candidate
    return textures


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


_PLY_TYPES = {"char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1", "short": "i2",
              "int16": "i2", "ushort": "u2", "uint16": "u2", "int": "i4", "int32": "i4",
              "uint": "u4", "uint32": "u4", "float": "f4", "float32": "f4", "double": "f8",
              "float64": "f8"}


def _read_ply(data: bytes, path: Path):
    end = data.find(b"end_header")
    if not data.startswith(b"ply") or end < 0:
        raise MeshReadError("not a PLY file (no 'ply' header)")
    header = data[:end].decode("ascii", errors="replace").splitlines()
    body = data[data.index(b"\n", end) + 1:]
    fmt, elements, texture = "ascii", [], None
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
        elif parts[0] == "comment" and len(parts) > 2 and parts[1] == "TextureFile":
            texture = line.split("TextureFile", 1)[1].strip()  # MeshLab's texture comment
    if fmt == "ascii":
        columns, rows = _ply_ascii(body, elements)
    else:
        endian = {"binary_little_endian": "<", "binary_big_endian": ">"}.get(fmt)
        if endian is None:
            raise MeshReadError(f"unknown PLY format {fmt!r}")
        columns, rows = _ply_binary(body, elements, endian)
    if columns is None:
        raise MeshReadError("no vertex element")
    types = {p[-1]: p[0] for e in elements if e["name"] == "vertex" for p in e["props"]}
    return _ply_mesh(columns, types, rows, texture, path)


def _ply_mesh(columns: dict, types: dict, rows: list, texture: str | None, path: Path) -> dict:
    """The reader's output from the vertex columns and face rows of a PLY file."""
    out = {"vertices": np.stack([columns["x"], columns["y"], columns["z"]], 1), "faces": []}
    uvs, face_uvs = [], []
    for row in rows:
        polygon = [int(v) for v in row.get("vertex_indices", row.get("vertex_index", []))]
        fan = _fan(polygon)
        out["faces"] += fan
        coords = row.get("texcoord")
        if coords is not None and len(coords) == 2 * len(polygon):
            face_uvs += _fan(list(range(len(uvs), len(uvs) + len(polygon))))
            uvs += list(zip(coords[0::2], coords[1::2]))
        else:
            face_uvs += [(-1, -1, -1)] * len(fan)
    for names in (("red", "green", "blue"), ("r", "g", "b"), ("diffuse_red", "diffuse_green",
                                                              "diffuse_blue")):
        if all(n in columns for n in names):
            kind = _PLY_TYPES[types[names[0]]]
            scale = 1.0 if kind[0] == "f" else float(np.iinfo(np.dtype(kind)).max)
            out["colors"] = np.stack([columns[n] for n in names], 1).astype(np.float64) / scale
            break
    for names in (("s", "t"), ("u", "v"), ("texture_u", "texture_v")):
        if not uvs and all(n in columns for n in names):
            uvs = np.stack([columns[n] for n in names], 1)  # per-vertex UVs
            face_uvs = out["faces"]
    if texture is not None and len(uvs):
        out.update(uvs=uvs, face_uvs=face_uvs, texture=("file", path.parent / texture))
    return out


def _ply_ascii(body: bytes, elements):
    tokens = body.split()
    position = 0
    columns, rows = None, []
    for element in elements:
        table = []
        for _ in range(element["count"]):
            row = {}
            for prop in element["props"]:
                if prop[0] == "list":
                    count = int(tokens[position])
                    row[prop[-1]] = [float(t) for t in tokens[position + 1:position + 1 + count]]
                    position += 1 + count
                else:
                    row[prop[-1]] = float(tokens[position])
                    position += 1
            table.append(row)
        if element["name"] == "vertex":
            columns = {p[-1]: np.array([row[p[-1]] for row in table]) for p in element["props"]
                       if p[0] != "list"}
        elif element["name"] == "face":
            rows = table
    return columns, rows


def _ply_binary(body: bytes, elements, endian: str):
    offset = 0
    columns, rows = None, []
    for element in elements:
        props = element["props"]
        if all(p[0] != "list" for p in props):
            dtype = np.dtype([(p[-1], endian + _PLY_TYPES[p[0]]) for p in props])
            table = np.frombuffer(body, dtype, element["count"], offset)
            offset += dtype.itemsize * element["count"]
            if element["name"] == "vertex":
                columns = {name: table[name] for name in dtype.names}
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
                rows.append(row)
    return columns, rows


def _read_stl(data: bytes, path: Path):
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


def _weld(corners: np.ndarray) -> dict:
    """Triangle soup (3F, 3) -> shared vertices and (F, 3) faces."""
    unique, inverse = np.unique(np.asarray(corners, np.float64), axis=0, return_inverse=True)
    return {"vertices": unique, "faces": inverse.reshape(-1, 3)}


_GLTF_COMPONENTS = {5120: "i1", 5121: "u1", 5122: "i2", 5123: "u2", 5125: "u4", 5126: "f4"}
_GLTF_SIZES = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


def _read_glb(data: bytes, path: Path):
    from faceeditor.fit.texture import linear_to_srgb

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

    vertices, faces, uvs, face_uvs, colors, images = [], [], [], [], [], []
    for mesh in document.get("meshes", []):
        for primitive in mesh.get("primitives", []):
            if primitive.get("mode", 4) != 4:
                continue
            attributes = primitive["attributes"]
            positions = accessor(attributes["POSITION"]).astype(np.float64)
            if "indices" in primitive:
                indices = accessor(primitive["indices"]).reshape(-1, 3).astype(np.int64)
            else:
                indices = np.arange(len(positions)).reshape(-1, 3)
            base = sum(len(v) for v in vertices)
            vertices.append(positions)
            faces.append(indices + base)
            colors.append(linear_to_srgb(_normalised(accessor(attributes["COLOR_0"]))[:, :3])
                          if "COLOR_0" in attributes else None)  # glTF colours are linear
            image = _glb_base_colour(document, primitive)
            coords = attributes.get(f"TEXCOORD_{image[1]}") if image else None
            uv = (_normalised(accessor(coords)) if coords is not None else None)
            uvs.append(np.zeros((len(positions), 2)) if uv is None else
                       np.stack([uv[:, 0], 1.0 - uv[:, 1]], 1))  # glTF's v runs downward
            images.append(image[0] if image and uv is not None else None)
    if not vertices:
        raise MeshReadError("GLB without triangle meshes")
    out = {"vertices": np.concatenate(vertices), "faces": np.concatenate(faces)}
    if all(c is not None for c in colors):
        out["colors"] = np.concatenate(colors)
    used = [(i, len(f)) for i, f in zip(images, faces) if i is not None]
    if used:
        chosen = max({i for i, _ in used}, key=lambda i: sum(n for j, n in used if j == i))
        face_uvs = np.concatenate([f if i == chosen else np.full_like(f, -1)
                                   for i, f in zip(images, faces)])
        image = document["images"][chosen]
        label = image.get("name") or f"image {chosen}"
        if "bufferView" in image:
            view = document["bufferViews"][image["bufferView"]]
            start = view.get("byteOffset", 0)
            source = ("bytes", (label, binary[start:start + view["byteLength"]]))
        elif image.get("uri", "").startswith("data:"):
            source = ("bytes", (label, base64.b64decode(image["uri"].split(",", 1)[1])))
        else:
            source = ("file", path.parent / image.get("uri", ""))
        out.update(uvs=np.concatenate(uvs), face_uvs=face_uvs, texture=source)
    return out


def _glb_base_colour(document: dict, primitive: dict) -> tuple[int, int] | None:
    """(image index, texture coordinate set) of a primitive's base colour, or None."""
    if "material" not in primitive:
        return None
    pbr = document["materials"][primitive["material"]].get("pbrMetallicRoughness", {})
    info = pbr.get("baseColorTexture")
    if info is None:
        return None
    source = document["textures"][info["index"]].get("source")
    return None if source is None else (source, info.get("texCoord", 0))


def _normalised(values: np.ndarray) -> np.ndarray:
    """An accessor's values as float64 (normalised integers -> [0, 1])."""
    if values.dtype.kind in "iu":
        return values.astype(np.float64) / float(np.iinfo(values.dtype).max)
    return values.astype(np.float64)
