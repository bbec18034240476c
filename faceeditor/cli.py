"""The ``faceeditor`` command line: model summary, parameter listing, export."""

from __future__ import annotations

import argparse
import json
import os
import logging
import sys
from pathlib import Path

from faceeditor import __version__

log = logging.getLogger("faceeditor")


class UsageError(Exception):
    """A mistake in what the user typed: reported in one line, exit status 2."""


class CommandFailed(Exception):
    """A command that could not do its work (no OpenGL, say): one line, exit status 1."""


def parse_assignment(text: str) -> tuple[str, float]:
    """``name=value`` -> (name, value)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"--set expects name=value, got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise UsageError(f"--set {name.strip()}: {value!r} is not a number") from None


def add_head_arguments(parser: argparse.ArgumentParser) -> None:
    """--project / --seed and --set: which head a command works on."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--project", type=Path, metavar="FILE.face", help="a saved project")
    source.add_argument("--seed", type=int, help="sample a head from the prior with this seed")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="set a parameter (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faceeditor", description="Create and edit realistic 3D human heads."
    )
    parser.add_argument("--version", action="version", version=f"faceeditor {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command")

    parser.add_argument("--project", dest="open_project", type=Path, metavar="FILE.face",
                        help="with no command: open this project in the app")
    parser.add_argument("--exit-after-first-frame", action="store_true",
                        help="with no command: print the start-up time once the app shows its "
                             "first frame, then quit (smoke tests, benchmarks)")
    commands.add_parser("info", help="print a summary of the head model")
    params = commands.add_parser("params", help="list every model parameter")
    params.add_argument("--json", action="store_true", help="print the spec as JSON")

    export = commands.add_parser(
        "export", help="export a head as GLB (PBR textures, 52 ARKit morphs) or OBJ + MTL + PNGs")
    add_head_arguments(export)
    export.add_argument("--format", choices=("glb", "obj"),
                        help="file format (default: from the output's extension)")
    export.add_argument("--texture-size", type=int, choices=(1024, 2048, 4096), default=2048,
                        help="edge of the square skin textures (default 2048)")
    export.add_argument("--subdivide", type=int, choices=(0, 1), default=0,
                        help="levels of Loop subdivision (default 0)")
    export.add_argument("--no-morphs", action="store_true",
                        help="GLB: leave out the 52 ARKit expression morph targets")
    export.add_argument("--bake-expression", action="store_true",
                        help="GLB: bake the current expression into the mesh instead of "
                             "setting it as the default morph weights")
    export.add_argument("--expression-objs", action="store_true",
                        help="OBJ: also write one OBJ per ARKit expression")
    export.add_argument("--no-hair", action="store_true",
                        help="leave out hair, eyebrows, eyelashes and beard")
    export.add_argument("--hair-blend", action="store_true",
                        help="GLB: blended hair cards (alphaMode BLEND) instead of alpha-tested")
    export.add_argument("--force", action="store_true", help="overwrite existing files")
    export.add_argument("-o", "--output", type=Path, required=True, help="output .glb or .obj")

    render = commands.add_parser("render", help="render a head offscreen to a PNG")
    add_head_arguments(render)
    render.add_argument("--view", choices=("front", "three-quarter", "profile"), default="front")
    render.add_argument("--size", type=int, default=512, help="image edge in pixels (default 512)")
    render.add_argument("--quality", choices=("draft", "normal", "high"), default="normal",
                        help="draft: no smoothing or shadows; high: finer shadows and smoothing, "
                             "supersampled (default normal)")
    render.add_argument("--lighting", default="studio",
                        help="lighting preset: studio, 'soft daylight', rim or flat")
    render.add_argument("--force", action="store_true", help="overwrite an existing file")
    render.add_argument("--no-hair", action="store_true",
                        help="leave out hair, eyebrows, eyelashes and beard")
    render.add_argument("-o", "--output", type=Path, required=True, help="output .png file")

    from faceeditor.text.command import add_edit_arguments

    add_edit_arguments(commands.add_parser("edit", help="edit a face with a text prompt"))

    from faceeditor.text.new_command import add_new_arguments

    add_new_arguments(commands.add_parser("new", help="new heads from a description"))

    from faceeditor.fit.command import add_fit_arguments

    add_fit_arguments(commands.add_parser(
        "fit", help="make a head from a photo or a 3D scan (writes a .face project)"))

    from faceeditor.batch.cli import add_batch_arguments

    add_batch_arguments(commands.add_parser(
        "batch", help="make many heads, or a labelled synthetic face dataset"))

    from faceeditor.anthropometry.stats import add_stats_arguments

    add_stats_arguments(commands.add_parser(
        "stats", help="measure N random heads against published anthropometric norms"))
    return parser


