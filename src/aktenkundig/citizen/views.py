"""Public chat pages (no login, no cookies) and the staff pages for hand-overs,
knowledge gaps and analytics.

The public pages are CSRF-exempt on purpose: they set no cookie at all, so
there is no ambient credential a forged request could ride on. A conversation
is identified by a random token in a hidden form field; posting without it
just starts a new, empty conversation.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aktenkundig import config
from aktenkundig.accounts.services import NoTenant, tenant_of
from aktenkundig.citizen import permissions, services
from aktenkundig.citizen.language import SUPPORTED, direction
from aktenkundig.citizen.models import (
    CitizenSession,
    ContactChannel,
    HandoverRequest,
    HandoverStatus,
    KnowledgeGap,
    Outcome,
)
from aktenkundig.citizen.pii import decrypt_contact
from aktenkundig.citizen.ratelimit import Decision, check_all, hit
from aktenkundig.core.models import AccessLevel, Collection, Tenant
from aktenkundig.documents.models import Document

EMBED_JS = Path(__file__).resolve().parent / "static" / "citizen" / "embed.js"


# Helpers ------------------------------------------------------------------


def public_tenant(slug: str) -> Tenant:
    """The tenant whose public chatbot is at ``slug`` (404 if none or switched off in
    its channel settings)."""
    return _tenant(slug)


def _tenant(slug: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None or not services.channel_settings(tenant).enabled:
        raise Http404(_("Diesen Bürger-Chat gibt es nicht."))
    return tenant


def client_ip(request: HttpRequest) -> str:
    header = config.get("AKTENKUNDIG_CITIZEN_CLIENT_IP_HEADER").strip()
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        first = value.split(",")[0].strip()
        if first:
            return first
    return request.META.get("REMOTE_ADDR", "")


def rate_limited(request: HttpRequest, tenant: Tenant, token: str) -> Decision:
    """Count this request against the client's and the conversation's limits (the
    chat page and the JSON API share them: one budget per client)."""
    checks = [(services.ip_limit(), f"{tenant.pk}:{client_ip(request)}")]
    if token:
        checks.append((services.session_limit(), f"{tenant.pk}:{token}"))
    return check_all(checks)


def _refuse_if_rate_limited(
    request: HttpRequest, tenant: Tenant, session, token: str, *, detailed=False, **extra
) -> HttpResponse | None:
    """A 429 page with Retry-After when this client or conversation asked too often;
    ``detailed`` (the question form) says how long to wait and answers fetches with
    the partial."""
    token = token if session else ""
    decision = rate_limited(request, tenant, token)
    if decision.allowed:
        return None
    if detailed:
        error = _(
            "Sie haben in kurzer Zeit sehr viele Fragen gestellt. Bitte warten Sie "
            "%(seconds)d Sekunden."
        ) % {"seconds": decision.retry_after}
    else:
        error = _("Bitte warten Sie einen Moment.")
    response = _render_chat(
        request,
        tenant,
        session,
        token,
        status=429,
        partial=detailed and _is_fetch(request),
        error=error,
        **extra,
    )
    response["Retry-After"] = str(decision.retry_after)
    return response


def register_url(tenant: Tenant) -> str:
    """The public AI-register page that describes this tenant's chatbot: its
    published entry, else the tenant's public register."""
    from aktenkundig.governance.models import RegisterEntry

    slug = (
        RegisterEntry.objects.filter(
            tenant=tenant, feature=services.FEATURE, published__isnull=False
        )
        .values_list("slug", flat=True)
        .first()
    )
    if slug:
        return reverse(
            "governance:public_entry", kwargs={"tenant_slug": tenant.slug, "entry_slug": slug}
        )
    return reverse("governance:public_register", kwargs={"tenant_slug": tenant.slug})


def _security_headers(response: HttpResponse, tenant: Tenant) -> HttpResponse:
    """No inline script or style; framing only by the tenant's own websites."""
    origins = services.channel_settings(tenant).origins()
    ancestors = " ".join(["'self'", *origins])
    response["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {ancestors}"
    )
    # frame-ancestors governs framing; X-Frame-Options would forbid it outright.
    response.xframe_options_exempt = True
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def _context(
    request: HttpRequest,
    tenant: Tenant,
    session: CitizenSession | None,
    token: str,
    **extra,
) -> dict:
    settings_ = services.channel_settings(tenant)
    language = session.language if session else "de"
    # The template gets the refusal's code ("" when the chatbot may answer): a
    # refused Decision is falsy, so it cannot be tested in the template itself.
    decision = extra.pop("unavailable") if "unavailable" in extra else services.availability(
        tenant
    )
    return {
        "unavailable": decision.code if decision is not None and not decision else "",
        "tenant": tenant,
        "token": token,
        "session": session,
        "messages_": services.conversation(session) if session else [],
        "handovers": list(session.handovers.all()) if session else [],
        "contact": settings_.contact(),
        "register_url": register_url(tenant),
        "public_collections": Collection.objects.public().filter(tenant=tenant),
        "embedded": request.GET.get("embed") == "1" or request.POST.get("embed") == "1",
        "max_chars": services.max_message_chars(),
        "language": language,
        "direction": direction(language),
        "languages": [(code, name) for code, (_l, name, _d) in SUPPORTED.items()],
        "channels": ContactChannel.choices,
        **extra,
    }


