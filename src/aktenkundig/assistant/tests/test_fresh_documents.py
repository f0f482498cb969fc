"""A document added while the server runs is answered from at once (issue #9, point 1).

The symptom: an upload listed as „durchsuchbar“, yet every question about it refused
(coverage near zero) until the server restarted, while ``aktenkundig search`` found
it. The upload was never embedded in the running process (only the CLI and the demo
start-up embedded), and the coverage judgement gave an unembedded passage the lowest
cosine of the others. These tests warm every cache of this process first (vector
matrix, query vectors, citizen answers) and then change the collection from another
thread with its own database connection, as a second worker or process would.
"""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aktenkundig.assistant.services import answer
from aktenkundig.core.models import AccessLevel
from aktenkundig.core.services import get_or_create_collection, get_tenant
from aktenkundig.search.models import ChunkVector
from aktenkundig.search.services import embed_pending, search
from aktenkundig.search.tests.helpers import make_document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BAUMSCHUTZ = (
    "Baumschutzsatzung der Gemeinde Musterhausen\n\n"
    "§ 3 Geschützte Bäume\n\n"
    "Geschützt sind Bäume mit einem Stammumfang von mindestens 80 Zentimetern, gemessen "
    "in 100 Zentimetern Höhe. Das Fällen geschützter Bäume bedarf einer Genehmigung der "
    "Gemeinde.\n"
)
# Few words in common with the passage: only the embedding says it is covered.
PARAPHRASE = "Brauche ich eine Genehmigung, um einen Baum zu fällen?"


@pytest.fixture
def collection():
    tenant = get_tenant()
    collection = get_or_create_collection(
        tenant, "Ortsrecht", access_level=AccessLevel.OFFEN, is_public=True
    )
    make_document(collection, "Hundesteuersatzung", [
        ("§ 5 Steuersatz", "Die Steuer beträgt für den ersten Hund 120 Euro, für den zweiten "
                           "Hund 180 Euro im Jahr."),
    ])  # fmt: skip
    make_document(collection, "Friedhofssatzung", [
        ("§ 4 Ruhezeit", "Die Ruhezeit für Urnen und Leichen beträgt fünfundzwanzig Jahre."),
    ])  # fmt: skip
    embed_pending(tenant=tenant)
    return collection


def _in_other_thread(work) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        from django.db import connection

        try:
            work()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _warm(collection) -> None:
    tenant = collection.tenant
    assert not answer("Wie hoch ist die Hundesteuer für den zweiten Hund?", tenant=tenant,
                      use_llm=False).refused
    assert answer(PARAPHRASE, tenant=tenant, use_llm=False).refused  # nothing on trees yet
    search(PARAPHRASE, tenant=tenant, mode="dense")


def test_upload_in_another_thread_is_answered_without_restart(collection):
    from aktenkundig.documents.services import store_upload
    from aktenkundig.documents.tasks import process_document_task

    _warm(collection)
    uploaded = {}

    def upload() -> None:  # what the upload view does, on its own connection
        document = store_upload(
            SimpleUploadedFile("baumschutz.txt", BAUMSCHUTZ.encode()), collection
        )
        process_document_task.enqueue(document.pk)
        uploaded["id"] = document.pk

    _in_other_thread(upload)
    assert ChunkVector.objects.filter(chunk__document_id=uploaded["id"]).exists()
    result = answer(PARAPHRASE, tenant=collection.tenant, use_llm=False)
    assert not result.refused, result.coverage
    assert {c.document_id for c in result.citations} == {uploaded["id"]}


def test_unembedded_passage_is_judged_by_its_own_similarity(collection):
    """Vectors can lag (a queue worker, a failed embedding server): the coverage
    judgement must not refuse the newest document meanwhile."""
    _warm(collection)
    fresh = {}

    def write() -> None:
        fresh["doc"] = make_document(collection, "Baumschutzsatzung", [
            ("§ 3 Geschützte Bäume", BAUMSCHUTZ.split("\n\n", 2)[2].strip()),
        ])  # fmt: skip

    _in_other_thread(write)
    assert not ChunkVector.objects.filter(chunk__document=fresh["doc"]).exists()
    result = answer(PARAPHRASE, tenant=collection.tenant, use_llm=False)
    assert not result.refused, result.coverage
    assert result.citations[0].document_id == fresh["doc"].pk


def test_citizen_answer_cache_follows_new_vectors(collection):
    """The citizen chatbot caches answers per process; a refusal cached while a
    document had no vectors yet must not outlive its embedding."""
    from aktenkundig.citizen.answering import _cache_key, public_collections

    tenant = collection.tenant
    make_document(collection, "Baumschutzsatzung", [
        ("§ 3 Geschützte Bäume", BAUMSCHUTZ.split("\n\n", 2)[2].strip()),
    ])  # fmt: skip
    collections = public_collections(tenant)
    before = _cache_key(PARAPHRASE, tenant, collections, "de", False, False)
    _in_other_thread(lambda: embed_pending(tenant=tenant))
    after = _cache_key(PARAPHRASE, tenant, collections, "de", False, False)
    assert before != after


@pytest.mark.skipif(
    "postgresql" not in __import__("django.conf").conf.settings.DATABASES["default"]["ENGINE"],
    reason="the database task queue with separate worker processes is the PostgreSQL set-up",
)
def test_upload_processed_by_a_db_worker_process_is_answered_here(collection, settings):
    """Production on PostgreSQL: the web process only queues the upload; a separate
    `aktenkundig db_worker` process extracts, chunks and embeds it; this process,
    caches warm, must answer from it at once."""
    import os
    import subprocess
    import sys
    from urllib.parse import quote

    from aktenkundig.documents.models import Document
    from aktenkundig.documents.services import store_upload
    from aktenkundig.documents.tasks import process_document_task

    _warm(collection)
    database = settings.DATABASES["default"]
    # The production set-up on PostgreSQL (django-tasks reloads on setting_changed).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default", "embeddings"]}}
    document = store_upload(SimpleUploadedFile("baumschutz.txt", BAUMSCHUTZ.encode()), collection)
    result = process_document_task.enqueue(document.pk)
    assert Document.objects.get(pk=document.pk).status != "indexed"  # only queued here
    url = (f"postgres://{database['USER']}@{quote(database['HOST'], safe='')}:"
           f"{database['PORT']}/{database['NAME']}")
    worker = subprocess.run(  # a separate process, as on a worker machine
        [sys.executable, "-m", "aktenkundig", "db_worker", "--batch", "--no-startup-delay",
         "--queue-name", "*"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "aktenkundig.settings",
             "AKTENKUNDIG_DATABASE_URL": url, "AKTENKUNDIG_TASKS": "database"},
        capture_output=True, text=True, timeout=300,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    result.refresh()
    assert Document.objects.get(pk=document.pk).status == "indexed", result.status
    assert ChunkVector.objects.filter(chunk__document_id=document.pk).exists()
    found = answer(PARAPHRASE, tenant=collection.tenant, use_llm=False)
    assert not found.refused, found.coverage
    assert {c.document_id for c in found.citations} == {document.pk}
