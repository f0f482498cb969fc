"""``aktenkundig ingest`` end to end: a real process, real files, a real database."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import call_command

from aktenkundig.core.models import AccessLevel, Collection
from aktenkundig.documents.models import Document
from aktenkundig.documents.tests.conftest import FIXTURES, SAMPLES


def run(*args):
    """(exit code, stdout, stderr) of the command."""
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_ingest_sample_folder_then_again_unchanged(tmp_path):
    folder = tmp_path / "satzungen"
    shutil.copytree(SAMPLES / "satzungen", folder)
    code, out, err = run(str(folder), "--collection", "Satzungen", "--access", "offen",
                         "--public", "--no-wait")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.strip() == "Satzungen: 3 neu, 0 ersetzt, 0 unverändert, 0 fehlgeschlagen"
    collection = Collection.objects.get(slug="satzungen")
    assert collection.access_level == AccessLevel.OFFEN and collection.is_public
    assert sorted(Document.objects.values_list("source_path", flat=True)) == [
        str(folder / name)
        for name in (
            "abfallgebuehrensatzung.docx",
            "friedhofssatzung.html",
            "hundesteuersatzung.pdf",
        )
    ]
    code, out, _ = run(str(folder), "--collection", "Satzungen", "--no-wait")
    assert code == 0 and "0 neu, 0 ersetzt, 3 unverändert" in out


@pytest.mark.django_db
def test_bad_files_are_reported_one_line_each_and_the_run_goes_on(tmp_path):
    for name in ("verschluesselt.pdf", "kaputt.pdf", "leer.txt", "tabelle.xlsx",
                 "niederschrift.odt"):  # fmt: skip
        shutil.copy(FIXTURES / name, tmp_path / name)
    code, out, err = run(str(tmp_path), "--collection", "Akten", "--no-wait")
    assert code == 1
    assert out.strip() == "Akten: 1 neu, 0 ersetzt, 0 unverändert, 4 fehlgeschlagen"
    assert err.strip().splitlines() == [
        f"Fehler: {tmp_path}/kaputt.pdf: Die Datei ist beschädigt oder kein gültiges PDF.",
        f"Fehler: {tmp_path}/leer.txt: Die Datei ist leer.",
        f"Fehler: {tmp_path}/tabelle.xlsx: Dateityp .xlsx wird nicht unterstützt.",
        f"Fehler: {tmp_path}/verschluesselt.pdf: Das PDF ist passwortgeschützt (verschlüsselt).",
    ]
    assert Collection.objects.get(slug="akten").access_level == AccessLevel.INTERN
    assert Document.objects.get().title == "Niederschrift Bauausschuss"


@pytest.mark.django_db
def test_oversized_file_is_refused_before_reading(tmp_path, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    big = tmp_path / "gross.txt"
    big.write_text("Wort " * 400_000)
    code, _, err = run(str(big), "--collection", "Akten", "--no-wait")
    assert code == 1
    assert err.strip() == (
        f"Fehler: {big}: Die Datei ist zu groß (1,9 MB; erlaubt sind höchstens 1 MB)."
    )
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_public_needs_offen_and_unknown_tenant_is_an_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--public ist nur mit --access offen"):
        call_command("ingest", str(tmp_path), "--collection", "X", "--access", "intern",
                     "--public")  # fmt: skip
    with pytest.raises(CommandError, match="Mandant 'nirgendwo' gibt es nicht"):
        call_command("ingest", str(tmp_path), "--collection", "X", "--tenant", "nirgendwo")
