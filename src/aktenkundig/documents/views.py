"""Document library: list, upload, status, passages, download, delete, re-index.

Every lookup goes through the user's readable (or manageable) collections, so an
object of another tenant, or of a collection the user may not read, is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aktenkundig.accounts.services import (
    can_manage_collection,
    manageable_collections,
    readable_collections,
)
from aktenkundig.documents import collections, publication
from aktenkundig.documents.forms import CollectionForm
from aktenkundig.documents.models import Document, DocumentStatus
from aktenkundig.documents.services import recover_stale
from aktenkundig.web import uploads
from aktenkundig.web.permissions import member_required

MAX_ID = 2**63 - 1  # the largest primary key the databases hold

PENDING = {
    DocumentStatus.QUEUED,
    DocumentStatus.PROCESSING,
    DocumentStatus.OCR,
    DocumentStatus.EMBEDDING,
}


def _documents(request):
    return Document.objects.filter(
        tenant=request.tenant, collection__in=readable_collections(request.user)
    ).select_related("collection")


def _filtered(request):
    documents = _documents(request)
    query = request.GET.get("q", "").strip()
    if query:
        documents = documents.filter(title__icontains=query) | documents.filter(
            original_name__icontains=query
        )
    status = request.GET.get("status", "")
    if status in DocumentStatus.values:
        documents = documents.filter(status=status)
    collection = request.GET.get("sammlung", "")
    if collection.isdigit() and int(collection) <= MAX_ID:
        documents = documents.filter(collection_id=int(collection))
    return documents.order_by("-created_at")


def _rows_context(request) -> dict:
    # A document whose worker died says so instead of "OCR" forever (issue #10, 3).
    recover_stale()
    documents = list(_filtered(request)[:500])
    manageable = set(manageable_collections(request.user).values_list("pk", flat=True))
    return {
        "documents": documents,
        "manageable": manageable,
        "pending": any(d.status in PENDING for d in documents),
        "query_string": request.GET.urlencode(),
    }


@require_GET
@member_required
def library(request):
    context = _rows_context(request)
    context.update(
        {
            "collections": readable_collections(request.user),
            "upload_collections": publication.upload_choices(
                manageable_collections(request.user)
            ),
            "statuses": DocumentStatus.choices,
            "q": request.GET.get("q", ""),
            "selected_status": request.GET.get("status", ""),
            "selected_collection": request.GET.get("sammlung", ""),
            "max_upload_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024),
            "accepted": uploads.ACCEPT,
        }
    )
    return render(request, "documents/library.html", context)


@require_GET
@member_required
def library_rows(request):
    """The table body alone: polled by HTMX while documents are being processed."""
    return render(request, "documents/_rows.html", _rows_context(request))


@require_POST
@member_required
def upload(request):
    collection = manageable_collections(request.user).filter(
        pk=request.POST.get("collection") or 0
    ).first()
    wants_json = "application/json" in request.headers.get("Accept", "")
    files = request.FILES.getlist("files")
    results: list[dict] = []
    if collection is None:
        error = _("Bitte wählen Sie eine Sammlung, in die Sie hochladen dürfen.")
        results.append({"name": "", "ok": False, "error": error})
    elif not publication.publish_confirmed(
        collection, request.POST.get("veroeffentlichen") == "1"
    ):
        error = _("„%(name)s“ ist öffentlich (Bürger-Chatbot). Bitte bestätigen Sie die "
                  "Veröffentlichung ausdrücklich oder wählen Sie eine interne Sammlung.") % {
            "name": collection.name}
        results.append({"name": "", "ok": False, "error": error})
    elif not files:
        results.append({"name": "", "ok": False, "error": _("Bitte wählen Sie eine Datei.")})
    else:
        for uploaded in files:
            results.append(uploads.accept_upload(collection, uploaded, request.user))
    if wants_json:
        status = 200 if any(r["ok"] for r in results) else 400
        return JsonResponse({"results": results}, status=status)
    for result in results:
        if result.get("duplicate"):
            messages.info(request, f"{result['name']}: {result['error']}")
        elif result["ok"]:
            messages.success(request, _("„%(name)s“ wird verarbeitet.") % result)
            if result.get("note"):
                messages.warning(request, f"{result['name']}: {result['note']}")
        else:
            messages.error(request, f"{result['name']}: {result['error']}".lstrip(": "))
    return redirect("documents:library")


def _readable_document(request, document_id: int) -> Document:
    return get_object_or_404(_documents(request), pk=document_id)


@require_GET
@member_required
def detail(request, document_id: int):
    document = _readable_document(request, document_id)
    highlight = request.GET.get("stelle", "")
    highlight_id = int(highlight) if highlight.isdigit() and int(highlight) <= MAX_ID else None
    chunks = document.chunks.order_by("ordinal")
    return render(
        request,
        "documents/detail.html",
        {
            "document": document,
            "chunks": chunks,
            "highlight_id": highlight_id,
            "can_manage": can_manage_collection(request.user, document.collection),
        },
    )


@require_GET
@member_required
def download(request, document_id: int):
    document = _readable_document(request, document_id)
    # The stored name comes from our own storage (never from the request), and
    # the storage refuses paths outside its root: no path traversal.
    try:
        handle = document.original.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.mime_type or "application/octet-stream",
    )


def _manageable_document(request, document_id: int) -> Document:
    document = _readable_document(request, document_id)
    if not can_manage_collection(request.user, document.collection):
        raise PermissionDenied
    return document


@require_POST
@member_required
def delete(request, document_id: int):
    document = _manageable_document(request, document_id)
    title = document.title
    uploads.delete_document(document, request.user)
    messages.success(request, _("„%(title)s“ wurde gelöscht.") % {"title": title})
    return redirect("documents:library")


@require_POST
@member_required
def release(request, document_id: int):
    """Publish a document held for personal data, after a person looked at it."""
    document = _manageable_document(request, document_id)
    if document.status != DocumentStatus.REVIEW:
        raise Http404
    publication.release(document, request.user)
    messages.success(
        request, _("„%(title)s“ wird veröffentlicht.") % {"title": document.title}
    )
    return redirect("documents:library")


@require_POST
@member_required
def reindex(request, document_id: int):
    document = _manageable_document(request, document_id)
    uploads.reindex_document(document)
    messages.success(
        request, _("„%(title)s“ wird neu eingelesen.") % {"title": document.title}
    )
    return redirect("documents:library")


@require_http_methods(["GET", "POST"])
@member_required
def collection_edit(request, collection_id: int | None = None):
    if collection_id is None:
        if not manageable_collections(request.user).exists() and not (
            request.membership.has_role("administrator")
        ):
            raise PermissionDenied
        collection = None
    else:
        collection = get_object_or_404(
            manageable_collections(request.user).annotate(n=Count("documents")),
            pk=collection_id,
        )
    form = CollectionForm(
        request.POST or None,
        instance=collection,
        max_level=request.membership.clearance,
        initial={
            "units": ", ".join(collection.unit_grants.values_list("unit", flat=True))
            if collection
            else request.membership.unit
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = collections.save_collection(
                form.save(commit=False), tenant=request.tenant, user=request.user,
                membership=request.membership, units=form.unit_list(),
            )
        except collections.NotCleared:
            raise PermissionDenied from None
        messages.success(request, _("Die Sammlung „%(name)s“ wurde gespeichert.") % {
            "name": saved.name})
        return redirect("web:overview")
    return render(
        request, "documents/collection_form.html", {"form": form, "collection": collection}
    )
