"""Publishing to the citizen chatbot is a decision, never a default (issue #9, 3).

An upload once landed in the public collection without a word, and a caretaker's
name and phone number from the PDF then came out of the public chatbot. So:

* the upload form offers the most restrictive collection first, and a public
  collection needs an explicit "publish" (web form and API alike);
* a document bound for a public collection is checked for personal data
  (``privacy.detection``) after extraction and before anything is indexed; if
  some is found, it stays unsearchable in status "Prüfung nötig" with the kinds
  and counts found, until a person who manages the collection releases it.
  The release is audited.

Place and organisation names are not counted: a bylaw names its municipality.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aktenkundig.documents.models import Document, DocumentStatus

#: What counts as personal data here (detector type names).
PERSONAL_TYPES = {
    "PERSON", "PHONE", "EMAIL", "ADDRESS", "IBAN", "BIC", "DATE_OF_BIRTH", "TAX_ID",
    "TAX_NUMBER", "SOCIAL_SECURITY", "HEALTH_INSURANCE_NUMBER", "ID_CARD", "PASSPORT",
    "LICENSE_PLATE",
}  # fmt: skip
#: Longer texts are checked in pieces of this size (the NER's cost is linear).
PIECE_CHARS = 20_000
#: Beyond this, the document is held for a person to look at without counting.
MAX_CHECK_CHARS = 400_000

LABELS = {
    "PERSON": gettext_lazy("Name"), "PHONE": gettext_lazy("Telefonnummer"),
    "EMAIL": gettext_lazy("E-Mail-Adresse"), "ADDRESS": gettext_lazy("Anschrift"),
    "IBAN": gettext_lazy("IBAN"), "DATE_OF_BIRTH": gettext_lazy("Geburtsdatum"),
}  # fmt: skip


def upload_choices(collections):
    """The collections to offer for an upload, the most restrictive first (the
    form's default), public ones last."""
    return collections.order_by("-access_level", "is_public", "name")


def publish_confirmed(collection, confirmed: bool) -> bool:
    """Uploading into a public collection needs an explicit choice."""
    return confirmed or not collection.is_public


def needs_check(document: Document) -> bool:
    return document.collection.is_public and document.released_by_id is None


def personal_data(text: str, tenant=None) -> dict[str, int] | None:
    """Counts per type of personal data in ``text``; None when too long to check."""
    from aktenkundig.privacy.detection import detect

    if len(text) > MAX_CHECK_CHARS:
        return None
    counts: dict[str, int] = {}
    for start in range(0, len(text), PIECE_CHARS):
        for entity in detect(text[start : start + PIECE_CHARS], tenant=tenant):
            if entity.type in PERSONAL_TYPES or entity.type.startswith("CUSTOM"):
                counts[entity.type] = counts.get(entity.type, 0) + 1
    return counts


def hold_reason(counts: dict[str, int] | None) -> str:
    if counts is None:
        return _("Für die automatische Prüfung auf personenbezogene Daten zu lang: bitte vor "
                 "der Veröffentlichung im Bürger-Chatbot selbst prüfen und freigeben.")
    found = ", ".join(
        f"{n} × {LABELS.get(kind, kind)}" for kind, n in sorted(counts.items())
    )
    return _("Personenbezogene Daten erkannt (%(found)s): nicht veröffentlicht. Bitte prüfen "
             "und ausdrücklich freigeben.") % {"found": found}


def release(document: Document, user) -> None:
    """A person who manages the collection publishes the document anyway: processed
    again, this time indexed. Audited with who and what was found."""
    from aktenkundig.documents.services import _audit, queue_processing

    Document.objects.filter(pk=document.pk).update(
        released_by=user, released_at=timezone.now(), status=DocumentStatus.QUEUED
    )
    _audit(document, "document.released_with_personal_data", user=user,
           before={"status": document.status, "reason": document.error})
    queue_processing(document)
