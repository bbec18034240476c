"""``open_model(path)``: the backend for a user's model file, or a one-line error.

What each file opens (the companions are looked up in the same folder):

* ``generic_model.pkl`` (any FLAME pickle) -> ``FlameBackend``; ``head_template.obj`` gives
  UVs, ``FLAME_texture.npz`` or ``FLAME_albedo_from_BFM.npz`` an albedo space;
* a rosinality StyleGAN2 ``.pt`` (``g_ema`` or ``g``, optionally with DataParallel's
  ``module.`` prefix, optional ``latent_avg``) or an NVlabs stylegan2-ada-pytorch snapshot
  ``.pkl`` (``G_ema``) -> ``AlbedoGanBackend``, which needs the FLAME model: ``flame=`` or
  ``generic_model.pkl`` beside the checkpoint. AlbedoGAN drives its albedo generator with the
  W of the FFHQ image generator: if ``stylegan2_ffhq.pt`` (or ``stylegan2-ffhq-config-f.pt``)
  lies beside it, W is sampled with that generator's mapping network and ``latent_avg``;
* a folder: the FLAME model in it (with the albedo generator if exactly one other ``.pt``
  is there).
"""

from __future__ import annotations

import argparse
import logging
import pickle
import zipfile
from collections.abc import Mapping
from pathlib import Path

from faceeditor.backends.base import Backend
from faceeditor.backends.flame import FlameFormatError, TextureSpace, load_flame, load_texture_space
from faceeditor.backends.unpickler import PersistentObject, UnsafePickleError, safe_load

log = logging.getLogger(__name__)

FLAME_NAMES = ("generic_model.pkl", "flame2020_generic.pkl", "FLAME2020.pkl")
UV_NAME = "head_template.obj"
TEXTURE_NAMES = ("FLAME_texture.npz", "FLAME_albedo_from_BFM.npz")
#: the FFHQ image generator whose W drives AlbedoGAN's albedo generator (rosinality names)
FFHQ_NAMES = ("stylegan2_ffhq.pt", "stylegan2-ffhq-config-f.pt")


class ModelFileError(ValueError):
    """A model file that cannot be opened; the message is one line for the user."""


def open_model(path: str | Path, *, flame: str | Path | None = None,
               device: str | None = None) -> Backend:
    """The backend for ``path`` (see the module doc); ``flame`` names the FLAME pickle for an
    albedo generator; ``device`` overrides the torch device (default: CUDA when available).
    The backend's ``source_paths`` name what it was read from (for caches keyed by the files).

    Raises:
        ModelFileError: missing, unsafe, corrupt or unsupported file (one-line message).
    """
    backend = _open_model(Path(path), flame, device)
    backend.source_paths = (Path(path),) + ((Path(flame),) if flame is not None else ())
    return backend


def _open_model(path: Path, flame: str | Path | None, device: str | None) -> Backend:
    if not path.exists():
        raise ModelFileError(f"{path} does not exist")
    try:
        if path.is_dir():
            return _open_folder(path, device)
        suffix = path.suffix.lower()
        if suffix in (".pt", ".pth"):
            return _albedogan(path, _rosinality_checkpoint(path), flame, device)
        if suffix == ".pkl":
            return _open_pickle(path, flame, device)
        if suffix in (".npy", ".npz", ".obj"):
            raise ModelFileError(f"{path.name} is a companion file, not a model: open the FLAME "
                                 "model (generic_model.pkl) beside it")
        raise ModelFileError(f"{path.name}: unsupported model file (expected a FLAME .pkl, a "
                             "StyleGAN2 .pt or an NVlabs .pkl snapshot)")
    except UnsafePickleError as error:
        raise ModelFileError(f"refused to load {path.name}: {error}") from None
    except ModuleNotFoundError as error:
        if error.name != "torch":
            raise
        raise ModelFileError(f"{path.name} needs PyTorch: pip install 'faceeditor[torch]'"
                             ) from None
    except (FlameFormatError, pickle.UnpicklingError, OSError) as error:
        raise ModelFileError(f"cannot open {path.name}: {error}") from None
    except ValueError as error:  # CheckpointFormatError and shape mismatches
        if isinstance(error, ModelFileError):
            raise
        raise ModelFileError(f"cannot open {path.name}: {error}") from None


def _open_folder(folder: Path, device: str | None) -> Backend:
    flame_path = _companion(folder, FLAME_NAMES)
    if flame_path is None:
        raise ModelFileError(f"{folder} holds no FLAME model ({' or '.join(FLAME_NAMES)})")
    checkpoints = sorted(p for p in folder.glob("*.pt") if p.name not in FFHQ_NAMES)
    if len(checkpoints) == 1:
        return _albedogan(checkpoints[0], _rosinality_checkpoint(checkpoints[0]), flame_path,
                          device)
    return _flame_backend(flame_path, safe_load(flame_path))


