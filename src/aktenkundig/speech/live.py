"""Live subtitle sessions: who may run them, how lines are stored, corrected and
released, and what the audience may see.

Sessions belong to a tenant; staff reach them only through ``visible_sessions``.
The audience reaches one only through its token (``by_token``), which is the one
secret of the public link. Starting the recognition is an AI use under the
KI-Register entry ``speech_live`` (gate, kill switch), audited at start and stop;
the recognised lines are stored (they become the subtitles and the transcript),
the audio is not.

A line is *held* when the session has a release delay: the corrector sees it at
once, the audience only after the delay has passed or the corrector releases it.
The functions here are synchronous ORM code; the WebSocket consumers call them
from worker threads.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from aktenkundig.core.models import AccessLevel
from aktenkundig.governance import audit
from aktenkundig.governance.policy import Decision, check_feature, feature_enabled
from aktenkundig.speech import exports
from aktenkundig.speech.models import LiveLine, LiveSession, LiveStatus
from aktenkundig.speech.subtitles import wrap
from aktenkundig.speech.transcribe import Terms

FEATURE = "speech_live"
MAX_TITLE = 200
MAX_TERMS_CHARS = 20_000
MAX_SPEAKERS = 40
MAX_DELAY_S = 120
MAX_LINE_CHARS = 300
MAX_FRAME_BYTES = 64_000  # two seconds of 16 kHz int16: a browser sends ~0.1 s a frame
AUDIO_AHEAD_S = 20  # an ingest may send this much audio ahead of the clock ...
AUDIO_RATE_FACTOR = 2  # ... and at most twice real time overall
# A live session has no Schutzstufe of its own. Even a public meeting's transcript
# names councillors and citizens who spoke, and it is not published before the
# Niederschrift is approved: it goes to a language model as "intern", as an
# uploaded file does by default.
MINUTES_DATA_LEVEL = AccessLevel.INTERN


class Refused(ValueError):
    """The governance gate said no; the message is for the person."""


def gate(user: Any, tenant) -> Decision:
    return check_feature(user, tenant, FEATURE)


def visible_sessions(membership):
    return LiveSession.objects.filter(tenant=membership.tenant)


def by_token(token: str) -> LiveSession | None:
    if not token or len(token) > 64:
        return None
    return LiveSession.objects.select_related("tenant").filter(token=token).first()


def parse_speakers(text: str) -> list[str]:
    names = [" ".join(line.split())[:120] for line in text.splitlines()]
    return list(dict.fromkeys(n for n in names if n))[:MAX_SPEAKERS]


def create(membership, user, *, title: str, terms: str = "", speakers: str = "",
           release_delay: int = 0) -> LiveSession:
    """A new session (not yet running). Raises ValueError with a German message."""
    title = " ".join(title.split())[:MAX_TITLE]
    if not title:
        raise ValueError(_("Bitte einen Titel angeben."))
    if len(terms) > MAX_TERMS_CHARS:
        raise ValueError(_("Die Begriffsliste ist zu lang (höchstens %(n)s Zeichen).")
                         % {"n": MAX_TERMS_CHARS})
    if not 0 <= release_delay <= MAX_DELAY_S:
        raise ValueError(_("Die Verzögerung muss zwischen 0 und %(n)s Sekunden liegen.")
                         % {"n": MAX_DELAY_S})
    session = LiveSession.objects.create(
        tenant=membership.tenant, created_by=user, title=title, terms=terms.strip(),
        speakers=parse_speakers(speakers), release_delay=release_delay)
    audit.log_human_action(membership.tenant, user=user, action="speech.live.created",
                           feature=FEATURE, details={"session": session.pk})
    return session


def terms_of(session: LiveSession) -> Terms:
    return Terms.parse(session.terms)


def start(session: LiveSession, user, *, system_actor: str = "") -> None:
    """The recognition starts (ingest connected). Raises Refused. Without a user
    (``aktenkundig speech live``, an operator at the server) only the tenant-wide
    gate applies (register entry, kill switch), as for the other operator tools."""
    if session.status == LiveStatus.ENDED:
        raise Refused(_("Diese Sitzung ist beendet."))
    decision = gate(user, session.tenant) if user is not None else still_allowed(session)
    if not decision:
        raise Refused(decision.reason)
    now = timezone.now()
    LiveSession.objects.filter(pk=session.pk).update(status=LiveStatus.LIVE,
                                                     started_at=session.started_at or now)
    _log_action(session, user, "speech.live.started", system_actor)


def _log_action(session: LiveSession, user, action: str, system_actor: str = "",
                **details) -> None:
    details = {"session": session.pk, **details}
    if user is None:
        audit.append(session.tenant, "human", {"action": action, **details}, feature=FEATURE,
                     system_actor=system_actor or "cli")
    else:
        audit.log_human_action(session.tenant, user=user, action=action, feature=FEATURE,
                               details=details)


def stop(session: LiveSession, user, *, seconds: float, lines: int, reason: str = "",
         system_actor: str = "") -> None:
    """The recognition stopped (ingest closed, killed or failed): audited with what
    it produced. The session stays open for corrections until it is ended."""
    LiveSession.objects.filter(pk=session.pk, status=LiveStatus.LIVE).update(
        status=LiveStatus.READY)
    text = " ".join(LiveLine.objects.filter(session=session).order_by("-index")
                    .values_list("text", flat=True)[:lines][::-1]) if lines else ""
    audit.log_ai_interaction(
        session.tenant, feature=FEATURE, user=user, backend="faster-whisper",
        model="whisper-base-int8", input_text=f"Live: {session.title}", output_text=text,
        extra={"session": session.pk, "audio_s": round(seconds, 1), "lines": lines,
               "reason": reason, "audio_stored": False},
        system_actor="" if user is not None else (system_actor or "cli"),
    )
    _log_action(session, user, "speech.live.stopped", system_actor, reason=reason)


def end(session: LiveSession, user) -> None:
    """The meeting is over: no more recognition; lines stay for the exports."""
    LiveSession.objects.filter(pk=session.pk).update(status=LiveStatus.ENDED,
                                                     ended_at=timezone.now())
    audit.log_human_action(session.tenant, user=user, action="speech.live.ended",
                           feature=FEATURE, details={"session": session.pk})


def make_minutes(session: LiveSession, user) -> exports.MinutesDraft:
    """A Niederschrift draft from the session's (corrected) lines through the
    configured model, the same path as a file job's (gate, routing, privacy hook
    and audit in :func:`exports.minutes_draft`). Only once the session has ended:
    while it runs, the lines are still coming and being corrected, and a draft of
    half a meeting would be mistaken for the whole one. The draft is kept on the
    session; a failed attempt leaves an earlier draft as it was."""
    if session.status != LiveStatus.ENDED:
        return exports.MinutesDraft(reason=_(
            "Der Entwurf der Niederschrift kann erst nach dem Ende der Sitzung erstellt "
            "werden."))
    draft = exports.minutes_draft(session.lines.order_by("index"), tenant=session.tenant,
                                  user=user, data_level=MINUTES_DATA_LEVEL,
                                  title=session.title, reference=f"speech-live:{session.pk}")
    if draft.available:
        session.minutes, session.minutes_model = draft.as_text(), draft.model
        session.save(update_fields=["minutes", "minutes_model"])
    return draft


def log_export(session: LiveSession, user, fmt: str) -> None:
    _log_action(session, user, "speech.live.exported", format=fmt)


def still_allowed(session: LiveSession) -> Decision:
    """Tenant-wide gate for a running stream (the kill switch stops it)."""
    return feature_enabled(session.tenant, FEATURE)


def add_lines(session: LiveSession, lines) -> list[LiveLine]:
    """Store committed ``streaming.Line`` objects; released at once without a delay."""
    if not lines:
        return []
    terms = terms_of(session)
    with transaction.atomic():
        last = LiveLine.objects.filter(session=session).aggregate(n=Max("index"))["n"]
        index = -1 if last is None else last
        rows = []
        for line in lines:
            index += 1
            rows.append(LiveLine(
                session=session, index=index, start=line.start, end=line.end,
                text=terms.fix(line.text)[:MAX_LINE_CHARS], confidence=line.confidence,
                words=line.words_json(), released=session.release_delay == 0))
        LiveLine.objects.bulk_create(rows)
    return list(LiveLine.objects.filter(session=session, index__gt=index - len(rows)))


def edit_line(session: LiveSession, index: int, *, text: str | None = None,
              speaker: str | None = None) -> LiveLine:
    """A person's correction of a line's text or speaker. Raises ValueError."""
    line = LiveLine.objects.filter(session=session, index=index).first()
    if line is None:
        raise ValueError(_("Diese Zeile gibt es nicht."))
    if text is not None:
        text = " ".join(str(text).split())
        if not text:
            raise ValueError(_("Eine Zeile darf nicht leer sein."))
        if len(text) > MAX_LINE_CHARS:
            raise ValueError(_("Eine Zeile hat höchstens %(n)s Zeichen.") % {"n": MAX_LINE_CHARS})
        if text != line.text:
            line.text, line.corrected = text, True
    if speaker is not None:
        speaker = str(speaker)
        if speaker and speaker not in session.speakers:
            raise ValueError(_("Diese Person steht nicht in der Liste der Sprechenden."))
        line.speaker = speaker
    line.save()
    return line


def release(session: LiveSession, index: int | None = None) -> list[LiveLine]:
    """Release one held line, or all of them; returns the lines released."""
    held = LiveLine.objects.filter(session=session, released=False)
    if index is not None:
        held = held.filter(index__lte=index)  # in order: nothing overtakes a held line
    lines = list(held)
    LiveLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        released=True, updated_at=timezone.now())
    for line in lines:
        line.released = True
    return lines


def release_due(session: LiveSession) -> list[LiveLine]:
    """Held lines whose delay has passed."""
    if not session.release_delay:
        return []
    due = timezone.now() - timedelta(seconds=session.release_delay)
    last = (LiveLine.objects.filter(session=session, released=False, created_at__lte=due)
            .aggregate(n=Max("index"))["n"])
    return [] if last is None else release(session, last)


def payload(line: LiveLine, *, staff: bool) -> dict[str, Any]:
    """What a socket sends: the audience gets the text wrapped to caption lines
    (the speaker's name in front, as German subtitles mark a change of speaker);
    staff also get the raw text, word marks, confidence and state."""
    shown = f"{line.speaker}: {line.text}" if line.speaker else line.text
    data = {"type": "line", "index": line.index, "lines": wrap(shown),
            "speaker": line.speaker, "start": round(line.start, 2)}
    if staff:
        data.update(text=line.text, confidence=round(line.confidence, 3), words=line.words,
                    released=line.released, corrected=line.corrected)
    return data
