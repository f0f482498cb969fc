"""Glue between the assistant's answer services and the web/API layers.

Turns the domain's answer objects and stream events into plain dicts, stores
each question and answer in the user's history, and makes sure only collections
the user may read are ever searched.

Governance (issue 6): callers ask :func:`gate` first and pass its allowed
``Decision`` to :func:`ask` / :func:`stream` (which refuse to run without one);
every answer is stored together with its audit record, in one transaction.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from aktenkundig.accounts.services import readable_collections
from aktenkundig.assistant import governed
from aktenkundig.core.models import Collection, Tenant
from aktenkundig.governance.policy import Decision
from aktenkundig.history import services as history
from aktenkundig.history.models import Conversation, Turn

MAX_QUESTION_CHARS = 2000


class BadQuestion(ValueError):
    """The question cannot be asked (message is user-facing)."""


def gate(user, tenant: Tenant, collections: QuerySet[Collection] | None = None) -> Decision:
    """The governance decision for asking over ``collections`` (None: opening the page)."""
    return governed.gate(user, tenant, collections)


MANUAL_FALLBACK = (
    "Sie können ohne KI weiterarbeiten: Die Dokumente lassen sich wie gewohnt in der "
    "Dokumentenbibliothek suchen und lesen."
)


def refusal_dict(decision: Decision) -> dict[str, str]:
    """A refusal as the stream's ``error`` event and the API's 403 body carry it."""
    return {"message": f"{decision.reason} {MANUAL_FALLBACK}", "code": decision.code,
            "reason": decision.reason}


def _require(decision: Decision | None) -> None:
    if not decision:
        raise PermissionError("assistant used without an allowed governance decision")


def clean_question(text: str) -> str:
    question = " ".join((text or "").split())
    if not question:
        raise BadQuestion("Bitte geben Sie eine Frage ein.")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadQuestion(f"Die Frage ist zu lang (höchstens {MAX_QUESTION_CHARS} Zeichen).")
    return question


def allowed_collections(user, requested: Iterable[int | str] | None) -> QuerySet[Collection]:
    """The requested collections the user may read; all readable ones if none requested.

    Requested ids the user may not read are silently dropped: their existence is
    not confirmed to anyone outside the tenant.
    """
    readable = readable_collections(user)
    ids = [int(i) for i in (requested or []) if str(i).isdigit()]
    return readable.filter(pk__in=ids) if ids else readable


def readable_document(user, document_id: int | str | None):
    """The document ``document_id`` if ``user`` may read it (tenant, collection,
    clearance), else None: asking „nur in diesem Dokument“ must not reach further
    than opening it would."""
    from aktenkundig.documents.models import Document

    if not document_id or not str(document_id).isdigit():
        return None
    document = (
        Document.objects.filter(pk=int(document_id), collection__in=readable_collections(user))
        .select_related("collection")
        .first()
    )
    if document is None or int(document.effective_access_level) > _clearance(user):
        return None
    return document


def _clearance(user) -> int:
    from aktenkundig.accounts.services import membership_of

    membership = membership_of(user)
    return int(membership.clearance) if membership else -1


def citation_dict(citation: Any, number: int) -> dict[str, Any]:
    def get(name: str, default: Any = None) -> Any:
        if isinstance(citation, dict):
            return citation.get(name, default)
        return getattr(citation, name, default)

    return {
        "number": int(get("n", None) or get("number", number) or number),
        "chunk_id": get("chunk_id"),
        "document_id": get("document_id"),
        "title": get("document", "") or get("title", "") or "",
        "section": get("section", "") or "",
        "page": get("page"),
        "quote": get("quote", "") or get("text", "") or "",
    }


def answer_dict(answer: Any) -> dict[str, Any]:
    """An Answer of the assistant app as a JSON-ready dict (the API's response body)."""
    citations = [citation_dict(c, i) for i, c in enumerate(answer.citations, start=1)]
    return {
        "text": answer.text,
        "citations": citations,
        "refused": bool(answer.refused),
        "ai_generated": bool(answer.generated),
        "model": answer.model or "",
        "notice": answer.notice or "",
        "query": getattr(answer, "query", "") or "",
    }


@transaction.atomic
def record(
    user, tenant: Tenant, conversation: Conversation | None, question: str, result: Any,
    collections: QuerySet[Collection], *, channel: str, latency_ms: float, document=None,
) -> tuple[Turn, dict]:
    """Store the answer in the user's history and in the audit log (one transaction)."""
    payload = answer_dict(result)
    if conversation is None:
        conversation = history.start_conversation(user, tenant, question)
    turn = history.record_turn(
        conversation,
        question,
        answer=payload["text"],
        citations=payload["citations"],
        collections=list(collections.values_list("pk", flat=True)),
        refused=payload["refused"],
        ai_generated=payload["ai_generated"],
        model=payload["model"],
        query=getattr(result, "query", "") or "",
        document=document,
    )
    governed.record_answer(
        tenant, result, user=user, channel=channel, latency_ms=latency_ms,
        case_ref=history.case_ref(turn.conversation_id),
    )
    return turn, payload


def ask(user, tenant: Tenant, question: str, collections: QuerySet[Collection],
        conversation: Conversation | None = None, *, decision: Decision,
        channel: str = "web", document=None) -> tuple[Turn, dict]:
    """Answer ``question`` (not streamed) and store it in the user's history; a
    follow-up is understood from the conversation's earlier questions. ``document``:
    answer from that document only (one the user may read: :func:`readable_document`)."""
    from aktenkundig.assistant.services import InvalidQuestion, answer

    _require(decision)
    started = time.perf_counter()
    try:
        result = answer(
            question, tenant=tenant, collections=list(collections),
            conversation_key=_key(user, conversation),
            previous=history.previous_questions(conversation),
            documents=[document] if document is not None else None,
        )
    except InvalidQuestion as error:
        raise BadQuestion(str(error)) from None
    latency_ms = (time.perf_counter() - started) * 1000
    return record(user, tenant, conversation, question, result, collections,
                  channel=channel, latency_ms=latency_ms, document=document)


def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def stream(
    user, tenant: Tenant, question: str, collections: QuerySet[Collection],
    conversation: Conversation | None = None, render_turn=None, *, decision: Decision,
    channel: str = "web", document=None,
) -> Iterator[str]:
    """Server-sent events: ``delta`` (text pieces) ... then ``done`` (the stored turn).

    If the client stops reading (stop button), the generator is closed and nothing
    is stored: the person did not get the answer.
    """
    _require(decision)  # here, not in the generator: fail before the response starts
    return _events(user, tenant, question, collections, conversation, render_turn, channel,
                   document)


def _events(
    user, tenant: Tenant, question: str, collections: QuerySet[Collection],
    conversation: Conversation | None, render_turn, channel: str, document=None,
) -> Iterator[str]:
    from aktenkundig.assistant.services import InvalidQuestion, stream_answer

    yield sse("start", {"question": question})
    started = time.perf_counter()
    try:
        final = None
        events = stream_answer(
            question, tenant=tenant, collections=list(collections),
            conversation_key=_key(user, conversation),
            previous=history.previous_questions(conversation),
            documents=[document] if document is not None else None,
        )
        for kind, data in events:
            if kind == "delta":
                yield sse("delta", {"text": data or ""})
            elif kind == "done":
                final = data
        if final is None:
            raise RuntimeError("stream ended without an answer")
        turn, payload = record(
            user, tenant, conversation, question, final, collections, channel=channel,
            latency_ms=(time.perf_counter() - started) * 1000, document=document,
        )
        done = {**payload, "turn_id": turn.pk, "conversation_id": turn.conversation_id}
        if render_turn is not None:
            done["html"] = render_turn(turn)
        yield sse("done", done)
    except GeneratorExit:
        raise
    except InvalidQuestion as error:
        yield sse("error", {"message": str(error)})
    except Exception:
        import logging

        logging.getLogger(__name__).exception("streaming answer failed")
        yield sse(
            "error",
            {"message": "Die Antwort konnte nicht erzeugt werden. Bitte versuchen Sie es erneut."},
        )


def _key(user, conversation: Conversation | None) -> str:
    """Groups one person's questions of one conversation (e.g. for pseudonyms)."""
    return f"{user.pk}:{conversation.pk}" if conversation else f"{user.pk}:new"
