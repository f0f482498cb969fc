"""Extractive answers: which sentences of the retrieved passages answer the question?

Without a language model the answer *is* a selection of the authority's own
sentences, so the selection has to be right on documents nobody prepared for it:
Landtag answers, council papers, letters with letterheads. Three things go wrong
with a naive "best overlapping sentence" and are handled here:

* **Segmentation.** A letterhead, an address block or a heading is not a sentence,
  but without a full stop it gets glued to the next one and wins on overlap. Lines
  become separate segments when the text says so (a line that ends a sentence, or
  a next line starting like a new one); headings, addresses and questions of the
  document itself („Welche Maßnahmen …?“) are never quoted as an answer.
* **Is the asked-for thing there at all?** A question names what it is about
  („Baugenehmigung“, „Hallenbad“, „Parkgebühren“). When such a name occurs nowhere
  in the passages, the best-overlapping sentence is about something else, and the
  honest answer is that the documents do not say it. The passage-level coverage
  score cannot see this: the rest of the question may match well.
* **One statement once.** The same rule often stands in a FAQ and in the Satzung;
  near-duplicate sentences become one sentence with both citations.

* **The answer often shares few words with the question.** „Wo bündelt das Land sein
  Know-how?“ is answered by „… beim KI-Labor …“; the sentence that repeats the
  question's words (often a heading or the document's own question) wins on overlap.
  So the lexical score (local IDF over the candidate sentences, a little credit for
  the passage header and rank) is blended with the e5 similarity of question and
  sentence („query: “ / „passage: “, the shipped multilingual-e5-small), each scaled
  to the candidates at hand. The blend weight is chosen by cross-validation over the
  dev questions (``bench/extractive_cv.py``, docs/benchmarks.md). Whether to answer at
  all stays a lexical decision: e5 finds *some* similar sentence for every question,
  so it must not turn a refusal into an answer.

* **Questions the sentence-by-sentence view missed.** A two-part question („… und
  wann gelten …?“) is scored per part (``choose``); a table row is read as one
  sentence under its column headers; the statement in a question-shaped title
  („Nachfrage - Seit dem 01.08.2024 gilt die KI-Verordnung - Welche …?“) is quotable;
  a sentence that refers back is read with the (possibly short) sentence before it.

``bench/extractive.py`` measures it on free-form documents.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aktenkundig.assistant.text import looks_like_instruction, split_sentences
from aktenkundig.search.analyzer import analyze

MAX_PASSAGES = 4  # passages sentences are extracted from
MAX_SENTENCES = 3
MAX_PER_PASSAGE = 2  # sentences quoted from one passage
# A sentence is quoted only if it scores at least this share of the best one.
RELATIVE_FLOOR = 0.75
# Sentences sharing this much of their terms say the same thing.
DUPLICATE_JACCARD = 0.6
# Share of the e5 similarity in a sentence's score (the rest is the lexical score),
# both scaled to [0, 1] over the candidates. Chosen by cross-validation over the dev
# questions (bench/extractive_cv.py; the spread over folds is in docs/benchmarks.md).
SEMANTIC_WEIGHT = 0.4
# Where a sentence's e5 vector comes from: "windows", the search index's stored
# sentence-window vectors (pairs of sentences with title and section, computed at
# ingestion; a sentence scores as the best window that contains it), or "sentences",
# each sentence embedded at question time (cached per process). Measured against each
# other in docs/benchmarks.md; a chunk without stored windows always falls back to
# "sentences".
SENTENCE_VECTORS = "sentences"
# With "windows": how many of the best candidates are scored again with their own
# sentence vectors (0: the windows alone).
RESCORE_TOP = 8
# Sentence vectors kept per process: the same passages are asked about again and
# again, and embedding a sentence costs milliseconds on a CPU.
SENTENCE_CACHE = 20_000

logger = logging.getLogger(__name__)

_MARKUP = re.compile(r"<sup>.*?</sup>|</?\w+[^>]*>|\*\*|__|^#+\s*|^-{3,}\s*$|^\s*[-•]\s+", re.M)
_ADDRESS = re.compile(
    r"(?:\b\d{5}\s+[A-ZÄÖÜ]|\bTel(?:efon|\.)?\s*:?\s*[\d(+]|\bFax\b|\bE-?Mail\s*:|@|\bMobil\b"
    r"|\b(?:Straße|Str\.|Platz|Weg|Allee)\s+\d)",
    re.IGNORECASE,
)
# Sentences that continue the previous one's topic: „Hier muss sichergestellt werden …“.
_ANAPHOR = re.compile(
    r"^(?:hier|dabei|dies|diese[rsnm]?|dazu|damit|daher|deshalb|dafür|darüber|davon|sie|er|es)\b",
    re.IGNORECASE,
)
_SALUTATION = re.compile(r"^(?:sehr geehrte|liebe|mit freundlichen|hochachtungsvoll)", re.I)
# Words of a question that say what kind of answer is wanted, not what it is about.
_QUESTION_WORDS_TEXT = (
    "wer wie was wann wo wohin woher warum weshalb wieso welche welcher welches welchen "
    "welchem wieviel viele gibt gilt ist sind muss müssen kann können darf dürfen soll "
    "sollen hat haben werden wird bitte mir ich wir man"
)
_QUESTION_WORDS = frozenset(_QUESTION_WORDS_TEXT.split())


@dataclass
class Choice:
    sentence: str
    passages: list[int] = field(default_factory=list)  # ranks of the hits it came from
    score: float = 0.0
    terms: frozenset[str] = frozenset()
    # Each source's own wording of the statement, for its citation's quote.
    quotes: dict[int, str] = field(default_factory=dict)


_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table_rows(lines: list[str]) -> list[str]:
    """Tables (Markdown pipes or cells joined by „ | “, as extraction writes them) as one
    sentence per row, each cell under its column header: „Behälter: Biotonne 120 Liter;
    Leerung: 14-täglich; Jahresgebühr: 72,00 Euro.“ — the row that answers, not a line
    of pipes."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        width = len(_cells(lines[i])) if "|" in lines[i] else 0
        j = i + 1
        while j < len(lines) and "|" in lines[j] and (
            _TABLE_RULE.match(lines[j]) or len(_cells(lines[j])) == width
        ):
            j += 1
        if width >= 2 and j - i >= 2:
            header = _cells(lines[i])
            for row in lines[i + 1 : j]:
                if _TABLE_RULE.match(row):
                    continue
                pairs = [f"{h}: {c}" if h else c for h, c in zip(header, _cells(row), strict=True)]
                out.append("; ".join(p for p in pairs if p.split(": ")[-1]) + ".")
            i = j
            continue
        out.append(lines[i])
        i += 1
    return out


