"""CLIP text edits for research backends (issue 7): global directions over a FLAME or AlbedoGAN
backend's slider parameters, with a tiny random open_clip checkpoint (tests/test_text_clip.py)
and tiny model files in the real formats (tests/test_backends.py)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")

from test_backends import albedogan_dir, flame_dir, tiny_generator  # noqa: E402,F401
from test_text_clip import TINY, tiny_checkpoint  # noqa: E402,F401

from faceeditor.backends import open_model  # noqa: E402
from faceeditor.backends.embedded import EmbeddedBackend  # noqa: E402
from faceeditor.backends.images import BackendImages  # noqa: E402
from faceeditor.model import load_default_model  # noqa: E402
from faceeditor.text import clip as clip_mod  # noqa: E402
from faceeditor.text import clip_edit  # noqa: E402
from faceeditor.text import factory  # noqa: E402
from faceeditor.text.backend_engine import BackendClipEngine  # noqa: E402

ONE_FACE = clip_edit.DirectionSettings(faces=1)


@pytest.fixture(scope="module")
def clip_backend(tiny_checkpoint):  # noqa: F811
    return clip_mod.ClipBackend.load(clip_mod.CheckpointRef(tiny_checkpoint, TINY))


@pytest.fixture
def flame(flame_dir):  # noqa: F811
    return open_model(flame_dir / "generic_model.pkl")


@pytest.fixture
def albedogan(albedogan_dir):  # noqa: F811
    return open_model(albedogan_dir / "albedo_gan.pt")


class CountingImages:
    """``BackendImages`` on the test's GL context, counting the images it renders."""

    def __init__(self, backend, ctx):
        self.images = BackendImages(backend, 64, ctx=ctx, albedo_size=16)
        self.rendered = 0

    def __call__(self, batch):
        self.rendered += len(batch)
        return self.images(batch)


def test_directions_cover_the_flame_sliders_and_are_cached(flame, clip_backend, gl_context,
                                                           tmp_path):
    names = clip_edit.backend_names(flame)
    assert "shape_000" in names and "shape_019" in names and "shape_020" not in names
    assert "exp_019" in names and "exp_020" not in names and "tex_000" in names
    assert not any(flame.spec[n].kind == "pose" for n in names)
    render = CountingImages(flame, gl_context)
    calls = []
    first = clip_edit.global_directions(flame, clip_backend, ONE_FACE, cache=tmp_path,
                                       render_images=render,
                                       progress=lambda done, total: calls.append(done))
    assert first.names == names
    assert first.vectors.shape == (len(names), 32)
    norms = dict(zip(names, np.linalg.norm(first.vectors, axis=1)))
    # unit directions; the test texture space's components 1.. are zero: no direction
    blank = {"tex_001", "tex_002", "tex_003", "tex_004"}
    assert all(norms[n] == pytest.approx(1.0, abs=1e-5) for n in set(names) - blank)
    assert all(norms[n] == 0.0 for n in blank)
    assert render.rendered == 2 * len(names) and calls[-1] == len(names)
    assert len(list(tmp_path.glob("directions-*.npz"))) == 1

    again = clip_edit.backend_directions(flame, clip_backend, ONE_FACE, cache=tmp_path,
                                        render_images=render)
    assert render.rendered == 2 * len(names), "cached directions were measured again"
    np.testing.assert_array_equal(again.vectors, first.vectors)
    assert again.key == first.key


def test_cache_key_follows_checkpoint_model_file_and_settings(flame, flame_dir, clip_backend,
                                                             tmp_path):  # noqa: F811
    key = clip_edit.backend_directions_key(flame, clip_backend, ONE_FACE)
    torch.manual_seed(7)
    other_path = tmp_path / "other.pt"
    torch.save(open_clip.create_model(TINY, pretrained=None, pretrained_text=False).state_dict(),
               other_path)
    other = clip_mod.ClipBackend.load(clip_mod.CheckpointRef(other_path, TINY))
    assert clip_edit.backend_directions_key(flame, other, ONE_FACE) != key
    assert clip_edit.backend_directions_key(
        flame, clip_backend, clip_edit.DirectionSettings(faces=2)) != key
    # the same file opened again gives the same key; a changed model file another
    assert clip_edit.backend_directions_key(open_model(flame_dir / "generic_model.pkl"),
                                           clip_backend, ONE_FACE) == key
    with open(flame_dir / "generic_model.pkl", "ab") as handle:
        handle.write(b"\0")
    assert clip_edit.backend_directions_key(flame, clip_backend, ONE_FACE) != key
    # without known files the parameter names identify the model
    flame.source_paths = ()
    assert clip_edit.model_fingerprint(flame) == clip_edit.model_fingerprint(flame)


