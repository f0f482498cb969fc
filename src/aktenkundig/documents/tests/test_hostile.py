"""Hostile files (issue #10, points 2 and 3): bounded memory and time, one short
message, no control characters in any passage."""

from __future__ import annotations

import tracemalloc

import pytest

from aktenkundig.documents.extract import ExtractionError, extract
from aktenkundig.documents.tests import hostile

MIB = hostile.MIB


def _peak_mib(function):
    tracemalloc.start()
    try:
        try:
            outcome = function()
        except ExtractionError as error:
            outcome = error
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return outcome, peak / MIB


@pytest.mark.parametrize("builder, name", [
    (hostile.odt_mimetype_bomb, "bericht.odt"),
    (hostile.docx_document_bomb, "bericht.docx"),
])
def test_zip_member_that_inflates_hugely_is_refused_without_inflating_it(builder, name):
    data = builder(160 * MIB)
    assert len(data) < 1 * MIB
    outcome, peak = _peak_mib(lambda: extract(data, name))
    assert isinstance(outcome, ExtractionError)
    message = str(outcome)
    assert len(message) < 200 and "\x00" not in message and "ZIP-Bombe" in message
    assert peak < 20, f"{peak:.0f} MiB"


@pytest.mark.parametrize("kind", ["odt", "docx"])
def test_compression_ratio_is_capped(kind):
    with pytest.raises(ExtractionError, match="komprimiert"):
        extract(hostile.ratio_bomb(kind, 8 * MIB), f"x.{kind}")


@pytest.mark.parametrize("kind", ["odt", "docx"])
def test_xml_entity_expansion_is_not_expanded(kind):
    outcome, peak = _peak_mib(lambda: extract(hostile.xml_entity_bomb(kind), f"x.{kind}"))
    assert isinstance(outcome, ExtractionError) and len(str(outcome)) < 200
    assert peak < 50


def test_email_with_a_bomb_attachment_keeps_its_text_and_no_nul_reaches_a_block():
    data = hostile.eml_with(hostile.odt_mimetype_bomb(64 * MIB), "anlage.odt")
    assert len(data) < 1 * MIB
    result, peak = _peak_mib(lambda: extract(data, "mail.eml"))
    assert not isinstance(result, ExtractionError)
    assert "Sanierung der Grundschule" in result.text
    assert all("\x00" not in block.text and len(block.text) < 2000 for block in result.blocks)
    assert peak < 20


def test_control_characters_never_reach_a_passage():
    data = ("Bescheid über die Hundesteuer.\n\n" + "a" * 9000 + "\x00\x01\x1b[31m" * 100
            + "\n\nZahlbar bis 1. März.").encode()
    result = extract(data, "bescheid.txt")
    assert not any(c in block.text for block in result.blocks for c in "\x00\x01\x1b")
    assert "Zahlbar bis 1. März." in result.text


def _in_subprocess(code: str, timeout: float = 90) -> dict:
    """Run ``code`` (which prints one JSON line) in a fresh interpreter: its peak
    RSS is its own, and a runaway is cut off by ``timeout`` instead of hanging."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[3]
    prelude = (
        "import json, time, sys\n"
        f"sys.path.insert(0, {str(src)!r})\n"
        "from aktenkundig.documents.extract import extract, ExtractionError\n"
        "from aktenkundig.documents.tests import hostile\n"
        "def run(data, name):\n"
        "    started = time.monotonic(); ocr = []\n"
        "    try:\n"
        "        extract(data, name, on_ocr=lambda: ocr.append(1)); message = ''\n"
        "    except ExtractionError as error:\n"
        "        message = str(error)\n"
        "    # VmHWM, not ru_maxrss: Linux carries the forked parent's (pytest's) peak\n"
        "    # over exec into ru_maxrss, VmHWM is this process image's own peak.\n"
        "    hwm = next(int(line.split()[1]) for line in open('/proc/self/status')\n"
        "               if line.startswith('VmHWM:'))\n"
        "    print(json.dumps({'message': message, 'seconds': time.monotonic() - started,\n"
        "        'rss_mb': hwm / 1024, 'ocr_started': bool(ocr)}))\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"not bounded: still running after {timeout} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_pdf_with_thousands_of_empty_image_pages_is_refused_before_any_ocr():
    """Issue #10, 3: 2,000 empty pages held a worker for many minutes."""
    outcome = _in_subprocess("run(hostile.pdf_empty_image_pages(2000), 'leer.pdf')")
    assert "Zu viele Seiten" in outcome["message"] and not outcome["ocr_started"]
    assert outcome["seconds"] < 30 and outcome["rss_mb"] < 1024


