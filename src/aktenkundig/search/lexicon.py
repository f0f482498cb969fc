"""Lexicon-driven German compound splitting.

The lexicon (``data/de_lexicon.tsv.gz``: folded word, frequency) is derived once, at
build time, from public German administrative and legal text (federal laws, municipal
Satzungen; see ``build``) and shipped in the package: nothing is downloaded at run time.

A word is split into lexicon words, optionally joined by a linking element
(Fugenelement: s, es, n, en, e, er), choosing the split with the highest geometric mean
of part frequencies (Koehn & Knight 2003); a word is left whole when it is itself more
frequent than its best split. Measured against the character-n-gram splitter of the
``compound-split`` package in ``bench/compounds.py`` (docs/benchmarks.md).

Rebuild: ``python -m aktenkundig.search.lexicon DIR [DIR ...]``.
"""

from __future__ import annotations

import gzip
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

LEXICON_PATH = Path(__file__).with_name("data") / "de_lexicon.tsv.gz"

_LINKERS = ("s", "es", "n", "en", "e", "er")
# Short nouns that are common heads or modifiers of administrative compounds.
_SHORT_PARTS_TEXT = """
    amt tag rat bau weg hof ort zug see arzt gas rad tor tal bad feld
"""
SHORT_PARTS = frozenset(_SHORT_PARTS_TEXT.split())
_FUNCTION_WORDS_TEXT = """
    aber alle auch auf aus bei dass dem den der des die das ein eine einer eines fuer gegen
    hier ihre ihrer noch oder ohne sich sind ueber und unter vom von vor wird zum zur sein
    seine werden wurde nach eine einem einen ende
"""
_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
MIN_PART = 4
MIN_COUNT = 3


class CompoundSplitter:
    def __init__(self, frequencies: dict[str, int]) -> None:
        self._freq = frequencies
        self._log = {w: math.log(f) for w, f in frequencies.items()}
        self._cache: dict[str, tuple[str, ...]] = {}
        self._contained: dict[str, int] = {}

    @classmethod
    def load(cls, path: Path = LEXICON_PATH) -> CompoundSplitter:
        frequencies: dict[str, int] = {}
        if path.exists():
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                for line in handle:
                    word, _, count = line.rstrip("\n").partition("\t")
                    frequencies[word] = int(count)
        return cls(frequencies)

    def __len__(self) -> int:
        return len(self._freq)

    def frequency(self, word: str) -> int:
        """How often the folded ``word`` occurs in the lexicon's source texts (0: never)."""
        return self._freq.get(word, 0)

    def compounds_containing(self, word: str) -> int:
        """How many other lexicon words contain the folded ``word`` („haus“: Rathaus,
        Hausanschluss, …): a productive part of compounds is a general word."""
        cached = self._contained.get(word)
        if cached is None:
            cached = sum(1 for other in self._freq if word in other and other != word)
            self._contained[word] = cached
        return cached

    def _known(self, part: str) -> bool:
        return (len(part) >= MIN_PART or part in SHORT_PARTS) and part in self._freq

    def split(self, word: str) -> tuple[str, ...]:
        """Parts of a folded (lower-case, transliterated) word; ``(word,)`` if none."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        parts = self._split(word)
        if len(self._cache) < 200_000:
            self._cache[word] = parts
        return parts

    def _split(self, word: str) -> tuple[str, ...]:
        n = len(word)
        # best[i]: (sum of log frequencies, number of parts, parts) for word[:i]
        best: list[tuple[float, int, tuple[str, ...]] | None] = [None] * (n + 1)
        best[0] = (0.0, 0, ())
        for end in range(3, n + 1):
            candidates: list[tuple[float, int, tuple[str, ...]]] = []
            for start in range(0, end - 2):
                prefix = best[start]
                if prefix is None:
                    continue
                segment = word[start:end]
                forms = [segment]
                if end < n:  # a non-final part may end in a linking element
                    forms += [segment[: -len(x)] for x in _LINKERS if segment.endswith(x)]
                for form in forms:
                    if self._known(form):
                        candidates.append(
                            (prefix[0] + self._log[form], prefix[1] + 1, (*prefix[2], form))
                        )
            if candidates:
                best[end] = max(candidates, key=lambda c: c[0] / c[1])
        result = best[n]
        if result is None or result[1] < 2:
            return (word,)
        whole = self._log.get(word, 0.0)
        if result[0] / result[1] <= whole:
            return (word,)
        return result[2]


@lru_cache(maxsize=1)
def default_splitter() -> CompoundSplitter:
    return CompoundSplitter.load()


_WORD = re.compile(r"[^\W\d_]+")


def build(paths: Iterable[Path], min_count: int = MIN_COUNT) -> Counter[str]:
    from aktenkundig.search.analyzer import fold

    counts: Counter[str] = Counter()
    for root in paths:
        files = [root] if root.is_file() else sorted(root.rglob("*.md"))
        for file in files:
            for word in _WORD.findall(file.read_text(encoding="utf-8", errors="replace")):
                folded = fold(word)
                if folded.isascii() and folded.isalpha():
                    counts[folded] += 1
    return Counter(
        {
            w: c
            for w, c in counts.items()
            if c >= min_count
            and (len(w) >= MIN_PART or w in SHORT_PARTS)
            and w not in _FUNCTION_WORDS
        }
    )


def main(argv: list[str]) -> None:
    counts = build(Path(a) for a in argv)
    LEXICON_PATH.parent.mkdir(exist_ok=True)
    with gzip.open(LEXICON_PATH, "wt", encoding="utf-8", compresslevel=9) as handle:
        for word, count in sorted(counts.items()):
            handle.write(f"{word}\t{count}\n")
    print(f"{len(counts)} words -> {LEXICON_PATH}")


if __name__ == "__main__":
    main(sys.argv[1:])
