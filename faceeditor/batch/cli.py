"""The ``faceeditor batch`` command: options -> ``BatchConfig`` -> ``run_batch``."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from faceeditor.batch.config import BatchConfig, BatchConfigError, split_list


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, required=True, help="number of items")
    parser.add_argument("--seed", type=int, default=0,
                        help="run seed: item i is the same for the same (seed, i) (default 0)")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT/",
                        help="output folder (a rerun into it resumes)")
    parser.add_argument("--export", metavar="glb,obj", help="write each head as GLB and/or OBJ")
    parser.add_argument("--render", action="store_true", help="render an image of each head")
    parser.add_argument("--labels", action="store_true",
                        help="labels per image: landmarks, segmentation, depth, normals "
                             "(implies --render)")
    parser.add_argument("--size", type=int, default=512, help="image edge in pixels (512)")
    parser.add_argument("--expressions", default="random", metavar="random|neutral|LIST",
                        help="random, neutral, or a comma list of expressions (smile,sad,...) "
                             "or ARKit shapes (jawOpen,...), one per item")
    parser.add_argument("--pose-range", type=float, default=15.0, metavar="DEG",
                        help="head yaw and pitch within +-DEG degrees (15)")
    parser.add_argument("--lighting", default="random", metavar="random|PRESET",
                        help="random lights per item, or a preset ('studio', 'soft daylight', "
                             "'rim', 'flat')")
    parser.add_argument("--template", type=Path, metavar="head.face",
                        help="start every item from this project")
    parser.add_argument("--vary", default="shape,skin,hair,expression",
                        metavar="shape,skin,hair,expression",
                        help="with --template: what each item draws anew")
    parser.add_argument("--workers", type=int, default=1, help="parallel workers (1)")
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local processes, or Ray tasks (needs faceeditor[scale])")
    parser.add_argument("--ray-address", metavar="ADDR",
                        help="with --engine ray: the cluster to join (default: a local Ray)")
    parser.add_argument("--return-bytes", action="store_true",
                        help="with --engine ray: workers send files to this process instead of "
                             "writing to a shared folder")


def config_from_args(args: argparse.Namespace) -> BatchConfig:
    from faceeditor.batch.config import EXPORT_FORMATS, VARY_GROUPS

    if args.vary != "shape,skin,hair,expression" and args.template is None:
        raise BatchConfigError("--vary needs --template")
    if args.template is not None and not args.template.is_file():
        raise BatchConfigError(f"--template: {args.template}: no such project file")
    return BatchConfig(
        count=args.count, seed=args.seed, output=args.output,
        export=split_list(args.export, "--export", EXPORT_FORMATS) if args.export else (),
        render=args.render, labels=args.labels, size=args.size,
        expressions=split_list(args.expressions, "--expressions"),
        pose_range=args.pose_range, lighting=args.lighting, template=args.template,
        vary=split_list(args.vary, "--vary", VARY_GROUPS), workers=args.workers,
        engine=args.engine, ray_address=args.ray_address, return_bytes=args.return_bytes)


def command_batch(args: argparse.Namespace) -> int:
    """Run the batch; 0 when every item is complete, 1 if any failed, 130 if interrupted."""
    from faceeditor.batch.runner import run_batch

    config = config_from_args(args)
    # `kill PID` stops the run as Ctrl+C does: in-flight items finish, the manifest and the
    # index are written, the workers exit (not left running without their driver)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        summary = run_batch(config)
    except KeyboardInterrupt:  # before any item was made (loading, checking the folder)
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(summary.text())
    if summary.interrupted:
        return 130
    if summary.stopped:
        return 1
    return 1 if summary.failures else 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
