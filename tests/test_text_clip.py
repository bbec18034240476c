"""CLIP mechanics with a tiny randomly initialised open_clip model built by the test.

The model's state dict is saved in the real format (``torch.save(model.state_dict())``) and
read back through the same loader a real checkpoint goes through; nothing is downloaded.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")

from faceeditor.model import load_default_model  # noqa: E402
from faceeditor.text import clip as clip_mod  # noqa: E402
from faceeditor.text import clip_edit  # noqa: E402
from faceeditor.text import factory  # noqa: E402
from faceeditor.text.engine import TextEditEngine  # noqa: E402

TINY = "TinyCLIP-faceeditor-test"
TINY_CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "patch_size": 16,
                   "head_width": 32},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2,
                 "layers": 2},
}
NAMES = ("jawOpen", "mouthSmileLeft", "mouthSmileRight", "nose_scale_horiz", "age", "browInnerUp")
SETTINGS = clip_edit.DirectionSettings(faces=2, names=NAMES)


@pytest.fixture(scope="module")
def model():
    return load_default_model()


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    """(path, architecture name) of a tiny random open_clip checkpoint."""
    folder = tmp_path_factory.mktemp("tiny_clip")
    config = folder / f"{TINY}.json"
    config.write_text(json.dumps(TINY_CONFIG))
    open_clip.add_model_config(config)
    torch.manual_seed(0)
    network = open_clip.create_model(TINY, pretrained=None, pretrained_text=False)
    path = folder / "tiny.pt"
    torch.save(network.state_dict(), path)
    return path


@pytest.fixture(scope="module")
def backend(tiny_checkpoint):
    return clip_mod.ClipBackend.load(clip_mod.CheckpointRef(tiny_checkpoint, TINY))


@pytest.fixture(scope="module")
def directions(model, backend, tmp_path_factory):
    return clip_edit.global_directions(model, backend, SETTINGS,
                                      cache=tmp_path_factory.mktemp("directions"))


def test_loaded_checkpoint_has_the_saved_weights(backend, tiny_checkpoint):
    saved = torch.load(tiny_checkpoint, weights_only=True)
    loaded = backend.model.state_dict()
    assert saved.keys() == loaded.keys()
    assert all(torch.equal(saved[k], loaded[k]) for k in saved)
    assert backend.image_size == 64
    assert len(backend.checkpoint_hash) == 64


def test_text_direction_is_unit_and_depends_on_prompt(backend):
    smile = backend.text_direction("smiling")
    frown = backend.text_direction("frowning")
    assert smile.shape == (32,)
    assert float(smile.norm()) == pytest.approx(1.0, abs=1e-5)
    assert float(smile @ frown) < 0.999


def test_fast_text_encoding_matches_open_clip(backend):
    texts = ["a photo of a face, smiling.", "x", "a much longer prompt " * 5]
    fast = backend.encode_text(texts)
    with torch.no_grad():
        reference = backend.model.encode_text(backend.tokenizer(texts), normalize=True)
    torch.testing.assert_close(fast, reference, atol=1e-5, rtol=1e-5)


def test_global_directions_are_unit_vectors_per_parameter(directions):
    assert directions.names == NAMES
    assert directions.vectors.shape == (len(NAMES), 32)
    np.testing.assert_allclose(np.linalg.norm(directions.vectors, axis=1), 1.0, atol=1e-5)
    # different parameters change the renders differently
    similarity = directions.vectors @ directions.vectors.T
    assert similarity[0, 3] < 0.999


def test_directions_are_cached_on_disk_with_progress(model, backend, tmp_path):
    calls: list[tuple[int, int]] = []
    first = clip_edit.global_directions(model, backend, SETTINGS, cache=tmp_path,
                                       progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i + 1, len(NAMES)) for i in range(len(NAMES))]
    files = list(tmp_path.glob("directions-*.npz"))
    assert len(files) == 1 and first.key in files[0].name

    def must_not_render(batch):
        raise AssertionError("cached directions were recomputed")

    again = clip_edit.global_directions(model, backend, SETTINGS, cache=tmp_path,
                                       progress=lambda *a: calls.append(a),
                                       render_images=must_not_render)
    assert len(calls) == len(NAMES)
    np.testing.assert_array_equal(first.vectors, again.vectors)


def test_cache_key_changes_with_checkpoint_and_settings(model, backend, tmp_path):
    other_weights = tmp_path / "other.pt"
    torch.manual_seed(1)
    torch.save(open_clip.create_model(TINY, pretrained=None, pretrained_text=False).state_dict(),
               other_weights)
    other = clip_mod.ClipBackend.load(clip_mod.CheckpointRef(other_weights, TINY))
    key = clip_edit.directions_key(model, backend, SETTINGS)
    assert clip_edit.directions_key(model, other, SETTINGS) != key
    assert clip_edit.directions_key(
        model, backend, clip_edit.DirectionSettings(faces=3, names=NAMES)) != key


def test_direction_edit_keeps_relevant_parameters_and_scales_with_alpha(model, backend,
                                                                         directions):
    edit = clip_edit.direction_edit(model, backend, directions, "a wide grin", alpha=1.0,
                                   beta=0.5)
    peak = max(abs(r) for r in edit.relevance.values())
    assert edit.deltas
    assert set(edit.deltas) == {n for n, r in edit.relevance.items() if abs(r) >= 0.5 * peak}
    for name, delta in edit.deltas.items():
        assert np.sign(delta) == np.sign(edit.relevance[name])
    double = clip_edit.direction_edit(model, backend, directions, "a wide grin", alpha=2.0,
                                     beta=0.5)
    for name in edit.deltas:
        assert double.deltas[name] == pytest.approx(2 * edit.deltas[name])


def test_optimisation_step_raises_clip_similarity(model, backend):
    result = clip_edit.optimise(model, backend, "a smiling face", model.default_params(),
                               steps=1, learning_rate=0.01)
    before, after = result.similarities
    assert after > before
    moved = [n for n, v in result.values.items() if v != model.spec[n].default]
    assert moved


def test_clip_engine_handles_words_the_lexicon_does_not_know(model, backend, directions):
    engine = factory.ClipTextEditEngine(model, backend, directions, beta=0.3)
    result = engine.edit("like a gargoyle", model.default_params())
    assert result.changed and not result.unrecognized
    assert set(result.changed) <= set(NAMES)
    assert result.requests[-1].source == "clip"
    # known words keep their exact offline meaning
    offline = TextEditEngine(model).edit("smile", model.default_params())
    assert engine.edit("smile", model.default_params()).changed == offline.changed


def test_engine_optimisation_mode_returns_an_edit(model, backend, directions):
    engine = factory.ClipTextEditEngine(model, backend, directions)
    start = {"nose_hump": 0.2}
    result = engine.optimise("a laughing face", start, steps=2)
    assert result.changed and result.requests[0].source == "clip-optimise"
    half = engine.optimise("a laughing face", start, strength=0.5, steps=2)
    name = max(result.changed, key=lambda n: abs(result.changed[n]))
    assert half.changed[name] == pytest.approx(result.changed[name] / 2, rel=1e-3, abs=1e-6)


def test_explicit_checkpoint_path_and_environment_variable(tiny_checkpoint, tmp_path,
                                                          monkeypatch):
    monkeypatch.delenv("FACEEDITOR_CLIP_CHECKPOINT", raising=False)
    assert clip_mod.find_checkpoint(tiny_checkpoint, TINY).path == tiny_checkpoint
    with pytest.raises(clip_mod.CheckpointNotFoundError, match="does not exist"):
        clip_mod.find_checkpoint(tmp_path / "missing.pt", TINY)
    monkeypatch.setenv("FACEEDITOR_CLIP_CHECKPOINT", str(tiny_checkpoint))
    assert clip_mod.find_checkpoint(None, TINY).path == tiny_checkpoint


def test_without_checkpoint_says_so_once_and_serves_offline(model, tmp_path, monkeypatch,
                                                           caplog):
    monkeypatch.delenv("FACEEDITOR_CLIP_CHECKPOINT", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(factory, "_status", None)
    caplog.set_level(logging.INFO, logger="faceeditor.text.factory")
    first = factory.create_engine(model, paraphrases=False)
    second = factory.create_engine(model, paraphrases=False)
    assert type(first) is TextEditEngine and type(second) is TextEditEngine
    notes = [r for r in caplog.records if "CLIP" in r.getMessage()]
    assert len(notes) == 1 and "offline" in notes[0].getMessage()
    assert notes[0].levelno == logging.INFO  # a supported state, not a warning
    assert "no CLIP checkpoint" in factory.clip_status()


def test_never_downloads(model, tiny_checkpoint, tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tried to download")

    monkeypatch.setattr(open_clip.pretrained, "download_pretrained", no_network)
    monkeypatch.setattr(open_clip.pretrained, "download_pretrained_from_hf", no_network)
    monkeypatch.setattr("huggingface_hub.hf_hub_download", no_network)
    monkeypatch.setenv("FACEEDITOR_CACHE_DIR", str(tmp_path))
    engine = factory.create_engine(
        model, clip_checkpoint=tiny_checkpoint, clip_model=TINY, paraphrases=False,
        clip_settings=clip_edit.DirectionSettings(faces=1, names=NAMES[:2]))
    assert isinstance(engine, factory.ClipTextEditEngine)


def test_unreadable_checkpoint_is_a_clear_error(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(clip_mod.ClipError, match="cannot read CLIP checkpoint"):
        clip_mod.read_state_dict(junk)


def test_checkpoint_of_another_architecture_is_refused(tiny_checkpoint):
    with pytest.raises(clip_mod.ClipError, match="does not fit"):
        clip_mod.ClipBackend.load(clip_mod.CheckpointRef(tiny_checkpoint, "RN50"))
