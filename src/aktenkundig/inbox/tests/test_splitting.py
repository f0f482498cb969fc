"""Batch splitting: separator sheets with a real barcode (zxing-cpp), letter starts in
text PDFs, blank pages; the split letters are real PDFs again."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont

from aktenkundig.inbox import splitting
from aktenkundig.testing.pdf import text_pdf

LETTER_A = ["Anna Keller", "Hauptstraße 5", "12345 Musterhausen", "Musterhausen, 3.2.2026",
            "Betreff: Bauantrag für ein Einfamilienhaus", "Sehr geehrte Damen und Herren,",
            "anbei die Unterlagen."]
LETTER_A2 = ["Seite 2 der Unterlagen: Lageplan und Bauzeichnungen liegen bei, die Statik folgt."]
LETTER_B = ["Jonas Wagner", "Am Markt 12", "54321 Beispielstadt", "Beispielstadt, 5.2.2026",
            "Betreff: Widerspruch gegen den Grundsteuerbescheid", "Guten Tag,",
            "hiermit lege ich Widerspruch ein."]


BODY = ["Sehr geehrte Damen und Herren,", "hiermit übersende ich Ihnen die Unterlagen",
        "zu meinem Antrag vom letzten Monat und bitte", "um eine kurze Bestätigung des Eingangs.",
        "Mit freundlichen Grüßen"]


def test_letter_starts_split_a_batch_without_separator_sheets():
    data = text_pdf([LETTER_A, LETTER_A2, LETTER_B])
    pages = splitting.read_pages(data)
    segments = splitting.propose(pages)
    assert [s.pages for s in segments] == [[0, 1], [2]]
    assert "Briefanfang" in segments[1].reason
    parts = splitting.split_pdf(data, segments)
    assert [len(pdfium.PdfDocument(p)) for p in parts] == [2, 1]


def _page_image(lines: list[str] | None = None, barcode: str = "") -> Image.Image:
    image = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    if barcode:
        zxingcpp = pytest.importorskip("zxingcpp")
        code = zxingcpp.create_barcode(barcode, zxingcpp.BarcodeFormat.Code128)
        symbol = Image.fromarray(code.to_image(scale=4)).convert("L")
        image.paste(symbol, (200, 300))
    if lines:
        draw = ImageDraw.Draw(image)
        try:
            font = ImageFont.truetype("DejaVuSans.ttf", 30)
        except OSError:
            font = ImageFont.load_default(size=30)
        for number, line in enumerate([*lines, *BODY]):
            draw.text((100, 100 + 45 * number), line, fill=0, font=font)
    return image


def _pdf(images: list[Image.Image]) -> bytes:
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:],
                   resolution=150)
    return buffer.getvalue()


def test_separator_sheet_with_barcode_splits_and_is_dropped_and_blank_pages_too():
    data = _pdf([_page_image(["Brief eins"]), _page_image(barcode="PATCH T"),
                 _page_image(["Brief zwei"]), _page_image(), _page_image(["Brief drei"])])
    pages = splitting.read_pages(data, ocr=lambda image: "gescannter Text einer Briefseite")
    assert splitting.is_separator(pages[1]) and pages[3].blank
    segments = splitting.propose(pages)
    assert [s.pages for s in segments] == [[0], [2], [4]]
    assert [s.reason for s in segments[1:]] == ["Trennblatt", "Leerseite"]


def test_a_barcode_that_is_no_separator_code_does_not_split():
    data = _pdf([_page_image(["Brief"]), _page_image(["Anlage"], barcode="KASSENZEICHEN-4711")])
    pages = splitting.read_pages(data, ocr=lambda image: "gescannter Text einer Briefseite")
    assert pages[1].barcodes == ["KASSENZEICHEN-4711"]
    assert [s.pages for s in splitting.propose(pages)] == [[0, 1]]


@pytest.mark.django_db
def test_a_person_moves_the_boundaries_of_a_split_batch(trained_tenant, staff_member):
    from aktenkundig.governance.models import OversightItem
    from aktenkundig.inbox import services
    from aktenkundig.inbox.models import Item

    batch = services.receive(trained_tenant, services.Incoming(
        text_pdf([LETTER_A, LETTER_A2, LETTER_B]), "stapel.pdf", "folder"))
    assert batch.page_count == 3
    first, second = services.split_item(batch, staff_member, after_page=2)
    assert not Item.objects.filter(pk=batch.pk).exists()
    assert not OversightItem.objects.filter(case_ref=f"inbox-{batch.pk}").exists()
    assert (first.page_count, second.page_count) == (2, 1)
    assert "Widerspruch" in second.text and "Widerspruch" not in first.text
    merged = services.merge_items(first, second, staff_member)
    assert merged.page_count == 3 and "Bauantrag" in merged.text and "Widerspruch" in merged.text
    with pytest.raises(services.InboxError):
        services.split_item(merged, staff_member, after_page=3)
    services.decide(merged, staff_member, unit_code="63")
    with pytest.raises(services.InboxError, match="entschieden"):
        services.split_item(merged, staff_member, after_page=1)