@pytest.mark.slow
def test_pdf_page_of_200_by_200_inches_is_rendered_within_the_pixel_limit():
    outcome = _in_subprocess("run(hostile.pdf_huge_page(14400), 'plan.pdf')")
    assert outcome["message"] == "Kein Text gefunden (auch nicht per Texterkennung)."
    assert outcome["rss_mb"] < 1024 and outcome["seconds"] < 60


@pytest.mark.slow
def test_image_above_the_pixel_limit_is_refused_before_decoding():
    outcome = _in_subprocess("run(hostile.png_bomb(9000), 'scan.png')")
    assert "zu groß für die Texterkennung" in outcome["message"]
    assert outcome["rss_mb"] < 300 and outcome["seconds"] < 10 and not outcome["ocr_started"]


@pytest.mark.slow
def test_tiff_with_hundreds_of_pages_is_refused_before_ocr():
    outcome = _in_subprocess("run(hostile.tiff_many_pages(500), 'scan.tif')")
    assert "Zu viele Seiten" in outcome["message"] and not outcome["ocr_started"]


@pytest.mark.django_db
def test_document_whose_worker_died_ends_failed_with_a_reason(client, make_user, tenant):
    """Issue #10, 3: after the worker was killed the document said "ocr" forever."""
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.urls import reverse
    from django.utils import timezone

    from aktenkundig.accounts.models import Role
    from aktenkundig.core.models import AccessLevel, Collection
    from aktenkundig.documents.models import Document, DocumentStatus

    collection = Collection.objects.create(tenant=tenant, name="Akten",
                                           access_level=AccessLevel.INTERN)
    document = Document(tenant=tenant, collection=collection, title="Scan", source_path="s.pdf",
                        original_name="s.pdf", sha256="0" * 64, size=3, mime_type="x",
                        status=DocumentStatus.OCR)
    document.original.save("s.pdf", ContentFile(b"abc"), save=False)
    document.save()
    alive = Document.objects.create(
        tenant=tenant, collection=collection, title="Läuft", source_path="l.pdf",
        original_name="l.pdf", sha256="1" * 64, size=3, mime_type="x",
        status=DocumentStatus.OCR)
    Document.objects.filter(pk=document.pk).update(
        updated_at=timezone.now() - dt.timedelta(hours=2))
    client.force_login(make_user("erika", tenant, [Role.STAFF]))
    page = client.get(reverse("documents:library")).content.decode()
    document.refresh_from_db()
    alive.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and "abgebrochen" in document.error
    assert "abgebrochen" in page
    assert alive.status == DocumentStatus.OCR  # recently alive: left alone


@pytest.mark.django_db
def test_ocr_stops_when_the_document_is_deleted_meanwhile(collection, monkeypatch):
    """Cancellation: the worker checks before every page whether its document still
    exists, instead of OCR'ing hundreds of pages for nobody."""
    import pytesseract
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aktenkundig.documents.models import Document
    from aktenkundig.documents.services import process_document, store_upload
    from aktenkundig.documents.tests.conftest import FIXTURES

    document = store_upload(
        SimpleUploadedFile("scan.pdf", (FIXTURES / "scan_brief.pdf").read_bytes()), collection
    )
    Document.objects.filter(pk=document.pk).delete()  # deleted while waiting in the queue

    def must_not_run(*args, **kwargs):
        raise AssertionError("tesseract ran for a deleted document")

    monkeypatch.setattr(pytesseract, "image_to_string", must_not_run)
    process_document(document)
    assert not Document.objects.filter(pk=document.pk).exists()
