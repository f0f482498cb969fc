"""Text and metadata from the file formats an administration actually has.

Pure functions: bytes in, :class:`Extracted` out, no database and no Django
settings (the caller passes the OCR languages). The format is decided by
sniffing the bytes; the file name only distinguishes text formats that look
alike (Markdown vs. plain text) and is never used as a path. Each format is
read by its parser in ``documents.parsers`` (one module per format behind a
small registry); this module sniffs and dispatches.

Every failure a person can cause (a corrupt, encrypted, empty or unsupported
file) raises :class:`ExtractionError` with a German one-line reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aktenkundig.documents.parsers import PARSERS, Context
from aktenkundig.documents.parsers.archive import odf_mimetype, open_zip
from aktenkundig.documents.parsers.base import (  # noqa: F401 - re-exported
    Block,
    Extracted,
    ExtractionError,
    _clean_line,
    decode_text,
    find_german_date,
    first_meaningful_line,
    suffix_of,
    title_from_name,
)
from aktenkundig.documents.parsers.mail import MAX_EMAIL_DEPTH  # noqa: F401
from aktenkundig.documents.parsers.ocr import OCR_DPI, Cancelled, Ocr, OcrLimits  # noqa: F401
from aktenkundig.documents.parsers.pdf import MIN_PAGE_CHARS  # noqa: F401

#: kind: (suffix used for the stored original, MIME type), from the parser registry
KINDS: dict[str, tuple[str, str]] = {
    kind: (parser.suffix, parser.mime_type) for kind, parser in PARSERS.items()
}
SUPPORTED_SUFFIXES = {
    ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".odt", ".eml",
    ".png", ".jpg", ".jpeg", ".tif", ".tiff",
}  # fmt: skip
_TEXT_SUFFIX_KIND = {
    ".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md",
    ".html": "html", ".htm": "html", ".eml": "eml",
}  # fmt: skip
_EMAIL_HEADER = re.compile(
    rb"^(Return-Path|Received|From|To|Subject|Date|MIME-Version|Message-ID|Delivered-To):",
    re.IGNORECASE,
)
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)


# NUL and the other C0/C1 control characters (tab and newline stay): they carry no
# text, break PostgreSQL (NUL) and full-text indexes, and a chunk of 8 MiB of NUL
# bytes came out of a crafted e-mail once (issue #10, 2). Removed from every block.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")


def strip_control(text: str) -> str:
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def detect_kind(data: bytes, name: str = "") -> str:
    """The format of ``data``; ``name`` only breaks ties between text formats."""
    suffix = suffix_of(name)
    if not data:
        raise ExtractionError("Die Datei ist leer.")
    if suffix and suffix not in SUPPORTED_SUFFIXES:
        raise ExtractionError(f"Dateityp {suffix} wird nicht unterstützt.")
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    expected = {".pdf": "PDF", ".docx": "Word-Dokument", ".odt": "ODF-Textdokument"}
    if suffix in expected:
        raise ExtractionError(f"Die Datei ist beschädigt oder kein gültiges {expected[suffix]}.")
    if suffix in {".png", ".jpg", ".jpeg", ".tif", ".tiff"}:
        raise ExtractionError("Die Datei ist beschädigt oder kein gültiges Bild.")
    if b"\x00" in data[:8192]:
        raise ExtractionError("Dateityp wird nicht unterstützt (Binärdaten).")
    if suffix in _TEXT_SUFFIX_KIND:
        return _TEXT_SUFFIX_KIND[suffix]
    if _HTML_START.match(head):
        return "html"
    if _EMAIL_HEADER.match(head):
        return "eml"
    return "txt"


def _zip_kind(data: bytes) -> str:
    # Bounded: a 1 GiB "mimetype" entry is refused before it is inflated, and
    # the message never repeats what the entry holds (issue #10, 2).
    with open_zip(data) as archive:
        mimetype = odf_mimetype(archive)
        if mimetype is not None:
            if mimetype == KINDS["odt"][1]:
                return "odt"
            if mimetype:
                raise ExtractionError(f"Dateityp {mimetype} wird nicht unterstützt.")
            raise ExtractionError("Dateityp wird nicht unterstützt (unbekannter ZIP-Inhalt).")
        if "word/document.xml" in archive.namelist():
            return "docx"
    raise ExtractionError("Dateityp wird nicht unterstützt (ZIP-Archiv).")


def extract(
    data: bytes,
    name: str = "",
    *,
    ocr_languages: str = "deu+eng",
    on_ocr: Callable[[], None] | None = None,
    ocr_limits: OcrLimits | None = None,
    on_page: Callable[[], None] | None = None,
    _depth: int = 0,
) -> Extracted:
    """Read ``data``. ``on_ocr`` is called once, before the first page is OCR'd;
    ``on_page`` before every page (liveness, cancellation: see parsers.ocr)."""
    kind = detect_kind(data, name)
    ocr = Ocr(ocr_languages, on_ocr, ocr_limits, on_page)
    def nested(*args, **kwargs):  # attachments share the limits (not a fresh budget each)
        return extract(*args, ocr_limits=ocr_limits, on_page=on_page, **kwargs)

    context = Context(ocr=ocr, ocr_languages=ocr_languages, on_ocr=on_ocr, depth=_depth,
                      extract=nested)
    result = PARSERS[kind].parse(data, context)
    result.kind = kind
    result.mime_type = KINDS[kind][1]
    result.ocr_pages = ocr.pages
    for block in result.blocks:
        block.text = strip_control(block.text)
    result.blocks = [b for b in result.blocks if b.text.strip()]
    if not any(b.kind == "paragraph" for b in result.blocks):
        if ocr.pages:
            raise ExtractionError("Kein Text gefunden (auch nicht per Texterkennung).")
        raise ExtractionError("Kein Text gefunden: die Datei enthält keinen lesbaren Text.")
    if result.title:
        result.title = _clean_line(strip_control(result.title))[:500] or None
    if not result.title:
        result.title = first_meaningful_line(result.text)
    result.date = result.date or find_german_date(result.text[:3000]) or result.metadata_date
    return result
