"""Do the retrieved passages cover the question? The refusal decision.

Search always returns *something*; answering from the nearest passage when the
documents do not cover the question is how assistants start to make things up.
So before answering we score how well the best passages match the question on
two independent signals:

* ``lexical``: the share of the question's terms (German analyzer: stems,
  compound parts, legal references) that occur in the passage with its title and
  section;
* ``semantic``: cosine similarity of the e5 embeddings of question and passage.

A logistic model combines them into a probability-like score; below the
threshold we refuse. Weights and threshold are not guessed: they are fitted by
``bench/calibrate_refusal.py`` on answerable and unanswerable dev questions and
shipped in ``data/refusal_calibration.json`` with their provenance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from aktenkundig.search.analyzer import analyze

CALIBRATION_FILE = "refusal_calibration.json"
# Questions in another language than the documents' German: fitted separately by
# ``bench/calibrate_crosslingual.py`` (issue #9, point 2). Such a question shares
# few terms with the passage and its cross-lingual cosine runs lower, so the German
# line would refuse nearly all of them.
CROSSLINGUAL_FILE = "refusal_calibration_crosslingual.json"
# How many of the top passages may vouch for the question.
TOP_PASSAGES = 3


@dataclass(frozen=True)
class Calibration:
    bias: float
    w_lexical: float
    w_semantic: float
    threshold: float
    support_bar: float
    provenance: dict[str, Any]
    # Cross-lingual only: e5 puts questions in Arabic or Cyrillic script a little
    # further from German text than Latin-script ones (XQuAD: 0.79 against 0.81 for
    # matching pairs), so they get their own offset.
    w_non_latin: float = 0.0


# Used only when the shipped calibration file is missing (e.g. while running the
# calibration itself): a conservative hand-set line, never the product default.
_UNCALIBRATED = Calibration(
    bias=-8.0,
    w_lexical=4.0,
    w_semantic=8.0,
    threshold=0.5,
    support_bar=0.6,
    provenance={"source": "uncalibrated defaults"},
)


def calibration(language: str = "de") -> Calibration:
    """The refusal line for questions in ``language`` (the documents are German)."""
    if language and language != "de":
        return _load(CROSSLINGUAL_FILE) or calibration()
    return _load(CALIBRATION_FILE) or _UNCALIBRATED


@lru_cache(maxsize=4)
def _load(name: str) -> Calibration | None:
    try:
        raw = resources.files("aktenkundig.assistant").joinpath("data", name)
        data = json.loads(raw.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    model = data["model"]
    return Calibration(
        bias=float(model["bias"]),
        w_lexical=float(model["w_lexical"]),
        w_semantic=float(model["w_semantic"]),
        threshold=float(data["threshold"]),
        support_bar=float(data.get("support_bar", _UNCALIBRATED.support_bar)),
        provenance=data.get("provenance", {}),
        w_non_latin=float(model.get("w_non_latin", 0.0)),
    )


@dataclass(frozen=True)
class Coverage:
    lexical: float
    semantic: float
    score: float
    covered: bool
    best: int  # index of the passage that vouches best


def passage_text(hit: Any) -> str:
    """Title, section and text: how a passage is judged and embedded."""
    header = " > ".join(part for part in (hit.document_title, hit.section) if part)
    return f"{header}\n{hit.text}" if header else hit.text


def lexical_overlap(question_terms: set[str], text: str) -> float:
    if not question_terms:
        return 0.0
    return len(question_terms & set(analyze(text))) / len(question_terms)


def semantic_similarity(question: str, texts: Sequence[str]) -> np.ndarray:
    """Cosine of question and texts, embedding the texts now (fallback when the
    passages have no stored vectors yet, e.g. right after ingestion)."""
    from aktenkundig.search.embedding import get_encoder

    encoder = get_encoder()
    query = np.asarray(encoder.embed_query(question), dtype=np.float32).reshape(-1)
    passages = np.asarray(encoder.embed_passages(list(texts)), dtype=np.float32)
    return passages @ query


def features(
    question: str,
    hits: Sequence[Any],
    *,
    tenant: Any = None,
    collections: Sequence[Any] | None = None,
    documents: Sequence[Any] | None = None,
) -> tuple[float, float, int]:
    """(lexical, semantic, index of the best passage among ``hits``).

    ``lexical``: best term coverage among the top hybrid hits. ``semantic``: cosine
    of the nearest passage in scope, from the stored vectors (a dense search) when
    ``tenant`` is given and vectors exist, else computed for the top hits.
    """
    top = list(hits[:TOP_PASSAGES])
    if not top:
        return 0.0, 0.0, -1
    question_terms = set(analyze(question))
    lexical = [lexical_overlap(question_terms, passage_text(hit)) for hit in top]
    nearest: list[Any] = []
    if tenant is not None:
        from aktenkundig.search.services import search

        # The chunks' own cosine (windows=False): the refusal calibration was fitted
        # on it; the window-mixed ranking score has another distribution.
        nearest = search(
            question, tenant=tenant, collections=collections, limit=8, mode="dense",
            documents=documents, windows=False,
        )
    if nearest:
        cosine = {hit.chunk_id: float(hit.score) for hit in nearest}
        floor = min(cosine.values())
        # A top hit without a stored vector (uploaded a moment ago, or its embedding
        # failed) cannot be among the dense results; giving it the floor would refuse
        # every question about the newest document. Its cosine is computed now.
        fresh = _unembedded([hit for hit in top if hit.chunk_id not in cosine])
        if fresh:
            computed = semantic_similarity(question, [passage_text(h) for h in fresh])
            cosine.update({h.chunk_id: float(v) for h, v in zip(fresh, computed, strict=True)})
        per_hit = [cosine.get(hit.chunk_id, floor) for hit in top]
        semantic = max(cosine.values())
    else:
        per_hit = [float(v) for v in semantic_similarity(question, [passage_text(h) for h in top])]
        semantic = max(per_hit)
    best = max(range(len(top)), key=lambda i: lexical[i] + per_hit[i])
    return max(lexical), semantic, best


def _unembedded(hits: Sequence[Any]) -> list[Any]:
    """Those of ``hits`` that have no vector from the current encoder."""
    if not hits:
        return []
    from aktenkundig.search.embedding import get_encoder
    from aktenkundig.search.index import without_vectors

    missing = without_vectors([hit.chunk_id for hit in hits], get_encoder().name)
    return [hit for hit in hits if hit.chunk_id in missing]


def non_latin(text: str) -> float:
    """1.0 when most letters of ``text`` are not Latin (Arabic, Cyrillic, …), else 0.0."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    latin = sum(ch < "\u0250" for ch in letters)  # Basic Latin to Latin Extended-B
    return 1.0 if latin * 2 < len(letters) else 0.0


def score(
    lexical: float, semantic: float, cal: Calibration | None = None, non_latin: float = 0.0
) -> float:
    cal = cal or calibration()
    z = cal.bias + cal.w_lexical * lexical + cal.w_semantic * semantic
    z += cal.w_non_latin * non_latin
    return 1.0 / (1.0 + math.exp(-z))


def assess(
    question: str,
    hits: Sequence[Any],
    *,
    tenant: Any = None,
    collections: Sequence[Any] | None = None,
    documents: Sequence[Any] | None = None,
    language: str = "de",
) -> Coverage:
    """Whether ``hits`` cover ``question``; ``language``: the question's language
    (another than German is judged by the cross-lingual calibration)."""
    lexical, semantic, best = features(
        question, hits, tenant=tenant, collections=collections, documents=documents
    )
    if best < 0:
        return Coverage(0.0, 0.0, 0.0, False, -1)
    cal = calibration(language)
    value = score(lexical, semantic, cal, non_latin(question) if language != "de" else 0.0)
    return Coverage(lexical, semantic, value, value >= cal.threshold, best)