def segments(text: str) -> list[str]:
    """Sentences of ``text`` that can stand as an answer, markup removed."""
    return [sentence for sentence, _before in segments_in_context(text)]


# Parts of a title such as „Nachfrage - Seit dem 01.08.2024 gilt die KI-Verordnung -
# Welche Maßnahmen …?“: dashes between statement and question.
_TITLE_PARTS = re.compile(r"\s+[-–—]\s+")


def _statements_of_question(sentence: str) -> list[str]:
    """The statements a question-shaped title makes before its question: the fact
    „Seit dem 01.08.2024 gilt die KI-Verordnung“ stood only there, and the whole line
    is never quoted (a question of the document). Parts of four words or more that are
    not questions themselves."""
    parts = _TITLE_PARTS.split(sentence)
    if len(parts) < 2:
        return []
    return [
        part.strip() for part in parts[:-1]
        if len(part.split()) >= 4 and "?" not in part and not looks_like_instruction(part)
    ]


# The place and date a Satzung was signed (Ausfertigung) or a letter closes with:
# „Bad Boll, den 7. November 2013“, „Göppingen, 24.04.2021“. The signatory's name and
# office follow on the same line (HTML ``<address>``, a PDF line) or on the next short
# lines („gez.“, „Bührle“, „Bürgermeister“). The line has no final period, so it read as
# a heading and could not be quoted: „Wer ist Bürgermeister?“ got a neighbouring
# sentence. Kept as one statement, „Bad Boll, den 7. November 2013 – Bührle,
# Bürgermeister“, it can answer who signed and when.
_PLACE_AND_DATE = re.compile(
    r"^[A-ZÄÖÜ][\w.\- ]{1,40},\s+(?:den\s+)?\d{1,2}\.\s?(?:\d{1,2}\.\s?|[A-ZÄÖÜ][a-zäöü]+\s)\d{4}\b"
)
_SIGNED = re.compile(r"^gez\.?\s*", re.IGNORECASE)
SIGNATURE_LINES = 3  # short lines after the place and date: „gez.“, name, office
SIGNATURE_WORDS = 14  # a signature statement longer than this is running text