def command_gui(project: Path | None, exit_after_first_frame: bool = False) -> int:
    """Start the desktop app (``faceeditor`` without a command)."""
    if project is not None and not project.is_file():
        raise UsageError(f"{project}: no such project file")
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        # Qt would abort with a misleading message about missing xcb libraries
        raise CommandFailed("no display to open the app on (DISPLAY and WAYLAND_DISPLAY are "
                            "unset); the commands export, render and edit work without one")
    try:
        from faceeditor.gui.app import run
    except ImportError as error:
        raise CommandFailed(f"the desktop app needs the gui extra ({error.name} is missing): "
                            "pip install 'faceeditor[gui]'") from error
    return run(project, exit_after_first_frame=exit_after_first_frame)


def command_summary() -> int:
    from faceeditor.model import load_default_model

    from faceeditor.text.factory import text_engine_summary

    print(load_default_model().summary())
    print(text_engine_summary())
    return 0


def command_params(as_json: bool) -> int:
    from faceeditor.model import load_default_model
    from faceeditor.model.spec import GROUP_LABELS

    spec = load_default_model().spec
    if as_json:
        json.dump([p.as_json() for p in spec], sys.stdout, indent=1)
        sys.stdout.write("\n")
        return 0
    for group, title in GROUP_LABELS.items():
        members = spec.in_group(group)
        print(f"{title} ({len(members)})")
        for p in members:
            print(f"  {p.name:32s} {p.minimum:5g} .. {p.maximum:<4g} default {p.default:<4g} {p.label}")
    return 0


def head_params(model, args: argparse.Namespace) -> tuple[dict[str, float], str]:
    """The parameters of the head ``args`` ask for (project, seed or default, then --set)
    and a short description of where they came from."""
    from faceeditor.model.prior import sample

    if args.project is not None:
        from faceeditor.project import load_project

        params = dict(load_project(args.project, model).parameters)
        origin = f"project {args.project.name}"
    elif args.seed is not None:
        params, origin = sample(model, args.seed), f"seed {args.seed}"
    else:
        params, origin = model.default_params(), "default head"
    for text in args.set:
        name, value = parse_assignment(text)
        model.spec[name]  # raises UnknownParameterError with suggestions
        params[name] = value
    # validate and clamp now: a bad value is reported once, before any work
    return model.spec.to_dict(model.vector(params)), origin


def check_output(output: Path, files: list[Path], force: bool) -> None:
    """Refuse a missing folder, and existing files unless ``force``."""
    if not output.parent.is_dir():
        raise UsageError(f"{output.parent} is not a folder")
    existing = [path for path in files if path.exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more files)" if len(existing) > 1 else ""
        raise UsageError(f"{existing[0]} exists{more}; use --force to overwrite it")


