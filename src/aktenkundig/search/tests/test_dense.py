"""Dense and hybrid ranking with the real bundled encoder (multilingual-e5-small)."""

import numpy as np
import pytest

from aktenkundig.core.models import Tenant
from aktenkundig.core.services import get_tenant
from aktenkundig.documents.models import Chunk
from aktenkundig.search import index
from aktenkundig.search.analyzer import analyzer
from aktenkundig.search.embedding import get_encoder
from aktenkundig.search.models import ChunkVector
from aktenkundig.search.services import (
    DENSE_WEIGHT,
    embed_pending,
    query_vector,
    schedule_embeddings,
    search,
    wait_for_background_embeddings,
)
from aktenkundig.search.tests.helpers import make_collection, make_document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def corpus():
    tenant = get_tenant()
    collection = make_collection(tenant, "Bürgerinfo")
    make_document(
        collection,
        "Kindertagesbetreuung",
        [("§ 3 Elternbeiträge", "Für die Betreuung in der Kita zahlen Eltern monatlich Beiträge.")],
    )
    make_document(
        collection,
        "Bestattungswesen",
        [("§ 4 Ruhezeit", "Die Ruhezeit für Urnen und Leichen beträgt fünfundzwanzig Jahre.")],
    )
    make_document(
        collection,
        "Straßenreinigung",
        [("§ 2 Räumpflicht", "Anlieger müssen Gehwege bei Schnee und Glätte räumen und streuen.")],
    )
    return tenant, collection


def test_embed_pending_stores_normalised_vectors_once(corpus):
    tenant, _collection = corpus
    assert embed_pending(tenant=tenant) == 3
    assert embed_pending(tenant=tenant) == 0
    encoder = get_encoder()
    assert ChunkVector.objects.filter(model=encoder.name).count() == 3


def test_dense_ranking_finds_meaning_without_shared_words(corpus):
    tenant, _collection = corpus
    embed_pending(tenant=tenant)
    # no word of this question occurs in the right passage
    hits = search("Wer muss im Winter den Bürgersteig freischaufeln?", tenant=tenant, mode="dense")
    assert hits[0].document_title == "Straßenreinigung"
    assert -1.0 <= hits[-1].score <= hits[0].score <= 1.0
    hits = search("Wie lange bleibt ein Grab bestehen?", tenant=tenant, mode="dense", limit=1)
    assert hits[0].document_title == "Bestattungswesen"


def test_hybrid_fuses_both_and_chunks_without_vectors_still_rank(corpus):
    tenant, collection = corpus
    embed_pending(tenant=tenant)
    late = make_document(
        collection, "Hundesteuer", [("§ 5 Steuersatz", "Die Hundesteuer beträgt 120 Euro.")]
    )
    hits = search("Hundesteuer", tenant=tenant, mode="hybrid")
    assert hits[0].document_id == late.pk  # lexical only, no vector yet
    hits = search("Gehweg im Winter räumen", tenant=tenant, mode="hybrid")
    assert hits[0].document_title == "Straßenreinigung"


def test_dense_respects_tenant_and_collection(corpus):
    tenant, collection = corpus
    other = Tenant.objects.create(slug="andere", name="Andere Gemeinde")
    make_document(
        make_collection(other, "Bürgerinfo"),
        "Winterdienst Nachbar",
        [("", "Anlieger müssen Gehwege bei Schnee und Glätte räumen und streuen.")],
    )
    archive = make_collection(tenant, "Archiv")
    make_document(archive, "Winterdienst alt", [("", "Gehwege bei Schnee räumen (alt).")])
    embed_pending()
    hits = search("Schnee räumen", tenant=tenant, collections=[collection], mode="dense")
    assert {h.collection_id for h in hits} == {collection.pk}
    assert all(h.document_title != "Winterdienst Nachbar" for h in search("Schnee", tenant=tenant))


def test_vector_cache_follows_changes(corpus):
    tenant, collection = corpus
    embed_pending(tenant=tenant)
    query = get_encoder().embed_query("Schnee räumen")
    name = get_encoder().name
    first = index.dense(
        query, tenant_id=tenant.pk, collection_ids=[collection.pk], model=name, limit=10
    )
    assert len(first) == 3
    Chunk.objects.filter(document__title="Straßenreinigung").delete()
    second = index.dense(
        query, tenant_id=tenant.pk, collection_ids=[collection.pk], model=name, limit=10
    )
    assert len(second) == 2 and first[0][0] not in {i for i, _ in second}
    assert np.isclose(second[0][1], dict(first)[second[0][0]], atol=1e-5)