def _signature(sentence: str) -> str | None:
    """A place-and-date line with the signatory after it, written as „Place, date –
    Name, office“ (PDF text runs date and name together); None for other sentences."""
    match = _PLACE_AND_DATE.match(sentence)
    signatory = sentence[match.end():].strip(" –-,") if match else ""
    if not signatory or len(sentence.split()) > SIGNATURE_WORDS:
        return None
    return f"{match.group()} – {signatory}"


def _with_signatures(blocks: list[str]) -> list[str]:
    """Blocks with the signatory's short lines joined to the place-and-date line before
    them (see ``_PLACE_AND_DATE``)."""
    out: list[str] = []
    joined = SIGNATURE_LINES  # how many lines were joined to out[-1]; full: join none
    for block in blocks:
        name = _SIGNED.sub("", block).strip()
        if (
            out and joined < SIGNATURE_LINES and len(block.split()) <= 4
            and not re.search(r"[.!?:;]$", name)  # „gez.“ alone is empty here
        ):
            if name:
                separator = " – " if _PLACE_AND_DATE.fullmatch(out[-1]) else ", "
                out[-1] = f"{out[-1]}{separator}{name}"
            joined += 1
            continue
        out.append(block)
        joined = 0 if _PLACE_AND_DATE.fullmatch(block.strip()) else SIGNATURE_LINES
    return out


def segments_in_context(text: str) -> list[tuple[str, str]]:
    """``segments`` with the sentence of the text right before each (a segment or not):
    what „Sie werden … vernichtet.“ refers back to may be too short to be an answer
    itself („Leistungsbescheide enthalten Sozialdaten.“), but e5 and the lexical score
    need it to read the sentence that refers back."""
    text = _MARKUP.sub(" ", text)
    blocks: list[str] = []
    current: list[str] = []
    for line in _table_rows(text.split("\n")):
        stripped = line.strip()
        if not stripped:
            if current:
                blocks.append(" ".join(current))
                current = []
            continue
        # A new block when the previous line ended a sentence, or when a short line
        # that does not continue (no comma, no hyphen) is followed by a capitalised
        # one: letterhead and address lines. Enumerations („1. für den ersten Hund
        # 96,00 Euro,“) stay in their sentence.
        previous = current[-1] if current else ""
        if current and (
            re.search(r"[.!?:;]\s*$", previous)
            or _SALUTATION.match(previous)  # „Sehr geehrter Herr Landrat,“ stands alone
            or (
                len(previous) <= 80
                and not re.search(r"[,\-–]\s*$", previous)
                and re.match(r"[A-ZÄÖÜ„\"]", stripped)
            )
        ):
            blocks.append(" ".join(current))
            current = []
        current.append(stripped)
    if current:
        blocks.append(" ".join(current))
    # „… beantragt die Aufnahme des Tagesordnungspunktes:“ + „„Nutzung von KI …““: the
    # sentence that announces something and the short line it announces are one answer.
    merged: list[str] = []
    for block in _with_signatures(blocks):
        if merged and merged[-1].rstrip().endswith(":") and len(block.split()) <= 20:
            merged[-1] = f"{merged[-1]} {block}"
        else:
            merged.append(block)
    result: list[tuple[str, str]] = []
    before = ""
    for block in merged:
        for sentence in split_sentences(block):
            if _answer_like(sentence):
                result.append((sentence, before))
                before = sentence
            elif signature := _signature(sentence):
                result.append((signature, before))
                before = signature
            elif _QUESTION_END.search(sentence):
                # The document's questions are not what a sentence refers back to.
                result.extend((part, before) for part in _statements_of_question(sentence))
            elif sentence.rstrip().endswith("."):
                before = sentence  # a short statement („… enthalten Sozialdaten.“)
    return result


# A question, also when quoted or footnoted: „Ist der Einsatz … erlaubt?“ [3]
_QUESTION_END = re.compile(r"\?[\s\"'“”»«)\]*]*(?:\[\d+\]\s*)*$")


