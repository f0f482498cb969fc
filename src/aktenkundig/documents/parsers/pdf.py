"""PDF: the text layer, and OCR for pages without one (scans)."""

from __future__ import annotations

import re
from datetime import date

from aktenkundig.documents.parsers.base import (
    _NOISE_LINE,
    Block,
    Context,
    Extracted,
    ExtractionError,
    _paragraphs,
    register,
)
from aktenkundig.documents.parsers.ocr import Ocr

# Pages whose text layer holds fewer visible characters than this are treated
# as scans: a page number or a stray header is not a text layer.
MIN_PAGE_CHARS = 25


@register("pdf", ".pdf", "application/pdf")
def parse_pdf(data: bytes, context: Context) -> Extracted:
    return _pdf(data, context.ocr)


def _pdf(data: bytes, ocr: Ocr) -> Extracted:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) == 4 or "password" in str(error).lower():
            raise ExtractionError("Das PDF ist passwortgeschützt (verschlüsselt).") from None
        if getattr(error, "err_code", None) == 6:
            raise ExtractionError(
                "Das PDF ist mit einem nicht unterstützten Verfahren geschützt."
            ) from None
        raise ExtractionError("Die Datei ist beschädigt oder kein gültiges PDF.") from None
    try:
        blocks: list[Block] = []
        page_count = len(pdf)
        # First the text layers (cheap), so that a document with more pages to
        # OCR than allowed is refused before the first page is rendered.
        texts = []
        for index in range(page_count):
            page = pdf[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        scans = {
            i for i, text in enumerate(texts) if len(re.sub(r"\s", "", text)) < MIN_PAGE_CHARS
        }
        ocr.check_pages(len(scans))
        for index in range(page_count):
            text = texts[index]
            if index in scans:
                page = pdf[index]
                width, height = page.get_size()
                bitmap = page.render(scale=ocr.scale_for(width, height))
                try:
                    text = ocr(bitmap.to_pil())
                finally:
                    bitmap.close()
                    page.close()
            lines = [line for line in text.replace("\r", "").split("\n")
                     if not _NOISE_LINE.match(line.strip())]  # fmt: skip
            blocks.extend(_paragraphs("\n".join(lines), page=index + 1))
        metadata = pdf.get_metadata_dict(skip_empty=True)
    finally:
        pdf.close()
    title = metadata.get("Title", "").strip()
    if title.lower() in {"untitled", "unbenannt", "ohne titel"} or re.search(
        r"\.(docx?|odt|pdf|rtf|tiff?|png|jpe?g)$|^microsoft word|^[\w.-]*_[\w.-]*$",
        title,
        re.IGNORECASE,
    ):
        title = ""  # a file name or a tool's placeholder, not a title
    return Extracted(
        "pdf", "", blocks, title=title or None, page_count=page_count,
        metadata_date=_pdf_date(metadata.get("CreationDate", "")),
    )  # fmt: skip


def _pdf_date(value: str) -> date | None:
    match = re.match(r"^(?:D:)?(\d{4})(\d{2})(\d{2})", value or "")
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
