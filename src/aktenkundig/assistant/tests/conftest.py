from pathlib import Path

import pytest

from aktenkundig.core.models import AccessLevel, Tenant
from aktenkundig.core.services import get_or_create_collection
from aktenkundig.testing.samples import drop_audit_chain

FIXTURES = Path(__file__).parent / "fixtures"
HUNDESTEUER = "Wie hoch ist die Hundesteuer für den zweiten Hund?"
UNCOVERED = "Wer gewann den Super Bowl 50?"


def ingest_fixtures(collection) -> None:
    from aktenkundig.documents.services import ingest_paths
    from aktenkundig.search.services import embed_pending, wait_for_background_embeddings

    report = ingest_paths([FIXTURES], collection)
    assert report.ok, report.summary()
    wait_for_background_embeddings()
    embed_pending(tenant=collection.tenant)


@pytest.fixture(scope="package")
def _lindenau_committed(django_db_setup, django_db_blocker):
    """Ingesting and embedding costs seconds, so it happens once for the assistant's
    tests, committed under a tenant of its own that is deleted (with everything in
    it) when they are done, before other apps' tests count rows or index statistics."""
    with django_db_blocker.unblock():
        tenant = Tenant.objects.create(slug="lindenau", name="Gemeinde Lindenau")
        collection = get_or_create_collection(tenant, "Lindenau", AccessLevel.OFFEN)
        ingest_fixtures(collection)
    yield collection.pk
    with django_db_blocker.unblock():
        drop_audit_chain(tenant)
        tenant.delete()


@pytest.fixture
def lindenau(_lindenau_committed, db):
    """The test documents of the fictional Gemeinde Lindenau, ingested and indexed."""
    from aktenkundig.core.models import Collection

    return Collection.objects.select_related("tenant").get(pk=_lindenau_committed)


@pytest.fixture
def counting_encoder(monkeypatch):
    """The real encoder as ``get_encoder()``, recording in ``.embedded`` every text it
    embeds as a passage, with an empty sentence cache: tests of what extractive answers
    embed at question time, and what they take from the cache or the stored windows."""
    import aktenkundig.search.embedding as embedding
    from aktenkundig.assistant import extractive

    real = embedding.get_encoder()

    class Counting:
        name = real.name
        embedded: list[str] = []

        def embed_passages(self, texts):
            self.embedded.extend(texts)
            return real.embed_passages(texts)

        def embed_query(self, text):
            return real.embed_query(text)

    counting = Counting()
    counting.embedded = []
    monkeypatch.setattr(embedding, "get_encoder", lambda: counting)
    monkeypatch.setattr(extractive, "_cache", type(extractive._cache)())
    return counting
