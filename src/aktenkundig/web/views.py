"""Start page, the staff overview (tenants, users, collections, LLM status) and error pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aktenkundig import config
from aktenkundig.accounts.services import (
    can_manage_documents,
    has_role,
    manageable_collections,
    readable_collections,
)
from aktenkundig.documents.models import Document, DocumentStatus
from aktenkundig.history.models import Conversation
from aktenkundig.web.permissions import member_required


@require_GET
@member_required
def home(request):
    collections = readable_collections(request.user)
    documents = Document.objects.filter(tenant=request.tenant, collection__in=collections)
    counts = documents.aggregate(
        total=Count("pk"),
        indexed=Count("pk", filter=Q(status=DocumentStatus.INDEXED)),
        failed=Count("pk", filter=Q(status=DocumentStatus.FAILED)),
    )
    recent = Conversation.objects.filter(tenant=request.tenant, user=request.user)[:5]
    return render(
        request,
        "web/home.html",
        {"counts": counts, "collections": collections, "recent": recent},
    )


def _llm_status() -> dict:
    """Health of the configured chat server, measured now (with latency)."""
    from aktenkundig.llm import services as llm_services

    health = getattr(llm_services, "health", None)
    if health is None:
        return {"configured": bool(config.get("AKTENKUNDIG_LLM_BASE_URL")), "ok": None}
    result = health()
    if isinstance(result, dict):
        return result
    return {k: getattr(result, k) for k in ("configured", "ok", "latency_ms", "model", "detail")
            if hasattr(result, k)}


@require_GET
@member_required
def overview(request):
    user = request.user
    if not (has_role(user, "administrator") or can_manage_documents(user) or user.is_staff):
        raise PermissionDenied
    tenant = request.tenant
    collections = manageable_collections(user).annotate(
        document_count=Count("documents", distinct=True)
    )
    users = get_user_model().objects.filter(membership__tenant=tenant).select_related(
        "membership"
    ).order_by("username")
    is_admin = has_role(user, "administrator")
    try:
        llm = _llm_status() if is_admin else None
    except Exception as error:  # the page must render even if the check itself fails
        llm = {"configured": True, "ok": False, "detail": str(error)}
    return render(
        request,
        "web/overview.html",
        {
            "collections": collections,
            "users": users if is_admin else [],
            "is_admin": is_admin,
            "llm": llm,
            "model_settings": {
                _("Sprachmodell-Server"): config.get("AKTENKUNDIG_LLM_BASE_URL") or _("keiner"),
                _("Modell"): config.get("AKTENKUNDIG_LLM_MODEL") or "–",
                _("Höchste Schutzstufe für das Modell"): config.get("AKTENKUNDIG_LLM_MAX_LEVEL"),
                _("Einbettungen"): config.get("AKTENKUNDIG_EMBEDDINGS_URL")
                or "multilingual-e5-small (lokal)",
            },
        },
    )


def page_not_found(request, exception=None):
    return render(request, "web/error.html", {"code": 404}, status=404)


def server_error(request):
    return render(request, "web/error.html", {"code": 500}, status=500)


def permission_denied(request, exception=None):
    return render(request, "web/error.html", {"code": 403}, status=403)


def bad_request(request, exception=None):
    return render(request, "web/error.html", {"code": 400}, status=400)


def csrf_failure(request, reason=""):
    return render(request, "web/error.html", {"code": 403, "csrf": True}, status=403)
