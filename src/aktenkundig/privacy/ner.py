"""The project's own German named-entity tagger (persons, places, organisations).

A linear-chain CRF (python-crfsuite) over hand-made token features plus
gazetteers of German first names, surnames and towns. It is trained by
``privacy/training/train_ner.py`` on GermEval 2014 and German Legal NER (both
CC BY 4.0; see ``data/MODEL_CARD.md``) and shipped in ``data/ner_de.crfsuite``,
so nothing is downloaded at run time. German capitalises every noun, so
capitalisation alone says little; the gazetteers and the context window carry
most of the signal.

Training and inference share :func:`sentence_features`, which is why it lives
here and not in the training script.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

# Feature caches are per word; bounded so that a long-running server cannot grow
# them without limit on arbitrary input.
_WORD_CACHE = 100_000

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_PATH = DATA_DIR / "ner_de.crfsuite"

# Words that introduce a person's name in German letters and files. They are
# features (not entities themselves): "Herr Müller" tags only "Müller".
TITLES = frozenset(
    [
        "herr",
        "herrn",
        "frau",
        "fräulein",
        "dr",
        "dr.",
        "prof",
        "prof.",
        "professor",
        "professorin",
        "med.",
        "rer.",
        "nat.",
        "dipl.",
        "dipl.-ing.",
        "ing.",
        "mag.",
        "ra",
        "rechtsanwalt",
        "rechtsanwältin",
        "richter",
        "richterin",
        "bürgermeister",
        "bürgermeisterin",
        "landrat",
        "landrätin",
        "minister",
        "ministerin",
        "sachbearbeiter",
        "sachbearbeiterin",
        "antragsteller",
        "antragstellerin",
        "kläger",
        "klägerin",
        "beklagte",
        "beklagter",
        "zeuge",
        "zeugin",
        "angeklagte",
        "angeklagter",
        "familie",
        "eheleute",
    ]
)

_SHAPE_RE = (
    (re.compile(r"[A-ZÄÖÜ]"), "X"),
    (re.compile(r"[a-zäöüß]"), "x"),
    (re.compile(r"[0-9]"), "d"),
)


@cache
def _wordlist(name: str) -> frozenset[str]:
    path = DATA_DIR / name
    if not path.exists():
        return frozenset()
    return frozenset(
        line.strip().lower()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


def first_names() -> frozenset[str]:
    return _wordlist("first_names.txt")


def surnames() -> frozenset[str]:
    return _wordlist("surnames.txt")


def places() -> frozenset[str]:
    return _wordlist("places.txt")


@lru_cache(maxsize=_WORD_CACHE)
def _shape(word: str) -> str:
    shape = word
    for pattern, char in _SHAPE_RE:
        shape = pattern.sub(char, shape)
    # Collapse runs so that "Müller" and "Schmidtke" share the shape "Xx".
    return re.sub(r"(.)\1+", r"\1", shape)


def _token_features(word: str) -> tuple[str, ...]:
    """Features of one token, independent of its neighbours (cached per word)."""
    return _token_features_cached(word)


@lru_cache(maxsize=_WORD_CACHE)
def _token_features_cached(word: str) -> tuple[str, ...]:
    lower = word.lower()
    feats = [
        "w=" + lower,
        "s2=" + lower[-2:],
        "s3=" + lower[-3:],
        "s4=" + lower[-4:],
        "p3=" + lower[:3],
        "sh=" + _shape(word),
    ]
    if word[:1].isupper():
        feats.append("T")
    if len(word) > 1 and word.isupper():
        feats.append("U")
    if any(c.isdigit() for c in word):
        feats.append("D")
    if len(word) <= 2 and word[:1].isupper():
        feats.append("init")
    if lower in first_names():
        feats.append("fn")
    if lower in surnames():
        feats.append("ln")
    if lower in places():
        feats.append("pl")
    if lower in TITLES:
        feats.append("ttl")
    if "-" in word[1:-1]:
        feats.append("hy")
        parts = lower.split("-")
        if any(p in surnames() for p in parts):
            feats.append("hyln")
    if lower.endswith(("straße", "strasse", "str.", "weg", "allee", "platz", "gasse", "ring")):
        feats.append("street")
    return tuple(feats)


_CONTEXT_KEYS = ("w=", "sh=")
_CONTEXT_FLAGS = frozenset({"T", "fn", "ln", "pl", "ttl", "init", "U", "D"})


def _context_features(word: str) -> tuple[str, ...]:
    return _context_features_cached(word)


@lru_cache(maxsize=_WORD_CACHE)
def _context_features_cached(word: str) -> tuple[str, ...]:
    return tuple(
        f
        for f in _token_features_cached(word)
        if f.startswith(_CONTEXT_KEYS) or f in _CONTEXT_FLAGS
    )


@lru_cache(maxsize=_WORD_CACHE)
def _offset_features(word: str, offset: int) -> tuple[str, ...]:
    prefix = f"{offset}:"
    return tuple(prefix + f for f in _context_features_cached(word))


def sentence_features(words: Sequence[str]) -> list[list[str]]:
    """CRF features for each token of one sentence."""
    own = [_token_features(w) for w in words]
    n = len(words)
    out: list[list[str]] = []
    for i in range(n):
        feats = ["b", *own[i]]
        if i == 0:
            feats.append("BOS")
        if i == n - 1:
            feats.append("EOS")
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < n:
                feats.extend(_offset_features(words[j], offset))
        if i > 0:
            feats.append("bg=" + words[i - 1].lower() + "|" + words[i].lower())
        out.append(feats)
    return out


@dataclass(frozen=True)
class Span:
    label: str  # PER, LOC or ORG
    start: int  # token index, inclusive
    end: int  # token index, exclusive
    score: float


def bio_spans(tags: Sequence[str], marginals: Sequence[float] | None = None) -> list[Span]:
    """Entity spans from BIO tags (an I- without a B- starts a span too)."""
    spans: list[Span] = []
    label = None
    start = 0
    for i, tag in enumerate([*tags, "O"]):
        if tag == "O" or tag.startswith("B-") or (label and tag[2:] != label):
            if label is not None:
                score = min(marginals[start:i]) if marginals is not None else 1.0
                spans.append(Span(label, start, i, float(score)))
                label = None
            if tag != "O":
                label, start = tag[2:], i
        elif label is None:
            label, start = tag[2:], i
    return spans


class CrfTagger:
    """Thread-safe wrapper around a crfsuite model file."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        import pycrfsuite

        if not path.exists():
            raise FileNotFoundError(
                f"NER-Modell fehlt: {path}. Neu trainieren mit "
                "`python -m aktenkundig.privacy.training.train_ner`."
            )
        self._local = threading.local()
        self._path = path
        self._pycrfsuite = pycrfsuite
        self._tagger()  # fail early on a broken file

    def _tagger(self):
        tagger = getattr(self._local, "tagger", None)
        if tagger is None:
            tagger = self._pycrfsuite.Tagger()
            tagger.open(str(self._path))
            self._local.tagger = tagger
        return tagger

    def tag(self, words: Sequence[str]) -> list[Span]:
        if not words:
            return []
        tagger = self._tagger()
        tags = tagger.tag(sentence_features(words))
        # Span scores need the marginals of tagged words only; most words are "O", and
        # one marginal call per word was a third of the CRF's time.
        marginals = [1.0 if tag == "O" else tagger.marginal(tag, i) for i, tag in enumerate(tags)]
        return bio_spans(tags, marginals)

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[Span]]:
        return [self.tag(words) for words in sentences]


@cache
def default_tagger() -> CrfTagger:
    return CrfTagger()
