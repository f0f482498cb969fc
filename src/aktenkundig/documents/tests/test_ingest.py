"""Ingestion into the database: dedup, replacement, atomicity, signals, files on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from aktenkundig.documents.models import Chunk, Document, DocumentStatus
from aktenkundig.documents.services import (
    delete_document,
    ingest_file,
    ingest_paths,
    process_document,
    store_upload,
)

SATZUNG_V1 = """# Satzung über die Erhebung der Hundesteuer

vom 12. März 2024

## § 5 Steuersatz

(1) Die Steuer beträgt für den ersten Hund 96 EUR jährlich.
(2) Für den zweiten Hund beträgt sie 144 EUR.
"""
SATZUNG_V2 = SATZUNG_V1.replace("96 EUR", "108 EUR")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_markdown_file_is_stored_chunked_and_announced(tmp_path, collection, signal_log):
    source = write(tmp_path / "hundesteuer.md", SATZUNG_V1)
    result = ingest_file(source, collection)
    assert result.status == "new", result.error
    document = result.document
    assert document.title == "Satzung über die Erhebung der Hundesteuer"
    assert str(document.document_date) == "2024-03-12"
    assert document.source_path == str(source)
    assert document.status == DocumentStatus.INDEXED
    assert document.tenant == collection.tenant
    assert document.original.name == f"{document.sha256}.md"
    with document.original.open("rb") as handle:
        assert handle.read() == source.read_bytes()  # byte for byte
    preamble, chunk = document.chunks.all()
    assert (preamble.section, preamble.text) == ("", "vom 12. März 2024")
    assert chunk.section == "§ 5 Steuersatz > (1)–(2)"
    assert "96 EUR" in chunk.text and chunk.tenant == collection.tenant
    assert chunk.collection == collection
    assert signal_log == [("chunks_replaced", document.pk, 2)]


@pytest.mark.django_db
def test_same_file_twice_is_one_document_per_collection(tmp_path, collection, other_collection):
    source = write(tmp_path / "a.md", SATZUNG_V1)
    copy = write(tmp_path / "kopie" / "b.md", SATZUNG_V1)
    first = ingest_file(source, collection)
    assert ingest_file(source, collection).status == "unchanged"
    again = ingest_file(copy, collection)
    assert again.status == "unchanged" and again.document == first.document
    elsewhere = ingest_file(copy, other_collection)  # another tenant keeps its own document
    assert elsewhere.status == "new"
    assert elsewhere.document.tenant == other_collection.tenant
    assert Document.objects.filter(collection=collection).count() == 1


@pytest.mark.django_db
def test_changed_file_replaces_old_version_and_old_original_goes_after_commit(
    tmp_path, collection, signal_log, django_capture_on_commit_callbacks
):
    source = write(tmp_path / "hundesteuer.md", SATZUNG_V1)
    old = ingest_file(source, collection).document
    old_name, old_chunk_ids = old.original.name, set(old.chunks.values_list("pk", flat=True))
    write(source, SATZUNG_V2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = ingest_file(source, collection)
    assert result.status == "replaced"
    assert result.document.pk == old.pk  # same document, new version
    assert default_storage.exists(old_name)  # still there until the commit
    for callback in callbacks:
        callback()
    assert not default_storage.exists(old_name)
    assert default_storage.exists(result.document.original.name)
    assert not Chunk.objects.filter(pk__in=old_chunk_ids).exists()
    texts = " ".join(Chunk.objects.filter(document=old).values_list("text", flat=True))
    assert "108 EUR" in texts and "96 EUR" not in texts
    assert [entry[0] for entry in signal_log] == ["chunks_replaced", "chunks_replaced"]


@pytest.mark.django_db(transaction=True)
def test_failure_mid_document_leaves_previous_version_intact(tmp_path, collection):
    from aktenkundig.core.services import get_or_create_collection, get_tenant
    from aktenkundig.documents.signals import chunks_replaced

    collection = get_or_create_collection(get_tenant(), "Satzungen")
    source = write(tmp_path / "hundesteuer.md", SATZUNG_V1)
    old = ingest_file(source, collection).document
    before = list(old.chunks.values_list("pk", "text"))

    def index_breaks(sender, document, **kwargs):
        raise RuntimeError("Index nicht erreichbar")

    write(source, SATZUNG_V2)
    chunks_replaced.connect(index_breaks, weak=False)
    try:
        with pytest.raises(RuntimeError):
            ingest_file(source, collection)
    finally:
        chunks_replaced.disconnect(index_breaks)
    old.refresh_from_db()
    assert list(old.chunks.values_list("pk", "text")) == before
    assert old.sha256 != __import__("hashlib").sha256(source.read_bytes()).hexdigest()
    assert default_storage.exists(old.original.name)
    # the new original written before the transaction was cleaned up
    assert sorted(default_storage.listdir("")[1]) == [old.original.name]
    # a run reports it as failed and goes on
    chunks_replaced.connect(index_breaks, weak=False)
    try:
        report = ingest_paths([source], collection)
    finally:
        chunks_replaced.disconnect(index_breaks)
    assert [r.status for r in report.results] == ["failed"]
    assert "Index nicht erreichbar" in report.results[0].error


@pytest.mark.django_db
def test_folders_are_walked_recursively_with_source_paths_as_given(tmp_path, collection):
    write(tmp_path / "akten" / "a.txt", "Erster Vermerk über die Sitzung des Bauausschusses.")
    write(tmp_path / "akten" / "unter" / "b.md", "# Titel B\n\nZweiter Text mit Inhalt.")
    write(tmp_path / "akten" / ".versteckt.txt", "wird übersprungen")
    errors = []
    report = ingest_paths([str(tmp_path / "akten")], collection, on_error=errors.append)
    assert sorted(r.path for r in report.results) == [
        str(tmp_path / "akten" / "a.txt"),
        str(tmp_path / "akten" / "unter" / "b.md"),
    ]
    assert report.ok and not errors and len(report.new) == 2
    titles = set(Document.objects.values_list("title", flat=True))
    assert titles == {"Erster Vermerk über die Sitzung des Bauausschusses.", "Titel B"}


@pytest.mark.django_db
def test_delete_document_removes_chunks_and_original_after_commit(
    tmp_path, collection, signal_log, django_capture_on_commit_callbacks
):
    document = ingest_file(write(tmp_path / "a.md", SATZUNG_V1), collection).document
    name, pk = document.original.name, document.pk
    with django_capture_on_commit_callbacks(execute=True):
        delete_document(document)
    assert not Document.objects.exists() and not Chunk.objects.exists()
    assert not default_storage.exists(name)
    assert signal_log[-1] == ("document_deleted", pk, 2)


@pytest.mark.django_db
def test_shared_original_survives_deleting_one_of_two_collections_documents(
    tmp_path, collection, other_collection, django_capture_on_commit_callbacks
):
    source = write(tmp_path / "a.md", SATZUNG_V1)
    mine = ingest_file(source, collection).document
    theirs = ingest_file(source, other_collection).document
    assert mine.original.name == theirs.original.name
    with django_capture_on_commit_callbacks(execute=True):
        delete_document(mine)
    assert default_storage.exists(theirs.original.name)


@pytest.mark.django_db
def test_upload_is_sniffed_stored_and_processed(collection, signal_log):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("../../etc/Hundesteuer.md", SATZUNG_V1.encode())
    document = store_upload(upload, collection)
    assert document.status == DocumentStatus.QUEUED
    assert document.original_name == "Hundesteuer.md"  # no path from the client survives
    assert document.original.name == f"{document.sha256}.md"
    document = process_document(document)
    assert document.status == DocumentStatus.INDEXED
    assert document.title == "Satzung über die Erhebung der Hundesteuer"
    assert document.chunks.count() == 2 and signal_log[0][0] == "chunks_replaced"
    # the same bytes again are the same document
    assert store_upload(SimpleUploadedFile("x.md", SATZUNG_V1.encode()), collection) == document


@pytest.mark.django_db
def test_upload_refuses_unsupported_and_oversized_files(collection, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aktenkundig.documents.extract import ExtractionError
    from aktenkundig.documents.tests.conftest import FIXTURES

    xlsx = SimpleUploadedFile("tabelle.xlsx", (FIXTURES / "tabelle.xlsx").read_bytes())
    with pytest.raises(ExtractionError, match=r"^Dateityp \.xlsx wird nicht unterstützt\.$"):
        store_upload(xlsx, collection)
    disguised = SimpleUploadedFile("bescheid.pdf", b"MZ\x90\x00\x03\x00 kein PDF")
    with pytest.raises(ExtractionError, match="kein gültiges PDF"):
        store_upload(disguised, collection)
    settings.MAX_UPLOAD_BYTES = 10
    with pytest.raises(ExtractionError, match="zu groß"):
        store_upload(SimpleUploadedFile("a.txt", b"x" * 11), collection)
    assert not Document.objects.exists()
    assert not default_storage.exists("") or not default_storage.listdir("")[1]


@pytest.mark.django_db
def test_upload_that_cannot_be_read_is_marked_failed_with_reason(collection):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aktenkundig.documents.tests.conftest import FIXTURES

    data = (FIXTURES / "verschluesselt.pdf").read_bytes()
    document = process_document(store_upload(SimpleUploadedFile("v.pdf", data), collection))
    assert document.status == DocumentStatus.FAILED
    assert document.error == "Das PDF ist passwortgeschützt (verschlüsselt)."
    assert not document.chunks.exists()
    assert default_storage.exists(document.original.name)  # kept: a person may fix it


@pytest.mark.django_db
def test_new_upload_with_same_name_replaces_the_older_document(
    collection, signal_log, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    old = process_document(
        store_upload(SimpleUploadedFile("hundesteuer.md", SATZUNG_V1.encode()), collection)
    )
    new = store_upload(SimpleUploadedFile("hundesteuer.md", SATZUNG_V2.encode()), collection)
    assert Document.objects.count() == 2  # the old one stays searchable until the new is ready
    with django_capture_on_commit_callbacks(execute=True):
        process_document(new)
    assert list(Document.objects.all()) == [new]
    assert not default_storage.exists(old.original.name)
    assert ("document_deleted", old.pk, 2) in signal_log


@pytest.mark.slow
@pytest.mark.django_db
def test_scanned_pdf_upload_goes_through_ocr_in_the_background_task(collection):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aktenkundig.documents.tasks import process_document_task
    from aktenkundig.documents.tests.conftest import FIXTURES

    document = store_upload(
        SimpleUploadedFile("scan.pdf", (FIXTURES / "scan_brief.pdf").read_bytes()), collection
    )
    with CaptureQueriesContext(connection) as queries:
        result = process_document_task.enqueue(document.pk)
    assert result.return_value == DocumentStatus.INDEXED
    document.refresh_from_db()
    assert document.title == "Anmeldung Ihres Hundes zur Hundesteuer"
    assert document.page_count == 1 and str(document.document_date) == "2024-10-18"
    chunk = document.chunks.get()
    assert chunk.page == 1 and "Steuermarke" in chunk.text
    # the status said "ocr" while tesseract ran, so people see why it takes a while
    assert any("'ocr'" in query["sql"] for query in queries.captured_queries)


@pytest.mark.django_db
def test_links_out_of_the_folder_and_the_data_directory_are_never_ingested(
    tmp_path, collection, settings
):
    """Issue #10, 4: a link to the data directory's keys or to /etc/passwd was
    ingested and downloadable by a plain staff user."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "secret_key").write_text("geheimer-schluessel-1234567890 " * 3)
    (data_dir / "audit_key").write_text("audit-schluessel-abcdef " * 3)
    settings.DATA_DIR = data_dir
    outside = write(tmp_path / "draussen" / "privat.txt", "Private Notizen des Admins " * 5)
    folder = tmp_path / "akten"
    write(folder / "satzung.md", SATZUNG_V1)
    write(folder / "anlagen" / "gebuehren.txt", "Gebühren für die Hundemarke: 5 Euro.")
    (folder / "schluessel.txt").symlink_to(data_dir / "secret_key")
    (folder / "audit.txt").symlink_to(data_dir / "audit_key")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "notizen.txt").symlink_to(outside)
    (folder / "draussen").symlink_to(outside.parent, target_is_directory=True)
    (folder / "kopie.md").symlink_to(folder / "satzung.md")  # inside: fine

    report = ingest_paths([folder], collection)
    texts = " ".join(Chunk.objects.values_list("text", flat=True))
    for secret in ("geheimer-schluessel", "audit-schluessel", "root:", "Private Notizen"):
        assert secret not in texts
    failed = {Path(r.path).name: r.error for r in report.failed}
    assert set(failed) == {"schluessel.txt", "audit.txt", "passwd.txt", "notizen.txt"}
    assert "Datenverzeichnis" in failed["schluessel.txt"]
    assert "heraus" in failed["passwd.txt"]
    read = {Path(r.path).name for r in report.new + report.unchanged}
    assert read == {"kopie.md", "satzung.md", "gebuehren.txt"}
    # the data directory itself, named or linked, is refused as a whole
    report = ingest_paths([data_dir], collection)
    assert [r.status for r in report.results] == ["failed"]
    assert "Datenverzeichnis" in report.results[0].error
    assert not Document.objects.filter(original_name__in=["secret_key", "audit_key"]).exists()