def _answer_like(sentence: str) -> bool:
    words = sentence.split()
    if len(words) < 4 or _QUESTION_END.search(sentence) or sentence.count("\t") >= 2:
        return False  # too short, a question of the document, a table's header row
    if not re.search(r"[.!;…\"“”]\s*(?:\[\d+\])*$", sentence) and len(words) < 15:
        return False  # a heading, a label or a line that only introduces („Sachverhalt:“)
    if _ADDRESS.search(sentence) and len(words) < 25:
        return False  # letterhead, address block, contact line
    return not (_SALUTATION.match(sentence) or looks_like_instruction(sentence))


# A word this frequent in the shipped lexicon (German laws and Satzungen) is too
# general to tell what a question is about („Status“, „Jahr“, „Personen“) ...
GENERAL_WORD_FREQUENCY = 100
# ... or a word that many compounds of the lexicon contain („Haus“, „Weg“, „Amt“).
GENERAL_WORD_COMPOUNDS = 20


def asked_part(question: str) -> str:
    """The question itself: „Frau Mustermann, IBAN …, fragt: Wie hoch ist …?“ asks
    „Wie hoch ist …?“. A dot inside a name („IT.NRW“, „z. B.“) does not end it."""
    asked = [s for s in split_sentences(question) if s.rstrip().endswith("?")]
    if not asked:
        return question
    return re.split(r"[:;]\s+", asked[-1])[-1]


def key_terms(question: str) -> list[str]:
    """Stems of the specific nouns and numbers a question is about („Hallenbad“,
    „Baugenehmigung“, „2026“). The first word (a question word or a preposition,
    capitalised only by position) and general nouns do not count."""
    from aktenkundig.search.analyzer import fold
    from aktenkundig.search.lexicon import default_splitter

    lexicon = default_splitter()
    # Only the question itself: „Frau Mustermann, IBAN …, fragt: Wie hoch ist …?“
    question = asked_part(question)
    keys: list[str] = []
    for position, match in enumerate(re.finditer(r"[^\W_][\w\-.]*", question)):
        word = match.group().strip(".")
        if position == 0 or word.lower() in _QUESTION_WORDS or word.lower() in _FRAME_NOUNS:
            continue
        if not (word[0].isupper() or word[0].isdigit()):
            continue
        folded = fold(word)
        if (
            lexicon.frequency(folded) >= GENERAL_WORD_FREQUENCY
            or lexicon.compounds_containing(folded) >= GENERAL_WORD_COMPOUNDS
        ):
            continue
        terms = analyze(word)
        if terms:
            keys.append(terms[0])
    return list(dict.fromkeys(keys))


# A question for an amount („Was kostet …“, „Wie hoch ist die Gebühr …“) is not
# answered by sentences that name none, however well their words match („Was kostet
# ein Grab?“ → the list of grave types). Questions for a time are not held to this:
# „mit der Bekanntgabe des Bescheides“ answers „Wann wird die Gebühr fällig?“.
_ASKS_AMOUNT = re.compile(
    r"\b(?:was\s+kostet|was\s+kosten|wie\s+(?:hoch|viele?|teuer)|welche[rns]?\s+(?:gebühr|betrag|preis)"
    r"|wieviele?)\b",
    re.IGNORECASE,
)
# A question for a time („Wann …“, „Seit wann …“, „Wie lange …“): sentences that name
# a date, month, year, weekday or duration are more likely its answer. Only a bonus,
# not a condition (see above).
_ASKS_TIME = re.compile(
    r"\b(?:wann|wie\s+lange|welche[mnrs]?\s+(?:datum|tag|zeitpunkt|jahr|frist))\b", re.IGNORECASE
)
# Score bonus of a sentence that names the kind of fact asked for (amount or time);
# chosen by cross-validation with SEMANTIC_WEIGHT.
KIND_BONUS = 0.1


def names_the_kind(asked: str, sentence: str) -> bool:
    """Whether ``sentence`` names the kind of fact ``asked`` wants (an amount or a time);
    False for questions of another kind."""
    from aktenkundig.assistant.claims import extract_facts

    if _ASKS_AMOUNT.search(asked):
        return bool(extract_facts(sentence).numbers or _FREE.search(sentence))
    if _ASKS_TIME.search(asked):
        facts = extract_facts(sentence)
        return bool(facts.dates or facts.months or facts.years or facts.durations
                    or facts.weekdays)
    return False
_FREE = re.compile(r"gebührenfrei|kostenlos|kostenfrei|\bkeine\s+gebühr", re.IGNORECASE)


