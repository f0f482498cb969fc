"""Form recognition as a step of the Posteingang.

A scan centre does not sort forms from letters before scanning: a Kindergeld application
arrives in the same batch as a complaint. So every item the inbox reads (PDF or image) is
offered to the form recogniser of its tenant, in the background (recognition of a scan
takes seconds and must not hold up the hot folder or the mailbox). Where a page matches a
registered form, a submission waits for review like an uploaded one, and the inbox item
links to it; where nothing matches, nothing happens: most letters are not forms.

The inbox does not know this app (it only sends :data:`inbox.signals.item_received`);
this module is the one place that knows both.
"""

from __future__ import annotations

import logging

from django.urls import reverse

from aktenkundig.forms.schema import FormError

logger = logging.getLogger(__name__)

#: what the recogniser can read (filled PDFs, image-only PDFs, scans and photos)
FORM_TYPES = ("application/pdf", "image/")


def offer(sender, item, **kwargs) -> None:
    """Receiver of ``item_received``: queue recognition when the tenant has a form to
    compare against and the feature is allowed. Cheap checks only."""
    from aktenkundig.forms.models import FormType
    from aktenkundig.forms.services import FEATURE
    from aktenkundig.forms.tasks import recognise_inbox_item_task
    from aktenkundig.governance import policy

    if not item.original or not item.mime_type.startswith(FORM_TYPES):
        return
    if not FormType.objects.filter(tenant=item.tenant).exclude(blank=None).exists():
        return
    if not policy.feature_enabled(item.tenant, FEATURE):
        return  # kill switch or no register entry: the item stays a plain letter
    recognise_inbox_item_task.enqueue(item.pk)


def recognise(item) -> int | None:
    """Recognise one inbox item; returns the new submission's id, or None when the item
    is not one of the tenant's forms. Idempotent: an item is recognised once."""
    from aktenkundig.forms import services
    from aktenkundig.forms.models import Submission
    from aktenkundig.governance import policy
    from aktenkundig.inbox.services import add_evidence

    existing = Submission.objects.filter(tenant=item.tenant, inbox_item=item).first()
    if existing is not None:
        return existing.pk
    if not policy.feature_enabled(item.tenant, services.FEATURE):
        return None  # switched off between queueing and running
    with item.original.open("rb") as handle:
        data = handle.read(services.MAX_UPLOAD + 1)
    try:
        submission = services.submit(item.tenant, data, filename=item.original_name,
                                     channel="inbox", inbox_item=item)
    except FormError:
        return None  # a letter, not a form
    add_evidence(item, "form", {
        "submission": submission.pk, "name": submission.form_type.name,
        "version": submission.form_type.version,
        "url": reverse("forms:review", args=[submission.pk]),
    })
    return submission.pk
