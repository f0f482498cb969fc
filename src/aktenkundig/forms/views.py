"""Staff pages of the Formularerkennung: upload, review side by side, commit, export.

Every view: member of a tenant (``member_required``), the feature allowed for
this person now (``services.gate``: KI-Register entry, kill switch,
KI-Richtlinie, KI-Führerschein), and every object looked up with the tenant.
"""

from __future__ import annotations

import base64
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aktenkundig.forms import services
from aktenkundig.forms.models import FormType, Submission
from aktenkundig.forms.schema import FormError
from aktenkundig.governance.oversight import OversightError
from aktenkundig.web.permissions import member_required
from aktenkundig.web.responses import attachment


def _refused(request):
    decision = services.gate(request.user, request.tenant)
    if decision:
        return None
    return render(request, "forms/refused.html", {"refusal": decision}, status=403)


def _submission(request, pk: int) -> Submission:
    try:
        return services.get_submission(request.tenant, pk)
    except Submission.DoesNotExist:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
@member_required
def index(request):
    refused = _refused(request)
    if refused:
        return refused
    error = None
    if request.method == "POST":
        upload = request.FILES.get("datei")
        if upload is None:
            error = _("Bitte eine Datei auswählen.")
        elif upload.size > services.MAX_UPLOAD:
            error = _("Die Datei ist zu groß (höchstens 30 MB).")
        else:
            try:
                submission = services.submit(
                    request.tenant, upload.read(), filename=upload.name,
                    form=request.POST.get("formular") or None, user=request.user)
            except (FormError, PermissionError) as problem:
                error = str(problem)
            else:
                return redirect("forms:review", submission.pk)
    types = services.latest_types(request.tenant)
    submissions = (Submission.objects.filter(tenant=request.tenant)
                   .select_related("form_type")[:50])
    return render(request, "forms/index.html", {
        "types": types, "submissions": submissions, "error": error,
        "may_manage": services.may_manage_types(request.user),
    }, status=400 if error else 200)


@require_POST
@member_required
def add_type(request):
    """Register a blank official form (Fachadmin): its fields come from the PDF."""
    refused = _refused(request)
    if refused:
        return refused
    if not services.may_manage_types(request.user):
        raise PermissionDenied
    upload = request.FILES.get("leer")
    name = request.POST.get("name", "")
    try:
        if upload is None:
            raise FormError(_("Bitte das leere Formular (PDF) auswählen."))
        if upload.size > services.MAX_UPLOAD:
            raise FormError(_("Die Datei ist zu groß (höchstens 30 MB)."))
        form_type, _created = services.register(request.tenant, name, upload.read(),
                                                user=request.user, title=name)
    except FormError as problem:
        messages.error(request, str(problem))
        return redirect("forms:index")
    return redirect("forms:type", form_type.pk)


@require_http_methods(["GET", "POST"])
@member_required
def form_type(request, pk: int):
    """The fields of a form type, for the Fachadmin to correct (label, kind, required)."""
    refused = _refused(request)
    if refused:
        return refused
    if not services.may_manage_types(request.user):
        raise PermissionDenied
    try:
        current = FormType.objects.get(tenant=request.tenant, pk=pk)
    except FormType.DoesNotExist:
        raise Http404 from None
    from aktenkundig.forms.schema import Schema

    if request.method == "POST":
        changes = {}
        for index, spec in enumerate(Schema.from_dict(current.schema).fields):
            changes[spec.name] = {
                "label": request.POST.get(f"label-{index}", spec.label),
                "kind": request.POST.get(f"kind-{index}", spec.kind),
                "required": request.POST.get(f"required-{index}") == "1",
            }
        try:
            services.update_fields(current, request.user, changes)
        except FormError as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, _("Die Felder wurden gespeichert."))
        return redirect("forms:type", current.pk)
    schema = Schema.from_dict(current.schema)
    buttons = ("checkbox", "radio")
    rows = [{"spec": spec, "kinds": [(k, v) for k, v in services.KIND_LABELS.items()
                                     if (k in buttons) == (spec.kind in buttons)]}
            for spec in schema.fields]
    return render(request, "forms/type.html", {"form_type": current, "rows": rows,
                                               "source": schema.source})


@require_GET
@member_required
def review(request, pk: int):
    refused = _refused(request)
    if refused:
        return refused
    submission = _submission(request, pk)
    rows = services.review_rows(submission)
    pages = sorted(int(p) for p in submission.page_images)
    return render(request, "forms/review.html", {
        "submission": submission, "rows": rows, "pages": pages,
        "problems": {}, "reason": "",
    })


@require_POST
@member_required
def commit(request, pk: int):
    refused = _refused(request)
    if refused:
        return refused
    submission = _submission(request, pk)
    raw = {}
    for row in services.review_rows(submission):
        key = f"f-{row.name}"
        raw[row.name] = request.POST.get(key, "")
    reason = request.POST.get("begruendung", "")
    try:
        services.commit(submission, request.user, raw, reason=reason)
    except services.CommitProblems as problems:
        rows = services.review_rows(submission)
        for row in rows:
            row.value = raw.get(row.name)
            if row.kind == "checkbox":
                row.value = bool(row.value)
            row.problem = problems.problems.get(row.name)
            row.valid = row.problem is None
        return render(request, "forms/review.html", {
            "submission": submission, "rows": rows,
            "pages": sorted(int(p) for p in submission.page_images),
            "problems": problems.problems, "reason": reason,
            "error": _("Bitte korrigieren Sie die markierten Angaben."),
        }, status=400)
    except (OversightError, PermissionError) as problem:
        messages.error(request, str(problem))
        return redirect("forms:review", submission.pk)
    messages.success(request, _("Die Angaben wurden übernommen."))
    return redirect("forms:index")


@require_GET
@member_required
def page_image(request, pk: int, page: int):
    refused = _refused(request)
    if refused:
        return refused
    submission = _submission(request, pk)
    data = submission.page_images.get(str(page))
    if data is None:
        raise Http404
    response = HttpResponse(base64.b64decode(data), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@member_required
def export(request, pk: int, fmt: str):
    refused = _refused(request)
    if refused:
        return refused
    try:
        form_type = FormType.objects.get(tenant=request.tenant, pk=pk)
    except FormType.DoesNotExist:
        raise Http404 from None
    filename = f"{form_type.name}-v{form_type.version}"
    if fmt == "csv":
        return attachment(services.export_csv(request.tenant, form_type), f"{filename}.csv",
                          "text/csv")
    records = [services.record(s) for s in services.committed(request.tenant, form_type)]
    return attachment(json.dumps(records, ensure_ascii=False, indent=1), f"{filename}.json",
                      "application/json")


@require_GET
@member_required
def filled(request, pk: int):
    refused = _refused(request)
    if refused:
        return refused
    submission = _submission(request, pk)
    if submission.status != Submission.Status.COMMITTED:
        raise Http404
    try:
        data = services.filled_pdf(submission)
    except FormError as problem:
        messages.error(request, str(problem))
        return redirect("forms:index")
    return attachment(data, f"formular-{submission.pk}.pdf", "application/pdf")
