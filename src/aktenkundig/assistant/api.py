"""REST endpoint of the assistant (mounted under /api/assistant/).

``POST /api/assistant/ask`` answers with numbered citations, as JSON or, with
``"stream": true``, as server-sent events (``delta`` ... ``done``). Every answer
carries ``ai_generated`` and the header ``X-AI-Generated`` (AI Act Art. 50), and
is stored in the asking person's history like answers in the web UI, and
recorded in the audit log. When governance refuses (no approved KI-Register
entry, kill switch, KI-Richtlinie, KI-Führerschein) the answer is ``403`` with
the German reason in ``detail``; nothing is searched.
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from aktenkundig.accounts.api import api_auth
from aktenkundig.accounts.services import tenant_of
from aktenkundig.assistant import web
from aktenkundig.history import services as history
from aktenkundig.history.models import Conversation

router = Router(tags=["assistant"], auth=api_auth)


class AskIn(Schema):
    question: str = Field(max_length=web.MAX_QUESTION_CHARS)
    collections: list[int] = Field(
        default_factory=list, description="Collection ids; empty: all you may read"
    )
    conversation_id: int | None = Field(
        default=None, description="continue this conversation; follow-ups are understood from it"
    )
    document_id: int | None = Field(default=None, description="answer from this document only")
    stream: bool = False


class CitationOut(Schema):
    number: int
    chunk_id: int | None
    document_id: int | None
    title: str
    section: str
    page: int | None
    quote: str


class AnswerOut(Schema):
    text: str
    citations: list[CitationOut]
    refused: bool
    ai_generated: bool = Field(description="written by a language model (AI Act Art. 50)")
    model: str
    notice: str = Field(description="why no language model was used, if one was asked for")
    query: str = Field(description="a follow-up as it was understood and searched, else empty")
    turn_id: int
    conversation_id: int


@router.post("/ask", response=AnswerOut, summary="Ask a question (JSON or server-sent events)")
def ask(request, payload: AskIn):
    tenant = tenant_of(request.user)
    try:
        question = web.clean_question(payload.question)
    except web.BadQuestion as error:
        raise HttpError(422, str(error)) from None
    conversation = None
    if payload.conversation_id is not None:
        try:
            conversation = history.get_conversation(request.user, tenant, payload.conversation_id)
        except Conversation.DoesNotExist:
            raise HttpError(404, "Diese Unterhaltung gibt es nicht.") from None
    document = None
    if payload.document_id is not None:
        document = web.readable_document(request.user, payload.document_id)
        if document is None:
            raise HttpError(404, "Dieses Dokument gibt es nicht.")
    collections = web.allowed_collections(
        request.user, [document.collection_id] if document else payload.collections
    )
    decision = web.gate(request.user, tenant, collections)
    if not decision:
        raise HttpError(403, web.refusal_dict(decision)["message"])
    if payload.stream:
        response = StreamingHttpResponse(
            web.stream(request.user, tenant, question, collections, conversation,
                       decision=decision, channel="api", document=document),
            content_type="text/event-stream; charset=utf-8",
        )
        response["Cache-Control"] = "no-cache"
        response["X-AI-Generated"] = "true"
        return response
    try:
        turn, answer = web.ask(request.user, tenant, question, collections, conversation,
                               decision=decision, channel="api", document=document)
    except web.BadQuestion as error:
        raise HttpError(422, str(error)) from None
    return {**answer, "turn_id": turn.pk, "conversation_id": turn.conversation_id}
