"""Batch translation of a collection (language.batch): progress, reviews per
document and language, the memory on a re-run, the export per language, and the
checks that refuse a batch before anything is sent. The backend is the loopback
server that follows LibreTranslate's documented API (it proves the mechanics and the
protocol, not translation quality)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from aktenkundig.core.models import AccessLevel
from aktenkundig.language import batch as batches
from aktenkundig.language import services
from aktenkundig.language.models import Translation, TranslationBatch

pytestmark = pytest.mark.django_db

PAGES = {
    "Hundesteuer": [("§ 1", "Der Antrag ist schriftlich zu stellen."),
                    ("§ 2", "Die Frist ist ein Monat.")],
    "Sperrmüll": [("Abholung", "Hallo Welt und der Antrag.")],
}


@pytest.fixture
def backend(libretranslate, monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_TRANSLATE_BACKEND", "libretranslate")
    monkeypatch.setenv("AKTENKUNDIG_TRANSLATE_URL", libretranslate.url)
    return libretranslate


@pytest.fixture
def pages(make_document, satzungen, language_tenant):
    return [make_document(satzungen, title, passages) for title, passages in PAGES.items()]


def test_a_collection_becomes_reviews_per_document_and_language(
        backend, pages, satzungen, staff_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = batches.start(satzungen.tenant, staff_member, satzungen, ["en", "tr"])
    batch.refresh_from_db()
    assert batch.status == TranslationBatch.Status.DONE
    assert (batch.done, batch.total, batch.percent, batch.problems) == (4, 4, 100, [])
    items = Translation.objects.filter(batch=batch)
    assert sorted((t.document.title, t.target_lang) for t in items) == [
        ("Hundesteuer", "en"), ("Hundesteuer", "tr"), ("Sperrmüll", "en"), ("Sperrmüll", "tr")]
    english = items.get(document=pages[0], target_lang="en")
    assert english.status == Translation.Status.REVIEW  # nothing is published on its own
    assert "the application" in " ".join(english.segments.values_list("target", flat=True))
    # Running it again (a worker died halfway) creates nothing twice and sends nothing.
    sent = len(backend.requests)
    batches.run(batch)
    assert Translation.objects.filter(batch=batch).count() == 4 and len(backend.requests) == sent
    # A new batch of the same pages comes from the translation memory.
    with django_capture_on_commit_callbacks(execute=True):
        again = batches.start(satzungen.tenant, staff_member, satzungen, ["en"])
    assert Translation.objects.filter(batch=again).count() == 2 and len(backend.requests) == sent


def test_export_per_language_holds_only_published_texts(
        backend, pages, satzungen, staff_member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = batches.start(satzungen.tenant, staff_member, satzungen, ["en"])
    first = Translation.objects.get(batch=batch, document=pages[0])
    for segment in first.segments.all():
        services.approve_segment(segment, user=staff_member)
    services.publish(first, user=staff_member)
    archive = zipfile.ZipFile(io.BytesIO(batches.export(batch, "en", user=staff_member)))
    manifest = json.loads(archive.read("manifest.json"))
    assert [p["title"] for p in manifest["published"]] == ["Hundesteuer"]
    assert manifest["in_review"] == ["Sperrmüll"] and manifest["language"] == "en"
    (name,) = [n for n in archive.namelist() if n.endswith(".en.txt")]
    assert "the application" in archive.read(name).decode("utf-8")
    with pytest.raises(batches.BatchError):
        batches.export(batch, "tr")


def test_refused_before_anything_is_sent(backend, pages, satzungen, staff_member, stranger,
                                         make_document, make_user):
    from aktenkundig.accounts.models import Role
    from aktenkundig.core.services import get_or_create_collection

    with pytest.raises(batches.BatchError, match="Zielsprachen"):
        batches.start(satzungen.tenant, staff_member, satzungen, ["xx"])
    with pytest.raises(batches.BatchError, match="nicht lesen"):
        batches.start(satzungen.tenant, stranger, satzungen, ["en"])
    internal = get_or_create_collection(satzungen.tenant, "Vermerke", AccessLevel.VERTRAULICH)
    make_document(internal, "Vermerk", [("", "Der Antrag ist vertraulich.")])
    officer = make_user("vera", satzungen.tenant, [Role.STAFF],
                        clearance=AccessLevel.VERTRAULICH)
    with pytest.raises(batches.BatchError, match="nicht für Daten der Schutzstufe"):
        batches.start(satzungen.tenant, officer, internal, ["en"])
    assert backend.requests == [] and not TranslationBatch.objects.exists()


def test_a_document_above_its_collection_is_left_out_with_a_reason(
        backend, pages, satzungen, staff_member, django_capture_on_commit_callbacks):
    pages[1].access_level = AccessLevel.VERTRAULICH
    pages[1].save(update_fields=["access_level"])
    with django_capture_on_commit_callbacks(execute=True):
        batch = batches.start(satzungen.tenant, staff_member, satzungen, ["en"])
    batch.refresh_from_db()
    assert batch.done == batch.total == 2
    assert [p["document"] for p in batch.problems] == ["Sperrmüll"]
    assert not Translation.objects.filter(batch=batch, document=pages[1]).exists()
    assert all("Sperrmüll" not in str(r) and "Welt" not in str(r) for r in backend.requests)


def test_pages_start_show_and_export_within_the_tenant(
        backend, pages, satzungen, staff_member, stranger, client,
        django_capture_on_commit_callbacks):
    from django.urls import reverse

    client.force_login(staff_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("language:batches"), {
            "collection": satzungen.pk, "targets": ["en"], "title": "Website"})
    batch = TranslationBatch.objects.get()
    assert response["Location"] == reverse("language:batch", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert "2 von 2 Übersetzungen" in page and "Hundesteuer" in page
    export = client.get(reverse("language:batch_export", args=[batch.pk, "en"]))
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    assert client.get(reverse("language:batch_export", args=[batch.pk, "tr"])).status_code == 404
    bad = client.post(reverse("language:batches"), {"collection": satzungen.pk,
                                                     "targets": ["xx"]}, follow=True)
    assert "Zielsprachen" in bad.content.decode()
    client.force_login(stranger)
    assert client.get(reverse("language:batch", args=[batch.pk])).status_code == 404
    assert client.get(reverse("language:batch_export",
                              args=[batch.pk, "en"])).status_code == 404


def test_cli_runs_a_batch_and_exports_per_language(backend, pages, satzungen, tmp_path,
                                                   capsys):
    from django.core.management import CommandError, call_command

    call_command("language", "batch", "Satzungen", "--to", "en,tr", "--export",
                 str(tmp_path), "--tenant", satzungen.tenant.slug)
    out = capsys.readouterr().out
    assert "4 von 4 Übersetzungen" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"uebersetzung-{TranslationBatch.objects.get().pk}-{t}.zip" for t in ("en", "tr")]
    with pytest.raises(CommandError, match="gibt es nicht"):
        call_command("language", "batch", "Unbekannt", "--to", "en",
                     "--tenant", satzungen.tenant.slug)


def test_without_any_backend_the_batch_says_so(pages, satzungen, staff_member, monkeypatch):
    monkeypatch.delenv("AKTENKUNDIG_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("AKTENKUNDIG_TRANSLATE_BACKEND", raising=False)
    with pytest.raises(batches.BatchError, match="weder ein Sprachmodell noch"):
        batches.start(satzungen.tenant, staff_member, satzungen, ["en"])
    assert not TranslationBatch.objects.exists()
