"""Staff pages for subtitles: upload a file, follow its status, correct the
cues in the editor while the recording plays, export VTT/SRT/transcript, draft
the Niederschrift.

Thin: the logic is in :mod:`aktenkundig.speech.jobs`. Every lookup goes through
``jobs.visible_jobs`` (tenant and clearance), so a job id from another tenant or
above one's clearance is a 404, not a leak. The recording is served only through
:func:`media` (never from a public media URL), and only to the person who
uploaded it.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aktenkundig.core.models import AccessLevel
from aktenkundig.speech import exports, jobs
from aktenkundig.speech.models import JobStatus
from aktenkundig.web.permissions import member_required
from aktenkundig.web.responses import attachment


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
    jobs.purge_media()
    decision = jobs.gate(request.user, request.tenant)
    listed = list(jobs.visible_jobs(request.membership)[:50])
    return render(request, "speech/index.html", {
        "jobs": listed,
        "any_pending": any(j.status in (JobStatus.QUEUED, JobStatus.RUNNING) for j in listed),
        "keep_days": jobs.keep_media_days(),
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
    text = job.text
    if job.corrected_cues is not None:
        text = " ".join(" ".join(cue["lines"]) for cue in job.corrected_cues)
    return render(request, template, {"job": job, "pending": pending, "text": text})


@require_GET
@member_required
def download(request, pk: int, fmt: str):
    job = _job(request, pk)
    if job.status != JobStatus.DONE:
        return redirect("speech:detail", pk=job.pk)
    if fmt not in jobs.EXPORTS:
        raise Http404
    content_type, suffix = jobs.EXPORTS[fmt]
    body = jobs.export(job, request.user, fmt)
    stem = job.filename.rsplit(".", 1)[0] or "untertitel"
    return attachment(body, f"{stem}.{suffix}", content_type)


# --------------------------------------------------------------------------- editor


def _done_job(request, pk: int):
    job = _job(request, pk)
    if job.status != JobStatus.DONE:
        raise Http404
    return job


def _rows(job) -> list[dict]:
    rows = []
    for index, cue in enumerate(jobs.current_cues(job)):
        rows.append({
            "index": index, "number": index + 1, "start": cue["start"], "end": cue["end"],
            "text": " ".join(cue["lines"]), "lines": cue["lines"],
            "from": exports.clock(cue["start"]), "to": exports.clock(cue["end"]),
            "edited": cue.get("edited", False), "too_long": jobs.too_long(cue),
            "unsure": cue.get("confidence", 1.0) < jobs.LOW_CONFIDENCE,
        })
    return rows


def _editor_context(request, job) -> dict:
    media = jobs.media(job, request.user)
    return {"job": job, "rows": _rows(job), "has_media": media is not None,
            "kept_for_owner": bool(job.upload_path) and not jobs.is_owner(job, request.user),
            "is_video": jobs.is_video(job), "media_type": media[1] if media else "",
            "keep_days": jobs.keep_media_days(),
            "llm_available": _llm_available(job)}


def _llm_available(job) -> bool:
    from aktenkundig.llm.gateway import is_available

    return is_available(job.data_level)


@require_GET
@member_required
def editor(request, pk: int):
    job = _job(request, pk)
    if job.status != JobStatus.DONE:
        return redirect("speech:detail", pk=job.pk)
    return render(request, "speech/editor.html", _editor_context(request, job))


@require_http_methods(["POST"])
@member_required
def cue(request, pk: int, index: int):
    """Save a cue's text (``action=save``) or split it (``action=split``). With
    HTMX the changed row (or, after a split, the list) comes back; without, the
    editor page at the cue."""
    job = _done_job(request, pk)
    action = request.POST.get("action", "save")
    message, error = "", ""
    try:
        if action == "split":
            job = jobs.split_cue(job, request.user, index)
            message = _("Der Untertitel wurde geteilt.")
        else:
            job = jobs.edit_cue(job, request.user, index, request.POST.get("text", ""))
            message = _("Gespeichert.")
    except ValueError as problem:
        error = str(problem)
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, message)
        return redirect(f"{reverse('speech:editor', args=[job.pk])}#cue-{index}")
    rows = _rows(job)
    list_changed = not error and (action == "split" or not request.POST.get("text", "").strip())
    if list_changed or index >= len(rows):
        response = render(request, "speech/_cues.html", {"job": job, "rows": rows,
                                                          "message": message})
        response["HX-Retarget"] = "#cue-list"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "speech/_cue.html", {"job": job, "row": rows[index],
                                                "message": message, "error": error})


@require_http_methods(["POST"])
@member_required
def reset(request, pk: int):
    job = _done_job(request, pk)
    jobs.reset_corrections(job, request.user)
    messages.success(request, _("Die Korrekturen wurden verworfen; es gilt wieder die "
                                "automatische Erkennung."))
    return redirect("speech:editor", pk=job.pk)


@require_http_methods(["POST"])
@member_required
def delete_media(request, pk: int):
    job = _job(request, pk)
    jobs.delete_media(job, request.user)
    messages.success(request, _("Die Aufnahme wurde gelöscht. Die Untertitel bleiben erhalten."))
    return redirect("speech:editor" if job.status == JobStatus.DONE else "speech:detail",
                    pk=job.pk)


@require_http_methods(["POST"])
@member_required
def minutes(request, pk: int):
    job = _done_job(request, pk)
    draft = jobs.make_minutes(job, request.user)
    if draft.available:
        messages.success(request, _("Der Entwurf der Niederschrift wurde erstellt."))
    else:
        messages.error(request, draft.reason)
    return redirect(f"{reverse('speech:editor', args=[job.pk])}#niederschrift")


@require_GET
@member_required
def minutes_download(request, pk: int):
    job = _done_job(request, pk)
    if not job.minutes:
        raise Http404
    jobs.log_export(job, request.user, "minutes")
    stem = job.filename.rsplit(".", 1)[0] or "sitzung"
    return attachment(job.minutes, f"{stem}.niederschrift.txt", "text/plain")


@require_GET
@member_required
def track(request, pk: int):
    """The current cues as WebVTT for the player's caption track (a preview on the
    editor page, not an export: not audited, not an attachment)."""
    job = _done_job(request, pk)
    response = HttpResponse(jobs.render(job, "vtt"), content_type="text/vtt; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


@require_GET
@member_required
def media(request, pk: int):
    """The kept recording for the editor's player, to members who may see the job
    (tenant and clearance). One byte range (``Range: bytes=a-b``) is honoured,
    which browsers need to seek in a video."""
    found = jobs.media(_job(request, pk), request.user)
    if found is None:
        raise Http404
    path, content_type = found
    size = path.stat().st_size
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match or not (match.group(1) or match.group(2)):
        response = FileResponse(path.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = "private, no-store"
        return response
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response

    def chunks():
        with path.open("rb") as handle:
            handle.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                data = handle.read(min(CHUNK, remaining))
                if not data:
                    break
                remaining -= len(data)
                yield data

    response = StreamingHttpResponse(chunks(), status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    return response
