"""Test helpers for exported GLBs: read accessors back (dense and sparse), run the node tools.

The node tools live in tests/node (``package.json``; ``make test`` runs ``npm ci`` there):
the Khronos glTF validator and three.js's GLTFLoader.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

NODE_DIR = Path(__file__).parent / "node"

_DTYPES = {5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32,
           5126: np.float32}
_WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


class Glb:
    """A parsed GLB: ``document`` (the JSON) and ``binary`` (the BIN chunk)."""

    def __init__(self, data: bytes):
        magic, version, length = struct.unpack_from("<III", data, 0)
        assert (magic, version, length) == (0x46546C67, 2, len(data)), "not a GLB 2 file"
        json_length, json_type = struct.unpack_from("<II", data, 12)
        assert json_type == 0x4E4F534A
        self.document = json.loads(data[20:20 + json_length])
        rest = 20 + json_length
        self.binary = b""
        if rest < len(data):
            bin_length, bin_type = struct.unpack_from("<II", data, rest)
            assert bin_type == 0x004E4942
            self.binary = data[rest + 8:rest + 8 + bin_length]

    @classmethod
    def read(cls, path: Path) -> Glb:
        return cls(Path(path).read_bytes())

    def view_bytes(self, index: int) -> bytes:
        view = self.document["bufferViews"][index]
        start = view.get("byteOffset", 0)
        return self.binary[start:start + view["byteLength"]]

    def accessor(self, index: int) -> np.ndarray:
        """(count,) or (count, C) array of accessor ``index``, sparse values applied."""
        accessor = self.document["accessors"][index]
        dtype = _DTYPES[accessor["componentType"]]
        width = _WIDTHS[accessor["type"]]
        count = accessor["count"]
        if "bufferView" in accessor:
            values = np.frombuffer(self.view_bytes(accessor["bufferView"]), dtype,
                                   count * width, accessor.get("byteOffset", 0)).copy()
        else:
            values = np.zeros(count * width, dtype)
        values = values.reshape(count, width)
        sparse = accessor.get("sparse")
        if sparse:
            rows = np.frombuffer(self.view_bytes(sparse["indices"]["bufferView"]),
                                 _DTYPES[sparse["indices"]["componentType"]], sparse["count"])
            values[rows] = np.frombuffer(self.view_bytes(sparse["values"]["bufferView"]), dtype,
                                         sparse["count"] * width).reshape(-1, width)
        return values[:, 0] if width == 1 else values

    def image(self, texture_index: int) -> bytes:
        texture = self.document["textures"][texture_index]
        return self.view_bytes(self.document["images"][texture["source"]]["bufferView"])


def node_script(script: str, *args: str | Path, timeout: float = 120) -> object:
    """Run ``tests/node/<script>`` with ``args``; its JSON output."""
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "gltf-validator").is_dir():
        pytest.fail("the node test tools are missing: install node and npm, then run "
                    "`npm ci --prefix tests/node` (make test does it)")
    result = subprocess.run([node, str(NODE_DIR / script), *map(str, args)],
                            capture_output=True, text=True, timeout=timeout, cwd=NODE_DIR)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
