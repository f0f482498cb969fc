"""Pages of live subtitles: staff create and run sessions (console with microphone
and correction), the audience reads along through a public link.

Thin: the logic is in :mod:`aktenkundig.speech.live`. Staff lookups go through
``live.visible_sessions`` (tenant), so another tenant's session id is a 404. The
audience page is reached by token only; it renders without the site's base
template and touches neither the session nor the CSRF token, so it sets no
cookie at all (a citizen reading subtitles is not tracked, and no consent banner
is needed).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aktenkundig.speech import exports, live
from aktenkundig.speech.models import LiveStatus
from aktenkundig.web.permissions import member_required
from aktenkundig.web.responses import attachment


@require_http_methods(["GET", "POST"])
@member_required
def index(request):
    form = {"title": "", "terms": "", "speakers": "", "release_delay": "0"}
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in form}
        try:
            delay = int(form["release_delay"] or 0)
        except ValueError:
            messages.error(request, _("Die Verzögerung muss eine ganze Zahl sein."))
        else:
            try:
                session = live.create(request.membership, request.user, title=form["title"],
                                      terms=form["terms"], speakers=form["speakers"],
                                      release_delay=delay)
            except ValueError as error:
                messages.error(request, str(error))
            else:
                return redirect("speech:live_console", pk=session.pk)
    decision = live.gate(request.user, request.tenant)
    return render(request, "speech/live_index.html", {
        "sessions": live.visible_sessions(request.membership)[:50],
        "refusal": None if decision else decision.reason, "form": form,
        "max_delay": live.MAX_DELAY_S,
    })


def _session(request, pk: int):
    return get_object_or_404(live.visible_sessions(request.membership), pk=pk)


@require_GET
@member_required
def console(request, pk: int):
    session = _session(request, pk)
    decision = live.gate(request.user, request.tenant)
    audience_url = request.build_absolute_uri(
        redirect("speech:live_audience", token=session.token).url)
    return render(request, "speech/live_console.html", {
        "session": session, "refusal": None if decision else decision.reason,
        "audience_url": audience_url, **_minutes_context(session),
        "line_count": session.lines.count(),
    })


def _minutes_context(session, **extra) -> dict:
    from aktenkundig.llm.gateway import is_available

    return {"session": session, "ended": session.status == LiveStatus.ENDED,
            "llm_available": is_available(live.MINUTES_DATA_LEVEL), **extra}


@require_POST
@member_required
def minutes(request, pk: int):
    """Draft the Niederschrift of an ended session. With HTMX the section comes
    back with the draft or the reason; without, the console page at the section."""
    session = _session(request, pk)
    draft = live.make_minutes(session, request.user)
    if request.headers.get("HX-Request"):
        return render(request, "speech/_live_minutes.html", _minutes_context(
            session, message=_("Der Entwurf der Niederschrift wurde erstellt.")
            if draft.available else "", error="" if draft.available else draft.reason))
    if draft.available:
        messages.success(request, _("Der Entwurf der Niederschrift wurde erstellt."))
    else:
        messages.error(request, draft.reason)
    return redirect(f"{reverse('speech:live_console', args=[session.pk])}#niederschrift")


@require_GET
@member_required
def minutes_download(request, pk: int):
    session = _session(request, pk)
    if not session.minutes:
        raise Http404
    live.log_export(session, request.user, "minutes")
    return attachment(session.minutes, f"live-{session.pk}.niederschrift.txt", "text/plain")


@require_POST
@member_required
def end(request, pk: int):
    session = _session(request, pk)
    if session.status != LiveStatus.ENDED:
        live.end(session, request.user)
        messages.success(request, _("Die Sitzung ist beendet. Die Untertitel stehen zum "
                                    "Herunterladen bereit."))
    return redirect("speech:live_console", pk=session.pk)


@require_GET
@member_required
def download(request, pk: int, fmt: str):
    session = _session(request, pk)
    lines = list(session.lines.order_by("index"))
    writers = {"vtt": (exports.vtt, "text/vtt"), "srt": (exports.srt, "application/x-subrip"),
               "txt": (lambda items: exports.transcript(items, title=session.title),
                       "text/plain")}
    if fmt not in writers:
        raise Http404
    write, content_type = writers[fmt]
    return attachment(write(lines), f"live-{session.pk}.{fmt}", content_type)


@require_GET
def audience(request, token: str):
    session = live.by_token(token)
    if session is None:
        raise Http404
    return render(request, "speech/live_audience.html", {"session": session})
