"""The scan centre's queue (staff web). Thin: services.py decides and audits."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import membership_of
from aktenkundig.governance import policy
from aktenkundig.inbox import services
from aktenkundig.inbox.consumers.upload import UploadConsumer
from aktenkundig.inbox.models import DocumentType, Item, RoutingModel, Status, Unit

#: the privacy layer's entity types, as people read them
_PERSONAL = {
    "PERSON": gettext_lazy("Namen"), "ADDRESS": gettext_lazy("Anschriften"),
    "LOCATION": gettext_lazy("Orte"), "ORGANIZATION": gettext_lazy("Organisationen"),
    "EMAIL": gettext_lazy("E-Mail-Adressen"), "PHONE": gettext_lazy("Telefonnummern"),
    "IBAN": gettext_lazy("Kontonummern (IBAN)"), "TAX_ID": gettext_lazy("Steuer-IDs"),
    "TAX_NUMBER": gettext_lazy("Steuernummern"),
    "SOCIAL_SECURITY": gettext_lazy("Sozialversicherungsnummern"),
    "DATE_OF_BIRTH": gettext_lazy("Geburtsdaten"),
}

_AGES = ((0, gettext_lazy("alle")), (24, gettext_lazy("älter als 1 Tag")),
         (72, gettext_lazy("älter als 3 Tage")))


def _tenant(request: HttpRequest):
    membership = membership_of(request.user)
    if membership is None:
        raise Http404
    return membership.tenant


def _filters(request: HttpRequest) -> dict:
    abstained = request.GET.get("abstained", "")
    try:
        age = int(request.GET.get("age", "0") or 0)
    except ValueError:
        age = 0
    return {"unit": request.GET.get("unit", "")[:40], "doc_type": request.GET.get("type", "")[:100],
            "abstained": {"1": True, "0": False}.get(abstained), "older_than_hours": age or None}


@login_required
@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if request.method == "POST" and request.FILES.get("file"):
        try:
            item = UploadConsumer(tenant, user=request.user).consume_upload(request.FILES["file"])
        except services.InboxError as error:
            messages.error(request, str(error))
        else:
            return redirect("inbox:item", pk=item.pk)
    if request.method == "POST" and request.FILES.get("plan"):
        if not _may_manage(request):
            raise Http404
        try:
            created, updated = services.import_plan(tenant, request.FILES["plan"].read(
                services.MAX_CSV_BYTES + 1), user=request.user)
        except services.InboxError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(c)d neu, %(u)d aktualisiert.") % {
                "c": created, "u": updated})
        return redirect("inbox:queue")
    filters = _filters(request)
    items = services.queue(tenant, **filters)
    first = items.first()
    shown = list(items.select_related("suggested_unit", "oversight")[:services.MAX_BATCH])
    for item in shown:
        item.batch_ok = services.batch_confirmable(item)
    return render(request, "inbox/queue.html", {
        "items": shown, "any_batch": any(i.batch_ok for i in shown),
        "count": items.count(), "first": first,
        "units": Unit.objects.filter(tenant=tenant, active=True),
        "types": DocumentType.objects.filter(tenant=tenant), "ages": _AGES,
        "f": {**filters, "abstained": request.GET.get("abstained", ""),
              "age": filters["older_than_hours"] or 0},
        "query": request.GET.urlencode(), "may_manage": _may_manage(request),
        "models": RoutingModel.objects.filter(tenant=tenant, target="unit")[:10],
    })


@login_required
@require_POST
def confirm_batch(request: HttpRequest) -> HttpResponse:
    """The batch view's one button: confirm the suggestions of the ticked items."""
    tenant = _tenant(request)
    ids = [pk for pk in request.POST.getlist("item") if pk.isdigit()]
    if not ids:
        messages.error(request, _("Bitte mindestens einen Eingang auswählen."))
    else:
        done, problems = services.confirm_batch(tenant, request.user, ids)
        if done:
            messages.success(request, ngettext(
                "%(n)d Vorschlag bestätigt.", "%(n)d Vorschläge bestätigt.", done) % {"n": done})
        for problem in problems[:10]:
            messages.error(request, problem)
    query = request.POST.get("query", "")
    return redirect(_queue_url() + (f"?{query}" if query else ""))


def _may_manage(request: HttpRequest) -> bool:
    """Units, plan import, retraining and rollback: Fachadmin or KI-Beauftragte."""
    membership = membership_of(request.user)
    return membership is not None and (membership.has_role(Role.SUBJECT_ADMIN)
                                       or membership.has_role(Role.AI_OFFICER))


