"""REST endpoint of the search (mounted under /api/search/): passages, best first."""

from __future__ import annotations

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from aktenkundig.accounts.api import api_auth
from aktenkundig.accounts.services import tenant_of
from aktenkundig.assistant.web import allowed_collections
from aktenkundig.governance.policy import check_feature
from aktenkundig.search.services import SearchError, search

router = Router(tags=["search"], auth=api_auth)


class HitOut(Schema):
    chunk_id: int
    document_id: int
    document_title: str
    section: str
    page: int | None
    text: str
    score: float
    collection_id: int


class SearchQuery(Schema):
    q: str
    collections: list[int] = []
    limit: int = 10
    mode: str = "hybrid"


@router.get("/", response=list[HitOut], summary="Search passages in your collections")
def search_passages(request, params: Query[SearchQuery]):
    if not params.q.strip():
        raise HttpError(422, "Bitte geben Sie einen Suchbegriff ein.")
    collections = list(allowed_collections(request.user, params.collections))
    tenant = tenant_of(request.user)
    mode = params.mode
    if mode in ("hybrid", "dense") and not check_feature(request.user, tenant, "assistant"):
        # Dense retrieval is the assistant's AI (its KI-Register entry names the
        # embedding model): when the assistant is switched off, or this person
        # may not use it, search stays lexical (issue #10, 8).
        mode = "bm25"
    try:
        hits = search(
            params.q,
            tenant=tenant,
            collections=collections,
            limit=max(1, min(params.limit, 50)),
            mode=mode,  # type: ignore[arg-type]
        )
    except SearchError as error:
        raise HttpError(422, str(error)) from None
    return [
        {
            "chunk_id": h.chunk_id,
            "document_id": h.document_id,
            "document_title": h.document_title,
            "section": h.section,
            "page": h.page,
            "text": h.text,
            "score": h.score,
            "collection_id": h.collection_id,
        }
        for h in hits
    ]
