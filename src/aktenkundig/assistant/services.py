"""Answers from the authority's documents, every sentence with a verified citation.

Public entry points (used by the CLI, the web UI, the API and the citizen bot):

* :func:`answer` -> :class:`Answer`
* :func:`stream_answer` -> events ``("delta", str)``, ``("citations", list[Citation])``,
  ``("done", Answer)``

How an answer comes about:

1. retrieve passages (hybrid search, tenant-scoped);
2. decide whether they cover the question (calibrated, see ``coverage.py``); if
   not, refuse rather than guess;
3. with a language model configured and allowed for the passages' classification:
   generate from a grounded prompt, then keep only sentences whose ``[n]`` markers
   point to passages that support them; otherwise (or when the model is down, slow,
   or writes nothing verifiable) answer extractively: the most relevant sentences
   of the best passages, quoted, each with its citation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from aktenkundig import config
from aktenkundig.assistant import claims, coverage, extractive, followup
from aktenkundig.assistant.prompt import NOT_COVERED, build_messages
from aktenkundig.assistant.text import (
    looks_like_instruction,
    markers,
    neutralise_instructions,
    overlap_score,
    split_sentences,
    strip_markers,
    support,
    with_markers,
)
from aktenkundig.core.models import AccessLevel, Tenant
from aktenkundig.llm import gateway
from aktenkundig.llm.backends import configured_backends
from aktenkundig.search.analyzer import analyze

logger = logging.getLogger(__name__)

REFUSAL_TEXT = (
    "Dazu finde ich in den Dokumenten nichts. Ich antworte nur, wenn ich die Antwort "
    "mit einer Fundstelle belegen kann; bitte formulieren Sie die Frage anders oder "
    "wenden Sie sich an die zuständige Stelle."
)
MAX_QUESTION_CHARS = 2000
RETRIEVE = 8  # passages retrieved
QUOTE_CHARS = 300


class InvalidQuestion(ValueError):
    """The question cannot be answered as asked; the message is German, for users."""


@dataclass
class Citation:
    n: int
    chunk_id: int
    document_id: int
    document: str
    path: str
    section: str
    page: int | None
    quote: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    generated: bool = False
    backend: str = ""
    model: str = ""
    notice: str = ""
    # How well the documents cover the question (0..1; the refusal decision).
    coverage: float = 0.0
    # What was searched when it differs from ``question`` (a resolved follow-up).
    query: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``aktenkundig ask --json`` and the API."""
        return {
            "answer": self.text,
            "refused": self.refused,
            "citations": [
                {
                    "n": c.n,
                    "document": c.document,
                    "path": c.path,
                    "section": c.section,
                    "page": c.page,
                    "quote": c.quote,
                    "chunk_id": c.chunk_id,
                    "document_id": c.document_id,
                }
                for c in self.citations
            ],
            "generated": self.generated,
            "backend": self.backend,
            "model": self.model,
            "notice": self.notice,
            "query": self.query,
        }


Event = tuple[str, Any]


def answer(
    question: str,
    *,
    tenant: Tenant,
    collections: Sequence[Any] | None = None,
    use_llm: bool | None = None,
    conversation_key: str = "",
    previous: Sequence[str] = (),
    documents: Sequence[Any] | None = None,
    language: str = "de",
) -> Answer:
    """Answer ``question`` from ``tenant``'s documents (optionally only from
    ``collections``, or only from ``documents``). ``use_llm``: None = when one is
    configured, False = never (extractive), True = generate if at all possible (falls
    back with a notice). ``previous``: the conversation's earlier questions (as
    searched), oldest first, against which a follow-up question is resolved.
    ``language``: the question's language when it is not German (the citizen
    chatbot knows it): judged by the cross-lingual refusal line, and quoted by
    meaning rather than by shared words."""
    result: Answer | None = None
    for kind, payload in stream_answer(
        question,
        tenant=tenant,
        collections=collections,
        use_llm=use_llm,
        conversation_key=conversation_key,
        previous=previous,
        documents=documents,
        language=language,
    ):
        if kind == "done":
            result = payload
    assert result is not None
    return result


