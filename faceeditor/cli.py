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


def parse_assignment(text: str) -> tuple[str, float]:
    """``name=value`` -> (name, value)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"--set expects name=value, got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise UsageError(f"--set {name.strip()}: {value!r} is not a number") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faceeditor", description="Create and edit realistic 3D human heads."
    )
    parser.add_argument("--version", action="version", version=f"faceeditor {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command")

    params = commands.add_parser("params", help="list every model parameter")
    params.add_argument("--json", action="store_true", help="print the spec as JSON")

    export = commands.add_parser("export", help="export a head as OBJ (with UVs and normals)")
    export.add_argument("--seed", type=int, help="sample a head from the prior with this seed")
    export.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="set a parameter (repeatable)")
    export.add_argument("-o", "--output", type=Path, required=True, help="output .obj file")
    export.add_argument("--force", action="store_true", help="overwrite an existing file")
    return parser


def command_summary() -> int:
    from faceeditor.model import load_default_model

    print(load_default_model().summary())
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


def command_export(args: argparse.Namespace) -> int:
    from faceeditor.export.obj import write_obj
    from faceeditor.model import load_default_model
    from faceeditor.model.prior import sample

    output: Path = args.output
    if output.suffix.lower() != ".obj":
        raise UsageError(f"{output}: only .obj export is available here (give a .obj name)")
    if output.exists() and not args.force:
        raise UsageError(f"{output} exists; use --force to overwrite it")
    if not output.parent.is_dir():
        raise UsageError(f"{output.parent} is not a folder")
    model = load_default_model()
    params = sample(model, args.seed) if args.seed is not None else model.default_params()
    for text in args.set:
        name, value = parse_assignment(text)
        model.spec[name]  # raises UnknownParameterError with suggestions
        params[name] = value
    mesh = model.evaluate(params)
    origin = f"seed {args.seed}" if args.seed is not None else "default head"
    write_obj(mesh, output, header=f"faceeditor {__version__}, {model.model_id}, {origin}")
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
        return command_summary()
    except (UsageError, UnknownParameterError, ValueError) as error:
        print(f"faceeditor: error: {error}", file=sys.stderr)
        return 2
    except AssetError as error:
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
