"""Background work of the speech app (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def transcribe_job_task(job_id: int) -> str:
    """Transcribe one uploaded file (minutes of CPU: never in the request)."""
    from aktenkundig.speech.jobs import run

    return run(job_id)
