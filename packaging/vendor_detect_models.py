"""Vendor MediaPipe's face detector and face-mesh models into resources/detect/.

The models ship inside the `mediapipe` wheel on PyPI (Apache-2.0). `mediapipe` itself cannot be a
dependency (it pins numpy<2 and protobuf), so the few `.tflite` files are copied out of the wheel,
together with the wheel's licence, and run with `ai-edge-litert`. Everything is checked against
resources/detect/SOURCES.json: the wheel's sha256, each member's sha256 and the licence's, so
the result is byte-identical on every machine (or the script stops and says what differs).

    python packaging/vendor_detect_models.py                 # downloads the wheel with pip
    python packaging/vendor_detect_models.py --wheel-dir DIR # uses DIR/<wheel filename>

Writes resources/detect/<model>.tflite, LICENSE (Apache-2.0 text from the wheel) and NOTICE.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "detect"
SOURCES = OUT / "SOURCES.json"


class VendorError(RuntimeError):
    """A wheel or member does not match SOURCES.json."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_wheel(wheel: dict, wheel_dir: Path | None, tmp: Path) -> Path:
    """The wheel named in SOURCES.json: from `wheel_dir` or downloaded by pip (no dependencies)."""
    if wheel_dir is not None:
        path = wheel_dir / wheel["filename"]
        if not path.is_file():
            raise VendorError(f"{path} not found")
        return path
    # The file name pins platform and Python tag; the models inside are the same in every build.
    name_parts = wheel["filename"][:-4].split("-")
    python_tag, platform_tag = name_parts[2], name_parts[4]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--python-version", python_tag[2:3] + "." + python_tag[3:], "--platform", platform_tag,
         "-d", str(tmp), wheel["requirement"]],
        check=True,
    )
    return tmp / wheel["filename"]


def notice_text(sources: dict) -> str:
    wheel = sources["wheel"]
    lines = [
        "# Vendored face detection and face-mesh models",
        "",
        "These files are Google's MediaPipe models, licensed under the Apache License 2.0 (full",
        "text in `LICENSE` beside this file, copied from the same wheel). They are unmodified",
        "copies of files inside the PyPI wheel below; faceeditor's own pre- and post-processing",
        "(anchors, box decoding, weighted non-maximum suppression, rotated crops, back-projection)",
        "is written from the MediaPipe model cards and graph settings, not copied.",
        "",
        f"- Source wheel: `{wheel['filename']}` ({wheel['requirement']} on PyPI)",
        f"- Wheel sha256: `{wheel['sha256']}`",
        f"- Licence: {wheel['licence']}, `{wheel['licence_member']}` "
        f"(sha256 `{wheel['licence_sha256']}`)",
        "- Copyright 2019-2025 The MediaPipe Authors.",
        "- Rebuild and check: `python packaging/vendor_detect_models.py`",
        "",
        "| file | path inside the wheel | sha256 | what |",
        "| --- | --- | --- | --- |",
    ]
    for item in sources["files"]:
        lines.append(f"| `{item['name']}` | `{item['member']}` | `{item['sha256']}` | {item['what']} |")
    return "\n".join(lines) + "\n"


def vendor(wheel_path: Path, sources: dict, out: Path) -> list[Path]:
    """Check the wheel and copy its members; returns the files written."""
    wheel = sources["wheel"]
    digest = sha256(wheel_path.read_bytes())
    if digest != wheel["sha256"]:
        raise VendorError(f"{wheel_path.name}: sha256 {digest}, expected {wheel['sha256']}")
    written = []
    with zipfile.ZipFile(wheel_path) as archive:
        members = [(item["member"], item["name"], item["sha256"]) for item in sources["files"]]
        members.append((wheel["licence_member"], "LICENSE", wheel["licence_sha256"]))
        for member, name, expected in members:
            data = archive.read(member)
            if sha256(data) != expected:
                raise VendorError(f"{member}: sha256 {sha256(data)}, expected {expected}")
            (out / name).write_bytes(data)
            written.append(out / name)
    (out / "NOTICE.md").write_text(notice_text(sources), encoding="utf-8")
    written.append(out / "NOTICE.md")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel-dir", type=Path, help="folder holding the wheel (else pip downloads it)")
    args = parser.parse_args(argv)
    sources = json.loads(SOURCES.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        try:
            wheel_path = fetch_wheel(sources["wheel"], args.wheel_dir, Path(tmp))
            written = vendor(wheel_path, sources, OUT)
        except (VendorError, subprocess.CalledProcessError, KeyError, zipfile.BadZipFile) as exc:
            print(f"vendor_detect_models: {exc}", file=sys.stderr)
            return 1
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
