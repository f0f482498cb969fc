"""Subtitle jobs for the staff page: accept an upload, transcribe it in the
background, keep only the results.

Every step is scoped to the tenant, and a job is visible only to members whose
clearance covers the data level declared at upload (a recording of a closed
session is not for every colleague). The KI-Register gate (feature ``speech``) is
checked at upload *and* again when the task runs, so a kill switch thrown in
between stops queued work too. Each transcription is an audited AI interaction.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktenkundig import config
from aktenkundig.governance import audit
from aktenkundig.governance.policy import Decision, check_feature
from aktenkundig.speech.models import JobStatus, SubtitleJob

FEATURE = "speech"
MAX_UPLOAD_BYTES = 500 * 1024 * 1024
ACCEPT = (".mp4", ".webm", ".mkv", ".mov", ".mp3", ".wav", ".m4a", ".ogg", ".oga", ".opus",
          ".flac")


class Refused(ValueError):
    """The governance gate said no (KI-Register, kill switch, training, level)."""


def gate(user: Any, tenant, data_level: int | None = None) -> Decision:
    return check_feature(user, tenant, FEATURE, data_level=data_level)


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

        transcript = transcribe_file(upload, on_progress=progress)
        job.progress = 1.0
        job.vtt, job.srt = to_vtt(transcript.cues), to_srt(transcript.cues)
        job.text, job.duration = transcript.text, transcript.duration
        job.status = JobStatus.DONE
        audit.log_ai_interaction(
            job.tenant, feature=FEATURE, user=job.created_by, backend="faster-whisper",
            model="whisper-base-int8", input_text=job.filename, output_text=transcript.text,
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
        upload.unlink(missing_ok=True)
        job.upload_path = ""
        job.finished_at = timezone.now()
        job.save()
    return job.status