def stream_answer(
    question: str,
    *,
    tenant: Tenant,
    collections: Sequence[Any] | None = None,
    use_llm: bool | None = None,
    conversation_key: str = "",
    previous: Sequence[str] = (),
    documents: Sequence[Any] | None = None,
    language: str = "de",
) -> Iterator[Event]:
    """Like :func:`answer`, as events for streaming UIs: ``("delta", text)`` pieces
    of the answer (whole, verified sentences), then ``("citations", [Citation])``,
    then ``("done", Answer)``. Raises :class:`InvalidQuestion` before any event."""
    question = _validate(question, previous)
    query = followup.resolve(
        question, previous, conversation_key=conversation_key,
        llm_level=None if use_llm is False else _scope_level(tenant, collections),
    )
    searched = query if query != question else ""
    hits = retrieve(query, tenant=tenant, collections=collections, documents=documents)
    cover = coverage.assess(
        query, hits, tenant=tenant, collections=collections, documents=documents,
        language=language,
    )
    if not cover.covered:
        logger.info("assistant refused (coverage %.2f)", cover.score)
        result = Answer(question, REFUSAL_TEXT, refused=True, coverage=cover.score,
                        query=searched)
        yield "delta", result.text
        yield "citations", []
        yield "done", result
        return
    # The vouching passage goes first, so that the prompt and the extract lead with it.
    hits = [hits[cover.best], *hits[: cover.best], *hits[cover.best + 1 :]]

    notice = ""
    if use_llm is not False:
        shown = hits[: max(1, config.get_int("AKTENKUNDIG_LLM_PASSAGES"))]
        level = level_of(shown)
        if gateway.is_available(level):
            generated = yield from _generate(
                query, shown, level, conversation_key, cover.score, tenant
            )
            if isinstance(generated, Answer):
                generated.question, generated.query = question, searched
                yield "citations", generated.citations
                yield "done", generated
                return
            notice = generated
        elif use_llm or configured_backends():
            notice = _why_no_llm(level)
    result = _extract(query, hits, cover.score, focus=question, by_meaning=language != "de")
    result.question, result.query = question, searched
    result.notice = notice
    yield "delta", result.text
    yield "citations", result.citations
    yield "done", result


def retrieve(
    question: str,
    *,
    tenant: Tenant,
    collections: Sequence[Any] | None = None,
    documents: Sequence[Any] | None = None,
) -> list[Any]:
    """The passages an answer is built from (``SearchHit`` objects, best first)."""
    from aktenkundig.search.services import search

    return list(search(
        question, tenant=tenant, collections=collections, limit=RETRIEVE, documents=documents
    ))


def _scope_level(tenant: Tenant, collections: Sequence[Any] | None) -> int:
    """The highest classification in scope: what a follow-up rewrite may be sent at
    (the question may quote from any of it)."""
    from aktenkundig.core.models import Collection

    if collections is None:
        collections = Collection.objects.filter(tenant=tenant)
    return max((int(c.access_level) for c in collections), default=int(AccessLevel.OFFEN))


def _validate(question: str, previous: Sequence[str] = ()) -> str:
    question = " ".join((question or "").split())
    if not question:
        raise InvalidQuestion("Bitte eine Frage eingeben.")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"Die Frage ist zu lang (höchstens {MAX_QUESTION_CHARS} Zeichen).")
    # „Und dann?“ has no searchable term of its own; after a question it still asks.
    if not analyze(question) and not (previous and followup.is_follow_up(question)):
        raise InvalidQuestion("Die Frage enthält keine Begriffe, nach denen ich suchen kann.")
    return question


FALLBACK_NOTE = "Die Antwort besteht daher aus wörtlichen Zitaten (extraktive Antwort)."


