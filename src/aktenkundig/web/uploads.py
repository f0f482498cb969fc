"""The gate between the web (and API) layer and document ingestion.

Uploads are checked here before anything is stored: size limit, then the format
sniffed from the bytes (the file name and the browser's content type are not
trusted). Accepted files are stored and queued for background processing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from aktenkundig.core.models import Collection, Tenant
from aktenkundig.documents.models import Document

#: For the file input's ``accept`` attribute (a hint only; the server decides).
ACCEPT = ".pdf,.docx,.odt,.txt,.md,.html,.htm,.eml,.png,.jpg,.jpeg,.tif,.tiff"


class UploadRejected(ValueError):
    """The file is not accepted (message is user-facing, German)."""


def check_upload(uploaded: UploadedFile) -> bytes:
    """The file's bytes, if it is within the size limit and of a supported format."""
    from aktenkundig.documents.extract import ExtractionError, detect_kind

    limit = settings.MAX_UPLOAD_BYTES
    if uploaded.size is not None and uploaded.size > limit:
        raise UploadRejected(
            _("Die Datei ist zu groß (höchstens %(mb)d MB).") % {"mb": limit // (1024 * 1024)}
        )
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(
            _("Die Datei ist zu groß (höchstens %(mb)d MB).") % {"mb": limit // (1024 * 1024)}
        )
    try:
        detect_kind(data, uploaded.name or "")
    except ExtractionError as error:
        raise UploadRejected(str(error)) from None
    return data


def accept_upload(tenant: Tenant, collection: Collection, uploaded: UploadedFile) -> dict:
    """Check, store and queue one file. Returns a result for the user, never raises
    for bad input: ``{"name", "ok", "error"?, "document_id"?, "status"?}``."""
    from aktenkundig.documents.services import store_upload
    from aktenkundig.documents.tasks import process_document_task

    name = (uploaded.name or "").replace("\\", "/").rsplit("/", 1)[-1][:300] or "Datei"
    try:
        data = check_upload(uploaded)
        document = store_upload(tenant, collection, name, data)
    except UploadRejected as error:
        return {"name": name, "ok": False, "error": str(error)}
    except ValueError as error:  # the documents app's own refusals (duplicate, ...)
        return {"name": name, "ok": False, "error": str(error)}
    process_document_task.enqueue(document.pk)
    document.refresh_from_db(fields=["status", "error"])
    return {
        "name": name,
        "ok": True,
        "document_id": document.pk,
        "status": document.status,
    }


def delete_document(document: Document) -> None:
    from aktenkundig.documents.services import delete_document as delete

    delete(document)


def reindex_document(document: Document) -> None:
    from aktenkundig.documents.services import requeue
    from aktenkundig.documents.tasks import process_document_task

    requeue(document)
    process_document_task.enqueue(document.pk)
