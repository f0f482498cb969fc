"""Subtitle jobs for the staff page: accept an upload, transcribe it in the
background, let a person correct the cues, export them.

Every step is scoped to the tenant, and a job is visible only to members whose
clearance covers the data level declared at upload (a recording of a closed
session is not for every colleague). The KI-Register gate (feature ``speech``) is
checked at upload *and* again when the task runs, so a kill switch thrown in
between stops queued work too. Each transcription is an audited AI interaction;
each correction, export and deletion of the recording is an audited human action
(the record of who made the published subtitles what they are).

Corrections never overwrite the recogniser's cues: the first edit copies them
into ``corrected_cues``, and the exports use that list from then on.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktenkundig import config
from aktenkundig.governance import audit
from aktenkundig.governance.policy import Decision, check_feature
from aktenkundig.speech import exports, remote
from aktenkundig.speech.models import JobStatus, SubtitleJob
from aktenkundig.speech.subtitles import MAX_LINES, wrap

FEATURE = "speech"
MAX_UPLOAD_BYTES = 500 * 1024 * 1024
ACCEPT = (".mp4", ".webm", ".mkv", ".mov", ".mp3", ".wav", ".m4a", ".ogg", ".oga", ".opus",
          ".flac")
VIDEO = (".mp4", ".webm", ".mkv", ".mov")
# the player's content types, fixed here rather than read from the system's mime.types
MEDIA_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".mkv": "video/x-matroska",
               ".mov": "video/quicktime", ".mp3": "audio/mpeg", ".wav": "audio/wav",
               ".m4a": "audio/mp4", ".ogg": "audio/ogg", ".oga": "audio/ogg",
               ".opus": "audio/ogg", ".flac": "audio/flac"}
MAX_CUE_CHARS = 500
LOW_CONFIDENCE = 0.5  # below this a cue is marked for checking (a rough signal, see transcribe)
EXPORTS = {  # format: (content type, file name suffix)
    "vtt": ("text/vtt", "vtt"),
    "srt": ("application/x-subrip", "srt"),
    "txt": ("text/plain", "transkript.txt"),
}


class Refused(ValueError):
    """The governance gate said no (KI-Register, kill switch, training, level)."""


def gate(user: Any, tenant, data_level: int | None = None,
         backend: str | None = None) -> Decision:
    return check_feature(user, tenant, FEATURE, data_level=data_level, backend=backend)


def visible_jobs(membership):
    return SubtitleJob.objects.filter(tenant=membership.tenant,
                                      data_level__lte=membership.clearance)


def _upload_dir() -> Path:
    path = config.data_dir() / "speech" / "uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def accept(membership, user, uploaded, data_level: int) -> SubtitleJob:
    """Store the upload privately and queue its transcription. Raises ValueError
    with a message for the person on bad input or a refused gate."""
    name = Path(uploaded.name or "").name[:200]
    if not name.lower().endswith(ACCEPT):
        raise ValueError(_("Bitte eine Video- oder Tondatei hochladen (%(types)s).")
                         % {"types": ", ".join(ACCEPT)})
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise ValueError(_("Die Datei ist zu groß (höchstens %(n)s MB).")
                         % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)})
    data_level = min(data_level, membership.clearance)
    decision = gate(user, membership.tenant, data_level)
    if not decision:
        raise Refused(decision.reason)
    target = _upload_dir() / f"{secrets.token_hex(16)}{Path(name).suffix.lower()}"
    with target.open("wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    target.chmod(0o600)
    job = SubtitleJob.objects.create(tenant=membership.tenant, created_by=user, filename=name,
                                     data_level=data_level, upload_path=str(target))
    audit.log_human_action(membership.tenant, user=user, action="speech.uploaded",
                           feature=FEATURE, details={"job": job.pk, "file": name})
    from aktenkundig.speech.tasks import transcribe_job_task

    transaction.on_commit(lambda: transcribe_job_task.enqueue(job.pk))
    return job


def run(job_id: int) -> str:
    """Transcribe a queued job; the upload is deleted whatever happens."""
    from aktenkundig.llm.local_models import ModelNotAvailable
    from aktenkundig.speech.subtitles import to_srt, to_vtt
    from aktenkundig.speech.transcribe import SpeechError, transcribe_file

    updated = SubtitleJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING)
    job = SubtitleJob.objects.filter(pk=job_id).first()
    if job is None or not updated:
        return "missing" if job is None else job.status  # deleted, or taken by another worker
    upload = Path(job.upload_path)
    started = time.perf_counter()
    try:
        decision = gate(job.created_by, job.tenant, job.data_level)
        if not decision:
            raise SpeechError(decision.reason)
        last = [0.0]

        def progress(fraction: float) -> None:  # a write every 2 s at most
            if time.perf_counter() - last[0] >= 2.0:
                last[0] = time.perf_counter()
                SubtitleJob.objects.filter(pk=job.pk).update(progress=fraction)

        # the KI-Richtlinie may exclude the transcription server (allowed backends)
        remote_allowed = bool(gate(job.created_by, job.tenant, job.data_level,
                                   backend=remote.NAME))
        transcript = transcribe_file(upload, on_progress=progress, data_level=job.data_level,
                                     remote_allowed=remote_allowed)
        job.progress = 1.0
        job.cues = [cue_dict(c.start, c.end, c.lines, c.confidence) for c in transcript.cues]
        job.vtt, job.srt = to_vtt(transcript.cues), to_srt(transcript.cues)
        job.text, job.duration = transcript.text, transcript.duration
        job.status = JobStatus.DONE
        audit.log_ai_interaction(
            job.tenant, feature=FEATURE, user=job.created_by, backend=transcript.backend,
            model=transcript.model, input_text=job.filename, output_text=transcript.text,
            latency_ms=(time.perf_counter() - started) * 1000,
            extra={"job": job.pk, "duration_s": round(transcript.duration, 1),
                   "segments": len(transcript.segments), "dropped": len(transcript.dropped)},
        )
    except (SpeechError, ModelNotAvailable) as error:
        job.status, job.error = JobStatus.FAILED, str(error)
    except Exception:  # a worker records the failure before it re-raises
        job.status, job.error = JobStatus.FAILED, _("Die Erkennung ist fehlgeschlagen.")
        raise
    finally:
        if job.status != JobStatus.DONE or keep_media_days() <= 0:
            upload.unlink(missing_ok=True)
            job.upload_path = ""
        job.finished_at = timezone.now()
        job.save()
        purge_media()
    return job.status


# --------------------------------------------------------------------------- recording


def keep_media_days() -> int:
    return max(0, config.get_int("AKTENKUNDIG_SPEECH_KEEP_MEDIA_DAYS"))


def purge_media(now=None) -> int:
    """Delete recordings past the retention period (the subtitles stay). Cheap
    enough to run after every job and on the list page, so no timer is needed."""
    cutoff = (now or timezone.now()) - timedelta(days=keep_media_days())
    count = 0
    for job in SubtitleJob.objects.exclude(upload_path="").filter(
            status__in=(JobStatus.DONE, JobStatus.FAILED), finished_at__lt=cutoff):
        Path(job.upload_path).unlink(missing_ok=True)
        SubtitleJob.objects.filter(pk=job.pk).update(upload_path="")
        count += 1
    return count


def media(job: SubtitleJob, user) -> tuple[Path, str] | None:
    """The kept recording and its content type, once the job is done, for the
    person who uploaded it only: colleagues who may see the job (tenant,
    clearance) can correct its text, but the voices themselves are personal data
    that only the uploader needs to hear again."""
    if job.status != JobStatus.DONE or not job.upload_path or not is_owner(job, user):
        return None
    path = Path(job.upload_path)
    if not path.is_file():
        return None
    return path, MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


def is_video(job: SubtitleJob) -> bool:
    return Path(job.filename).suffix.lower() in VIDEO


def is_owner(job: SubtitleJob, user) -> bool:
    return job.created_by_id is not None and job.created_by_id == getattr(user, "pk", None)


def delete_media(job: SubtitleJob, user) -> None:
    if job.upload_path and is_owner(job, user):
        Path(job.upload_path).unlink(missing_ok=True)
        job.upload_path = ""
        job.save(update_fields=["upload_path"])
        audit.log_human_action(job.tenant, user=user, action="speech.media_deleted",
                               feature=FEATURE, details={"job": job.pk})


# --------------------------------------------------------------------------- corrections


def cue_dict(start: float, end: float, lines: list[str], confidence: float = 1.0,
             edited: bool = False) -> dict[str, Any]:
    cue = {"start": round(float(start), 3), "end": round(float(end), 3), "lines": list(lines),
           "confidence": round(float(confidence), 3)}
    if edited:
        cue["edited"] = True
    return cue


def parse_vtt(text: str) -> list[dict[str, Any]]:
    """Cues from a WebVTT text (jobs made before cues were stored as data)."""
    cues = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.strip().split("\n") if line.strip()]
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        start, end = (part.strip().split(" ")[0] for part in lines[timing].split("-->"))
        try:
            cues.append(cue_dict(_seconds(start), _seconds(end), lines[timing + 1:]))
        except ValueError:
            continue
    return cues


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    return sum(float(p) * 60 ** i for i, p in enumerate(reversed(parts)))


def current_cues(job: SubtitleJob) -> list[dict[str, Any]]:
    """The cues a person sees and exports: the corrected ones once there are any."""
    if job.corrected_cues is not None:
        return job.corrected_cues
    return job.cues or parse_vtt(job.vtt)


def too_long(cue: dict[str, Any]) -> bool:
    return len(wrap(" ".join(cue["lines"]))) > MAX_LINES


def _locked(job: SubtitleJob) -> SubtitleJob:
    locked = SubtitleJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != JobStatus.DONE:
        raise ValueError(_("Die Untertitel sind noch nicht fertig."))
    return locked


def _save_corrections(job: SubtitleJob, user, cues: list[dict[str, Any]], action: str,
                      details: dict[str, Any]) -> None:
    job.corrected_cues = cues
    job.corrected_at, job.corrected_by = timezone.now(), user
    job.save(update_fields=["corrected_cues", "corrected_at", "corrected_by"])
    audit.log_human_action(job.tenant, user=user, action=action, feature=FEATURE,
                           details={"job": job.pk, **details})


def edit_cue(job: SubtitleJob, user, index: int, text: str) -> SubtitleJob:
    """Replace cue ``index``'s text (empty text removes the cue). The line breaks
    are made by the line rules; a text too long for two lines is kept and marked,
    so the person can split it (:func:`split_cue`)."""
    text = " ".join(text.split())
    if len(text) > MAX_CUE_CHARS:
        raise ValueError(_("Ein Untertitel darf höchstens %(n)s Zeichen lang sein.")
                         % {"n": MAX_CUE_CHARS})
    with transaction.atomic():
        job = _locked(job)
        cues = [dict(c) for c in current_cues(job)]
        if not 0 <= index < len(cues):
            raise ValueError(_("Diesen Untertitel gibt es nicht mehr."))
        before = " ".join(cues[index]["lines"])
        if text == before:
            return job
        if text:
            cues[index] = cue_dict(cues[index]["start"], cues[index]["end"], wrap(text),
                                   cues[index].get("confidence", 1.0), edited=True)
        else:
            del cues[index]
        _save_corrections(job, user, cues, "speech.cue_corrected",
                          {"cue": index, "removed": not text})
    return job


def split_cue(job: SubtitleJob, user, index: int) -> SubtitleJob:
    """Split cue ``index`` by the subtitle rules (two lines of 42 characters,
    reading speed) into consecutive cues within its own time span."""
    with transaction.atomic():
        job = _locked(job)
        cues = [dict(c) for c in current_cues(job)]
        if not 0 <= index < len(cues):
            raise ValueError(_("Diesen Untertitel gibt es nicht mehr."))
        cue = cues[index]
        pieces = exports.cues([{"start": cue["start"], "end": cue["end"],
                                "text": " ".join(cue["lines"]),
                                "confidence": cue.get("confidence", 1.0)}])
        if len(pieces) < 2:
            raise ValueError(_("Dieser Untertitel passt in zwei Zeilen; Teilen ist nicht nötig."))
        last = len(pieces) - 1  # build_cues keeps the pieces apart; the last ends with the cue
        new = [cue_dict(piece.start, cue["end"] if n == last else min(piece.end, cue["end"]),
                        piece.lines, cue.get("confidence", 1.0), edited=True)
               for n, piece in enumerate(pieces)]
        cues[index:index + 1] = new
        _save_corrections(job, user, cues, "speech.cue_split", {"cue": index, "parts": len(new)})
    return job


def reset_corrections(job: SubtitleJob, user) -> None:
    with transaction.atomic():
        job = _locked(job)
        if job.corrected_cues is None:
            return
        job.corrected_cues, job.corrected_at, job.corrected_by = None, None, None
        job.save(update_fields=["corrected_cues", "corrected_at", "corrected_by"])
        audit.log_human_action(job.tenant, user=user, action="speech.corrections_discarded",
                               feature=FEATURE, details={"job": job.pk})


# --------------------------------------------------------------------------- exports


def render(job: SubtitleJob, fmt: str) -> str:
    cues = current_cues(job)
    if fmt == "vtt":
        return exports.vtt(cues)
    if fmt == "srt":
        return exports.srt(cues)
    if fmt == "txt":
        return exports.transcript(cues, title=job.filename)
    raise ValueError(fmt)


def export(job: SubtitleJob, user, fmt: str) -> str:
    """The current (corrected) cues as ``fmt``; audited, since an export is what
    gets published."""
    body = render(job, fmt)
    log_export(job, user, fmt)
    return body


def log_export(job: SubtitleJob, user, fmt: str) -> None:
    audit.log_human_action(job.tenant, user=user, action="speech.exported", feature=FEATURE,
                           details={"job": job.pk, "format": fmt,
                                    "corrected": job.corrected_cues is not None})


def make_minutes(job: SubtitleJob, user) -> exports.MinutesDraft:
    """A Niederschrift draft from the current cues through the configured model
    (gate, routing, privacy hook and audit in :func:`exports.minutes_draft`)."""
    draft = exports.minutes_draft(current_cues(job), tenant=job.tenant, user=user,
                                  data_level=job.data_level, title=job.filename,
                                  reference=f"speech-job:{job.pk}")
    if draft.available:
        job.minutes, job.minutes_model = draft.as_text(), draft.model
        job.save(update_fields=["minutes", "minutes_model"])
    return draft