def answers_the_kind(question: str, sentences: Sequence[str]) -> bool:
    """False when the question asks for an amount and none of the sentences names one."""
    from aktenkundig.assistant.claims import extract_facts

    if not _ASKS_AMOUNT.search(question):
        return True
    return any(extract_facts(s).numbers or _FREE.search(s) for s in sentences)


# The analyzer writes a reference as one term („Drucksache 18/11351“ -> ``drs18x11351``,
# „§ 5“ -> ``p5``, „Artikel 4“ -> ``art4``), so the word that names the kind of
# reference is present when such a reference is.
_REFERENCE_KINDS = {
    "drucksach": r"drs\d", "paragraph": r"p\d", "paragraf": r"p\d", "artikel": r"art\d",
}
# Nouns of set phrases that say whose view or which frame, not what a question is
# about: „nach Ansicht der Landesregierung“, „im Rahmen“, „in Bezug auf“.
_FRAME_NOUNS_TEXT = "ansicht auffassung meinung sicht angaben rahmen bezug hinblick zusammenhang"
_FRAME_NOUNS = frozenset(_FRAME_NOUNS_TEXT.split())


def _present(term: str, terms: set[str]) -> bool:
    if term in terms:
        return True
    kind = _REFERENCE_KINDS.get(term)
    if kind and any(re.match(kind, t) for t in terms):
        return True
    # Compound or inflection: „KI-Beauftragten“ / „beauftragt“, „Gebühr“ / „Gebühren“.
    return len(term) >= 5 and any(
        len(t) >= 5 and (t.startswith(term) or term.startswith(t)) for t in terms
    )


