"""How fast is a text prompt? Prompt -> applied edit, offline and with a ViT-B-32-sized CLIP.

"Applied edit" = the engine's edit plus the one undo step on a ``ParameterState`` plus the new
mesh (``evaluate``), i.e. what the GUI waits for before it can draw.  Reference in the same
run: ``evaluate`` alone.  Targets (issue 6): median <= 100 ms offline, <= 300 ms with CLIP;
(issue 16) description prompts ("descriptions": the whole description suite of
tests/test_text_descriptions.py) <= 100 ms each, and a new head from a description with 4
candidates (``new_heads``) <= 1 s.

CLIP uses ViT-B-32 with random weights (same architecture and cost as the real checkpoint,
saved and loaded through the real checkpoint loader); its global-direction table is random
unit vectors of the real shape, since edit time does not depend on the values.  Prompts the
lexicon knows never reach CLIP, so the CLIP rows use prompts with words it does not know.

Run: ``.venv/bin/python benchmarks/text_speed.py [--repeats N] [--no-clip]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from faceeditor.cli import limit_blas_threads

limit_blas_threads()
import numpy as np  # noqa: E402

LEXICON_PROMPTS = [
    "a faint crooked smile", "older, with a broader nose", "very angry", "no smile",
    "happily surprised", "wink with the right eye", "thin lips and a strong jaw",
    "neutral expression", "slightly sad", "big ears that stick out", "looking to the left",
    "pale skin with freckles and red lipstick", "less angry", "a wider nose and longer",
    "puffed out cheeks", "tongue out", "much younger and thinner", "high cheekbones",
    "raise the right eyebrow", "jutting jaw",
]
PARAPHRASE_PROMPTS = [
    "on the verge of tears", "seething with rage", "like he just saw a ghost",
    "kinda bummed out", "in total disbelief", "a grandfather",
]
CLIP_PROMPTS = ["like a gargoyle", "a wise wizard", "a movie villain", "a sleepy cat",
                "a Roman statue", "a cheeky elf"]


def timings(function, items, repeats: int) -> np.ndarray:
    """Seconds per call of ``function(item)``, ``repeats`` passes over ``items``."""
    result = []
    for _ in range(repeats):
        for item in items:
            start = time.perf_counter()
            function(item)
            result.append(time.perf_counter() - start)
    return np.asarray(result)


def row(label: str, seconds: np.ndarray, target_ms: float | None) -> str:
    median, p95 = np.median(seconds) * 1e3, np.percentile(seconds, 95) * 1e3
    verdict = "" if target_ms is None else ("ok" if median <= target_ms else "OVER")
    target = "" if target_ms is None else f"{target_ms:.0f}"
    return f"| {label:44s} | {median:9.2f} | {p95:9.2f} | {target:>6s} | {verdict:4s} |"


def description_rows(model, engine, applied, repeats: int) -> list[str]:
    """Rows "descriptions" (the description suite, as applied edits) and the new-head timing."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_text_descriptions import CASES

    from faceeditor.text.new_head import new_heads

    prompts = [prompt for prompt, _, _ in CASES]
    rows = [row(f"descriptions ({len(prompts)})", timings(applied(engine), prompts, repeats), 100)]
    new = ["an east asian woman in her thirties", "a tired old sailor", "a friendly grandmother",
           "a viking", "a young woman with freckles and a slight smile"]
    rows.append(row("new head from a description, 4 candidates",
                    timings(lambda p: new_heads(model, p, 4, 0, engine), new, repeats), 1000))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-clip", action="store_true", help="skip the CLIP rows")
    args = parser.parse_args()

    from faceeditor.model import load_default_model
    from faceeditor.state import ParameterState
    from faceeditor.text.engine import TextEditEngine
    from faceeditor.text.paraphrase import ParaphraseMatcher, available

    model = load_default_model()
    state = ParameterState(model)
    rows = []

    def applied(engine):
        def run(prompt: str) -> None:
            result = engine.edit(prompt, state.values())
            state.set_values({n: result.values[n] for n in result.changed}, "Prompt")
            model.evaluate(state.values())
            state.undo()
        return run

    rows.append(row("reference: evaluate() alone", timings(
        lambda _: model.evaluate(state.values()), range(20), args.repeats), None))
    offline = TextEditEngine(model)
    rows.append(row("offline, lexicon prompts (20)",
                    timings(applied(offline), LEXICON_PROMPTS, args.repeats), 100))
    rows += description_rows(model, offline, applied, args.repeats)
    if available():
        with tempfile.TemporaryDirectory() as folder:
            matcher = ParaphraseMatcher(cache=Path(folder))
            start = time.perf_counter()
            matcher.bank()
            load_s = time.perf_counter() - start
            engine = TextEditEngine(model, matcher)
            run = applied(engine)
            first = timings(run, PARAPHRASE_PROMPTS, 1)
            rows.append(row("offline, paraphrase prompts, first time (6)", first, 100))
            rows.append(row("offline, paraphrase prompts, repeated (6)",
                            timings(run, PARAPHRASE_PROMPTS, args.repeats), 100))
            mixed = timings(run, LEXICON_PROMPTS + PARAPHRASE_PROMPTS, args.repeats)
            rows.append(row("offline, all 26 prompts", mixed, 100))
            print(f"paraphrase model load + phrase bank (once, uncached): {load_s:.1f} s")
    if not args.no_clip:
        rows += clip_rows(model, applied, args.repeats)
    print("| prompt -> applied edit                       | median ms |    p95 ms | target | ok?  |")
    print("|----------------------------------------------|-----------|-----------|--------|------|")
    print("\n".join(rows))


