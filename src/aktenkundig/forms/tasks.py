"""Background delivery of committed records (see webhook.py)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_task(submission_id: int) -> bool:
    from aktenkundig.forms import webhook
    from aktenkundig.forms.models import Submission

    submission = Submission.objects.select_related("form_type", "tenant").filter(
        pk=submission_id).first()
    return False if submission is None else webhook.deliver(submission)
