"""Readers for the German NER corpora and the fixed train/held-out split.

The split is deterministic so that the benchmark (``bench/pii.py``) evaluates
exactly the sentences the shipped model never saw:

* GermEval 2014: every sentence is its own web/news snippet, so every fifth
  sentence (index % 5 == 0) is held out;
* German Legal NER: sentences run on through whole court decisions, where the
  same names recur, so the last fifth of the file is held out as one block.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parents[5] / "shared" / "data" / "ner"
if not SHARED.exists():  # worktrees sit one level deeper than the main checkout
    SHARED = Path("/work/shared/data/ner")
GERMEVAL = SHARED / "germeval2014-dev.tsv"
LEGAL = SHARED / "legal-ner-dev.conll"

# Legal NER fine classes -> our three coarse classes (others are not personal data).
LEGAL_MAP = {
    "PER": "PER",  # anonymised parties and witnesses ("K.", "Frau A.")
    "RR": "PER",  # judges
    "AN": "PER",  # lawyers
    "ST": "LOC",  # cities
    "STR": "LOC",  # streets
    "LD": "LOC",  # federal states, countries
    "LDS": "LOC",  # landscapes
    "ORG": "ORG",
    "UN": "ORG",  # companies
    "INN": "ORG",  # institutions
    "GRT": "ORG",  # courts
    "MRK": "ORG",  # brands
}


@dataclass
class Sentence:
    words: list[str]
    tags: list[str]  # coarse BIO: B-PER, I-LOC, O
    fine: list[str]  # the corpus' own tags, for per-class reporting


def _coarse_germeval(tag: str) -> str:
    if tag == "O" or tag[2:] not in {"PER", "LOC", "ORG"}:
        return "O"  # OTH, *deriv ("deutsche") and *part ("EU-Kommission") are not entities
    return tag


def read_germeval(path: Path = GERMEVAL) -> list[Sentence]:
    sentences: list[Sentence] = []
    words: list[str] = []
    fine: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if words:
                sentences.append(Sentence(words, [_coarse_germeval(t) for t in fine], fine))
            words, fine = [], []
            continue
        cols = line.split("\t")
        words.append(cols[1])
        fine.append(cols[2])
    return sentences


def _coarse_legal(tag: str) -> str:
    if tag == "O":
        return "O"
    coarse = LEGAL_MAP.get(tag[2:])
    return f"{tag[:2]}{coarse}" if coarse else "O"


def read_legal(path: Path = LEGAL) -> list[Sentence]:
    sentences: list[Sentence] = []
    words: list[str] = []
    fine: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if words:
                sentences.append(Sentence(words, [_coarse_legal(t) for t in fine], fine))
            words, fine = [], []
            continue
        word, _, tag = line.rpartition(" ")
        words.append(word)
        fine.append(tag)
    return sentences


def split_germeval(sentences: list[Sentence]) -> tuple[list[Sentence], list[Sentence]]:
    train = [s for i, s in enumerate(sentences) if i % 5]
    test = [s for i, s in enumerate(sentences) if not i % 5]
    return train, test


def split_legal(sentences: list[Sentence]) -> tuple[list[Sentence], list[Sentence]]:
    cut = len(sentences) * 4 // 5
    return sentences[:cut], sentences[cut:]


def training_sentences() -> Iterator[Sentence]:
    yield from split_germeval(read_germeval())[0]
    yield from split_legal(read_legal())[0]


def held_out() -> dict[str, list[Sentence]]:
    return {
        "germeval2014-dev": split_germeval(read_germeval())[1],
        "legal-ner-dev": split_legal(read_legal())[1],
    }
