"""Each supported format, through the real readers (pypdfium2, python-docx, odfpy,
tesseract), and each kind of bad file with its message."""

from __future__ import annotations

import datetime

import pytest

from aktenkundig.documents.chunking import chunk_blocks
from aktenkundig.documents.extract import ExtractionError, detect_kind, extract, find_german_date
from aktenkundig.documents.tests.conftest import FIXTURES, SAMPLES


def read(path):
    return extract(path.read_bytes(), path.name)


def sections(extracted):
    return [(c.section, c.page) for c in chunk_blocks(extracted.blocks, title=extracted.title)]


def test_text_pdf_has_title_date_pages_and_paragraph_sections():
    pdf = read(SAMPLES / "satzungen" / "hundesteuersatzung.pdf")
    assert pdf.kind == "pdf" and pdf.page_count == 4 and pdf.ocr_pages == 0
    assert pdf.title == "Satzung über die Erhebung der Hundesteuer in der Gemeinde Musterhausen"
    assert pdf.date == datetime.date(2024, 3, 12)
    found = dict(sections(pdf))
    assert found["§ 5 Steuersatz > (1)–(4)"] == 2
    assert found["§ 10 Hundesteuermarken > (1)–(2)"] == 4
    chunks = chunk_blocks(pdf.blocks, title=pdf.title)
    steuersatz = next(c for c in chunks if c.section.startswith("§ 5"))
    assert "96,00 Euro" in steuersatz.text and "600,00 Euro" in steuersatz.text
    assert "§ 6" not in steuersatz.section
    # the title (wrapped over two lines on the page) is not repeated as a passage
    assert chunks[0].text.startswith("(Hundesteuersatzung) vom 12. März 2024")


def test_docx_title_headings_and_fee_table():
    docx = read(SAMPLES / "satzungen" / "abfallgebuehrensatzung.docx")
    assert docx.title == "Satzung über die Erhebung von Gebühren für die Abfallentsorgung"
    assert docx.date == datetime.date(2023, 12, 5)  # from the text, not the file metadata
    chunks = chunk_blocks(docx.blocks, title=docx.title)
    table = next(c for c in chunks if c.section == "Anlage: Gebührenverzeichnis")
    assert "Restabfallbehälter 120 Liter | 14-täglich | 240,00 Euro" in table.text.split("\n")
    assert "§ 3 Gebührensätze > (1)–(3)" in [c.section for c in chunks]


def test_html_title_from_title_tag_and_navigation_left_out():
    html = read(SAMPLES / "satzungen" / "friedhofssatzung.html")
    assert html.title == "Friedhofssatzung der Gemeinde Musterhausen"
    assert html.date == datetime.date(2023, 11, 14)
    assert "Startseite" not in html.text and "Rathausplatz 1 ·" not in html.text
    chunks = chunk_blocks(html.blocks, title=html.title)
    behaviour = next(c for c in chunks if c.section.startswith("§ 3"))
    assert "2. Tiere mitzubringen, ausgenommen Blindenführhunde" in behaviour.text


def test_markdown_faq_question_headings_are_sections():
    md = read(SAMPLES / "buergerservice" / "faq-buergerservice.md")
    assert md.date == datetime.date(2024, 9, 1)
    assert ("Hunde > Wie hoch ist die Hundesteuer?", None) in sections(md)


def test_odt_title_from_metadata_and_outline_headings():
    odt = read(FIXTURES / "niederschrift.odt")
    assert odt.kind == "odt" and odt.title == "Niederschrift Bauausschuss"
    assert odt.date == datetime.date(2025, 2, 5)
    assert [s for s, _ in sections(odt)] == [
        "Niederschrift",
        "Niederschrift > TOP 1 Bauvoranfrage",
        "Niederschrift > TOP 2 Spielplatz",
    ]


def test_email_body_and_pdf_attachment_as_section():
    mail = read(FIXTURES / "bescheid_mail.eml")
    assert mail.title == "Hundesteuer Bello: Bescheid zur Buchung"
    assert mail.date == datetime.date(2024, 10, 21)
    chunks = chunk_blocks(mail.blocks, title=mail.title)
    assert "Kassenzeichen lautet 2024-HST-0815" in chunks[0].text
    attachment = next(c for c in chunks if c.section.startswith("Anhang: Bescheid.pdf > § 1"))
    assert "96,00 Euro festgesetzt" in attachment.text


@pytest.mark.slow
@pytest.mark.parametrize("name", ["scan_brief.png", "scan_brief.pdf"])
def test_scanned_letter_is_read_by_ocr(name):
    calls = []
    scan = extract((FIXTURES / name).read_bytes(), name, on_ocr=lambda: calls.append(1))
    assert scan.ocr_pages == 1 and calls == [1]
    assert scan.title == "Anmeldung Ihres Hundes zur Hundesteuer"
    assert scan.date == datetime.date(2024, 10, 18)
    words = scan.text
    for expected in ("Musterhausen", "Hundesteuer", "Steuermarke", "Halsband", "96 Euro"):
        assert expected in words
    assert [p for _, p in sections(scan)] == [1]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("verschluesselt.pdf", "Das PDF ist passwortgeschützt (verschlüsselt)."),
        ("kaputt.pdf", "Die Datei ist beschädigt oder kein gültiges PDF."),
        ("leer.txt", "Die Datei ist leer."),
        ("tabelle.xlsx", "Dateityp .xlsx wird nicht unterstützt."),
        pytest.param(
            "leer.png",
            "Kein Text gefunden (auch nicht per Texterkennung).",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_bad_files_have_a_clear_german_reason(name, message):
    with pytest.raises(ExtractionError) as raised:
        read(FIXTURES / name)
    assert str(raised.value) == message


def test_format_is_sniffed_from_bytes_not_name():
    pdf_bytes = (SAMPLES / "satzungen" / "hundesteuersatzung.pdf").read_bytes()
    assert detect_kind(pdf_bytes, "harmlos.txt") == "pdf"
    assert detect_kind(b"<!DOCTYPE html><html><p>x</p></html>", "upload") == "html"
    assert detect_kind(b"From: a@b.example\nSubject: Hallo\n\nText", "") == "eml"
    with pytest.raises(ExtractionError, match="kein gültiges PDF"):
        detect_kind(b"Das ist Text.", "bescheid.pdf")
    with pytest.raises(ExtractionError, match="Binärdaten"):
        detect_kind(b"\x00\x01\x02binary", "daten")


def test_windows_1252_text_is_decoded():
    text = "Gebührenbescheid für Müller vom 3. Mai 2022".encode("cp1252")
    result = extract(text, "bescheid.txt")
    assert result.title == "Gebührenbescheid für Müller vom 3. Mai 2022"
    assert result.date == datetime.date(2022, 5, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bescheid vom 12. März 2024 über", datetime.date(2024, 3, 12)),
        ("Eingang 01.02.2023, Satzung vom 18.10.2024", datetime.date(2024, 10, 18)),
        ("Datum: 3.5.2022", datetime.date(2022, 5, 3)),
        ("am 31.02.2024 oder 1.13.2024", None),
        ("Az. 12.3.45 vom 2.1.2025", datetime.date(2025, 1, 2)),
    ],
)
def test_german_dates(text, expected):
    assert find_german_date(text) == expected