def select(
    question: str,
    hits: Sequence[Any],
    *,
    focus: str = "",
    by_meaning: bool = False,
    semantic_weight: float | None = None,
    part: str = "",
) -> list[Choice] | None:
    """The sentences that answer ``question``, best first; None when the passages do
    not contain what the question asks about.

    ``part``: one question of a two-part question (``choose``): its own terms decide,
    the rest of the question only breaks ties (``PART_REST_WEIGHT``), and e5 reads the
    part alone, so that the other part's better-matching sentence does not win again.

    ``focus``: for a resolved follow-up („Und wie lange gilt das?“ searched together
    with the earlier question), the person's own last question: the earlier
    question's terms only break ties, they name the topic, not what is asked.
    ``by_meaning``: a question in another language shares no word with German
    sentences, and e5 similarities of single sentences are too close to pick one; the
    passage the coverage model vouched for comes first in ``hits``, and its opening
    sentences (one FAQ answer, one Absatz) are quoted in context.
    """
    question_terms = list(dict.fromkeys(analyze(question)))
    if part:
        focus = part
    focus_terms = set(analyze(focus)) if focus and focus != question else set()
    rest_weight = PART_REST_WEIGHT if part else 0.25
    raw: list[tuple[int, str, set[str]]] = []
    # What e5 reads of each sentence: a sentence that refers back („Hier muss
    # sichergestellt werden …“, „Sie werden … vernichtet.“) with the one before it.
    readings: dict[str, str] = {}
    everything: set[str] = set()
    for rank, hit in enumerate(hits[:MAX_PASSAGES]):
        header_terms = set(analyze(f"{hit.document_title} {hit.section}"))
        everything |= header_terms | set(analyze(hit.text))
        for sentence, before in segments_in_context(hit.text):
            terms = set(analyze(sentence))
            if len(terms) < 3:
                continue
            # Header terms (and, for a sentence that refers back, „Hier muss …“, the
            # previous sentence's terms) are kept apart, prefixed, so that they count less.
            refers_back = bool(_ANAPHOR.match(sentence)) and bool(before)
            context = header_terms | (set(analyze(before)) if refers_back else set())
            raw.append((rank, sentence, terms | {f"\x00{t}" for t in context}))
            readings.setdefault(sentence, f"{before} {sentence}" if refers_back else sentence)
    if not raw:
        return None
    if by_meaning:
        lead = [(rank, sentence, terms) for rank, sentence, terms in raw if rank == raw[0][0]]
        return [
            Choice(sentence, [rank], 1.0, frozenset(terms), {rank: sentence})
            for rank, sentence, terms in lead[:MAX_SENTENCES]
        ]
    missing = [t for t in key_terms(question) if not _present(t, everything)]
    if missing:
        return None
    weights = {
        term: math.log(1 + len(raw) / (1 + sum(term in terms for _r, _s, terms in raw)))
        * (rest_weight if focus_terms and term not in focus_terms else 1.0)
        for term in question_terms
    }
    total = sum(weights.values()) or 1.0
    # The kind of fact (amount, time) is the one asked in the person's own words: the
    # part of a two-part question, the follow-up rather than the question it resumes.
    asked = asked_part(focus if focus_terms else question)
    choices: list[Choice] = []
    for rank, sentence, terms in raw:
        in_sentence = sum(w for t, w in weights.items() if t in terms)
        in_header = sum(w for t, w in weights.items() if f"\x00{t}" in terms and t not in terms)
        value = (
            in_sentence / total
            + 0.3 * in_header / total
            + 0.15 / (1 + rank)
            - (0.15 if len(sentence) > 600 else 0.0)
            # A line that only introduces what follows („… Sachverhalt:“) says nothing.
            - (0.3 if sentence.rstrip().endswith(":") else 0.0)
        )
        if in_sentence + in_header > 0 and KIND_BONUS and names_the_kind(asked, sentence):
            value += KIND_BONUS
        plain = frozenset(t for t in terms if not t.startswith("\x00"))
        choices.append(Choice(sentence, [rank], value, plain, {rank: sentence}))
    lexical_best = max(choices, key=lambda c: c.score)
    if lexical_best.score <= 0.15 / (1 + lexical_best.passages[0]) + 1e-9:
        return None  # no question term in any sentence: only the rank prior spoke
    weight = SEMANTIC_WEIGHT if semantic_weight is None else semantic_weight
    if weight > 0 and len(choices) > 1:
        query = part or question
        lexical = _unit([c.score for c in choices])
        if SENTENCE_VECTORS == "windows":
            similarity = window_similarity(
                query, hits, [(c.passages[0], c.sentence) for c in choices], readings
            )
        else:
            similarity = sentence_similarity(query, [readings[c.sentence] for c in choices])
        if similarity is not None:
            semantic = _unit(list(similarity))
            for choice, lex, sem in zip(choices, lexical, semantic, strict=True):
                choice.score = (1 - weight) * lex + weight * sem
            if SENTENCE_VECTORS == "windows" and RESCORE_TOP:
                _rescore_top(query, choices, lexical, readings, weight)
    choices.sort(key=lambda c: -c.score)
    best = choices[0].score
    chosen: list[Choice] = []
    per_passage: dict[int, int] = {}
    for choice in choices:
        rank = choice.passages[0]
        # The same statement in another source is one more citation of a chosen
        # sentence, however it scores on its own (its wording may differ a little).
        duplicate = next(
            (c for c in chosen if _jaccard(c.terms, choice.terms) >= DUPLICATE_JACCARD), None
        )
        if duplicate is not None:
            if rank not in duplicate.passages:
                duplicate.passages.append(rank)
                duplicate.quotes[rank] = choice.sentence
            continue
        if (
            len(chosen) == MAX_SENTENCES
            or choice.score < RELATIVE_FLOOR * best
            or per_passage.get(rank, 0) == MAX_PER_PASSAGE
        ):
            continue
        chosen.append(choice)
        per_passage[rank] = per_passage.get(rank, 0) + 1
    if not answers_the_kind(asked, [c.sentence for c in chosen]):
        return None
    return chosen


# A second question joined to the first: „…, wer hat sie beantwortet?“, „… und wann
# gelten …?“, „…, und für welche Sitzung?“ (a comma or „und“/„sowie“, then a question
# word, possibly after a preposition).
_NEXT_QUESTION = re.compile(
    r"(?:,\s*(?:und\s+|sowie\s+)?|\s+(?:und|sowie)\s+)"
    r"(?=(?:(?:bis|seit|ab|für|an|in|mit|von|zu|aus|bei|nach|über|um)\s+)?"
    r"(?:wer|wen|wem|wessen|wie|was|wann|wo|wohin|woher|wozu|wofür|warum|weshalb|wieso"
    r"|welche[mnrs]?)\b)",
    re.IGNORECASE,
)
# Sentences quoted per part of a two-part question.
PER_PART = 2
# Weight of the other part's terms when one part is scored: they name the topic (and
# what „sie“ in „wer hat sie beantwortet?“ is), so they only break ties.
PART_REST_WEIGHT = 0.1


