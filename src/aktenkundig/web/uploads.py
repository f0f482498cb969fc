"""The gate between the web (and API) layer and document ingestion.

``documents.services.store_upload`` checks size and sniffs the format from the
bytes (the file name and the browser's content type are not trusted); here the
outcome is turned into a result for the person uploading, and accepted files are
queued for background processing (extraction, OCR, chunking, embedding).
"""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from aktenkundig.core.models import Collection
from aktenkundig.documents.extract import ExtractionError
from aktenkundig.documents.models import Document, DocumentStatus
from aktenkundig.documents.services import delete_document as _delete
from aktenkundig.documents.services import queue_processing, store_upload

#: For the file input's ``accept`` attribute (a hint only; the server decides).
ACCEPT = ".pdf,.docx,.odt,.txt,.md,.html,.htm,.eml,.png,.jpg,.jpeg,.tif,.tiff"


def display_name(uploaded: UploadedFile) -> str:
    return (uploaded.name or "").replace("\\", "/").rsplit("/", 1)[-1][:300] or "Datei"


def accept_upload(collection: Collection, uploaded: UploadedFile, user=None) -> dict:
    """Check, store and queue one file. Never raises for bad input; returns
    ``{"name", "ok", "error"?, "document_id"?, "status"?, "duplicate"?}``."""
    name = display_name(uploaded)
    try:
        document = store_upload(uploaded, collection, uploaded_by=user)
    except ExtractionError as error:
        return {"name": name, "ok": False, "error": str(error)}
    # store_upload returns the existing document for bytes the collection already has.
    if document.status != DocumentStatus.QUEUED:
        return {
            "name": name,
            "ok": True,
            "duplicate": True,
            "document_id": document.pk,
            "status": document.status,
            "error": _("Diese Datei ist in der Sammlung schon vorhanden."),
        }
    queue_processing(document)
    result = {"name": name, "ok": True, "document_id": document.pk, "status": document.status}
    others = Document.objects.filter(
        collection=collection, source_path=document.source_path
    ).exclude(pk=document.pk).exclude(uploaded_by_id=document.uploaded_by_id)
    if others.exists():
        # Said out loud: the other person's document stays, both are kept.
        result["note"] = _(
            "Eine Datei dieses Namens von einer anderen Person bleibt erhalten; "
            "beide sind nun in der Sammlung."
        )
    return result


def delete_document(document: Document, user=None) -> None:
    """Delete the document; its passages leave the index and all future answers."""
    _delete(document, user=user)


def reindex_document(document: Document) -> None:
    """Read the stored original again, in the background."""
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.QUEUED, error="")
    queue_processing(document)
