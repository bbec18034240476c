"""``faceeditor fit INPUT -o head.face [--preview p.png] [--texture photo|procedural]
[--expression keep|neutral] [--units mm|cm|m] [--force]``.

INPUT is a photo (JPEG, PNG, WebP ...) or a scan (OBJ, PLY, STL, GLB). The output is an
ordinary project: every slider, export and text edit works on it; a photo's texture, or a
scan's own texture carried into the head's UV layout, is stored inside the project. Nothing is overwritten without ``--force``.
"""

from __future__ import annotations

import argparse
import io
import logging
from pathlib import Path

from faceeditor.fit.pipeline import EXPRESSION_MODES, TEXTURE_MODES, FitError, FitOptions

log = logging.getLogger(__name__)

UNITS = ("mm", "cm", "m")


def add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, metavar="INPUT",
                        help="a photo (JPEG/PNG/WebP) or a 3D scan (OBJ/PLY/STL/GLB)")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="HEAD.face",
                        help="the project to write")
    parser.add_argument("--preview", type=Path, metavar="PREVIEW.png",
                        help="also write a picture to judge the fit (photo: the head in the "
                             "photo's camera over the photo; scan: side by side)")
    parser.add_argument("--texture", choices=TEXTURE_MODES, default="photo",
                        help="photo: project the photo, or carry a scan's own texture, into "
                             "the skin texture (default); procedural: fitted skin parameters "
                             "only")
    parser.add_argument("--expression", choices=EXPRESSION_MODES, default="keep",
                        help="keep the photo's expression (default) or return a neutral face")
    parser.add_argument("--units", choices=UNITS,
                        help="a scan's length unit (default: detected from its size)")
    parser.add_argument("--face", type=int, default=0, metavar="N",
                        help="which face of a group photo, 0 = the largest (default)")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")


def check_outputs(args: argparse.Namespace) -> None:
    output: Path = args.output
    if output.suffix.lower() != ".face":
        raise FitError(f"{output}: projects are .face files")
    preview: Path | None = args.preview
    if preview is not None and preview.suffix.lower() != ".png":
        raise FitError(f"{preview}: the preview is a PNG image (give a .png name)")
    for path in [output] + ([preview] if preview is not None else []):
        if not path.parent.is_dir():
            raise FitError(f"{path.parent} is not a folder")
        if path.exists() and not args.force:
            raise FitError(f"{path} exists; use --force to overwrite it")
    if args.face < 0:
        raise FitError(f"--face must be 0 or more, got {args.face}")


def run_fit(args: argparse.Namespace) -> int:
    from faceeditor.fit.pipeline import fit_input
    from faceeditor.model import load_default_model
    from faceeditor.project import Project, save_project

    check_outputs(args)
    model = load_default_model()
    options = FitOptions(texture=args.texture, expression=args.expression, units=args.units,
                         face=args.face)
    result = fit_input(model, args.input, options)
    project = Project.for_model(model, result.params,
                                albedo_png=encode_png(result.texture)
                                if result.texture is not None else None)
    save_project(args.output, project)
    if args.preview is not None:
        from faceeditor.render import save_png

        save_png(args.preview, result.preview())
    numbers = ", ".join(f"{key.replace('_', ' ')} {value:.2f}"
                        for key, value in result.stats.items())
    print(f"fitted {args.input.name} ({result.kind}) -> {args.output}: {numbers}")
    return 0


def encode_png(image) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def decode_png(data: bytes):
    """PNG bytes -> (H, W, 3) uint8."""
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def project_photo_albedo(project_path: Path | None, model, size: int):
    """(size, size, 3) uint8 photo albedo stored in a project by ``fit``, or None."""
    if project_path is None:
        return None
    from faceeditor.fit.preview import resize
    from faceeditor.project import load_project

    data = load_project(project_path, model).albedo_png
    if data is None:
        return None
    return resize(decode_png(data), size, size)