def _fallback(reason: str) -> str:
    return f"{reason} {FALLBACK_NOTE}"


def _why_no_llm(level: int) -> str:
    try:
        gateway.select_backend(level)
    except gateway.LLMError as error:
        return _fallback(str(error))
    return ""


# -- extractive ---------------------------------------------------------------------


_ENUMERATOR = re.compile(r"^(?:\(\d+[a-z]?\)|\d+\.(?=\s)|[a-z]\))\s*")


def _extract(
    question: str, hits: Sequence[Any], cover_score: float, *, focus: str = "",
    by_meaning: bool = False,
) -> Answer:
    """The document's own sentences that answer the question (assistant/extractive.py),
    with citations; the refusal when the passages do not contain what was asked.
    ``focus``: for a resolved follow-up, the person's own last question; ``by_meaning``:
    a question in another language, answered with the vouching passage's opening."""
    chosen = extractive.choose(question, hits, focus=focus, by_meaning=by_meaning)
    if not chosen:
        return Answer(question, REFUSAL_TEXT, refused=True, coverage=cover_score)
    numbering: dict[int, int] = {}
    citations: list[Citation] = []
    pieces = []
    for choice in chosen:
        numbers = []
        for rank in choice.passages:
            if rank not in numbering:
                numbering[rank] = len(numbering) + 1
                citations.append(_citation(numbering[rank], hits[rank], ""))
            citation = citations[numbering[rank] - 1]
            citation.quote = _join_quote(citation.quote, choice.quotes.get(rank, choice.sentence))
            numbers.append(numbering[rank])
        pieces.append(with_markers(_ENUMERATOR.sub("", choice.sentence), numbers))
    return Answer(
        question,
        " ".join(pieces),
        refused=False,
        citations=citations,
        generated=False,
        coverage=cover_score,
    )


