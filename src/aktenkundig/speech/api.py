"""REST endpoints of the subtitles (mounted under /api/speech/).

``POST /jobs`` (multipart: ``file``, optional ``data_level``) queues a file like
the staff page does (KI-Register gate; refused: ``403`` with the German reason);
``GET /jobs/{id}`` returns its status and progress and, once done, the VTT, SRT
and transcript (with the corrections made in the editor) and the recognised text.
Jobs are scoped to the token owner's tenant and clearance like the pages.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import File, Form, Router
from ninja.errors import HttpError
from ninja.files import UploadedFile

from aktenkundig.accounts.api import api_auth
from aktenkundig.accounts.services import membership_of
from aktenkundig.core.models import AccessLevel
from aktenkundig.speech import jobs

router = Router(tags=["speech"], auth=api_auth)


def _membership(request):
    membership = membership_of(request.user)
    if membership is None:
        raise HttpError(403, "Dieses Konto gehört zu keiner Behörde.")
    return membership


def _job_json(job) -> dict[str, Any]:
    """Once done: the current subtitles (with a person's corrections, if any;
    ``corrected`` says which), the transcript and the recognised text."""
    done = job.status == "done"
    return {"id": job.pk, "filename": job.filename, "status": job.status, "error": job.error,
            "duration": job.duration, "progress": job.progress,
            "vtt": jobs.render(job, "vtt") if done else None,
            "srt": jobs.render(job, "srt") if done else None,
            "transcript": jobs.render(job, "txt") if done else None,
            "text": job.text if done else None,
            "corrected": job.corrected_cues is not None, "ai_generated": True}


@router.post("/jobs", summary="Queue an audio or video file for subtitles")
def create_job(request, file: File[UploadedFile],
               data_level: Form[int] = AccessLevel.INTERN) -> dict[str, Any]:
    membership = _membership(request)
    try:
        AccessLevel(data_level)
        job = jobs.accept(membership, request.user, file, data_level)
    except jobs.Refused as error:
        raise HttpError(403, str(error)) from error
    except ValueError as error:
        raise HttpError(400, str(error)) from error
    job.refresh_from_db()
    return _job_json(job)


@router.get("/jobs/{job_id}", summary="Status and subtitles of a job")
def get_job(request, job_id: int) -> dict[str, Any]:
    return _job_json(get_object_or_404(jobs.visible_jobs(_membership(request)), pk=job_id))