def _render_chat(request, tenant, session, token, *, status=200, partial=False, **extra):
    context = _context(request, tenant, session, token, **extra)
    template = "citizen/_turn.html" if partial else "citizen/chat.html"
    response = render(request, template, context, status=status)
    return _security_headers(response, tenant)


def _unavailable_text(tenant: Tenant) -> str:
    return services.unavailable_text(tenant)


def _is_fetch(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


# Public pages -------------------------------------------------------------


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def chat(request: HttpRequest, tenant: str) -> HttpResponse:
    tenant_obj = _tenant(tenant)
    decision = services.availability(tenant_obj)
    token = request.POST.get("token", "")
    session = services.find_session(tenant_obj, token) if token else None
    if not decision:
        # Polite notice with the office's contact instead of the chat; nobody
        # and nothing is asked. A message that arrives anyway is not kept.
        return _render_chat(
            request,
            tenant_obj,
            session,
            token if session else "",
            status=200 if request.method == "GET" else 503,
            partial=request.method == "POST" and _is_fetch(request),
            unavailable=decision,
            error=_unavailable_text(tenant_obj) if request.method == "POST" else "",
        )
    if request.method == "GET":
        return _render_chat(request, tenant_obj, None, "", unavailable=None)

    refused = _refuse_if_rate_limited(
        request, tenant_obj, session, token, detailed=True, unavailable=None
    )
    if refused is not None:
        return refused
    if session is None:
        session, token = services.start_session(tenant_obj)
        # The opening question counts against the new conversation too.
        hit(services.session_limit(), f"{tenant_obj.pk}:{token}")

    plain = request.POST.get("plain") == "1"
    text = request.POST.get("message", "")
    try:
        turn = services.ask(session, text, plain=plain)
    except services.CitizenUnavailable as error:
        # Switched off between the check above and the answer.
        return _render_chat(
            request,
            tenant_obj,
            session,
            token,
            status=503,
            partial=_is_fetch(request),
            unavailable=error.decision,
            error=_unavailable_text(tenant_obj),
        )
    except services.CitizenInputError as error:
        return _render_chat(
            request,
            tenant_obj,
            session,
            token,
            status=400,
            partial=_is_fetch(request),
            unavailable=None,
            error=str(error),
            draft=text[: services.max_message_chars() * 2],
        )
    return _render_chat(
        request,
        tenant_obj,
        session,
        token,
        partial=_is_fetch(request),
        turn=turn,
        new_messages=_messages_after(session, request.POST.get("seen", "")),
        unavailable=None,
        # „Ich möchte mit einem Menschen sprechen“: the form opens (chat.js does the
        # same for the fetched turn).
        handover_open=turn.answer.outcome == Outcome.HANDOVER,
    )


def _messages_after(session: CitizenSession, seen: str) -> list | None:
    """Everything the page has not shown yet (e.g. a staff answer that arrived
    since the last turn), when the script tells us the last message it shows."""
    try:
        last = int(seen)
    except ValueError:
        return None
    return list(session.messages.filter(pk__gt=last).order_by("created_at", "id")[:50])


@csrf_exempt
@never_cache
@require_POST
def refresh(request: HttpRequest, tenant: str) -> HttpResponse:
    """Show the conversation again, with answers from staff that came in since.
    A form post (not a link) so that the token never appears in a URL."""
    tenant_obj = _tenant(tenant)
    token = request.POST.get("token", "")
    session = services.find_session(tenant_obj, token)
    refused = _refuse_if_rate_limited(request, tenant_obj, session, token)
    if refused is not None:
        return refused
    if session is None:
        return _render_chat(
            request, tenant_obj, None, "", status=400, error=_("Dieses Gespräch ist abgelaufen.")
        )
    return _render_chat(request, tenant_obj, session, token)


@csrf_exempt
@never_cache
@require_POST
def handover(request: HttpRequest, tenant: str) -> HttpResponse:
    tenant_obj = _tenant(tenant)
    token = request.POST.get("token", "")
    session = services.find_session(tenant_obj, token)
    refused = _refuse_if_rate_limited(request, tenant_obj, session, token)
    if refused is not None:
        return refused
    if session is None:
        session, token = services.start_session(tenant_obj)
    try:
        created = services.request_handover(
            session,
            channel=request.POST.get("channel", ""),
            contact=request.POST.get("contact", ""),
            consent=request.POST.get("consent") == "1",
            note=request.POST.get("note", ""),
        )
    except services.CitizenInputError as error:
        return _render_chat(
            request,
            tenant_obj,
            session,
            token,
            status=400,
            handover_error=str(error),
            handover_open=True,
        )
    return _render_chat(request, tenant_obj, session, token, handover_created=created)


@csrf_exempt
@never_cache
@require_POST
def feedback(request: HttpRequest, tenant: str) -> HttpResponse:
    tenant_obj = _tenant(tenant)
    token = request.POST.get("token", "")
    session = services.find_session(tenant_obj, token)
    if session is None:
        return _render_chat(
            request, tenant_obj, None, "", status=400, error=_("Dieses Gespräch ist abgelaufen.")
        )
    try:
        message_id = int(request.POST.get("message", ""))
        value = int(request.POST.get("value", ""))
    except ValueError:
        message_id, value = 0, 0
    if not value or not services.give_feedback(session, message_id, value):
        return _render_chat(
            request,
            tenant_obj,
            session,
            token,
            status=400,
            error=_("Diese Rückmeldung konnte nicht gespeichert werden."),
        )
    if _is_fetch(request):
        return HttpResponse(status=204)
    return _render_chat(
        request, tenant_obj, session, token, feedback_saved=_("Danke für Ihre Rückmeldung.")
    )


@require_GET
def public_document(request: HttpRequest, tenant: str, document_id: int) -> FileResponse:
    """The original of a document in a public collection, for the source links."""
    tenant_obj = _tenant(tenant)
    document = get_object_or_404(
        Document.objects.filter(
            tenant=tenant_obj,
            collection__in=Collection.objects.public().filter(tenant=tenant_obj),
        ).exclude(access_level__gt=AccessLevel.OFFEN),
        pk=document_id,
    )
    content_type = document.mime_type or mimetypes.guess_type(document.original_name)[0]
    response = FileResponse(
        document.original.open("rb"),
        content_type=content_type or "application/octet-stream",
        filename=document.original_name,
        as_attachment=False,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
def embed_js(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(EMBED_JS.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


# Staff pages --------------------------------------------------------------


def _staff_tenant(request: HttpRequest, allowed: Callable[[object], bool]) -> Tenant:
    try:
        tenant = tenant_of(request.user)
    except NoTenant as error:
        raise PermissionDenied(str(error)) from error
    if not allowed(request.user):
        raise PermissionDenied(_("Diese Seite ist für Ihre Rolle nicht freigegeben."))
    return tenant


def _staff_context(request: HttpRequest, **extra) -> dict:
    return {"citizen_pages": permissions.staff_pages(request.user), **extra}


@login_required
@require_GET
def staff_handovers(request: HttpRequest) -> HttpResponse:
    tenant = _staff_tenant(request, permissions.can_handle_handovers)
    status = request.GET.get("status", HandoverStatus.OPEN)
    if status not in {*HandoverStatus.values, "all"}:
        status = HandoverStatus.OPEN
    requests_ = services.handovers_for(tenant, None if status == "all" else status)
    return render(
        request,
        "citizen/staff_handovers.html",
        _staff_context(
            request,
            requests=requests_[:200],
            status=status,
            statuses=HandoverStatus.choices,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _staff_tenant(request, permissions.can_handle_handovers)
    item = get_object_or_404(HandoverRequest, tenant=tenant, pk=pk)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "answer":
                services.answer_handover(
                    item, user=request.user, text=request.POST.get("answer", "")
                )
            elif action == "close":
                services.close_handover(item, user=request.user)
            else:
                raise services.CitizenInputError(_("Unbekannte Aktion."))
        except services.CitizenInputError as exc:
            error = str(exc)
        else:
            return redirect("citizen:staff_handover", pk=item.pk)
    return render(
        request,
        "citizen/staff_handover_detail.html",
        _staff_context(
            request, item=item, contact=decrypt_contact(item.contact_encrypted), error=error
        ),
        status=400 if error else 200,
    )


@login_required
@require_GET
def staff_analytics(request: HttpRequest) -> HttpResponse:
    tenant = _staff_tenant(request, permissions.can_see_analytics)
    try:
        days = min(365, max(1, int(request.GET.get("tage", "30"))))
    except ValueError:
        days = 30
    return render(
        request,
        "citizen/staff_analytics.html",
        _staff_context(request, stats=services.analytics(tenant, days=days)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_gaps(request: HttpRequest) -> HttpResponse:
    tenant = _staff_tenant(request, permissions.can_see_gaps)
    if request.method == "POST":
        KnowledgeGap.objects.filter(tenant=tenant, pk=request.POST.get("gap") or 0).update(
            resolved=True
        )
        return redirect("citizen:staff_gaps")
    gaps = KnowledgeGap.objects.filter(tenant=tenant, resolved=False)[:200]
    return render(request, "citizen/staff_gaps.html", _staff_context(request, gaps=gaps))
