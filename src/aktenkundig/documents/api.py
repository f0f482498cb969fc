"""REST endpoints of the document library (mounted under /api/documents/).

Same rules as the web pages: a personal token (or the session) identifies the
person; they see documents of collections they may read, and change only those
of collections they manage. Anything else of another tenant is a 404.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from aktenkundig.accounts.api import api_auth
from aktenkundig.accounts.services import (
    can_manage_collection,
    manageable_collections,
    readable_collections,
)
from aktenkundig.core.models import AccessLevel
from aktenkundig.documents import publication
from aktenkundig.documents.models import Document, DocumentStatus
from aktenkundig.web import uploads

router = Router(tags=["documents"], auth=api_auth)
MAX_ID = 2**63 - 1  # the largest integer both databases hold


class CollectionOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    access_level: str = Field(description="offen, intern, vertraulich or vs-nfd")
    is_public: bool
    document_count: int
    can_manage: bool


class DocumentOut(Schema):
    id: int
    title: str
    original_name: str
    collection_id: int
    status: str = Field(
        description="queued, processing, ocr, embedding, indexed, failed or review "
        "(personal data found, bound for a public collection: waits for a person)"
    )
    error: str
    size: int
    mime_type: str
    page_count: int | None
    chunk_count: int
    created_at: datetime
    updated_at: datetime


class UploadResult(Schema):
    name: str
    ok: bool
    error: str | None = None
    document_id: int | None = None
    status: str | None = None
    duplicate: bool = False
    note: str | None = None


class UploadOut(Schema):
    results: list[UploadResult]


class Message(Schema):
    detail: str


def _document_out(document: Document) -> dict:
    return {
        "id": document.pk,
        "title": document.title,
        "original_name": document.original_name,
        "collection_id": document.collection_id,
        "status": document.status,
        "error": document.error,
        "size": document.size,
        "mime_type": document.mime_type,
        "page_count": document.page_count,
        "chunk_count": getattr(document, "chunk_count", None) or document.chunks.count(),
        "created_at": document.created_at,
        "updated_at": document.updated_at,
    }


def _readable(request):
    return Document.objects.filter(collection__in=readable_collections(request.user))


@router.get("/collections", response=list[CollectionOut], summary="Collections you may read")
def list_collections(request):
    manageable = set(manageable_collections(request.user).values_list("pk", flat=True))
    collections = readable_collections(request.user).annotate(n=Count("documents"))
    return [
        {
            "id": c.pk,
            "name": c.name,
            "slug": c.slug,
            "description": c.description,
            "access_level": AccessLevel(c.access_level).code,
            "is_public": c.is_public,
            "document_count": c.n,
            "can_manage": c.pk in manageable,
        }
        for c in collections
    ]


@router.get("/", response=list[DocumentOut], summary="List documents")
def list_documents(
    request,
    collection: int | None = Query(None, ge=1, le=MAX_ID),
    status: str | None = None,
    q: str | None = None,
    limit: int = Query(100, ge=-MAX_ID, le=MAX_ID),
    offset: int = Query(0, ge=0, le=MAX_ID, description="how many to skip (not negative)"),
):
    documents = _readable(request).annotate(chunk_count=Count("chunks"))
    if collection is not None:
        documents = documents.filter(collection_id=collection)
    if status:
        if status not in DocumentStatus.values:
            raise HttpError(422, f"Unbekannter Status {status!r}.")
        documents = documents.filter(status=status)
    if q:
        documents = documents.filter(title__icontains=q)
    limit = max(1, min(limit, 500))
    return [_document_out(d) for d in documents.order_by("-created_at")[offset : offset + limit]]


@router.post(
    "/",
    response={201: UploadOut, 400: UploadOut, 403: Message},
    summary="Upload one or more files into a collection (processed in the background)",
)
def upload_documents(
    request, collection: Form[int], files: File[list[UploadedFile]], publish: Form[bool] = False
):
    target = readable_collections(request.user).filter(pk=collection).first()
    if target is None:
        raise HttpError(404, "Diese Sammlung gibt es nicht.")
    if not can_manage_collection(request.user, target):
        return Status(403, {"detail": "Sie dürfen in diese Sammlung nichts hochladen."})
    if not publication.publish_confirmed(target, publish):
        return Status(403, {"detail": (
            "Diese Sammlung ist öffentlich (Bürger-Chatbot): senden Sie publish=true, "
            "um ausdrücklich zu veröffentlichen."
        )})
    results = [uploads.accept_upload(target, f, request.user) for f in files]
    return Status(201 if any(r["ok"] for r in results) else 400, {"results": results})


@router.get("/{int:document_id}", response=DocumentOut, summary="A document and its status")
def get_document(request, document_id: int):
    document = get_object_or_404(
        _readable(request).annotate(chunk_count=Count("chunks")), pk=document_id
    )
    return _document_out(document)


def _manageable(request, document_id: int) -> Document:
    document = get_object_or_404(_readable(request), pk=document_id)
    if not can_manage_collection(request.user, document.collection):
        raise HttpError(403, "Sie dürfen diese Sammlung nicht verwalten.")
    return document


@router.delete(
    "/{int:document_id}", response={204: None}, summary="Delete (removed from all future answers)"
)
def delete_document(request, document_id: int):
    uploads.delete_document(_manageable(request, document_id), request.user)
    return Status(204, None)


@router.post("/{int:document_id}/reindex", response={202: DocumentOut}, summary="Re-index")
def reindex_document(request, document_id: int):
    document = _manageable(request, document_id)
    uploads.reindex_document(document)
    document.refresh_from_db()
    return Status(202, _document_out(document))
