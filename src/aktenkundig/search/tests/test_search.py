import itertools
import json

import pytest
from django.core.management import call_command
from django.db import connection

from aktenkundig.core.models import AccessLevel, Tenant
from aktenkundig.core.services import get_tenant
from aktenkundig.documents.models import Chunk
from aktenkundig.search import index
from aktenkundig.search.analyzer import analyzer, highlight
from aktenkundig.search.services import SearchError, index_document, search
from aktenkundig.search.tests.helpers import make_collection, make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant():
    return get_tenant()


@pytest.fixture
def satzungen(tenant):
    collection = make_collection(tenant, "Satzungen", AccessLevel.OFFEN)
    make_document(
        collection,
        "Hundesteuersatzung",
        [
            ("§ 1 Steuergegenstand", "Die Gemeinde erhebt eine Steuer für das Halten von Hunden."),
            ("§ 5 Steuersatz", "Die Steuer beträgt im Kalenderjahr für jeden Hund 120,00 €."),
        ],
    )
    make_document(
        collection,
        "Abfallwirtschaftssatzung",
        [
            ("§ 1 Aufgaben", "Der Abfallwirtschaftsbetrieb entsorgt Restmüll und Biomüll."),
            ("§ 9 Gebühren", "Die Gebühren für die Restmülltonne betragen 30,00 € je Jahr."),
        ],
    )
    make_document(
        collection,
        "Friedhofssatzung",
        [("§ 2 Bestattung", "Bestattungen finden werktags nach Anmeldung statt.")],
    )
    return collection


def test_bm25_finds_compounds_and_returns_the_contract(tenant, satzungen):
    hits = search("Hundesteuer", tenant=tenant, mode="bm25")
    assert hits, "no hits"
    best = hits[0]
    assert best.document_title == "Hundesteuersatzung"
    assert best.source_path == "/akten/Hundesteuersatzung.txt"
    assert best.collection_id == satzungen.pk
    assert best.access_level == AccessLevel.OFFEN
    assert best.page in (1, 2)
    assert "«" not in best.text and "«" in best.highlighted
    # highlighted on first access, from the query's own terms
    assert best.highlighted == highlight(best.text, analyzer().query_terms("Hundesteuer"))
    assert "«Steuer»" in best.highlighted and "«Hunden»" in best.highlighted
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


def test_bm25_ranks_the_specific_passage_first(tenant, satzungen):
    hits = search("Gebühren Restmülltonne", tenant=tenant, mode="bm25")
    assert hits[0].section == "§ 9 Gebühren"
    hits = search("Wie hoch ist der Steuersatz für einen Hund?", tenant=tenant, mode="bm25")
    assert hits[0].section == "§ 5 Steuersatz"
    assert search("Bestattung werktags", tenant=tenant, limit=1)[0].document_title == (
        "Friedhofssatzung"
    )


def test_title_and_section_are_searchable(tenant, satzungen):
    # "Friedhof" only occurs in the document title
    hits = search("Friedhof", tenant=tenant, mode="bm25")
    assert [h.document_title for h in hits] == ["Friedhofssatzung"]


def test_amounts_and_paragraphs_match_whole(tenant, satzungen):
    hits = search("30 Euro", tenant=tenant, mode="bm25")
    assert hits[0].section == "§ 9 Gebühren"
    hits = search("§ 5", tenant=tenant, mode="bm25")
    assert hits[0].section == "§ 5 Steuersatz"


def test_no_match_and_empty_queries(tenant, satzungen):
    assert search("Raumfahrtbehörde", tenant=tenant) == []
    assert search("   ", tenant=tenant) == []
    assert search("und oder", tenant=tenant) == []
    with pytest.raises(SearchError):
        search("Hund", tenant=tenant, mode="fuzzy")  # type: ignore[arg-type]


def test_tenant_isolation(tenant, satzungen):
    other = Tenant.objects.create(slug="nachbar", name="Nachbargemeinde")
    theirs = make_collection(other, "Satzungen")
    secret = make_document(
        theirs, "Hundesteuersatzung Nachbar", [("§ 1", "Hundesteuer Hundesteuer Hund Hund")]
    )
    mine = search("Hundesteuer Hund", tenant=tenant, limit=50)
    assert mine and all(h.document_id != secret.pk for h in mine)
    theirs_hits = search("Hundesteuer Hund", tenant=other, limit=50)
    assert {h.document_id for h in theirs_hits} == {secret.pk}
    # another tenant's collection can never be searched through the scope argument
    with pytest.raises(SearchError):
        search("Hund", tenant=tenant, collections=[theirs])


def test_collection_filter_is_applied_before_ranking(tenant, satzungen):
    archive = make_collection(tenant, "Archiv")
    # many strong matches in one collection must not push out the other's weaker match
    for i in range(30):
        make_document(archive, f"Hundeakte {i}", [("", f"Hund Hundesteuer Hund Akte {i}")])
    hits = search("Hund", tenant=tenant, collections=[satzungen], limit=3)
    assert hits and {h.collection_id for h in hits} == {satzungen.pk}
    both = search("Hund", tenant=tenant, limit=100)
    assert {h.collection_id for h in both} == {satzungen.pk, archive.pk}


