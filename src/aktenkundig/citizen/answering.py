"""Answers for citizens: only from public collections, in the citizen's language.

The scope is enforced here, in code, twice: the answerer is only ever given the
tenant's public collections (``Collection.objects.public()``: marked public AND
classified "offen"), and every citation that comes back is checked against
them again before it is shown. Nothing the citizen writes can widen that scope,
because the question is only ever data, never configuration.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from aktenkundig.citizen.language import (
    GERMAN_ONLY_NOTE,
    language_name,
    text_for,
)
from aktenkundig.core.models import AccessLevel, Collection, Tenant
from aktenkundig.documents.models import Document

logger = logging.getLogger(__name__)
ANSWER_CACHE_SECONDS = 15 * 60

# Said to citizens: no technical terms („Sprachmodell“), what they get instead.
PLAIN_UNAVAILABLE = _(
    "Eine Fassung in Einfacher Sprache kann ich hier leider nicht anbieten. Sie sehen den "
    "genauen Wortlaut der Quelle."
)


@dataclass
class CitizenAnswer:
    text: str
    answered: bool
    language: str
    generated: bool = False
    note: str = ""
    citations: list[dict] = field(default_factory=list)
    # For the audit log: "extractive" or the LLM backend, and its model.
    backend: str = ""
    model: str = ""


def public_collections(tenant: Tenant) -> list[Collection]:
    return list(Collection.objects.public().filter(tenant=tenant))


def _public_document_ids(tenant: Tenant, collections: list[Collection], ids: set[int]) -> set[int]:
    """Those of ``ids`` that are documents of ``tenant`` in a public collection and
    not classified above "offen" themselves."""
    allowed = Document.objects.filter(
        tenant=tenant, collection__in=collections, id__in=ids
    ).exclude(access_level__gt=AccessLevel.OFFEN)
    return set(allowed.values_list("id", flat=True))


def _citation_dict(citation) -> dict:
    return {
        "n": citation.n,
        "document": citation.document,
        "document_id": citation.document_id,
        "chunk_id": getattr(citation, "chunk_id", None),
        "section": getattr(citation, "section", "") or "",
        "page": getattr(citation, "page", None),
        "quote": getattr(citation, "quote", "") or "",
    }


def _llm_available() -> bool:
    try:
        from aktenkundig.llm.gateway import is_available
    except ImportError:
        return False
    return is_available(AccessLevel.OFFEN)


def _llm(system: str, user: str, *, purpose: str, conversation_key: str) -> str:
    from aktenkundig.llm.gateway import complete

    completion = complete(
        [{"role": "system", "content": system}, {"role": "user", "content": user}],
        data_level=AccessLevel.OFFEN,
        conversation_key=conversation_key,
        purpose=purpose,
        max_tokens=600,
    )
    return completion.text.strip()


def _to_german(question: str, *, conversation_key: str) -> str:
    return _llm(
        "Translate the user's message into German. Output only the translation.",
        question,
        purpose="citizen-translate-question",
        conversation_key=conversation_key,
    )


def _rewrite(answer: str, *, language: str, plain: bool, conversation_key: str) -> str:
    target = language_name(language)
    instructions = [
        f"Rewrite the following answer of a public authority in {target}.",
        "Keep every citation marker like [1] exactly where it belongs.",
        "Add nothing that is not in the answer.",
    ]
    if plain:
        instructions.append(
            "Use plain language (Einfache Sprache): short sentences, common words, "
            "one statement per sentence."
        )
    instructions.append("Output only the rewritten answer.")
    return _llm(
        " ".join(instructions),
        answer,
        purpose="citizen-rewrite-answer",
        conversation_key=conversation_key,
    )


def answer_public(
    question: str,
    *,
    tenant: Tenant,
    language: str,
    plain: bool = False,
    use_llm: bool | None = None,
    conversation_key: str = "",
) -> CitizenAnswer:
    """Answer ``question`` (already pseudonymised) from ``tenant``'s public
    collections; ``answered`` is False when no public source covers it."""
    collections = public_collections(tenant)
    if not collections:
        return CitizenAnswer("", answered=False, language=language)
    llm = _llm_available() if use_llm is None else use_llm
    key = _cache_key(question, tenant, collections, language, plain, llm)
    cached = cache.get(key)
    if cached is not None:
        return CitizenAnswer(**cached)
    result = _answer_uncached(
        question,
        tenant=tenant,
        collections=collections,
        language=language,
        plain=plain,
        llm=llm,
        conversation_key=conversation_key,
    )
    cache.set(key, asdict(result), timeout=ANSWER_CACHE_SECONDS)
    return result


def _cache_key(question, tenant, collections, language, plain, llm) -> str:
    """Citizens ask the same questions over and over, and a public answer depends
    only on the question and the public documents: any change to those (new,
    replaced or deleted document) changes the key, and so do its vectors arriving
    (a refusal cached before a fresh upload was embedded must not outlive that)."""
    from aktenkundig.search.models import ChunkVector

    version = Document.objects.filter(collection__in=collections).aggregate(
        n=Count("id"), latest=Max("updated_at")
    )
    vectors = ChunkVector.objects.filter(collection__in=collections).count()
    normalised = " ".join(re.findall(r"\w+", question.lower()))
    raw = json.dumps(
        [
            tenant.pk,
            sorted(c.pk for c in collections),
            version["n"],
            str(version["latest"]),
            vectors,
            language,
            plain,
            llm,
            normalised,
        ]
    )
    return "citizen-answer:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _answer_uncached(
    question: str,
    *,
    tenant: Tenant,
    collections: list[Collection],
    language: str,
    plain: bool,
    llm: bool,
    conversation_key: str,
) -> CitizenAnswer:
    from aktenkundig.assistant.services import answer as assistant_answer

    search_question = question
    question_language = language
    if llm and language != "de":
        try:
            search_question = _to_german(question, conversation_key=conversation_key)
            question_language = "de"
        except Exception:  # a failing model must not take the chatbot down
            logger.warning("citizen: question translation failed", exc_info=True)
            llm = False

    # Untranslated, a question in another language still finds the German passages
    # (e5 is multilingual); it is judged by the cross-lingual refusal line and the
    # passage is quoted in German, with a note in the citizen's language.
    result = assistant_answer(
        search_question, tenant=tenant, collections=collections, use_llm=llm,
        language=question_language,
    )
    citations = list(result.citations or [])
    allowed = _public_document_ids(tenant, collections, {c.document_id for c in citations})
    if any(c.document_id not in allowed for c in citations):
        # Cannot happen unless the answerer ignored its collections: then the
        # whole answer is suspect, not just the citation.
        logger.error("citizen: answerer cited a non-public document; answer withheld")
        return CitizenAnswer("", answered=False, language=language)
    if result.refused or not citations:
        return CitizenAnswer("", answered=False, language=language)

    text = result.text
    generated = bool(result.generated)
    answer_language = "de"
    rewritten = False
    if llm and (language != "de" or plain):
        try:
            text = _rewrite(text, language=language, plain=plain, conversation_key=conversation_key)
            generated = rewritten = True
            answer_language = language
        except Exception:
            logger.warning("citizen: answer rewrite failed", exc_info=True)
    note = ""
    if answer_language != language:
        note = text_for(GERMAN_ONLY_NOTE, language)
    elif plain and not rewritten:
        note = str(PLAIN_UNAVAILABLE)
    return CitizenAnswer(
        text=text,
        answered=True,
        language=answer_language,
        generated=generated,
        note=note,
        citations=[_citation_dict(c) for c in citations],
        backend=result.backend or ("llm" if rewritten else "extractive"),
        model=result.model,
    )
