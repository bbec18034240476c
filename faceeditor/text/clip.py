"""CLIP with open_clip, offline: finding a checkpoint and encoding text and images.

Nothing is ever downloaded: models are created with ``pretrained=None`` and the checkpoint's
state dict is loaded from a local file, found (in this order) from an explicit path (the
``--clip-checkpoint`` option or the GUI's settings), ``$FACEEDITOR_CLIP_CHECKPOINT``, or
open_clip's own caches (the Hugging Face hub cache and ``~/.cache/clip``), looked up offline.
The edits built on it (global directions, optimisation) are in ``faceeditor.text.clip_edit``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


log = logging.getLogger(__name__)

DEFAULT_MODEL = "ViT-B-32"
CHECKPOINT_FILENAMES = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")

TEMPLATES = (
    "a 3D render of a face, {}.",
    "a photo of a face, {}.",
    "a portrait of a person, {}.",
    "a close-up of a human head, {}.",
)
NEUTRAL_TEXT = "neutral"

#: progress(done, total)
Progress = Callable[[int, int], None]


class ClipError(Exception):
    """CLIP cannot be used (unreadable checkpoint, wrong architecture); one line for the user."""


class CheckpointNotFoundError(ClipError):
    """No local checkpoint: CLIP edits are off and the offline engine serves."""


# -- finding and loading a checkpoint ----------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CheckpointRef:
    """A local checkpoint file and the open_clip architecture that reads it."""

    path: Path
    model_name: str
    quick_gelu: bool = False


def find_checkpoint(explicit: str | os.PathLike[str] | None = None,
                    model_name: str | None = None) -> CheckpointRef:
    """The checkpoint to use; raises ``CheckpointNotFoundError`` (never downloads)."""
    name = model_name or DEFAULT_MODEL
    for candidate in (explicit, os.environ.get("FACEEDITOR_CLIP_CHECKPOINT") or None):
        if candidate is not None:
            path = Path(candidate).expanduser()
            if not path.is_file():
                raise CheckpointNotFoundError(f"CLIP checkpoint {path} does not exist")
            return CheckpointRef(path, name, quick_gelu=name.endswith("-quickgelu"))
    found = _find_in_open_clip_cache(name)
    if found is None:
        raise CheckpointNotFoundError(
            f"no CLIP checkpoint for {name} on this machine (give one with --clip-checkpoint or "
            "in the settings; nothing is downloaded)")
    return found


def _caches_might_hold_clip() -> bool:
    """Cheap check before importing open_clip (seconds): any CLIP-like model folder in the
    Hugging Face hub cache, or open_clip's URL download folder."""
    from huggingface_hub import constants  # noqa: PLC0415 - light

    hub = Path(os.environ.get("HF_HUB_CACHE") or constants.HF_HUB_CACHE)
    if (Path.home() / ".cache" / "clip").is_dir():
        return True
    try:
        return any("clip" in entry.name.lower() for entry in hub.iterdir())
    except OSError:
        return False


def _find_in_open_clip_cache(name: str) -> CheckpointRef | None:
    if not _caches_might_hold_clip():
        return None
    import open_clip  # noqa: PLC0415 - optional and slow to import
    from huggingface_hub import try_to_load_from_cache  # noqa: PLC0415

    for tag in open_clip.list_pretrained_tags_by_model(name):
        cfg = open_clip.get_pretrained_cfg(name, tag)
        quick = bool(cfg.get("quick_gelu", False)) or name.endswith("-quickgelu")
        repo = (cfg.get("hf_hub") or "").strip("/")
        if repo:
            parts = repo.split("/")
            repo_id, subfolder = "/".join(parts[:2]), "/".join(parts[2:])
            for filename in CHECKPOINT_FILENAMES:
                target = f"{subfolder}/{filename}" if subfolder else filename
                cached = try_to_load_from_cache(repo_id, target)
                if isinstance(cached, str) and Path(cached).is_file():
                    return CheckpointRef(Path(cached), name, quick)
        url = cfg.get("url") or ""
        if url:
            cached_url = Path.home() / ".cache" / "clip" / Path(url).name
            if cached_url.is_file():
                return CheckpointRef(cached_url, name, quick)
    return None


def read_state_dict(path: Path) -> dict:
    """Tensors of a checkpoint file (safetensors or a torch state dict, loaded with
    ``weights_only=True``); ``{"state_dict": ...}`` wrappers and ``module.`` prefixes undone."""
    import torch  # noqa: PLC0415

    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file  # noqa: PLC0415

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, ValueError, pickle.UnpicklingError) as error:
        first_line = (str(error).splitlines() or [type(error).__name__])[0]
        raise ClipError(f"cannot read CLIP checkpoint {path}: {first_line}") from error
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise ClipError(f"{path} is not a state dict (a TorchScript archive? save the "
                        "model's state_dict instead)")
    return {k.removeprefix("module."): v for k, v in state.items()}