def test_replacing_chunks_updates_the_index(tenant, satzungen):
    document = satzungen.documents.get(title="Friedhofssatzung")
    assert search("Urnengrab", tenant=tenant) == []
    document.chunks.all().delete()
    Chunk.objects.create(
        document=document, tenant=tenant, collection=satzungen, ordinal=0,
        text="Ein Urnengrab wird für 20 Jahre vergeben.", section="§ 3 Grabarten",
    )  # fmt: skip
    index_document(document)
    assert [h.section for h in search("Urnengrab", tenant=tenant)] == ["§ 3 Grabarten"]
    assert search("Bestattung werktags", tenant=tenant, mode="bm25") == []


def test_deleting_documents_removes_them_from_the_index(tenant, satzungen):
    document = satzungen.documents.get(title="Hundesteuersatzung")
    chunk_ids = list(document.chunks.values_list("pk", flat=True))
    document.delete()
    assert all(h.document_title != "Hundesteuersatzung" for h in search("Hund", tenant=tenant))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM search_lexicalentry WHERE chunk_id = ANY(%s)", [chunk_ids]
            )
        else:
            marks = ",".join(["%s"] * len(chunk_ids))
            sql = f"SELECT count(*) FROM search_fts WHERE rowid IN ({marks})"  # noqa: S608
            cursor.execute(sql, chunk_ids)
        assert cursor.fetchone()[0] == 0


def test_lexical_search_works_before_embeddings(tenant, satzungen):
    hits = search("Biomüll", tenant=tenant, mode="hybrid")
    assert hits[0].document_title == "Abfallwirtschaftssatzung"
    assert search("Biomüll", tenant=tenant, mode="dense") == []


def test_bm25_scores_agree_with_the_formula(tenant, satzungen):
    """Both backends compute Okapi BM25 (k1=1.2, b=0.75) over the same terms."""
    import math

    from aktenkundig.search.analyzer import analyze
    from aktenkundig.search.index import K1, B

    docs = {c.pk: analyze(index.index_text(c)) for c in Chunk.objects.filter(tenant=tenant)}
    avgdl = sum(map(len, docs.values())) / len(docs)
    query = ["hund", "steu"]

    def expected(terms):
        score = 0.0
        for q in query:
            n = sum(q in d for d in docs.values())
            tf = terms.count(q)
            if tf:
                idf = max(math.log((len(docs) - n + 0.5) / (n + 0.5)), 1e-6)
                score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(terms) / avgdl))
        return score

    got = index.bm25(query, tenant_id=tenant.pk, collection_ids=[satzungen.pk], limit=10)
    assert got
    for chunk_id, score in got:
        assert score == pytest.approx(expected(docs[chunk_id]), rel=1e-4)


def test_cli_json_and_batch(tenant, satzungen, capsys, tmp_path):
    call_command("search", "Restmülltonne Gebühren", "--collection", "Satzungen", "--json")
    payload = json.loads(capsys.readouterr().out)
    first = payload["results"][0]
    assert set(first) == {"document", "path", "section", "page", "score", "text"}
    assert first["document"] == "Abfallwirtschaftssatzung"
    assert first["path"] == "/akten/Abfallwirtschaftssatzung.txt"
    queries = tmp_path / "fragen.txt"
    queries.write_text("Hundesteuer\n\nBestattung\n", encoding="utf-8")
    call_command("search", "--batch", str(queries), "--collection", "satzungen", "--limit", "2")
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[1])["results"][0]["document"] == "Friedhofssatzung"
    call_command("search", "Hundesteuer", "--collection", "Satzungen")
    human = capsys.readouterr().out
    assert "Hundesteuersatzung" in human and "«" in human


def test_cli_errors_are_german(tenant, satzungen):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Sammlung"):
        call_command("search", "Hund", "--collection", "Gibtsnicht")
    with pytest.raises(CommandError, match="Suchanfrage"):
        call_command("search", "--collection", "Satzungen")


def test_ingestion_indexes_in_the_same_transaction(tenant, tmp_path):
    from aktenkundig.documents.services import delete_document, ingest_file

    collection = make_collection(tenant, "Ortsrecht")
    source = tmp_path / "hundesteuer.md"
    source.write_text(
        "# Hundesteuersatzung\n\n## § 5 Steuersatz\n\nDie Steuer beträgt 120,00 € je Hund.\n",
        encoding="utf-8",
    )
    result = ingest_file(source, collection)
    hits = search("Hundesteuer 120 Euro", tenant=tenant, collections=[collection])
    assert hits and hits[0].document_id == result.document.pk
    assert hits[0].source_path == str(source)
    source.write_text("# Hundesteuersatzung\n\n## § 6 Befreiung\n\nBlindenhunde sind frei.\n")
    ingest_file(source, collection)
    assert search("120 Euro", tenant=tenant, mode="bm25") == []
    assert "Befreiung" in search("Blindenhund", tenant=tenant)[0].section
    delete_document(result.document)
    assert search("Blindenhund", tenant=tenant) == []


def test_reindex_rebuilds_a_lost_index(tenant, satzungen):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DELETE FROM search_lexicalentry")
        else:
            cursor.execute("DELETE FROM search_fts")
    assert search("Hundesteuer", tenant=tenant, mode="bm25") == []
    call_command("reindex")
    assert search("Hundesteuer", tenant=tenant, mode="bm25")[0].document_title == (
        "Hundesteuersatzung"
    )
