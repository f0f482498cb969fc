"""Documents and chunks written directly through the models (no ingestion needed)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from aktenkundig.core.models import AccessLevel, Collection, Tenant
from aktenkundig.documents.models import Chunk, Document
from aktenkundig.search.services import index_document


def make_collection(tenant: Tenant, name: str, level: int = AccessLevel.INTERN) -> Collection:
    return Collection.objects.create(tenant=tenant, name=name, access_level=level)


def make_document(
    collection: Collection,
    title: str,
    sections: Sequence[tuple[str, str]],
    *,
    path: str | None = None,
    index: bool = True,
) -> Document:
    """A document with one chunk per (section, text); lexically indexed unless told."""
    body = "\n".join(text for _section, text in sections)
    document = Document.objects.create(
        tenant=collection.tenant,
        collection=collection,
        title=title,
        source_path=path or f"/akten/{title}.txt",
        original_name=f"{title}.txt",
        original=f"{title}.txt",
        sha256=hashlib.sha256(f"{title}\n{body}".encode()).hexdigest(),
        size=len(body),
        mime_type="text/plain",
        status="indexed",
    )
    Chunk.objects.bulk_create(
        Chunk(
            document=document,
            tenant=collection.tenant,
            collection=collection,
            ordinal=i,
            text=text,
            section=section,
            page=i + 1,
        )
        for i, (section, text) in enumerate(sections)
    )
    if index:
        index_document(document)
    return document
