"""Hair, eyebrows, eyelashes and beard in exported files: meshes, morphs, one RGBA texture.

``hair_parts(model, params, geometry)`` evaluates the bound hair on the exported head (its
base: neutral or with the expression baked, as ``geometry`` says) and, when the head has ARKit
morph targets, the hair's own targets with the same names (hair evaluated with that expression
at 1, minus the base), so brows and lashes animate with the face in Blender or three.js.

Texture (``hair_texture``), 512 x 1024 RGBA, white with alpha: the top half is the strand atlas
(cards), the bottom half an opacity ramp (alpha = u) that the painted layers (scalp under the
hair, beard shadow) index with their per-vertex opacity, so one image serves both and no
vertex colours are needed. Cards use an alpha-tested (MASK) material, painted layers a blended
one; colours are the materials' base colour factors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from faceeditor.hair import HAIR_PARTS, hair_for
from faceeditor.hair.binding import HairMesh
from faceeditor.hair.texture import strand_atlas

#: Mesh names of the parts in exported files.
PART_LABELS = {"hair": "Hair", "eyebrows": "Eyebrows", "eyelashes": "Eyelashes", "beard": "Beard"}
#: Morph deltas below this (metres) are written as zero (keeps sparse accessors sparse).
DELTA_EPSILON = 2e-6


@dataclasses.dataclass
class HairPrimitive:
    """One exported layer.

    Attributes:
        kind: ``cards`` (alpha-tested strands) or ``cap`` (blended painted layer).
        positions, normals: (n, 3) float32; normals unit.
        uvs: (n, 2) float32 in glTF's convention (origin top left) on ``hair_texture``.
        indices: (m, 3) uint32.
        colour: (3,) linear RGB base colour.
        deltas: (K, n, 3) float32 morph position deltas (K = 0 without morphs).
    """

    kind: str
    positions: np.ndarray
    normals: np.ndarray
    uvs: np.ndarray
    indices: np.ndarray
    colour: np.ndarray
    deltas: np.ndarray


def hair_texture() -> np.ndarray:
    """(1024, 512, 4) uint8 RGBA, top row first: atlas above, opacity ramp below."""
    atlas = strand_atlas(512)
    ramp = np.broadcast_to(np.round(np.linspace(0, 255, 512)).astype(np.uint8), (512, 512))
    alpha = np.concatenate([atlas, ramp], 0)
    image = np.full(alpha.shape + (4,), 255, np.uint8)
    image[..., 3] = alpha
    return image


def hair_parts(model, params: Mapping[str, float], geometry) -> dict[str, list[HairPrimitive]]:
    """{part: primitives} of the hair of ``params`` on ``geometry``'s base head (parts without
    geometry left out)."""
    names = tuple(p.name for p in model.spec.of_kind("expression"))
    vector = np.asarray(model.vector(params), np.float32)
    index = np.array([model.spec[name].index for name in names])
    base_vector = vector.copy()
    if np.any(geometry.default_weights):  # the expression is in the morph weights
        base_vector[index] = 0.0
    hair = hair_for(model, params)
    base = hair.evaluate(model.evaluate(base_vector))
    morphed = []
    for name in geometry.morph_names:
        posed = base_vector.copy()
        posed[model.spec[name].index] += 1.0
        morphed.append(hair.evaluate(model.evaluate(posed)))
    parts: dict[str, list[HairPrimitive]] = {}
    for number, mesh in enumerate(base):
        deltas = np.stack([m[number].positions - mesh.positions for m in morphed]) if morphed \
            else np.zeros((0,) + mesh.positions.shape, np.float32)
        deltas[np.abs(deltas).max(-1) < DELTA_EPSILON] = 0.0
        parts.setdefault(mesh.name, []).append(_primitive(mesh, deltas.astype(np.float32)))
    return {part: parts[part] for part in HAIR_PARTS if part in parts}


def _primitive(mesh: HairMesh, deltas: np.ndarray) -> HairPrimitive:
    if mesh.kind == "cap":
        alpha = np.clip(mesh.colours[:, 3], 0.0, 1.0)
        uvs = np.stack([(0.5 + alpha * 511.0) / 512.0, np.full_like(alpha, 0.75)], 1)
        weights = np.maximum(mesh.colours[:, 3:4], 1e-3)
        colour = (mesh.colours[:, :3] * weights).sum(0) / weights.sum()
        normals = _cap_normals(mesh)
    else:
        uvs = np.stack([mesh.uvs[:, 0], (1.0 - mesh.uvs[:, 1]) * 0.5], 1)
        colour = mesh.colours[:, :3].mean(0) if len(mesh.colours) else np.zeros(3)
        normals = _card_normals(mesh)
    return HairPrimitive(mesh.kind, np.ascontiguousarray(mesh.positions, np.float32),
                         normals, uvs.astype(np.float32), mesh.indices.astype(np.uint32),
                         colour.astype(np.float64), deltas)


def _card_normals(mesh: HairMesh) -> np.ndarray:
    """Card vertex normals: across the card (edge to edge) crossed with the strand."""
    pairs = mesh.positions.reshape(-1, 2, 3).astype(np.float64)
    across = pairs[:, 1] - pairs[:, 0]
    tangent = mesh.tangents.reshape(-1, 2, 3)[:, 0].astype(np.float64)
    normal = np.cross(tangent, across)
    return np.repeat(_unit(normal), 2, axis=0).astype(np.float32)


def _cap_normals(mesh: HairMesh) -> np.ndarray:
    corners = mesh.positions[mesh.indices].astype(np.float64)
    face = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normals = np.zeros((len(mesh.positions), 3))
    for k in range(3):
        np.add.at(normals, mesh.indices[:, k], face)
    return _unit(normals).astype(np.float32)


def _unit(vectors: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(vectors, axis=-1, keepdims=True)
    fallback = np.zeros_like(vectors)
    fallback[..., 2] = 1.0
    return np.where(length > 1e-12, vectors / np.maximum(length, 1e-12), fallback)


def obj_hair_text(parts: dict[str, list[HairPrimitive]], mtllib: str, header: str = "") -> str:
    """An OBJ of the hair parts (objects Hair, Eyebrows ...; materials ``<part>_cards`` and
    ``<part>_painted``), UVs flipped to OBJ's bottom-left origin."""
    import io

    out = io.StringIO()
    for line in header.splitlines():
        out.write(f"# {line}\n")
    out.write(f"mtllib {mtllib}\n")
    offset = 0
    for part, primitives in parts.items():
        out.write(f"o {PART_LABELS[part]}\n")
        for primitive in primitives:
            np.savetxt(out, primitive.positions.astype(np.float64), fmt="v %.6f %.6f %.6f")
            uvs = np.stack([primitive.uvs[:, 0], 1.0 - primitive.uvs[:, 1]], 1)
            np.savetxt(out, uvs.astype(np.float64), fmt="vt %.6f %.6f")
            np.savetxt(out, primitive.normals.astype(np.float64), fmt="vn %.5f %.5f %.5f")
            out.write(f"usemtl {part}_{_material_kind(primitive)}\n")
            v = primitive.indices.astype(np.int64) + 1 + offset
            np.savetxt(out, np.stack([v, v, v], -1).reshape(len(v), 9),
                       fmt="f %d/%d/%d %d/%d/%d %d/%d/%d")
            offset += len(primitive.positions)
    return out.getvalue()


