"""``faceeditor new --prompt TEXT [--count N] [--seed S] -o OUT.face [--png] [--json]``.

Makes ``N`` new heads that fit the description (``new_head.new_heads``): one project ``OUT.face``
for ``N = 1``, else ``OUT-1.face`` ... ``OUT-N.face``.  ``--png`` also renders each head to a
PNG beside its project, to pick from.  Nothing is written when any output exists (without
``--force``) or the description is not understood.  ``--json`` prints one JSON object:
``{"heads": [{"project", "seed", "targets", "changed"}], "unrecognized": [...]}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

#: The most candidates one command makes.
MAX_COUNT = 64


class NewCommandError(ValueError):
    """A bad ``new`` request (one line for the user; the CLI exits with status 2)."""


def add_new_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompt", required=True, metavar="TEXT",
                        help='who, e.g. "an East Asian woman in her thirties, friendly"')
    parser.add_argument("--count", type=int, default=1, metavar="N",
                        help=f"how many candidates (default 1, at most {MAX_COUNT})")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="run seed: the same seed makes the same heads (default 0)")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.face",
                        help="project to write (OUT-1.face ... with --count > 1)")
    parser.add_argument("--png", action="store_true",
                        help="also render each head to OUT[-i].png (512 px)")
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def output_paths(output: Path, count: int) -> list[Path]:
    """``[OUT.face]`` for one head, else ``OUT-1.face`` ... ``OUT-N.face``."""
    if count == 1:
        return [output]
    return [output.with_name(f"{output.stem}-{i}{output.suffix}") for i in range(1, count + 1)]


def run_new(args: argparse.Namespace, stdout: TextIO = sys.stdout) -> int:
    from faceeditor.model import load_default_model
    from faceeditor.project import Project, save_project
    from faceeditor.text.engine import TextEditEngine
    from faceeditor.text.new_head import DescriptionError, new_heads

    output: Path = args.output
    if not 1 <= args.count <= MAX_COUNT:
        raise NewCommandError(f"--count must be between 1 and {MAX_COUNT}, got {args.count}")
    if output.suffix.lower() != ".face":
        raise NewCommandError(f"{output}: projects are .face files")
    if not output.parent.is_dir():
        raise NewCommandError(f"{output.parent} is not a folder")
    projects = output_paths(output, args.count)
    images = [p.with_suffix(".png") for p in projects] if args.png else []
    existing = [str(p) for p in projects + images if p.exists()]
    if existing and not args.force:
        raise NewCommandError(f"{existing[0]} exists; use --force to overwrite")
    model = load_default_model()
    engine = TextEditEngine(model)
    try:
        heads = new_heads(model, args.prompt, args.count, args.seed, engine)
    except DescriptionError as error:
        raise NewCommandError(str(error)) from error
    for path, head in zip(projects, heads):
        save_project(path, Project.for_model(model, head.values, seed=head.seed))
    if images:
        _render(model, [h.values for h in heads], images)
    first = heads[0].edit
    if args.json:
        stdout.write(json.dumps({
            "heads": [{"project": str(path), "seed": head.seed, "targets": head.targets,
                       "changed": head.edit.changed} for path, head in zip(projects, heads)],
            "unrecognized": first.unrecognized}) + "\n")
        return 0
    for path, head in zip(projects, heads):
        values = head.values
        years = engine.years_of(engine.spec.vector(values))
        stdout.write(f"{path}  seed {head.seed}  {years:.0f} years  gender {values['gender']:.2f}"
                     f"  skin {values['skin_melanin']:.2f}\n")
    stdout.write("; ".join(f"{r.words} -> {r.concept}" for r in first.requests) + "\n")
    if first.unrecognized:
        stdout.write(first.message() + "\n")
    return 0


def render_previews(model, heads: list[dict[str, float]], size: int = 512,
                    albedo_size: int = 1024) -> list:
    """(size, size, 3) uint8 front views of ``heads`` with their skin, in one offscreen
    context (any thread; ``NewCommandError`` when there is no OpenGL)."""
    from faceeditor.export.textures import skin_albedo
    from faceeditor.render import OffscreenRenderer, RenderError

    images = []
    try:
        with OffscreenRenderer(size, size) as renderer:
            for values in heads:
                albedo = skin_albedo(values, albedo_size)
                if albedo is not None:
                    renderer.set_albedo_map(albedo)
                images.append(renderer.render(model.evaluate(values), "front"))
    except RenderError as error:
        raise NewCommandError(f"cannot render the previews: {error}") from error
    return images


def _render(model, heads: list[dict[str, float]], paths: list[Path]) -> None:
    from faceeditor.render import save_png

    for image, path in zip(render_previews(model, heads), paths):
        save_png(path, image)