def question_parts(question: str) -> list[str]:
    """The questions asked in one: „Wann hat das Parlament zugestimmt und wann gelten
    die ersten Bestandteile?“ → two. One part for an ordinary question. A part without
    a term of its own („…, und wann?“) is not a question of its own."""
    asked = asked_part(question)
    parts: list[str] = []
    for piece in (p.strip(" ,") for p in _NEXT_QUESTION.split(asked)):
        if not piece:
            continue
        if parts and not _asks_itself(piece):
            parts[-1] = f"{parts[-1]}, {piece}"  # „…, wer im Beirat sitzt?“: a clause
        else:
            parts.append(piece)
    if len(parts) < 2 or any(
        len([t for t in analyze(p) if t.lower() not in _QUESTION_WORDS]) < 1 for p in parts
    ):
        return [question]
    return parts


# Words that cannot be the verb right after a question word: a question of its own has
# its verb there („wer hat …“, „wann gelten …“); an indirect question („…, wer im
# Digitalbeirat sitzt“) has an article, preposition or pronoun there, its verb at the end.
_NOT_A_VERB_TEXT = (
    "der die das dem den des ein eine einer einem einen eines im in am an auf aus bei mit "
    "nach von vom zu zum zur für über unter vor ich du er sie es wir ihr man sich mir mich "
    "dir dich uns euch sein seine ihre dieser diese dieses"
)
_NOT_A_VERB = frozenset(_NOT_A_VERB_TEXT.split())


def _asks_itself(part: str) -> bool:
    """Whether ``part`` (starting with a question word) is a question of its own rather
    than an indirect question depending on the one before."""
    words = [w.strip("?,.;:") for w in part.split()]
    i = 0
    if words and words[0].lower() in {"bis", "seit", "ab", "für", "an", "in", "mit", "von",
                                      "zu", "aus", "bei", "nach", "über", "um"}:
        i += 1
    if i < len(words) and words[i].lower().startswith("welche"):
        i += 1
        while i < len(words) and not words[i][:1].isupper():
            i += 1  # an adjective before the noun
        i += 1  # the noun
    else:
        i += 1
        if i < len(words) and words[i].lower() in {"lange", "viel", "viele", "oft", "hoch"}:
            i += 1  # „wie lange“, „wie viele“
    if i >= len(words):
        return True  # „…, und für welche Sitzung?“: elliptical, a question of its own
    return words[i][:1].islower() and words[i].lower() not in _NOT_A_VERB


def choose(
    question: str,
    hits: Sequence[Any],
    *,
    focus: str = "",
    by_meaning: bool = False,
    semantic_weight: float | None = None,
) -> list[Choice] | None:
    """``select`` for each question asked: a two-part question („Wer ist der
    KI-Beauftragte und was studiert er?“) scored as one lets the part with more
    matching words take every slot, so the other part went unanswered. Each part is
    scored with its own terms first (the rest of the question, which names the topic,
    at the weight of a follow-up's earlier question), and the answers are interleaved,
    ``PER_PART`` sentences per part at most. Whether to answer at all is the whole
    question's decision, as before (``select`` on the whole question)."""
    whole = select(question, hits, focus=focus, by_meaning=by_meaning,
                   semantic_weight=semantic_weight)
    parts = question_parts(focus or question)
    if not whole or by_meaning or len(parts) < 2:
        return whole
    per_part = []
    for part in parts:
        chosen = select(question, hits, part=part, semantic_weight=semantic_weight)
        per_part.append(chosen[:PER_PART] if chosen else [])
    merged: list[Choice] = []
    for i in range(PER_PART):
        for chosen in per_part:
            if i < len(chosen) and all(c.sentence != chosen[i].sentence for c in merged):
                merged.append(chosen[i])
    return merged or whole


def _rescore_top(
    question: str,
    choices: list[Choice],
    lexical: list[float],
    readings: dict[str, str],
    weight: float,
) -> None:
    """The ``RESCORE_TOP`` best candidates by the window blend, scored again with their
    own sentence vectors (embedded now, cached): a window's vector is shared by two
    sentences and cannot tell which of them answers („innerhalb von zwei Wochen“ vs. the
    sentence next to it). The others stay below them: they may still join a chosen
    sentence as a duplicate (one more citation), but are not quoted themselves."""
    order = sorted(range(len(choices)), key=lambda i: -choices[i].score)
    top = order[:RESCORE_TOP]
    if len(top) < 2:
        return
    similarity = sentence_similarity(question, [readings[choices[i].sentence] for i in top])
    if similarity is None:
        return
    for i, sem in zip(top, _unit(list(similarity)), strict=True):
        choices[i].score = (1 - weight) * lexical[i] + weight * sem
    for i in order[RESCORE_TOP:]:
        choices[i].score = -1.0


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _unit(values: Sequence[float]) -> list[float]:
    """``values`` scaled to [0, 1] over the candidates: a lexical score and a cosine
    live on different scales, and only the order among the candidates matters."""
    low, high = min(values), max(values)
    if high - low < 1e-9:
        return [1.0] * len(values)
    return [(v - low) / (high - low) for v in values]


