"""Sentences, citation markers and support checks: the text mechanics of answers.

Everything here is deterministic and cheap, so that each generated sentence can
be checked against the passage it cites before a user sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aktenkundig.search.analyzer import analyze

# Abbreviations after which a period does not end a sentence (lower-cased, no dot).
_ABBREVIATIONS_TEXT = (
    "abs art nr bzw ca vgl ggf evtl usw etc inkl zzgl bzgl gem str tel mio mrd ziff buchst "
    "lit anl allg geb jh jhd st dr prof dipl ing hr fr ff lfd az vs nfd max min std sog zt "
    "betr ggü gegr verf abschn kap drs"
)
_ABBREVIATIONS = frozenset(_ABBREVIATIONS_TEXT.split())
_MARKER = re.compile(r"\s*\[(\d{1,3})\]")
_MARKERS_ONLY = re.compile(r"^(?:\s*\[\d{1,3}\])+\s*[.!?]?\s*$")
# A candidate sentence end: terminal punctuation, optional closing quote/bracket,
# optional citation markers, then whitespace.
_END = re.compile(r"[.!?…][\"'“”»)]*(?:\s*\[\d{1,3}\])*[.!?]?(?=\s|$)|\n\s*\n|(?<=:)\n")
_WORD_BEFORE = re.compile(r"(\S+)$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def split_sentences(text: str) -> list[str]:
    """Split German administrative prose into sentences; citation markers after a
    sentence stay with it. Periods after abbreviations ("Abs.", "z. B."), ordinal
    numbers ("1. Januar", "§ 5.") and single letters do not split."""
    sentences: list[str] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        segment = text[start:end]
        if match.group().startswith("."):
            before = _WORD_BEFORE.search(text[start : match.start()])
            word = before.group(1).lower().rstrip(".").lstrip("([„\"'»") if before else ""
            following = text[end:].lstrip()[:1]
            if (
                word in _ABBREVIATIONS
                or (word.isdigit() and len(word) <= 2)
                or (len(word) == 1 and word.isalpha())
                or (following and following.islower())
            ):
                continue
        elif match.group()[0] in "?!" and text[end:].lstrip()[:1].islower():
            # A quoted question inside a sentence that goes on: „… auf Frage eins
            # „Wurden … definiert?“ wie folgt geantwortet:“. German sentences start
            # with a capital. Cut there, the statement around the quote was dropped as
            # a „question of the document“.
            continue
        if segment.strip():
            sentences.append(segment.strip())
        start = end
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return [" ".join(s.split()) for s in sentences if not _MARKERS_ONLY.match(s)]


def markers(sentence: str) -> list[int]:
    """The citation numbers in ``sentence``, in order, without repeats."""
    return list(dict.fromkeys(int(n) for n in _MARKER.findall(sentence)))


def strip_markers(sentence: str) -> str:
    return " ".join(_MARKER.sub("", sentence).split())


def with_markers(sentence: str, numbers: list[int]) -> str:
    """``sentence`` with citation markers before its final punctuation:
    'Die Gebühr beträgt 20 Euro [2].'"""
    marks = "".join(f"[{n}]" for n in numbers)
    sentence = sentence.rstrip()
    if sentence and sentence[-1] in ".!?…":
        return f"{sentence[:-1].rstrip()} {marks}{sentence[-1]}"
    return f"{sentence} {marks}"


def numbers(text: str) -> set[str]:
    """Numbers as written, normalised ('1.234,50' -> '1234,50'), for the rule that a
    claimed amount, date or paragraph must literally occur in its source."""
    return {n.replace(".", "").rstrip(",") for n in _NUMBER.findall(text)}


@dataclass(frozen=True)
class Support:
    coverage: float  # share of the claim's terms found in the passage(s)
    missing_numbers: frozenset[str]

    def ok(self, bar: float) -> bool:
        return not self.missing_numbers and self.coverage >= bar


def support(claim: str, passages: Iterable[str]) -> Support:
    """How well ``passages`` back ``claim`` (a sentence without markers)."""
    passage_terms: set[str] = set()
    passage_numbers: set[str] = set()
    for passage in passages:
        passage_terms.update(analyze(passage))
        passage_numbers |= numbers(passage)
    claim_terms = set(analyze(claim))
    if not claim_terms:
        return Support(0.0, frozenset())
    coverage = len(claim_terms & passage_terms) / len(claim_terms)
    return Support(coverage, frozenset(numbers(claim) - passage_numbers))


# Sentences in documents that try to instruct a language model. They are data, but
# a model may still follow them, so they are neither shown to the model nor quoted.
_INJECTION = re.compile(
    r"""(
      ignorier\w*\s+(?:\w+\s+){0,4}(?:anweisung|instruktion|vorgabe|regel|befehl|prompt)
    | vergiss\s+(?:\w+\s+){0,4}(?:anweisung|instruktion|vorgabe|regel)
    | (?:missachte|übergehe|ueberg?ehe)\s+(?:\w+\s+){0,4}(?:anweisung|regel|vorgabe)
    | ignore\s+(?:\w+\s+){0,4}(?:instruction|prompt|rule)
    | disregard\s+(?:\w+\s+){0,4}(?:instruction|prompt|rule)
    | (?:neue|new)\s+(?:system)?\s*(?:anweisung|instruction)s?\s*:
    | system\s*prompt
    | du\s+bist\s+(?:jetzt|nun|ab\s+sofort)\b
    | you\s+are\s+now\b
    | antworte\s+(?:ab\s+sofort|nur\s+noch|ausschließlich|ausschliesslich)\s+(?:mit|auf)
    | (?:hinweis|anweisung|nachricht|info)\w*\s+(?:an|für)\s+(?:die|den|das)?\s*
      (?:ki|künstliche|sprachmodell|modell|assistent|chatbot|llm|ai)
    | (?:als|du\s+als)\s+(?:ki|sprachmodell|assistent|chatbot)\S*\s+(?:\w+\s+){0,3}
      (?:musst|sollst|darfst|wirst)
    | (?:antworte|antwortet|schreibe|gib)\s+(?:\w+\s+){0,3}(?:immer|stets|jedem|allen|aus,?\s+dass)
    | (?:from\s+now\s+on|new\s+instructions?|override|jailbreak|do\s+anything\s+now)
    | (?:note|message|instruction)s?\s+(?:to|for)\s+(?:the\s+)?(?:ai|assistant|model|llm)
    | (?:^|\s)(?:system|assistant|user|developer)\s*:\s
    | <\|[a-z_]+\|> | \[/?inst\] | <</?sys>>
    )""",
    re.IGNORECASE | re.VERBOSE,
)

INJECTION_PLACEHOLDER = "[Satz entfernt: Anweisung im Dokument]"


def looks_like_instruction(sentence: str) -> bool:
    return bool(_INJECTION.search(sentence))


def neutralise_instructions(text: str) -> str:
    """``text`` with every instruction-like sentence replaced by a placeholder."""
    if not _INJECTION.search(text):
        return text
    return " ".join(
        INJECTION_PLACEHOLDER if looks_like_instruction(s) else s for s in split_sentences(text)
    )


def overlap_score(question_terms: Sequence[str], sentence_terms: Iterable[str]) -> float:
    """Share of the question's distinct terms that the sentence contains."""
    wanted = set(question_terms)
    if not wanted:
        return 0.0
    return len(wanted & set(sentence_terms)) / len(wanted)
