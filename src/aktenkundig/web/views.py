"""Start page, the staff overview (tenants, users, collections, LLM status) and error pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aktenkundig import config
from aktenkundig.accounts.services import (
    can_manage_documents,
    has_role,
    manageable_collections,
    readable_collections,
)
from aktenkundig.documents.models import Document, DocumentStatus
from aktenkundig.history import services as history
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


def llm_status() -> list[dict]:
    """Every configured chat server, checked now: reachable, latency, detail."""
    from aktenkundig.core.models import AccessLevel
    from aktenkundig.llm.backends import configured_backends
    from aktenkundig.llm.client import health

    rows = []
    for backend in configured_backends():
        ok, latency, detail = health(backend)
        rows.append(
            {
                "name": backend.label,
                "url": backend.base_url,
                "ok": ok,
                "latency_ms": latency,
                "detail": detail,
                "max_level": AccessLevel(backend.max_level).label,
                "on_prem": backend.on_prem,
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
@member_required
def overview(request):
    user = request.user
    if not (has_role(user, "administrator") or can_manage_documents(user) or user.is_staff):
        raise PermissionDenied
    tenant = request.tenant
    is_admin = has_role(user, "administrator")
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied
        value = request.POST.get("retention_days", "")
        try:
            history.set_retention_days(tenant, int(value))
        except ValueError:
            messages.error(
                request, _("Die Aufbewahrungsfrist muss zwischen 1 und 3650 Tagen liegen.")
            )
        else:
            messages.success(request, _("Die Aufbewahrungsfrist wurde gespeichert."))
        return redirect("web:overview")
    collections = manageable_collections(user).annotate(
        document_count=Count("documents", distinct=True)
    )
    users = get_user_model().objects.filter(membership__tenant=tenant).select_related(
        "membership"
    ).order_by("username")
    # Everyone who may open this page sees whether a model server answers: a
    # Fachadmin needs it as much as an Administrator to tell "no AI answers" from
    # "documents not indexed". Changing it stays with the environment (operators).
    llm = llm_status()
    return render(
        request,
        "web/overview.html",
        {
            "collections": collections,
            "users": users if is_admin else [],
            "is_admin": is_admin,
            "retention_days": history.retention_days(tenant),
            "llm": llm,
            "model_settings": {
                _("Einbettungen"): config.get("AKTENKUNDIG_EMBEDDINGS_URL")
                or _("multilingual-e5-small (lokal)"),
                _("Zeitlimit Sprachmodell (s)"): config.get("AKTENKUNDIG_LLM_TIMEOUT"),
                _("Texterkennung (Sprachen)"): config.get("AKTENKUNDIG_OCR_LANGUAGES"),
                _("Größte Datei (MB)"): config.get("AKTENKUNDIG_MAX_UPLOAD_MB"),
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