@dataclasses.dataclass
class ClipBackend:
    """A loaded open_clip model with its tokenizer and image normalisation.

    Attributes:
        model: the open_clip ``CLIP`` module (eval mode, CPU, float32).
        tokenizer: ``open_clip.get_tokenizer`` of the architecture.
        model_name: architecture name; ``checkpoint_hash``: sha256 of the checkpoint file.
        image_size: edge of the square images the image tower takes.
        mean, std: per-channel normalisation of RGB in [0, 1].
    """

    model: object
    tokenizer: object
    model_name: str
    checkpoint_hash: str
    image_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    _neutral: dict = dataclasses.field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, ref: CheckpointRef) -> ClipBackend:
        import open_clip  # noqa: PLC0415

        try:
            with _quiet_random_init_warning():
                model = open_clip.create_model(ref.model_name, pretrained=None,
                                               force_quick_gelu=ref.quick_gelu,
                                               pretrained_text=False, device="cpu")
        except RuntimeError as error:
            raise ClipError(f"unknown open_clip architecture {ref.model_name!r}") from error
        state = read_state_dict(ref.path)
        try:
            model.load_state_dict(state)
        except RuntimeError as error:
            raise ClipError(f"{ref.path} does not fit {ref.model_name}: "
                            f"{str(error).splitlines()[0]}") from error
        model.eval()
        size = model.visual.image_size
        size = int(size[0] if isinstance(size, (tuple, list)) else size)
        preprocess = getattr(model.visual, "preprocess_cfg", {}) or {}
        mean = tuple(preprocess.get("mean", open_clip.OPENAI_DATASET_MEAN))
        std = tuple(preprocess.get("std", open_clip.OPENAI_DATASET_STD))
        return cls(model, open_clip.get_tokenizer(ref.model_name), ref.model_name,
                   file_hash(ref.path), size, mean, std)

    def encode_text(self, texts: Sequence[str]):
        """(n, D) unit torch embeddings of ``texts`` (no gradients)."""
        import torch  # noqa: PLC0415

        tokens = self.tokenizer(list(texts))
        with torch.no_grad():
            if _can_truncate(self.model):
                features = _encode_text_truncated(self.model, tokens)
            else:
                features = self.model.encode_text(tokens)
        return torch.nn.functional.normalize(features.float(), dim=-1)

    def encode_images(self, images):
        """(B, H, W, 3) float images in [0, 1] (torch, may carry gradients) -> (B, D) unit
        embeddings, differentiable."""
        import torch  # noqa: PLC0415

        x = images.permute(0, 3, 1, 2)
        if x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
            x = torch.nn.functional.interpolate(x, size=(self.image_size, self.image_size),
                                                mode="bilinear", align_corners=False)
        mean = torch.tensor(self.mean, dtype=x.dtype).view(1, 3, 1, 1)
        std = torch.tensor(self.std, dtype=x.dtype).view(1, 3, 1, 1)
        features = self.model.encode_image((x - mean) / std)
        return torch.nn.functional.normalize(features.float(), dim=-1)

    def template_mean(self, text: str):
        """(D,) mean of the unit embeddings of ``text`` in every template."""
        return self.encode_text([t.format(text) for t in TEMPLATES]).mean(0)

    def text_direction(self, prompt: str, neutral: str = NEUTRAL_TEXT):
        """(D,) unit Δt: mean over ``TEMPLATES`` of E(prompt) - E(neutral) (the neutral side
        is computed once)."""
        import torch  # noqa: PLC0415

        if neutral not in self._neutral:
            self._neutral[neutral] = self.template_mean(neutral)
        delta = self.template_mean(prompt) - self._neutral[neutral]
        return torch.nn.functional.normalize(delta, dim=0)


class _DropRandomInitWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "No pretrained weights loaded" not in record.getMessage()


@contextlib.contextmanager
def _quiet_random_init_warning():
    """open_clip warns that the model is randomly initialised: true only until we load the
    checkpoint a moment later, so the warning is dropped while the model is created."""
    root = logging.getLogger()
    drop = _DropRandomInitWarning()
    root.addFilter(drop)
    try:
        yield
    finally:
        root.removeFilter(drop)


def _can_truncate(model) -> bool:
    """Whether ``model`` is open_clip's plain ``CLIP`` text tower: causal mask, argmax pool."""
    return (getattr(model, "attn_mask", None) is not None
            and getattr(model, "text_pool_type", None) == "argmax"
            and hasattr(model, "token_embedding") and hasattr(model, "ln_final"))


def _encode_text_truncated(model, tokens):
    """``model.encode_text(tokens)`` computed on the tokens up to the longest end-of-text.

    The text transformer is causal, so the features at each end-of-text token (the pooled
    output) do not depend on the padding after it: cutting the padding gives the same result
    several times faster for short prompts (checked against ``encode_text`` in the tests)."""
    import torch  # noqa: PLC0415

    length = int(tokens.argmax(dim=-1).max()) + 1
    tokens = tokens[:, :length]
    cast = model.transformer.get_cast_dtype()
    x = model.token_embedding(tokens).to(cast) + model.positional_embedding[:length].to(cast)
    x = model.transformer(x, attn_mask=model.attn_mask[:length, :length])
    x = model.ln_final(x)
    x = x[torch.arange(x.shape[0]), tokens.argmax(dim=-1)]
    projection = model.text_projection
    if projection is None:
        return x
    return projection(x) if isinstance(projection, torch.nn.Linear) else x @ projection


_HASHES: dict[tuple[str, int, int], str] = {}


def file_hash(path: Path) -> str:
    """sha256 of a file (memoised by path, size and modification time)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]