def command_export(args: argparse.Namespace) -> int:
    from faceeditor.export import (ExportOptions, export_head, format_for_path, output_files,
                                   skin_textures)
    from faceeditor.model import load_default_model

    output: Path = args.output
    file_format = args.format or format_for_path(output)
    if args.format and output.suffix.lower() != f".{args.format}":
        raise UsageError(f"{output}: --format {args.format} needs a .{args.format} file name")
    options = ExportOptions(format=file_format, texture_size=args.texture_size,
                            subdivisions=args.subdivide, morphs=not args.no_morphs,
                            bake_expression=args.bake_expression,
                            expression_files=args.expression_objs, hair=not args.no_hair,
                            hair_blend=args.hair_blend)
    model = load_default_model()
    expressions = tuple(p.name for p in model.spec.of_kind("expression"))
    check_output(output, output_files(output, options, True, expressions), args.force)
    params, origin = head_params(model, args)
    textures = skin_textures(params, options.texture_size)
    from faceeditor.fit.command import project_photo_albedo

    photo = project_photo_albedo(args.project, model, options.texture_size)
    if textures is not None and photo is not None:  # a photo fit's texture replaces the skin's
        import dataclasses

        textures = dataclasses.replace(textures, albedo=photo)
    export_head(model, params, output, options, textures,
                header=f"faceeditor {__version__}, {model.model_id}, {origin}")
    return 0


def command_render(args: argparse.Namespace) -> int:
    from faceeditor.model import load_default_model
    from faceeditor.render import RenderError, save_png
    from faceeditor.render.still import TEXTURE_SIZES, check_lighting, head_textures, render_still

    output: Path = args.output
    if output.suffix.lower() != ".png":
        raise UsageError(f"{output}: render writes PNG images (give a .png name)")
    if not 16 <= args.size <= 8192:
        raise UsageError(f"--size must be between 16 and 8192 pixels, got {args.size}")
    check_lighting(args.lighting)
    check_output(output, [output], args.force)
    model = load_default_model()
    params, _ = head_params(model, args)
    textures = head_textures(params, TEXTURE_SIZES[args.quality])
    from faceeditor.fit.command import project_photo_albedo

    photo = project_photo_albedo(args.project, model, TEXTURE_SIZES[args.quality])
    if photo is not None:  # a photo fit's texture replaces the generated skin
        import dataclasses

        textures = dataclasses.replace(textures, albedo=photo)
    try:
        mesh = model.evaluate(params)

        def add_hair(renderer) -> None:
            if not args.no_hair:
                from faceeditor.render.hair_pass import add_hair_pass

                add_hair_pass(renderer, model, params, mesh)

        image = render_still(mesh, textures, args.size, args.view, args.quality, args.lighting,
                             setup=add_hair)
    except RenderError as error:
        raise CommandFailed(f"cannot render: {error}") from error
    save_png(output, image)
    log.info("wrote %s", output)
    return 0


def limit_blas_threads() -> None:
    """One BLAS thread: the model's products are small (well under a millisecond), gain nothing
    from a second thread and lose badly (10x) when the other core is busy drawing the viewport.
    Takes effect only before numpy is first imported; an explicit setting wins."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")


def main(argv: list[str] | None = None) -> int:
    limit_blas_threads()
    from faceeditor.model.asset import AssetError
    from faceeditor.model.spec import UnknownParameterError
    from faceeditor.project import ProjectError

    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="faceeditor: %(levelname)s: %(message)s",
    )
    try:
        if args.command == "params":
            return command_params(args.json)
        if args.command == "export":
            return command_export(args)
        if args.command == "render":
            return command_render(args)
        if args.command == "edit":
            from faceeditor.text.command import run_edit

            return run_edit(args)
        if args.command == "new":
            from faceeditor.text.new_command import run_new

            return run_new(args)
        if args.command == "fit":
            from faceeditor.fit.command import run_fit

            return run_fit(args)
        if args.command == "batch":
            from faceeditor.batch.cli import command_batch

            return command_batch(args)
        if args.command == "info":
            return command_summary()
        if args.command == "stats":
            from faceeditor.anthropometry.stats import run_stats

            return run_stats(args)
        return command_gui(args.open_project, args.exit_after_first_frame)
    except (UsageError, UnknownParameterError, ValueError, ProjectError) as error:
        print(f"faceeditor: error: {error}", file=sys.stderr)
        return 2
    except (AssetError, CommandFailed) as error:
        print(f"faceeditor: error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader went away (``faceeditor params | head``): not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except OSError as error:
        print(f"faceeditor: error: {error.strerror or error}: {error.filename or ''}".rstrip(": "),
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
