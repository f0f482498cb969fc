"""Background task: delete conversations past their retention period.

Queue it daily (e.g. from a systemd timer or cron: ``aktenkundig purge_history --enqueue``).
"""

from __future__ import annotations

from django_tasks import task

from aktenkundig.history.services import purge_expired


@task()
def purge_history_task() -> int:
    return purge_expired()
