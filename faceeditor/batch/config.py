"""What a batch run makes: ``BatchConfig``, checked once before any work starts.

Every option that changes an item's bytes is part of ``BatchConfig.fingerprint()``: a rerun into
the same folder must use the same ones (it resumes), except ``count``, which may grow or shrink,
and the engine options (``workers``, ``engine``, ``ray_address``, ``return_bytes``), which change
how fast items come, never what they hold.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

#: Formats ``--export`` accepts.
EXPORT_FORMATS = ("glb", "obj")
#: Parameter groups ``--vary`` accepts (with ``--template``).
VARY_GROUPS = ("shape", "skin", "hair", "expression")
ENGINES = ("local", "ray")
MAX_COUNT = 10_000_000
SIZE_RANGE = (32, 4096)
MAX_POSE_DEGREES = 60.0


class BatchConfigError(ValueError):
    """An option the user gave that cannot work; ``str()`` is one line."""


@dataclasses.dataclass(frozen=True)
class BatchConfig:
    """One batch run.

    Attributes:
        count: number of items (indices 0 .. count - 1).
        seed: run seed S; item i is a pure function of (S, i) and the options below.
        output: the output folder (created if missing).
        export: head formats to write per item ("glb", "obj").
        render: write a rendered image per item.
        labels: write labels per image (implies ``render``).
        size: image edge in pixels.
        expressions: "random", "neutral" or names (prototype expressions such as "smile" or
            ARKit blendshapes such as "jawOpen"), one picked per item.
        pose_range: head yaw and pitch uniform in +-pose_range degrees, roll in +-pose_range / 3.
        lighting: "random" or a preset name of ``render.shading.LIGHTING_PRESETS``.
        template: a ``.face`` project to start every item from (None: the prior).
        template_params: the template's parameters (read once by ``check``).
        vary: with a template, the parameter groups drawn per item (the rest stay the template's).
        workers: local worker processes.
        engine: "local" or "ray".
        ray_address: ``ray.init(address=...)`` (None: a local Ray instance).
        return_bytes: Ray workers return files to the driver, which writes them (no shared
            folder needed); otherwise workers write into ``output`` themselves.
    """

    count: int
    seed: int
    output: Path
    export: tuple[str, ...] = ()
    render: bool = False
    labels: bool = False
    size: int = 512
    expressions: tuple[str, ...] = ("random",)
    pose_range: float = 15.0
    lighting: str = "random"
    template: Path | None = None
    template_params: tuple[tuple[str, float], ...] = ()
    vary: tuple[str, ...] = VARY_GROUPS
    workers: int = 1
    engine: str = "local"
    ray_address: str | None = None
    return_bytes: bool = False

    @property
    def renders(self) -> bool:
        return self.render or self.labels

    def fingerprint(self) -> dict[str, object]:
        """The options that decide the items' contents (JSON-compatible)."""
        template = None
        if self.template_params:
            blob = json.dumps(sorted(self.template_params)).encode()
            template = hashlib.sha256(blob).hexdigest()[:16]
        return {"seed": self.seed, "export": list(self.export), "render": self.renders,
                "labels": self.labels, "size": self.size, "expressions": list(self.expressions),
                "pose_range": self.pose_range, "lighting": self.lighting,
                "template": template, "vary": list(self.vary) if template else None}


def split_list(text: str, option: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """"a,b" -> ("a", "b"), each checked against ``allowed`` (order kept, duplicates dropped)."""
    items = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not items:
        raise BatchConfigError(f"{option} needs at least one value")
    if allowed is not None:
        unknown = [item for item in items if item not in allowed]
        if unknown:
            raise BatchConfigError(f"{option}: unknown value {unknown[0]!r}; "
                                   f"choose from {', '.join(allowed)}")
    return items


def check(config: BatchConfig, model=None) -> BatchConfig:
    """``config`` validated (one-line ``BatchConfigError`` otherwise), with the template read.

    ``model`` (default: the built-in head model) checks expression names and the template.
    """
    from faceeditor.render.shading import LIGHTING_PRESETS

    if not 1 <= config.count <= MAX_COUNT:
        raise BatchConfigError(f"--count must be between 1 and {MAX_COUNT}, got {config.count}")
    if config.seed < 0:
        raise BatchConfigError(f"--seed must be a non-negative integer, got {config.seed}")
    if not config.export and not config.renders:
        raise BatchConfigError("nothing to make: give --render, --labels and/or --export glb,obj")
    bad = [f for f in config.export if f not in EXPORT_FORMATS]
    if bad:
        raise BatchConfigError(f"--export: unknown format {bad[0]!r}; choose from glb, obj")
    if not SIZE_RANGE[0] <= config.size <= SIZE_RANGE[1]:
        raise BatchConfigError(f"--size must be between {SIZE_RANGE[0]} and {SIZE_RANGE[1]} "
                               f"pixels, got {config.size}")
    if not 0.0 <= config.pose_range <= MAX_POSE_DEGREES:
        raise BatchConfigError(f"--pose-range must be between 0 and {MAX_POSE_DEGREES:g} "
                               f"degrees, got {config.pose_range:g}")
    if config.lighting != "random" and config.lighting not in LIGHTING_PRESETS:
        raise BatchConfigError(f"--lighting: unknown preset {config.lighting!r}; choose random "
                               f"or one of {', '.join(repr(p) for p in LIGHTING_PRESETS)}")
    if config.workers < 1 or config.workers > 1024:
        raise BatchConfigError(f"--workers must be between 1 and 1024, got {config.workers}")
    if config.engine not in ENGINES:
        raise BatchConfigError(f"--engine must be local or ray, got {config.engine!r}")
    if config.ray_address is not None and config.engine != "ray":
        raise BatchConfigError("--ray-address needs --engine ray")
    if config.return_bytes and config.engine != "ray":
        raise BatchConfigError("--return-bytes needs --engine ray")
    bad = [g for g in config.vary if g not in VARY_GROUPS]
    if bad:
        raise BatchConfigError(f"--vary: unknown group {bad[0]!r}; choose from "
                               f"{', '.join(VARY_GROUPS)}")
    if config.output.exists() and not config.output.is_dir():
        raise BatchConfigError(f"{config.output} exists and is not a folder")
    if model is None:
        from faceeditor.model import load_default_model

        model = load_default_model()
    from faceeditor.batch.scene import check_expressions

    check_expressions(config.expressions, model)
    if config.template is not None and not config.template_params:
        from faceeditor.project import ProjectError, load_project

        try:
            project = load_project(config.template, model)
        except ProjectError as error:
            raise BatchConfigError(f"--template: {error}") from None
        config = dataclasses.replace(
            config, template_params=tuple(sorted(project.parameters.items())))
    return config
