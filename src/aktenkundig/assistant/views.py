"""The ask page, a chat: the person's conversations on the side, the current one in
the middle, the question box at the bottom; answers stream in with numbered citations.

The conversation lives on the server (``history``) and in the address
(``?unterhaltung=…``, and ``&dokument=…`` when asking about one document), so a
reload, a click on a citation and the back button all come back to it.

Before any AI work the governance gate decides (KI-Register, kill switch,
KI-Richtlinie, KI-Führerschein); refused, the page explains why with status 403
and points to the manual way (the document library), and nothing is searched.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from aktenkundig.accounts.services import readable_collections
from aktenkundig.assistant import web
from aktenkundig.history import services as history
from aktenkundig.history.models import Conversation, FeedbackReason
from aktenkundig.web.permissions import member_required

RECENT_CONVERSATIONS = 15
RESUME_MINUTES = 30
ALL_DOCUMENTS = "alle"  # ?dokument=alle: leave the one-document scope


def _document(request, value: str | None):
    """The document asked about („nur in diesem Dokument“), or None for all; one the
    person may not read is a 404, as opening it would be."""
    if not value or value == ALL_DOCUMENTS:
        return None
    document = web.readable_document(request.user, value)
    if document is None:
        raise Http404
    return document


def _recent_conversation(request) -> Conversation | None:
    """The conversation the person was just in (active within ``RESUME_MINUTES``):
    opening „Fragen“ from the navigation returns to it, as a chat app does;
    „Neue Unterhaltung“ (``?neu``) starts afresh."""
    since = timezone.now() - timedelta(minutes=RESUME_MINUTES)
    return (
        history.conversations_of(request.user, request.tenant)
        .filter(updated_at__gte=since)
        .first()
    )


def _conversation(request, value: str | None) -> Conversation | None:
    if not value:
        return None
    if not str(value).isdigit():
        raise Http404
    try:
        return history.get_conversation(request.user, request.tenant, int(value))
    except Conversation.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@member_required
def ask(request):
    """GET: the page. POST (without JavaScript): answer, store, show."""
    source = request.POST if request.method == "POST" else request.GET
    if request.method == "GET" and not source and web.gate(request.user, request.tenant):
        recent = _recent_conversation(request)
        if recent is not None:  # back from the documents, the history, …: carry on
            return redirect(f"{request.path}?unterhaltung={recent.pk}")
    conversation = _conversation(request, source.get("unterhaltung"))
    scope = source.get("dokument")
    if scope is None and conversation is not None:  # the conversation goes on where it was
        last = conversation.turns.order_by("-created_at", "-pk").first()
        scope = str(last.document_id) if last and last.document_id else None
    document = _document(request, scope)
    selected = [int(i) for i in source.getlist("collections") if i.isdigit()]
    decision = None
    if request.method == "POST":
        try:
            question = web.clean_question(request.POST.get("question", ""))
        except web.BadQuestion as error:
            messages.error(request, str(error))
        else:
            collections = web.allowed_collections(
                request.user, [document.collection_id] if document else selected
            )
            decision = web.gate(request.user, request.tenant, collections)
            if decision:
                try:
                    turn, _payload = web.ask(
                        request.user, request.tenant, question, collections, conversation,
                        decision=decision, document=document,
                    )
                except web.BadQuestion as error:
                    messages.error(request, str(error))
                else:
                    scope = f"&dokument={document.pk}" if document else ""
                    return redirect(
                        f"{request.path}?unterhaltung={turn.conversation_id}{scope}"
                        f"#antwort-{turn.pk}"
                    )
    if decision is None:
        decision = web.gate(request.user, request.tenant)
    turns = conversation.turns.select_related("feedback") if conversation else []
    return render(
        request,
        "assistant/ask.html",
        {
            "collections": readable_collections(request.user),
            "selected": selected,
            "conversation": conversation,
            "conversations": history.conversations_of(request.user, request.tenant)[
                :RECENT_CONVERSATIONS
            ],
            "document": document,
            "turns": turns,
            "question": source.get("frage", "") or request.POST.get("question", ""),
            "reasons": FeedbackReason.choices,
            # A refused Decision is falsy: hand the template plain values.
            "refusal": None if decision else {"reason": decision.reason, "code": decision.code},
        },
        status=200 if decision else 403,
    )


@require_POST
@member_required
def stream(request):
    conversation = _conversation(request, request.POST.get("unterhaltung"))
    document = _document(request, request.POST.get("dokument"))
    try:
        question = web.clean_question(request.POST.get("question", ""))
    except web.BadQuestion as error:
        response = StreamingHttpResponse(
            iter([web.sse("error", {"message": str(error)})]),
            content_type="text/event-stream",
            status=400,
        )
        return response
    # One document: its collection is the whole scope (governance judges its level).
    collections = web.allowed_collections(
        request.user, [document.collection_id] if document else request.POST.getlist("collections")
    )
    decision = web.gate(request.user, request.tenant, collections)
    if not decision:
        return StreamingHttpResponse(
            iter([web.sse("error", web.refusal_dict(decision))]),
            content_type="text/event-stream; charset=utf-8",
            status=403,
        )

    def render_turn(turn) -> str:
        return render_to_string(
            "history/_turn.html",
            {"turn": turn, "reasons": FeedbackReason.choices},
            request=request,
        )

    response = StreamingHttpResponse(
        web.stream(request.user, request.tenant, question, collections, conversation,
                   render_turn, decision=decision, document=document),
        content_type="text/event-stream; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events through at once
    response["X-AI-Generated"] = "true"
    return response
