"""Offensive-language filter for German citizen messages.

A linear model over character n-grams (TF-IDF, logistic regression), trained on
GermEval 2018 (CC BY 4.0) by ``python -m aktenkundig.citizen.moderation_train``.
The trained weights ship as ``data/moderation.npz``; scoring here needs numpy
only (no pickle, no scikit-learn at run time), and the training script asserts
that this scorer reproduces scikit-learn's decisions exactly.

The threshold is chosen for precision: blocking a polite question about the
Hundesteuer is worse than letting a rude one through, because a rude message
still only reaches a model that answers from public documents.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).resolve().parent / "data" / "moderation.npz"
NGRAM_RANGE = (2, 5)
_WHITESPACE = re.compile(r"\s\s+")
_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+")


def normalise(text: str) -> str:
    """Drop what only tweets have (mentions, links) so they carry no signal."""
    text = _MENTION.sub(" ", text)
    text = _URL.sub(" ", text)
    text = text.replace("|LBR|", " ")
    return text.lower()


def char_wb_ngrams(text: str, ngram_range: tuple[int, int] = NGRAM_RANGE) -> list[str]:
    """Character n-grams inside word boundaries, exactly as scikit-learn's
    ``analyzer="char_wb"`` produces them (the scorer must match training)."""
    text = _WHITESPACE.sub(" ", normalise(text))
    min_n, max_n = ngram_range
    ngrams: list[str] = []
    for word in text.split():
        word = f" {word} "
        length = len(word)
        for n in range(min_n, max_n + 1):
            offset = 0
            ngrams.append(word[offset : offset + n])
            while offset + n < length:
                offset += 1
                ngrams.append(word[offset : offset + n])
            if offset == 0:
                break
    return ngrams


def is_held_out(text: str) -> bool:
    """The fixed evaluation split: about 20 % of rows, chosen by a hash of the
    text so that training and benchmark agree without storing the split."""
    return hashlib.sha256(text.encode("utf-8")).digest()[0] < 52


def load_germeval(path: Path) -> list[tuple[str, int]]:
    """Rows of a GermEval 2018 file as (text, 1 if OFFENSE else 0)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1] in {"OFFENSE", "OTHER"}:
            rows.append((parts[0], int(parts[1] == "OFFENSE")))
    return rows


@dataclass(frozen=True)
class Verdict:
    offensive: bool
    score: float


class OffensiveLanguageFilter:
    def __init__(self, path: Path = MODEL_PATH) -> None:
        with np.load(path, allow_pickle=False) as data:
            vocabulary = str(data["vocabulary"]).split("\n")
            self.idf = data["idf"].astype(np.float64)
            self.coef = data["coef"].astype(np.float64)
            self.intercept = float(data["intercept"])
            self.threshold = float(data["threshold"])
        self.index = {ngram: i for i, ngram in enumerate(vocabulary)}

    def decision(self, text: str) -> float:
        """The logistic-regression margin (scikit-learn's decision_function)."""
        counts = Counter(self.index[g] for g in char_wb_ngrams(text) if g in self.index)
        if not counts:
            return self.intercept
        columns = np.fromiter(counts.keys(), dtype=np.int64)
        # sublinear tf, as in training: 1 + log(tf)
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))
        weights = tf * self.idf[columns]
        norm = float(np.sqrt(np.dot(weights, weights)))
        return float(np.dot(weights, self.coef[columns]) / norm) + self.intercept

    def score(self, text: str) -> float:
        """Probability-like score in [0, 1] that ``text`` is offensive."""
        return 1.0 / (1.0 + math.exp(-self.decision(text)))

    def check(self, text: str) -> Verdict:
        score = self.score(text)
        return Verdict(offensive=score >= self.threshold, score=score)


@lru_cache(maxsize=1)
def default_filter() -> OffensiveLanguageFilter:
    return OffensiveLanguageFilter()


def is_offensive(text: str) -> bool:
    """True when ``text`` should get a polite refusal instead of an answer."""
    return default_filter().check(text).offensive