def _open_pickle(path: Path, flame: str | Path | None, device: str | None) -> Backend:
    data = safe_load(path)
    if isinstance(data, Mapping) and "v_template" in data:
        return _flame_backend(path, data)
    if isinstance(data, Mapping) and isinstance(data.get("G_ema", data.get("G")), PersistentObject):
        return _albedogan(path, _nvlabs_checkpoint(data), flame, device)
    raise ModelFileError(f"{path.name} is neither a FLAME model nor an NVlabs StyleGAN2 snapshot")


def _companion(folder: Path, names: tuple[str, ...]) -> Path | None:
    return next((folder / n for n in names if (folder / n).is_file()), None)


def _flame_backend(path: Path, data: Mapping) -> Backend:
    from faceeditor.backends.flame_backend import FlameBackend

    flame = load_flame(path, _companion(path.parent, (UV_NAME,)), data)
    texture_path = _companion(path.parent, TEXTURE_NAMES)
    texture: TextureSpace | None = None
    if texture_path is not None:
        texture = load_texture_space(texture_path)
    return FlameBackend(flame, texture)


def _rosinality_checkpoint(path: Path):
    """(state dict, latent_avg or None) of a rosinality ``.pt``, read with weights_only."""
    import torch

    try:
        # rosinality's training checkpoints also hold their argparse options
        with torch.serialization.safe_globals([argparse.Namespace]):
            data = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, EOFError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelFileError(f"cannot read {path.name} as a torch checkpoint "
                             f"(weights only): {first}") from None
    if not isinstance(data, Mapping):
        raise ModelFileError(f"{path.name} holds no dict of weights")
    state = data.get("g_ema", data.get("g"))
    if state is None and "style.1.weight" in data:
        state = data
    if not isinstance(state, Mapping):
        raise ModelFileError(f"{path.name} has no StyleGAN2 generator ('g_ema' or 'g'); keys: "
                             f"{', '.join(map(str, list(data)[:8]))}")
    if state and all(str(key).startswith("module.") for key in state):
        # saved from torch.nn.DataParallel (AlbedoGAN's albedogan.pt)
        state = {key[len("module."):]: value for key, value in state.items()}
    return state, data.get("latent_avg")


def _use_ffhq_mapping(generator, path: Path, latent_avg):
    """AlbedoGAN feeds its albedo generator the W of the FFHQ image generator: when that
    checkpoint lies beside the albedo generator, sample W with its mapping network and mean."""
    ffhq = _companion(path.parent, FFHQ_NAMES)
    if ffhq is None or ffhq == path:
        return latent_avg
    state, ffhq_avg = _rosinality_checkpoint(ffhq)
    mapping = {key[len("style."):]: value for key, value in state.items()
               if str(key).startswith("style.")}
    try:
        generator.style.load_state_dict(mapping, strict=True)
    except RuntimeError:
        raise ModelFileError(f"the mapping network of {ffhq.name} does not fit {path.name}"
                             ) from None
    log.info("sampling W with the mapping network of %s", ffhq.name)
    return ffhq_avg


def _nvlabs_checkpoint(data: Mapping):
    from faceeditor.backends.stylegan2 import convert_nvlabs_state

    network = data.get("G_ema", data.get("G"))
    state, w_avg = convert_nvlabs_state(network.tensors())
    clamp = _nvlabs_conv_clamp(network)
    return state, w_avg, clamp


def _nvlabs_conv_clamp(network: PersistentObject) -> float | None:
    synthesis = network.state.get("_modules", {}).get("synthesis")
    if not isinstance(synthesis, PersistentObject):
        return None
    block = synthesis.state.get("_modules", {}).get("b4")
    layer = block.state.get("_modules", {}).get("conv1") if isinstance(block, PersistentObject) else None
    value = layer.state.get("conv_clamp") if isinstance(layer, PersistentObject) else None
    return None if value is None else float(value)


def _albedogan(path: Path, checkpoint, flame: str | Path | None, device: str | None) -> Backend:
    from faceeditor.backends.albedogan import AlbedoGanBackend
    from faceeditor.backends.stylegan2 import generator_from_state

    state, latent_avg, *rest = checkpoint
    flame_path = Path(flame) if flame is not None else _companion(path.parent, FLAME_NAMES)
    if flame_path is None:
        raise ModelFileError(f"{path.name} is an albedo generator; it needs the FLAME model "
                             f"(put generic_model.pkl beside it)")
    generator = generator_from_state(state)
    latent_avg = _use_ffhq_mapping(generator, path, latent_avg)
    if rest and rest[0] is not None:
        generator.set_conv_clamp(rest[0])
    flame_model = load_flame(flame_path, _companion(flame_path.parent, (UV_NAME,)))
    log.info("opened %s (%d px albedo generator) with %s", path.name, generator.size,
             flame_path.name)
    return AlbedoGanBackend(flame_model, generator, latent_avg, name=path.name, device=device)
