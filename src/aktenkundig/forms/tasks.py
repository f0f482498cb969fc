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


@task()
def recognise_inbox_item_task(item_id: int) -> int | None:
    """Recognise a Posteingang item as a form (see intake.py)."""
    from aktenkundig.forms import intake
    from aktenkundig.inbox.models import Item

    item = Item.objects.select_related("tenant").filter(pk=item_id).first()
    return None if item is None else intake.recognise(item)