def test_checkpoint_change_recomputes_directions(albedogan, clip_backend, gl_context,
                                                 tmp_path):
    settings = clip_edit.DirectionSettings(faces=1, names=("w_000", "w_001", "shape_000"))
    render = CountingImages(albedogan, gl_context)
    clip_edit.backend_directions(albedogan, clip_backend, settings, cache=tmp_path,
                                render_images=render)
    assert render.rendered == 6
    torch.manual_seed(8)
    other_path = tmp_path / "other.pt"
    torch.save(open_clip.create_model(TINY, pretrained=None, pretrained_text=False).state_dict(),
               other_path)
    other = clip_mod.ClipBackend.load(clip_mod.CheckpointRef(other_path, TINY))
    clip_edit.backend_directions(albedogan, other, settings, cache=tmp_path,
                                render_images=render)
    assert render.rendered == 12
    assert len(list(tmp_path.glob("directions-*.npz"))) == 2


def test_albedogan_directions_include_the_w_sliders(albedogan, clip_backend, gl_context,
                                                    tmp_path):
    names = clip_edit.backend_names(albedogan)
    assert {"w_000", "w_015"} <= set(names) and "w_016" not in names
    directions = clip_edit.backend_directions(albedogan, clip_backend, ONE_FACE, cache=tmp_path,
                                             render_images=CountingImages(albedogan,
                                                                          gl_context))
    assert directions.vectors.shape == (len(names), 32)
    w_rows = directions.vectors[[names.index("w_000"), names.index("w_001")]]
    assert np.all(np.isfinite(w_rows)) and np.allclose(np.linalg.norm(w_rows, axis=1), 1.0)


def test_backend_edit_changes_only_direction_parameters_and_respects_alpha_beta(
        albedogan, clip_backend, gl_context, tmp_path):
    names = ("w_000", "w_001", "w_002", "shape_000", "shape_001")
    settings = clip_edit.DirectionSettings(faces=1, names=names)
    directions = clip_edit.backend_directions(albedogan, clip_backend, settings, cache=tmp_path,
                                             render_images=CountingImages(albedogan,
                                                                          gl_context))
    start = albedogan.sample(4, truncation=0.5)
    engine = BackendClipEngine(albedogan, clip_backend, directions, beta=0.0, reach=0.05)
    result = engine.edit("a pale, freckled face", start)
    assert result.changed and set(result.changed) <= set(names)
    assert result.requests[0].source == "clip" and not result.unrecognized
    for name, value in result.values.items():
        if name not in result.changed:
            assert value == pytest.approx(albedogan.vector(start)[albedogan.spec[name].index])
    half = engine.edit("a pale, freckled face", start, strength=0.5)
    for name, delta in result.changed.items():
        assert half.changed[name] == pytest.approx(delta / 2, rel=1e-4, abs=1e-7)
    # beta: only parameters whose relevance reaches beta * max|r| move
    relevance = clip_edit.direction_edit(albedogan, clip_backend, directions,
                                        "a pale, freckled face").relevance
    peak = max(abs(r) for r in relevance.values())
    strict = BackendClipEngine(albedogan, clip_backend, directions, beta=0.9, reach=0.05)
    kept = set(strict.edit("a pale, freckled face", start).changed)
    assert kept == {n for n, r in relevance.items() if abs(r) >= 0.9 * peak}
    assert len(kept) < len(result.changed)
    nothing = engine.edit("a pale, freckled face", start, strength=0.0)
    assert not nothing.changed and nothing.unrecognized == ["a pale, freckled face"]


def test_create_backend_engine_with_and_without_checkpoint(flame, tiny_checkpoint, tmp_path,
                                                           monkeypatch):  # noqa: F811
    monkeypatch.delenv("FACEEDITOR_CLIP_CHECKPOINT", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    engine, reason = factory.create_backend_engine(flame)
    assert engine is None and reason == factory.NO_CHECKPOINT_HINT
    engine, reason = factory.create_backend_engine(flame, clip_checkpoint=tmp_path / "no.pt",
                                                   clip_model=TINY)
    assert engine is None and "does not exist" in reason and "\n" not in reason

    settings = clip_edit.DirectionSettings(faces=1, names=("shape_000", "shape_001"))
    engine, reason = factory.create_backend_engine(
        flame, clip_checkpoint=tiny_checkpoint, clip_model=TINY, clip_settings=settings,
        cache=tmp_path / "cache")
    assert reason is None and isinstance(engine, BackendClipEngine)
    assert engine.directions.names == ("shape_000", "shape_001")
    assert list((tmp_path / "cache").glob("directions-*.npz"))


def test_embedded_backend_keeps_the_embedded_directions(clip_backend, tmp_path):
    model = load_default_model()
    settings = clip_edit.DirectionSettings(faces=1, names=("jawOpen",))
    direct = clip_edit.global_directions(model, clip_backend, settings, cache=tmp_path,
                                        render_images=lambda batch: np.zeros((len(batch), 8, 8,
                                                                              3)) + 0.5)
    via_backend = clip_edit.backend_directions(
        EmbeddedBackend(model), clip_backend, settings, cache=tmp_path,
        render_images=lambda batch: pytest.fail("the embedded cache was not used"))
    assert via_backend.key == direct.key == clip_edit.directions_key(model, clip_backend,
                                                                    settings)