_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()


def sentence_similarity(question: str, sentences: Sequence[str]) -> np.ndarray | None:
    """Cosine of the e5 vectors of ``question`` (as a query) and each sentence (as a
    passage); None when no encoder can be used (then the lexical score decides alone:
    an answer without e5 is worse, not impossible)."""
    from aktenkundig.search.embedding import get_encoder

    try:
        encoder = get_encoder()
        name = getattr(encoder, "name", type(encoder).__name__)
        with _cache_lock:
            known = {s: _cache[(name, s)] for s in sentences if (name, s) in _cache}
        fresh = list(dict.fromkeys(s for s in sentences if s not in known))
        if fresh:
            vectors = np.asarray(encoder.embed_passages(fresh), dtype=np.float32)
            with _cache_lock:
                for sentence, vector in zip(fresh, vectors, strict=True):
                    known[sentence] = _cache[(name, sentence)] = vector
                while len(_cache) > SENTENCE_CACHE:
                    _cache.popitem(last=False)
        query = np.asarray(encoder.embed_query(question), dtype=np.float32).reshape(-1)
    except Exception:  # a missing or failing encoder must not stop answers
        logger.warning("e5 similarity unavailable; sentences ranked lexically", exc_info=True)
        return None
    return np.stack([known[s] for s in sentences]) @ query


_WORD = re.compile(r"\w+")


def window_similarity(
    question: str,
    hits: Sequence[Any],
    sentences: Sequence[tuple[int, str]],
    readings: dict[str, str],
) -> np.ndarray | None:
    """Cosine of the question and, per (rank of its hit, sentence), the best stored
    sentence window of that hit's chunk that contains the sentence (most of its words);
    a sentence of a chunk without stored windows is embedded now (``readings``: what e5
    reads of it). Why: embedding the candidates at question time made the first
    questions on new passages slow (some 40–80 sentences per question on a CPU); the
    windows are already in the index. None when no encoder can be used."""
    from aktenkundig.search.embedding import get_encoder
    from aktenkundig.search.index import stored_windows, window_sentences

    try:
        encoder = get_encoder()
        ids = [getattr(hits[rank], "chunk_id", None) for rank, _s in sentences]
        stored = stored_windows([i for i in ids if i is not None], encoder.name)
        query = np.asarray(encoder.embed_query(question), dtype=np.float32).reshape(-1)
    except Exception:
        logger.warning("stored windows unavailable; sentences embedded", exc_info=True)
        return sentence_similarity(question, [readings[s] for _r, s in sentences])
    out = np.zeros(len(sentences), dtype=np.float32)
    groups: dict[int, tuple[np.ndarray, list[set[str]]] | None] = {}
    missing: list[int] = []
    for i, (rank, sentence) in enumerate(sentences):
        if rank not in groups:
            matrix = stored.get(ids[i]) if ids[i] is not None else None
            words = [set(_WORD.findall(" ".join(g).lower()))
                     for g in window_sentences(hits[rank].text)]
            ok = matrix is not None and len(matrix) and len(matrix) == len(words)
            groups[rank] = (matrix @ query, words) if ok else None
        found = groups[rank]
        own = set(_WORD.findall(sentence.lower()))
        if found is None or not own:
            missing.append(i)
            continue
        cosines, words = found
        shares = [len(own & w) / len(own) for w in words]
        top = max(shares)
        if top < 0.5:
            missing.append(i)
            continue
        out[i] = max(c for c, share in zip(cosines, shares, strict=True) if share >= 0.5)
    if missing:
        fresh = sentence_similarity(question, [readings[sentences[i][1]] for i in missing])
        if fresh is None:
            return None
        for i, value in zip(missing, fresh, strict=True):
            out[i] = value
    return out
