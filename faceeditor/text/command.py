"""``faceeditor edit --prompt TEXT [--strength A] [--project IN.face] [-o OUT.face] [--json]``.

Without ``--project`` the edit starts from the default neutral face.  ``--json`` prints exactly
one JSON object on stdout: ``{"changed": {name: delta, ...}, "unrecognized": [word, ...]}``;
without it a short human summary is printed.  ``-o`` writes the edited project atomically
(keeping the input project's seed and view state).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TextIO

log = logging.getLogger(__name__)


class EditCommandError(ValueError):
    """A bad edit request (one line for the user; the CLI exits with status 2)."""


def add_edit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompt", required=True, metavar="TEXT",
                        help='what to change, e.g. "a faint crooked smile"')
    parser.add_argument("--strength", type=float, default=1.0, metavar="A",
                        help="strength of the edit (default 1; 0 changes nothing)")
    parser.add_argument("--project", type=Path, metavar="IN.face",
                        help="project to edit (default: the neutral default face)")
    parser.add_argument("-o", "--output", type=Path, metavar="OUT.face",
                        help="write the edited project here")
    parser.add_argument("--force", action="store_true", help="overwrite an existing output")
    parser.add_argument("--json", action="store_true",
                        help='print {"changed": {...}, "unrecognized": [...]} as JSON')
    parser.add_argument("--clip-checkpoint", type=Path, metavar="FILE",
                        help="open_clip checkpoint for CLIP-guided edits (never downloaded)")
    parser.add_argument("--clip-model", default=None, metavar="NAME",
                        help="open_clip architecture of the checkpoint (default ViT-B-32)")


def run_edit(args: argparse.Namespace, stdout: TextIO = sys.stdout) -> int:
    from faceeditor.model import load_default_model
    from faceeditor.project import Project, load_project, save_project
    from faceeditor.text.clip import ClipError
    from faceeditor.text.factory import create_engine
    from faceeditor.text.report import word_effects

    if args.strength < 0 or args.strength != args.strength:
        raise EditCommandError(f"--strength must be a number >= 0, got {args.strength}")
    if not args.prompt.strip():
        raise EditCommandError("--prompt is empty; say what to change, e.g. --prompt 'smile'")
    output: Path | None = args.output
    if output is not None:
        if output.suffix.lower() != ".face":
            raise EditCommandError(f"{output}: projects are .face files")
        if not output.parent.is_dir():
            raise EditCommandError(f"{output.parent} is not a folder")
        if output.exists() and not args.force and output != args.project:
            raise EditCommandError(f"{output} exists; use --force to overwrite it")
    model = load_default_model()
    project = (load_project(args.project, model) if args.project is not None
               else Project.for_model(model, model.default_params()))
    try:
        engine = create_engine(model, clip_checkpoint=args.clip_checkpoint,
                               clip_model=args.clip_model, progress=_progress_bar)
    except ClipError as error:
        raise EditCommandError(str(error)) from error
    result = engine.edit(args.prompt, project.parameters, args.strength)
    if output is not None:
        project.parameters = result.values
        save_project(output, project)
    if args.json:
        stdout.write(json.dumps(result.as_json()) + "\n")
    else:
        for name, delta in sorted(result.changed.items(), key=lambda kv: -abs(kv[1])):
            stdout.write(f"{name:28s} {delta:+.3f}\n")
        for effect in word_effects(result):
            moved = ", ".join(f"{name} {delta:+.2f}" for name, delta in effect.moved)
            stdout.write(f"{effect.words!r} -> {effect.meaning}: {moved or 'no change'}\n")
        stdout.write(result.message() + "\n")
    return 0


def _progress_bar(done: int, total: int) -> None:
    """A one-line progress bar on stderr while CLIP directions are measured (once per model)."""
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\rmeasuring CLIP directions [{'#' * filled}{'.' * (width - filled)}] "
                     f"{done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
