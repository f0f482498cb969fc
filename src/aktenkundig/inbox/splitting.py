"""Splitting a batch scan into single letters.

A scanner's batch is one PDF with many letters. Boundaries come from two sources:

1. **Separator sheets**: a page carrying a barcode whose text is a separator code
   (``PATCH T``, ``PATCHT``, or ``AKTENKUNDIG-TRENNBLATT``; read with zxing-cpp). The
   sheet itself is dropped. Reliable where the scan centre uses them.
2. **Letter starts**, without separator sheets: a page whose upper part looks like the
   first page of a letter — an address block (a German postcode line), a date, and a
   "Betreff"/salutation — starts a new letter. Blank pages (no text, almost white) are
   dropped and also end a letter (duplex backs, spacer sheets).

The result is a *proposal*: every boundary carries its reason, so a person can check
and move it before the letters become items. Text of scanned pages comes from the
documents app's OCR (``parsers.ocr.Ocr``); nothing of its extraction is copied here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SEPARATOR_CODES = {"PATCH T", "PATCHT", "AKTENKUNDIG-TRENNBLATT"}
_POSTCODE = re.compile(r"(?m)^\s*\d{5}\s+[A-ZÄÖÜ][\wäöüß.\- ]+$")
_DATE = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b|\b\d{1,2}\.\s+(Januar|Februar|März|"
                   r"April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)\b")
_OPENING = re.compile(r"(?im)^\s*(betreff|betr\.|sehr geehrte|guten tag|hallo)\b")
HEAD_CHARS = 1200  # the upper part of a page: where letterhead, address and Betreff are
MIN_TEXT = 20
#: share of dark pixels below which a page counts as blank (scanner noise stays below)
BLANK_INK = 0.001


@dataclass
class Page:
    index: int
    text: str
    barcodes: list[str] = field(default_factory=list)
    blank: bool = False


@dataclass
class Segment:
    pages: list[int]
    reason: str  # why this letter starts here


def is_separator(page: Page) -> bool:
    return any(code.strip().upper() in SEPARATOR_CODES for code in page.barcodes)


def looks_like_letter_start(text: str) -> bool:
    """Two of three signs in the upper part of the page: address block, date, opening."""
    head = text[:HEAD_CHARS]
    signs = sum(bool(p.search(head)) for p in (_POSTCODE, _DATE, _OPENING))
    return signs >= 2


def propose(pages: list[Page]) -> list[Segment]:
    """Group pages into letters (see the module docstring for the rules)."""
    segments: list[Segment] = []
    current: Segment | None = None
    reason_next = "Beginn des Stapels"
    for page in pages:
        if is_separator(page):
            current, reason_next = None, "Trennblatt"
            continue
        if page.blank or (len(page.text.strip()) < MIN_TEXT and not page.barcodes):
            current, reason_next = None, "Leerseite"
            continue
        if current is not None and looks_like_letter_start(page.text):
            current = None
            reason_next = "Briefanfang erkannt (Anschrift, Datum, Betreff/Anrede)"
        if current is None:
            current = Segment([], reason_next)
            segments.append(current)
        current.pages.append(page.index)
    return segments


def read_pages(data: bytes, *, ocr=None, scale: float = 2.0) -> list[Page]:
    """Text, barcodes and blankness of every page of a PDF. Pages without a text layer
    are OCR'd with ``ocr`` (a ``documents.parsers.ocr.Ocr``) when given."""
    import numpy as np
    import pypdfium2 as pdfium

    try:
        import zxingcpp
    except ImportError:  # barcodes optional: letter starts still work
        zxingcpp = None
    pdf = pdfium.PdfDocument(data)
    pages = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            text = page.get_textpage().get_text_range()
            image = page.render(scale=scale).to_pil().convert("L")
            pixels = np.asarray(image)
            blank = float((pixels < 128).mean()) < BLANK_INK
            codes = []
            if zxingcpp is not None and not blank:
                codes = [r.text for r in zxingcpp.read_barcodes(image)]
            if len(text.strip()) < MIN_TEXT and not blank and not codes and ocr is not None:
                text = ocr(image)
            pages.append(Page(index, text, codes, blank and len(text.strip()) < MIN_TEXT))
    finally:
        pdf.close()
    return pages


def split_pdf(data: bytes, segments: list[Segment]) -> list[bytes]:
    """One PDF per segment, pages copied from the batch (no re-rendering)."""
    import io

    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(data)
    out = []
    try:
        for segment in segments:
            target = pdfium.PdfDocument.new()
            target.import_pages(source, segment.pages)
            buffer = io.BytesIO()
            target.save(buffer)
            target.close()
            out.append(buffer.getvalue())
    finally:
        source.close()
    return out
