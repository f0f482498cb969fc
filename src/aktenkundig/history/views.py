"""The user's own conversation history, and feedback on answers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aktenkundig.accounts.services import can_see_feedback
from aktenkundig.history import services
from aktenkundig.history.models import Conversation, FeedbackReason, Turn
from aktenkundig.web.permissions import member_required


@require_GET
@member_required
def conversation_list(request):
    query = request.GET.get("q", "")
    conversations = services.conversations_of(request.user, request.tenant, query)
    page = Paginator(conversations, 25).get_page(request.GET.get("seite"))
    return render(
        request,
        "history/list.html",
        {
            "page": page,
            "query": query,
            "retention_days": services.retention_days(request.tenant),
        },
    )


@require_GET
@member_required
def conversation_detail(request, conversation_id: int):
    try:
        conversation = services.get_conversation(request.user, request.tenant, conversation_id)
    except Conversation.DoesNotExist:
        raise Http404 from None
    turns = conversation.turns.select_related("feedback")
    return render(
        request,
        "history/detail.html",
        {"conversation": conversation, "turns": turns, "reasons": FeedbackReason.choices},
    )


@require_POST
@member_required
def conversation_delete(request, conversation_id: int):
    if not services.delete_conversation(request.user, request.tenant, conversation_id):
        raise Http404
    messages.success(request, _("Die Unterhaltung wurde gelöscht."))
    return redirect("history:list")


@require_POST
@member_required
def feedback(request, turn_id: int):
    helpful = request.POST.get("helpful")
    if helpful not in {"ja", "nein"}:
        return render(
            request,
            "history/_feedback.html",
            {"turn_id": turn_id, "error": _("Bitte wählen Sie „hilfreich“ oder „nicht hilfreich“."),
             "reasons": FeedbackReason.choices},
            status=400,
        )
    try:
        stored = services.give_feedback(
            request.user,
            request.tenant,
            turn_id,
            helpful=helpful == "ja",
            reasons=request.POST.getlist("reasons"),
            comment=request.POST.get("comment", ""),
        )
    except Turn.DoesNotExist:
        raise Http404 from None
    except services.InvalidFeedback as error:
        return render(
            request,
            "history/_feedback.html",
            {"turn_id": turn_id, "error": str(error), "reasons": FeedbackReason.choices},
            status=400,
        )
    # Thumbs down first, reasons on demand: a bare "nicht hilfreich" is stored at once
    # and answered with the (optional) reasons, open; sending those replaces it.
    asks_reasons = not (stored.helpful or stored.reasons or stored.comment)
    if request.headers.get("HX-Request"):
        if asks_reasons:
            return render(request, "history/_feedback_reasons.html", {
                "turn_id": turn_id, "reasons": FeedbackReason.choices, "open": True,
            })  # fmt: skip
        return render(request, "history/_feedback_thanks.html", {"feedback": stored})
    messages.success(request, _("Danke für Ihre Rückmeldung."))
    target = reverse("assistant:ask") + f"?unterhaltung={stored.turn.conversation_id}"
    return redirect(f"{target}#antwort-{turn_id}")


@require_GET
@member_required
def feedback_list(request):
    if not can_see_feedback(request.user):
        raise PermissionDenied
    helpful = {"ja": True, "nein": False}.get(request.GET.get("bewertung", ""))
    reason = request.GET.get("grund", "")
    if reason not in dict(FeedbackReason.choices):
        reason = ""
    entries = services.feedback_for_tenant(request.tenant, helpful=helpful, reason=reason)
    page = Paginator(entries, 25).get_page(request.GET.get("seite"))
    return render(
        request,
        "history/feedback_list.html",
        {
            "page": page,
            "reasons": FeedbackReason.choices,
            "selected_reason": reason,
            "selected_rating": request.GET.get("bewertung", ""),
        },
    )