@login_required
@require_http_methods(["GET", "POST"])
def item_view(request: HttpRequest, pk: int) -> HttpResponse:
    tenant = _tenant(request)
    item = get_object_or_404(Item.objects.select_related("suggested_unit", "unit"),
                             tenant=tenant, pk=pk)
    query = request.GET.urlencode() or request.POST.get("query", "")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action in {"split", "merge"}:
        try:
            if action == "split":
                parts = services.split_item(item, request.user,
                                            after_page=int(request.POST.get("after_page", 0)))
            else:
                parts = [services.merge_items(item, _batch_neighbour(item), request.user)]
        except (services.InboxError, ValueError, AttributeError) as error:
            messages.error(request, str(error) or _("Das geht nicht."))
            return redirect(request.path)
        messages.success(request, _("Briefgrenzen geändert."))
        return redirect(_item_url(parts[0].pk, query))
    if request.method == "POST":
        try:
            services.decide(item, request.user, unit_code=request.POST.get("unit", "").strip(),
                            type_name=request.POST.get("type", "").strip(),
                            reason=request.POST.get("reason", ""))
        except (services.InboxError, PermissionError) as error:
            messages.error(request, str(error))
            return redirect(f"{request.path}?{query}" if query else request.path)
        messages.success(request, _("Zugeordnet: %(unit)s.") % {"unit": item_unit(item)})
        following = _next(tenant, request, item)
        if following is None:
            return redirect(f"{_queue_url()}?{query}" if query else _queue_url())
        return redirect(_item_url(following.pk, query))
    allowed = policy.check_feature(request.user, tenant, services.FEATURE)
    following = _next(tenant, request, item)
    return render(request, "inbox/item.html", {
        "item": item, "show_ai": bool(allowed) and item.suggested_unit_id is not None,
        "refused": "" if allowed else allowed.reason,
        "units": Unit.objects.filter(tenant=tenant, active=True),
        "types": DocumentType.objects.filter(tenant=tenant),
        "next_url": _item_url(following.pk, query) if following else "",
        "query": query, "is_image": item.mime_type.startswith("image/"),
        "decided": item.human_confirmed or item.status == Status.ROUTED,
        "neighbour": _batch_neighbour(item),
        "personal": [(_PERSONAL.get(kind, kind), n)
                     for kind, n in (item.evidence or {}).get("personal_data", {}).items()],
    })


def _batch_neighbour(item: Item) -> Item | None:
    """The next undecided letter split from the same batch file (for merging)."""
    origin = item.source.split(" · ", 1)[0]
    if not origin or " · " not in item.source:
        return None
    return (Item.objects.filter(tenant=item.tenant, pk__gt=item.pk, status=Status.WAITING,
                                human_confirmed=False, source__startswith=origin + " · ",
                                mime_type="application/pdf")
            .order_by("pk").first())


def item_unit(item: Item) -> str:
    item.refresh_from_db()
    return str(item.unit) if item.unit else "–"


def _queue_url() -> str:
    from django.urls import reverse

    return reverse("inbox:queue")


def _item_url(pk: int, query: str) -> str:
    from django.urls import reverse

    url = reverse("inbox:item", args=[pk])
    return f"{url}?{query}" if query else url


def _next(tenant, request: HttpRequest, current: Item) -> Item | None:
    """The next waiting item with the same filters (oldest first, skipping this one)."""
    filters = _filters(request) if request.method == "GET" else {}
    return services.queue(tenant, **filters).exclude(pk=current.pk).first()


@login_required
def original(request: HttpRequest, pk: int) -> FileResponse:
    """The scanned original, only to members of the item's tenant; images inline, any
    other format as a download (never rendered by the browser as HTML)."""
    tenant = _tenant(request)
    item = get_object_or_404(Item, tenant=tenant, pk=pk)
    if not item.original.name or not default_storage.exists(item.original.name):
        raise Http404
    inline = item.mime_type in {"image/png", "image/jpeg", "image/tiff", "application/pdf"}
    response = FileResponse(default_storage.open(item.original.name, "rb"),
                            as_attachment=not inline,
                            filename=item.original_name or f"eingang-{item.pk}",
                            content_type=item.mime_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def retrain(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if not _may_manage(request):
        raise Http404
    try:
        if request.POST.get("rollback"):
            model = services.rollback(tenant, int(request.POST["rollback"]), user=request.user)
        else:
            model = services.train_from_confirmed(tenant, user=request.user)
            with contextlib.suppress(services.InboxError):  # too few typed items yet
                services.train_types_from_confirmed(tenant, user=request.user)
    except (services.InboxError, ValueError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Aktives Modell: Version %(v)d.") % {"v": model.version})
    return redirect("inbox:queue")


@login_required
@require_http_methods(["GET", "POST"])
def organisation(request: HttpRequest) -> HttpResponse:
    """Units and document types, editable by Fachadmin and KI-Beauftragte."""
    tenant = _tenant(request)
    if not _may_manage(request):
        raise Http404
    services.ensure_defaults(tenant)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "type":
                services.add_type(tenant, request.user, request.POST.get("type_name", ""))
            else:
                services.save_unit(
                    tenant, request.user, code=request.POST.get("code", ""),
                    name=request.POST.get("name", ""),
                    description=request.POST.get("description", ""),
                    keywords=request.POST.get("keywords", ""),
                    deputy=request.POST.get("deputy", ""),
                    delivery=request.POST.get("delivery", ""),
                    active=request.POST.get("active") == "on")
        except services.InboxError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Gespeichert."))
        return redirect("inbox:organisation")
    return render(request, "inbox/organisation.html", {
        "units": Unit.objects.filter(tenant=tenant).select_related("deputy"),
        "types": DocumentType.objects.filter(tenant=tenant),
    })