def _join_quote(existing: str, sentence: str) -> str:
    quote = f"{existing} {sentence}".strip() if existing else sentence
    return quote if len(quote) <= QUOTE_CHARS else quote[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + " …"


def _citation(n: int, hit: Any, quote: str) -> Citation:
    return Citation(
        n=n,
        chunk_id=hit.chunk_id,
        document_id=hit.document_id,
        document=hit.document_title,
        path=hit.source_path,
        section=hit.section or "",
        page=hit.page,
        quote=quote,
    )


# -- generated ----------------------------------------------------------------------

_LETTER = re.compile(r"[A-Za-zÄÖÜäöüß]")


def _generate(
    question: str,
    hits: Sequence[Any],
    level: int,
    conversation_key: str,
    cover_score: float,
    tenant: Tenant | None = None,
) -> Iterator[Event]:
    """Stream verified sentences. Returns the :class:`Answer`, or a notice (str) when
    the caller should answer extractively instead."""
    # Checked against what the model was shown: instruction-like sentences removed.
    passages = [neutralise_instructions(coverage.passage_text(hit)) for hit in hits]
    numbering: dict[int, int] = {}  # prompt passage index -> citation number
    citations: list[Citation] = []
    kept: list[str] = []
    dropped = 0
    reasons: list[str] = []
    emitted = 0
    buffer = ""

    def verify(sentence: str) -> str | None:
        nonlocal dropped
        claim = strip_markers(sentence)
        cited = [n for n in markers(sentence) if 1 <= n <= len(hits)]
        if NOT_COVERED in claim or not _LETTER.search(claim):
            return None
        if looks_like_instruction(claim):
            dropped += 1
            reasons.append(f"„{_short(claim)}“: liest sich wie eine Anweisung.")
            return None
        if not cited:
            # Small local models often answer correctly but forget the [n] marker. The
            # citation is then not taken from the model at all: it is the shown passage
            # that backs the sentence under the same check, or the sentence is dropped.
            backing = [
                (verdict.score, n)
                for n in range(1, len(passages) + 1)
                if (verdict := claims.check_claim(claim, [passages[n - 1]])).supported
            ]
            if not backing:
                dropped += 1
                reasons.append(f"„{_short(claim)}“: ohne Quellenangabe und ohne Beleg.")
                return None
            cited = [max(backing)[1]]
        # Hard facts, polarity and modality must match the cited passages; the rest may
        # be paraphrased (assistant/claims.py).
        verdict = claims.check_claim(claim, [passages[n - 1] for n in cited])
        if not verdict.supported:
            dropped += 1
            reasons.append(f"„{_short(claim)}“: {verdict.verdict}. {verdict.reason}")
            logger.info("assistant: dropped %s sentence: %s", verdict.verdict, verdict.reason)
            return None
        # Markers whose passage contributes nothing are noise, not evidence.
        useful = [n for n in cited if support(claim, [passages[n - 1]]).coverage > 0] or cited
        for n in useful:
            if n - 1 not in numbering:
                numbering[n - 1] = len(numbering) + 1
                citations.append(_citation(numbering[n - 1], hits[n - 1], ""))
            citation = citations[numbering[n - 1] - 1]
            if not citation.quote:
                citation.quote = _best_quote(claim, hits[n - 1].text)
        return with_markers(claim, [numbering[n - 1] for n in useful])

    try:
        completion = gateway.complete(
            build_messages(question, hits),
            data_level=level,
            conversation_key=conversation_key,
            purpose="assistant.answer",
            stream=True,
            context={"tenant": tenant},
        )
        for delta in completion:
            buffer += delta
            sentences = split_sentences(buffer)
            complete = sentences[:-1] if len(sentences) > 1 else []
            if complete and not _LETTER.search(strip_markers(sentences[-1])):
                complete = complete[:-1]  # the "sentence" may still get its marker
            for sentence in complete[emitted:]:
                verified = verify(sentence)
                if verified:
                    yield "delta", (" " if kept else "") + verified
                    kept.append(verified)
            emitted = max(emitted, len(complete))
        for sentence in split_sentences(buffer)[emitted:]:
            verified = verify(sentence)
            if verified:
                yield "delta", (" " if kept else "") + verified
                kept.append(verified)
    except gateway.LLMError as error:
        logger.warning("assistant: LLM failed: %s", error)
        if not kept:
            return _fallback(str(error))
        dropped_note = "Die Antwort wurde wegen eines Fehlers des Sprachmodells abgebrochen."
        return Answer(
            question,
            " ".join(kept),
            refused=False,
            citations=citations,
            generated=True,
            backend=completion.backend.name,
            model=completion.model,
            notice=dropped_note,
            coverage=cover_score,
        )
    if not kept:
        if NOT_COVERED in buffer:
            return _fallback("Das Sprachmodell fand in den Auszügen keine Antwort.")
        return _fallback(
            "Die Antwort des Sprachmodells ließ sich nicht mit den Dokumenten belegen."
        )
    notice = ""
    if dropped:
        notice = (
            f"{dropped} nicht belegte Aussage(n) der generierten Antwort wurden entfernt: "
            + " ".join(reasons[:3])
        )
    return Answer(
        question,
        " ".join(kept),
        refused=False,
        citations=citations,
        generated=True,
        backend=completion.backend.name,
        model=completion.model,
        notice=notice,
        coverage=cover_score,
    )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _best_quote(claim: str, text: str) -> str:
    claim_terms = analyze(claim)
    sentences = [s for s in split_sentences(text) if not looks_like_instruction(s)]
    if not sentences:
        return ""
    best = max(sentences, key=lambda s: overlap_score(claim_terms, analyze(s)))
    return _join_quote("", best)


def level_of(hits: Sequence[Any]) -> AccessLevel:
    """Highest classification among ``hits`` (what a model would receive)."""
    return AccessLevel(max((int(hit.access_level) for hit in hits), default=0))