def clip_rows(model, applied, repeats: int) -> list[str]:
    import open_clip
    import torch

    from faceeditor.text import clip as clip_mod
    from faceeditor.text import clip_edit
    from faceeditor.text.factory import ClipTextEditEngine

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vit-b-32-random.pt"
        torch.manual_seed(0)
        torch.save(open_clip.create_model("ViT-B-32", pretrained=None,
                                          pretrained_text=False).state_dict(), path)
        backend = clip_mod.ClipBackend.load(clip_mod.CheckpointRef(path, "ViT-B-32"))
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((len(model.spec), 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    names = clip_edit.geometry_names(model)
    vectors = vectors[: len(names)]
    directions = clip_edit.GlobalDirections(names, vectors, "random")
    engine = ClipTextEditEngine(model, backend, directions)
    run = applied(engine)
    run(CLIP_PROMPTS[0])  # warm-up (first call computes the neutral text once)
    rows = [row("ViT-B-32 CLIP, unknown-word prompts (6)",
                timings(run, CLIP_PROMPTS, repeats), 300),
            row("ViT-B-32 CLIP engine, lexicon prompts (20)",
                timings(run, LEXICON_PROMPTS, 1), 300)]
    # one-off costs, for the record
    settings = clip_edit.DirectionSettings(faces=4, names=("jawOpen",))
    start = time.perf_counter()
    clip_edit.global_directions(model, backend, settings, cache=Path(tempfile.mkdtemp()))
    per_parameter = time.perf_counter() - start
    count = len(names)
    print(f"CLIP directions: {per_parameter:.2f} s per parameter (4 faces x 2 renders); "
          f"all {count} geometry parameters ~ {per_parameter * count / 60:.1f} min, "
          "once per checkpoint (cached)")
    start = time.perf_counter()
    result = clip_edit.optimise(model, backend, "a smiling face", model.default_params(), steps=3)
    step = (time.perf_counter() - start) / 3
    print(f"CLIP optimisation: {step:.2f} s per step at 224 px (30 steps ~ {30 * step:.0f} s); "
          f"similarity {statistics.fmean(result.similarities[:1]):.4f} -> "
          f"{result.similarities[-1]:.4f}")
    return rows


if __name__ == "__main__":
    main()
