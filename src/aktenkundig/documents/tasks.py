"""Background work of the documents app (django-tasks)."""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)


@task()
def process_document_task(document_id: int) -> str:
    """Extract, OCR, chunk and embed an uploaded document; returns its final status.

    The vectors are computed here, in the same piece of background work, not left to
    "later": a document the library lists as searchable but that has no vectors is
    found by its words only, and the assistant's coverage judgement (which weighs the
    e5 similarity most) then refuses paraphrased questions about it. Nothing else
    would ever embed an upload while the server runs (issue #9, point 1).
    """
    from aktenkundig.documents.models import Document, DocumentStatus
    from aktenkundig.documents.services import process_document, recover_stale

    recover_stale()  # documents of workers that died meanwhile
    document = Document.objects.filter(pk=document_id).first()
    if document is None:  # deleted while it waited in the queue
        return "missing"
    document = process_document(document)
    if document.status == DocumentStatus.INDEXED:
        from aktenkundig.search.services import embed_pending

        try:
            embed_pending(tenant=document.tenant)
        except Exception:  # lexical search works; the next upload or reindex retries
            log.exception("embedding document %s failed", document_id)
    return document.status
