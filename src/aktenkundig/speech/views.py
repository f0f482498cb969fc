"""Staff pages for subtitles: upload a file, follow its status, download VTT/SRT.

Thin: the logic is in :mod:`aktenkundig.speech.jobs`. Every lookup goes through
``jobs.visible_jobs`` (tenant and clearance), so a job id from another tenant or
above one's clearance is a 404, not a leak.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aktenkundig.core.models import AccessLevel
from aktenkundig.speech import jobs
from aktenkundig.speech.models import JobStatus
from aktenkundig.web.permissions import member_required


def _access_levels(request) -> list[tuple[int, str]]:
    return [(v, label) for v, label in AccessLevel.choices if v <= request.membership.clearance]


@require_http_methods(["GET", "POST"])
@member_required
def index(request):
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        try:
            level = int(request.POST.get("data_level", AccessLevel.INTERN))
            AccessLevel(level)
        except ValueError:
            level = AccessLevel.INTERN
        if uploaded is None:
            messages.error(request, _("Bitte eine Datei auswählen."))
        else:
            try:
                job = jobs.accept(request.membership, request.user, uploaded, level)
            except ValueError as error:
                messages.error(request, str(error))
            else:
                return redirect("speech:detail", pk=job.pk)
    decision = jobs.gate(request.user, request.tenant)
    return render(request, "speech/index.html", {
        "jobs": jobs.visible_jobs(request.membership)[:50],
        "refusal": None if decision else decision.reason,
        "access_levels": _access_levels(request),
        "accept": ",".join(jobs.ACCEPT),
        "max_mb": jobs.MAX_UPLOAD_BYTES // (1024 * 1024),
    })


def _job(request, pk: int):
    return get_object_or_404(jobs.visible_jobs(request.membership), pk=pk)


@require_GET
@member_required
def detail(request, pk: int):
    job = _job(request, pk)
    pending = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    template = "speech/_status.html" if request.headers.get("HX-Request") else "speech/detail.html"
    return render(request, template, {"job": job, "pending": pending})


@require_GET
@member_required
def download(request, pk: int, fmt: str):
    job = _job(request, pk)
    if job.status != JobStatus.DONE:
        return redirect("speech:detail", pk=job.pk)
    if fmt not in ("vtt", "srt"):
        raise Http404
    body, content_type = (job.vtt, "text/vtt") if fmt == "vtt" else (
        job.srt, "application/x-subrip")
    stem = job.filename.rsplit(".", 1)[0] or "untertitel"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'.encode(
        "ascii", "replace").decode()
    return response