def test_schedule_embeddings_runs_in_the_background(corpus):
    tenant, _collection = corpus
    schedule_embeddings()
    wait_for_background_embeddings(timeout=120)
    assert ChunkVector.objects.filter(tenant=tenant).count() == 3


def test_hybrid_score_is_the_weighted_sum_of_normalised_scores(corpus):
    tenant, collection = corpus
    make_document(
        collection, "Winterdienst", [("§ 1 Räumen", "Der Bauhof räumt Straßen im Winter.")]
    )
    embed_pending(tenant=tenant)
    query = "Gehweg im Winter räumen"
    hits = search(query, tenant=tenant, mode="hybrid")
    assert {h.document_title for h in hits[:2]} == {"Straßenreinigung", "Winterdienst"}
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # the same number from the two lists directly
    lexical = dict(
        index.bm25(
            analyzer().query_terms(query),
            tenant_id=tenant.pk,
            collection_ids=[collection.pk],
            limit=100,
        )
    )
    encoder = get_encoder()
    semantic = dict(
        index.dense(
            encoder.embed_query(query),
            tenant_id=tenant.pk,
            collection_ids=[collection.pk],
            model=encoder.name,
            limit=100,
        )
    )

    def scaled(scores: dict[int, float], chunk_id: int) -> float:
        if chunk_id not in scores:
            return 0.0
        low, high = min(scores.values()), max(scores.values())
        if high == low:
            return 1.0
        return (scores[chunk_id] - low) / (high - low)

    for hit in hits:
        expected = (1 - DENSE_WEIGHT) * scaled(lexical, hit.chunk_id) + DENSE_WEIGHT * scaled(
            semantic, hit.chunk_id
        )
        assert hit.score == pytest.approx(expected, abs=1e-5)


def test_query_embeddings_are_cached(corpus, monkeypatch):
    tenant, _collection = corpus
    embed_pending(tenant=tenant)
    encoder = get_encoder()
    calls = []
    real = encoder.embed_query

    def counting(text):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(encoder, "embed_query", counting)
    query = "Wie lange ruht eine Urne? (Cache-Test)"
    first = search(query, tenant=tenant, mode="dense")
    second = search(query, tenant=tenant, mode="hybrid")
    assert calls == [query]  # embedded once for both searches
    assert first[0].document_title == "Bestattungswesen"
    assert first[0].chunk_id in {h.chunk_id for h in second}
    vector = query_vector(encoder, query)
    assert np.allclose(vector, real(query), atol=1e-6)
    with pytest.raises(ValueError):
        vector[0] = 1.0  # shared between callers: read-only
    search("eine andere Frage zum Cache", tenant=tenant, mode="dense")
    assert len(calls) == 2


def test_vector_cache_sees_writes_of_other_connections(corpus):
    """Another process's writes (here: another thread's own connection, raw SQL, so this
    process's cache is not told) are seen by the next query, through the triggers."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL ranks in pgvector; only the SQLite path caches vectors")
    tenant, collection = corpus
    embed_pending(tenant=tenant)
    name = get_encoder().name
    query = get_encoder().embed_query("Schnee räumen")

    def ranked():
        return index.dense(
            query, tenant_id=tenant.pk, collection_ids=[collection.pk], model=name, limit=10
        )

    first = ranked()
    assert len(first) == 3
    target = next(i for i, _ in first[1:])  # not the best one: make it the best
    removed = first[0][0]

    def write_elsewhere() -> None:
        from django.db import connection as own

        try:
            with own.cursor() as cursor:
                cursor.execute(
                    "UPDATE search_chunkvector SET embedding = %s WHERE chunk_id = %s",
                    [np.asarray(query, dtype=np.float32).tobytes(), target],
                )
                cursor.execute("DELETE FROM search_chunkvector WHERE chunk_id = %s", [removed])
        finally:
            own.close()

    import threading

    thread = threading.Thread(target=write_elsewhere)
    thread.start()
    thread.join()
    second = ranked()
    assert second[0][0] == target
    assert np.isclose(second[0][1], 1.0, atol=1e-4)
    assert removed not in {i for i, _ in second} and len(second) == 2
    assert ranked() == second  # unchanged token: served from the cache