def obj_hair_mtl(parts: dict[str, list[HairPrimitive]], texture: str, header: str = "") -> str:
    """The hair MTL: ``map_Kd`` and ``map_d`` on the RGBA hair texture, colour in ``Kd``."""
    lines = [f"# {line}" for line in header.splitlines()]
    for part, primitives in parts.items():
        for primitive in primitives:
            red, green, blue = _srgb(primitive.colour)
            lines += ["", f"newmtl {part}_{_material_kind(primitive)}", "Ka 0 0 0",
                      f"Kd {red:.4f} {green:.4f} {blue:.4f}", "Ks 0.05 0.05 0.05", "Ns 40",
                      "d 1", "illum 2", f"map_Kd {texture}", f"map_d {texture}"]
    return "\n".join(lines) + "\n"


def _material_kind(primitive: HairPrimitive) -> str:
    return "cards" if primitive.kind == "cards" else "painted"


def _srgb(linear: np.ndarray) -> np.ndarray:
    c = np.clip(np.asarray(linear, np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)


def part_texture(primitives: list[HairPrimitive]) -> np.ndarray:
    """``hair_texture`` with the part's card colour painted in (sRGB): for OBJ, whose
    importers mostly ignore ``Kd`` under a ``map_Kd``."""
    image = hair_texture()
    cards = [p for p in primitives if p.kind == "cards"] or primitives
    image[..., :3] = np.round(_srgb(cards[0].colour) * 255).astype(np.uint8)
    return image


def add_hair_to_gltf(builder, parts: dict[str, list[HairPrimitive]], geometry,
                     blend: bool = False) -> list[int]:
    """Add the hair meshes and nodes to a ``GltfBuilder``; the new node indices.

    Cards: ``alphaMode`` MASK (cutoff 0.5) or, with ``blend``, BLEND; double sided. Painted
    layers: BLEND. Morph targets follow ``geometry`` (names in ``extras.targetNames``)."""
    from faceeditor.export.gltf import ELEMENT_ARRAY_BUFFER, _number, _unit_rows
    from faceeditor.export.textures import encode_image

    if not parts:
        return []
    sampler = builder.add("samplers", {"magFilter": 9729, "minFilter": 9987,
                                       "wrapS": 33071, "wrapT": 33071})
    source = builder.add_image(encode_image(hair_texture(), "png"), "image/png", "hair_strands")
    texture = builder.add("textures", {"sampler": sampler, "source": source})
    nodes = []
    for part, primitives in parts.items():
        label = PART_LABELS[part]
        entries = []
        for primitive in primitives:
            cards = primitive.kind == "cards"
            material = {
                "name": f"{label} {'cards' if cards else 'painted'}",
                "pbrMetallicRoughness": {
                    "baseColorFactor": [_number(c) for c in np.clip(primitive.colour, 0, 1)]
                    + [1.0],
                    "baseColorTexture": {"index": texture},
                    "metallicFactor": 0.0, "roughnessFactor": 0.55},
                "alphaMode": "BLEND" if blend or not cards else "MASK",
                "doubleSided": cards,
            }
            if material["alphaMode"] == "MASK":
                material["alphaCutoff"] = 0.5
            index_type = np.uint16 if len(primitive.positions) < 65535 else np.uint32
            entry = {
                "attributes": {
                    "POSITION": builder.add_accessor(primitive.positions),
                    "NORMAL": builder.add_accessor(_unit_rows(primitive.normals)),
                    "TEXCOORD_0": builder.add_accessor(primitive.uvs),
                },
                "indices": builder.add_accessor(primitive.indices.astype(index_type).ravel(),
                                                ELEMENT_ARRAY_BUFFER, bounds=False),
                "material": builder.add("materials", material),
                "mode": 4,
            }
            if geometry.morph_count:
                entry["targets"] = [{"POSITION": builder.add_delta_accessor(delta)}
                                    for delta in primitive.deltas]
            entries.append(entry)
        mesh: dict = {"name": label, "primitives": entries}
        if geometry.morph_count:
            mesh["weights"] = [_number(w) for w in geometry.default_weights]
            mesh["extras"] = {"targetNames": list(geometry.morph_names)}
        mesh_index = builder.add("meshes", mesh)
        nodes.append(builder.add("nodes", {"name": label, "mesh": mesh_index}))
    return nodes
