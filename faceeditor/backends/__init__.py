"""Head-model backends behind one interface (``base.Backend``): the embedded model, FLAME from
the user's files, and AlbedoGAN (FLAME + a StyleGAN2 UV albedo generator).

``open_model(path)`` picks the backend for a file; ``EmbeddedBackend()`` is the default.
Nothing here imports Qt; torch is imported only by the StyleGAN2 parts.
"""

from faceeditor.backends.base import Backend, BackendOutput, BackendParam, select_device
from faceeditor.backends.loading import ModelFileError, open_model
from faceeditor.backends.unpickler import UnsafePickleError

__all__ = [
    "Backend", "BackendOutput", "BackendParam", "ModelFileError", "UnsafePickleError",
    "open_model", "select_device",
]
