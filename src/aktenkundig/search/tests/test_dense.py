"""Dense and hybrid ranking with the real bundled encoder (multilingual-e5-small)."""

import numpy as np
import pytest

from aktenkundig.core.models import Tenant
from aktenkundig.core.services import get_tenant
from aktenkundig.documents.models import Chunk
from aktenkundig.search import index
from aktenkundig.search.embedding import get_encoder
from aktenkundig.search.models import ChunkVector
from aktenkundig.search.services import (
    embed_pending,
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
