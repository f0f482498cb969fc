"""Background work of the documents app (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def process_document_task(document_id: int) -> str:
    """Extract, OCR and chunk an uploaded document; returns its final status."""
    from aktenkundig.documents.models import Document
    from aktenkundig.documents.services import process_document, recover_stale

    recover_stale()  # documents of workers that died meanwhile
    document = Document.objects.filter(pk=document_id).first()
    if document is None:  # deleted while it waited in the queue
        return "missing"
    return process_document(document).status
