"""Text and metadata from the file formats an administration actually has.

Pure functions: bytes in, :class:`Extracted` out, no database and no Django
settings (the caller passes the OCR languages). The format is decided by
sniffing the bytes; the file name only distinguishes text formats that look
alike (Markdown vs. plain text) and is never used as a path.

Every failure a person can cause (a corrupt, encrypted, empty or unsupported
file) raises :class:`ExtractionError` with a German one-line reason.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import PurePath

# Pages whose text layer holds fewer visible characters than this are treated
# as scans: a page number or a stray header is not a text layer.
MIN_PAGE_CHARS = 25
OCR_DPI = 300
# Attachments of attachments (forwarded mails) are followed this deep.
MAX_EMAIL_DEPTH = 3


class ExtractionError(Exception):
    """A file cannot be read; the message is German and meant for the user."""


@dataclass
class Block:
    """A heading or a paragraph of running text (which may span several lines)."""

    text: str
    kind: str = "paragraph"  # "heading" | "paragraph"
    level: int = 0  # 1..6 for headings from markup
    page: int | None = None


@dataclass
class Extracted:
    kind: str
    mime_type: str
    blocks: list[Block]
    title: str | None = None
    date: date | None = None
    page_count: int | None = None
    ocr_pages: int = 0
    metadata_date: date | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks)


KINDS: dict[str, tuple[str, str]] = {
    # kind: (suffix used for the stored original, MIME type)
    "pdf": (".pdf", "application/pdf"),
    "docx": (
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "odt": (".odt", "application/vnd.oasis.opendocument.text"),
    "png": (".png", "image/png"),
    "jpeg": (".jpg", "image/jpeg"),
    "tiff": (".tif", "image/tiff"),
    "html": (".html", "text/html"),
    "md": (".md", "text/markdown"),
    "txt": (".txt", "text/plain"),
    "eml": (".eml", "message/rfc822"),
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


def suffix_of(name: str) -> str:
    return PurePath(name).suffix.lower()


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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                if mimetype == KINDS["odt"][1]:
                    return "odt"
                raise ExtractionError(f"Dateityp {mimetype} wird nicht unterstützt.")
            if "word/document.xml" in names:
                return "docx"
    except zipfile.BadZipFile:
        raise ExtractionError("Die Datei ist beschädigt (ZIP-Container unlesbar).") from None
    raise ExtractionError("Dateityp wird nicht unterstützt (ZIP-Archiv).")


def extract(
    data: bytes,
    name: str = "",
    *,
    ocr_languages: str = "deu+eng",
    on_ocr: Callable[[], None] | None = None,
    _depth: int = 0,
) -> Extracted:
    """Read ``data``. ``on_ocr`` is called once, before the first page is OCR'd."""
    kind = detect_kind(data, name)
    ocr = _Ocr(ocr_languages, on_ocr)
    reader = {
        "pdf": lambda: _pdf(data, ocr),
        "docx": lambda: _docx(data),
        "odt": lambda: _odt(data),
        "png": lambda: _image(data, ocr),
        "jpeg": lambda: _image(data, ocr),
        "tiff": lambda: _image(data, ocr),
        "html": lambda: _html(decode_text(data)),
        "md": lambda: _markdown(decode_text(data)),
        "txt": lambda: _plain(decode_text(data)),
        "eml": lambda: _email(data, ocr_languages, on_ocr, _depth),
    }[kind]
    result = reader()
    result.kind = kind
    result.mime_type = KINDS[kind][1]
    result.ocr_pages = ocr.pages
    result.blocks = [b for b in result.blocks if b.text.strip()]
    if not any(b.kind == "paragraph" for b in result.blocks):
        if ocr.pages:
            raise ExtractionError("Kein Text gefunden (auch nicht per Texterkennung).")
        raise ExtractionError("Kein Text gefunden: die Datei enthält keinen lesbaren Text.")
    if result.title:
        result.title = _clean_line(result.title)[:500] or None
    if not result.title:
        result.title = first_meaningful_line(result.text)
    result.date = result.date or find_german_date(result.text[:3000]) or result.metadata_date
    return result


def title_from_name(name: str) -> str:
    stem = PurePath(name).stem
    return re.sub(r"[_]+", " ", stem).strip() or name


# --- text helpers -------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as German offices write it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _clean_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


_MONTHS = {
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5,
    "juni": 6, "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11,
    "dezember": 12,
}  # fmt: skip
_DATE_NUMERIC = r"(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>(?:19|20)\d{2})"
_DATE_WORDS = r"(?P<d2>\d{1,2})\.\s?(?P<mn>" + "|".join(_MONTHS) + r")\s+(?P<y2>(?:19|20)\d{2})"
_DATE_RE = re.compile(rf"(?<![\d.])(?:{_DATE_NUMERIC}|{_DATE_WORDS})(?!\d)", re.IGNORECASE)
_DATE_CUE = re.compile(r"(?:\bvom|\bStand|\bDatum|\bden|\bam)\s*:?\s*$", re.IGNORECASE)


def find_german_date(text: str) -> date | None:
    """The document's date: a date after "vom"/"Stand"/"Datum", else the first one."""
    first = None
    for match in _DATE_RE.finditer(text):
        parsed = _parse_date_match(match)
        if parsed is None:
            continue
        if _DATE_CUE.search(text[max(0, match.start() - 12) : match.start()]):
            return parsed
        first = first or parsed
    return first


def _parse_date_match(match: re.Match) -> date | None:
    try:
        if match.group("d"):
            return date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        month = _MONTHS[match.group("mn").lower()]
        return date(int(match.group("y2")), month, int(match.group("d2")))
    except ValueError:
        return None


_NOISE_LINE = re.compile(r"^(seite\s+\d+(\s+von\s+\d+)?|-?\s*\d+\s*-?|\d+\s*/\s*\d+)$", re.I)


def first_meaningful_line(text: str) -> str | None:
    """A title for documents without one: the subject line of a letter, else the first
    line that reads like words (not a page number, date or address fragment)."""
    lines = [_clean_line(line) for line in text.splitlines()]
    for line in lines[:80]:
        match = re.match(r"^(Betreff|Betr\.|Gegenstand)\s*:\s*(.{4,})$", line, re.IGNORECASE)
        if match:
            return match.group(2)[:300]
    for line in lines[:40]:
        words = re.findall(r"[A-Za-zÄÖÜäöüß]{2,}", line)
        if len(words) >= 2 and 5 <= len(line) <= 200 and not _NOISE_LINE.match(line):
            return line
    return None


# --- plain text and Markdown -----------------------------------------------------------


def _plain(text: str, page: int | None = None) -> Extracted:
    return Extracted("txt", "", _paragraphs(text, page))


def _paragraphs(text: str, page: int | None = None) -> list[Block]:
    """Split at blank lines; line structure inside a paragraph is kept for the chunker."""
    return [
        Block(part.strip("\n"), page=page) for part in re.split(r"\n\s*\n", text) if part.strip()
    ]


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_SETEXT = re.compile(r"^(=+|-+)\s*$")
_MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _md_inline(text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    return text.replace("\\", "") if "\\" in text else text


def _markdown(text: str) -> Extracted:
    blocks: list[Block] = []
    title = None
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":  # YAML front matter
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                for meta in lines[1:index]:
                    key, _, value = meta.partition(":")
                    if key.strip().lower() == "title" and value.strip():
                        title = value.strip().strip("\"'")
                lines = lines[index + 1 :]
                break
    paragraph: list[str] = []
    in_code = False

    def flush() -> None:
        if paragraph:
            blocks.append(Block("\n".join(paragraph)))
            paragraph.clear()

    for index, raw in enumerate(lines):
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            paragraph.append(line)
            continue
        heading = _MD_HEADING.match(line)
        nxt = lines[index + 1].rstrip() if index + 1 < len(lines) else ""
        if heading:
            flush()
            blocks.append(Block(_md_inline(heading.group(2)), "heading", len(heading.group(1))))
        elif line.strip() and _MD_SETEXT.match(nxt) and not paragraph and not line.startswith("|"):
            blocks.append(Block(_md_inline(line.strip()), "heading", 1 if nxt[0] == "=" else 2))
        elif _MD_SETEXT.match(line) and blocks and blocks[-1].kind == "heading" and not paragraph:
            continue
        elif not line.strip():
            flush()
        elif line.lstrip().startswith("|"):
            if _MD_TABLE_RULE.match(line.strip()):
                continue
            flush()
            cells = [_md_inline(cell.strip()) for cell in line.strip().strip("|").split("|")]
            blocks.append(Block(" | ".join(cell for cell in cells if cell)))
        else:
            paragraph.append(_md_inline(line.strip() if not line.startswith("    ") else line))
    flush()
    if title is None:
        title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), None)
    return Extracted("md", "", blocks, title=title)


# --- HTML ------------------------------------------------------------------------------

_HTML_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "tr", "pre", "dt", "dd",
                "blockquote", "caption", "figcaption", "address"]  # fmt: skip


def _html(markup: str) -> Extracted:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "nav", "svg"]):
        tag.decompose()
    title = _clean_line(soup.title.get_text()) if soup.title else None
    root = soup.body or soup
    blocks: list[Block] = []
    wanted = set(_HTML_BLOCKS)
    for element in root.find_all(_HTML_BLOCKS):
        if any(parent.name in wanted for parent in element.parents):
            continue
        if element.name == "tr":
            cells = [_clean_line(c.get_text(" ")) for c in element.find_all(["th", "td"])]
            text = " | ".join(cell for cell in cells if cell)
            if text:
                blocks.append(Block(text))
        elif element.name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            text = _clean_line(element.get_text(" "))
            if text:
                blocks.append(Block(text, "heading", int(element.name[1])))
        elif element.name == "pre":
            blocks.extend(_paragraphs(element.get_text()))
        else:
            text = _clean_line(element.get_text(" "))
            if element.name == "li" and element.parent is not None and element.parent.name == "ol":
                siblings = element.parent.find_all("li", recursive=False)
                text = f"{siblings.index(element) + 1}. {text}"
            if text:
                blocks.append(Block(text))
    if not any(b.kind == "paragraph" for b in blocks):
        blocks.extend(_paragraphs(root.get_text("\n")))
    if not title:
        title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), None)
    return Extracted("html", "", blocks, title=title)


# --- Office formats ----------------------------------------------------------------------


def _docx(data: bytes) -> Extracted:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many types for broken files
        raise ExtractionError(f"Das Word-Dokument ist beschädigt ({error}).") from None
    blocks: list[Block] = []
    title = None
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            text = paragraph.text.strip()
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            level = _heading_level(style)
            if style.lower() in {"title", "titel"}:
                title = title or text
                blocks.append(Block(text, "heading", 1))
            elif level:
                blocks.append(Block(text, "heading", level))
            else:
                blocks.append(Block(text))
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:  # merged cells repeat: keep each text once per row
                    text = _clean_line(cell.text)
                    if text and (not cells or cells[-1] != text):
                        cells.append(text)
                if cells:
                    blocks.append(Block(" | ".join(cells)))
    core = document.core_properties
    title = (core.title or "").strip() or title
    if not title:
        title = next((b.text for b in blocks if b.kind == "heading"), None)
    created = core.created.date() if isinstance(core.created, datetime) else None
    return Extracted("docx", "", blocks, title=title, metadata_date=created)


def _heading_level(style: str) -> int:
    match = re.match(r"^(heading|überschrift)\s*(\d)$", style.strip(), re.IGNORECASE)
    return int(match.group(2)) if match else 0


def _odt(data: bytes) -> Extracted:
    from odf import teletype
    from odf.namespaces import TABLENS, TEXTNS
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
    except Exception as error:  # odfpy raises XML and zip errors alike
        raise ExtractionError(f"Das ODF-Dokument ist beschädigt ({error}).") from None
    blocks: list[Block] = []

    def walk(node) -> None:
        for child in node.childNodes:
            qname = getattr(child, "qname", None)
            if qname == (TEXTNS, "h"):
                level = int(child.getAttrNS(TEXTNS, "outline-level") or 1)
                text = _clean_line(teletype.extractText(child))
                if text:
                    blocks.append(Block(text, "heading", min(level, 6)))
            elif qname == (TEXTNS, "p"):
                text = teletype.extractText(child).strip()
                if text:
                    blocks.append(Block(text))
            elif qname == (TABLENS, "table-row"):
                cells = [
                    _clean_line(teletype.extractText(cell))
                    for cell in child.childNodes
                    if getattr(cell, "qname", None) == (TABLENS, "table-cell")
                ]
                if any(cells):
                    blocks.append(Block(" | ".join(cell for cell in cells if cell)))
            elif qname is not None:
                walk(child)

    walk(document.text)
    title = None
    metadata_date = None
    for node in document.meta.childNodes:
        if getattr(node, "qname", (None, None))[1] == "title":
            title = _clean_line(teletype.extractText(node)) or None
        if getattr(node, "qname", (None, None))[1] == "creation-date":
            with contextlib.suppress(ValueError):
                metadata_date = datetime.fromisoformat(teletype.extractText(node)[:19]).date()
    if not title:
        title = next((b.text for b in blocks if b.kind == "heading"), None)
    return Extracted("odt", "", blocks, title=title, metadata_date=metadata_date)


# --- PDF and images (OCR) -------------------------------------------------------------------


class _Ocr:
    """Tesseract with the configured languages; counts pages and reports the first."""

    def __init__(self, languages: str, on_start: Callable[[], None] | None) -> None:
        self.languages = languages
        self.on_start = on_start
        self.pages = 0

    def __call__(self, image) -> str:
        import pytesseract

        if self.pages == 0 and self.on_start is not None:
            self.on_start()
        # Tesseract's OpenMP threads thrash when several pages or processes run OCR at
        # once (measured: 2.5x slower on two busy cores); one thread each is faster.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self.pages += 1
        try:
            return pytesseract.image_to_string(image.convert("L"), lang=self.languages)
        except pytesseract.TesseractNotFoundError:
            raise ExtractionError(
                "Texterkennung nicht möglich: tesseract ist nicht installiert."
            ) from None
        except pytesseract.TesseractError as error:
            raise ExtractionError(f"Texterkennung fehlgeschlagen: {error.message}") from None


def _pdf(data: bytes, ocr: _Ocr) -> Extracted:
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
        for index in range(page_count):
            page = pdf[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            if len(re.sub(r"\s", "", text)) < MIN_PAGE_CHARS:
                bitmap = page.render(scale=OCR_DPI / 72)
                text = ocr(bitmap.to_pil())
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


def _image(data: bytes, ocr: _Ocr) -> Extracted:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ExtractionError("Die Datei ist beschädigt oder kein gültiges Bild.") from None
    except Image.DecompressionBombError:
        raise ExtractionError("Das Bild ist zu groß für die Texterkennung.") from None
    blocks: list[Block] = []
    page_count = 0
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        page_count += 1
        blocks.extend(_paragraphs(ocr(frame.copy()), page=index + 1))
    return Extracted("image", "", blocks, page_count=page_count)


# --- E-mail -----------------------------------------------------------------------------------


def _email(data: bytes, ocr_languages: str, on_ocr, depth: int) -> Extracted:
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not (message["From"] or message["Subject"]):
        raise ExtractionError("Die Datei ist keine lesbare E-Mail (Kopfzeilen fehlen).")
    subject = _clean_line(str(message["Subject"] or "")) or None
    sent = None
    try:
        sent_at = message["Date"].datetime if message["Date"] else None
        sent = sent_at.date() if sent_at else None
    except (AttributeError, TypeError, ValueError):
        sent = None
    header_lines = []
    for key, label in (("From", "Von"), ("To", "An"), ("Cc", "Cc"), ("Date", "Datum"),
                       ("Subject", "Betreff")):  # fmt: skip
        if message[key]:
            header_lines.append(f"{label}: {_clean_line(str(message[key]))}")
    blocks = [Block("\n".join(header_lines))] if header_lines else []
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = body.get_content()
        if body.get_content_subtype() == "html":
            blocks.extend(_html(content).blocks)
        else:
            blocks.extend(_paragraphs(content.replace("\r\n", "\n")))
    for attachment in message.iter_attachments():
        name = attachment.get_filename() or "ohne Namen"
        name = _clean_line(PurePath(name.replace("\\", "/")).name) or "ohne Namen"
        blocks.append(Block(f"Anhang: {name}", "heading", 1))
        if attachment.get_content_type() == "message/rfc822":
            inner = attachment.get_content()
            payload = inner.as_bytes() if hasattr(inner, "as_bytes") else bytes(inner)
            name = name if suffix_of(name) == ".eml" else f"{name}.eml"
        else:
            payload = attachment.get_payload(decode=True) or b""
        if depth >= MAX_EMAIL_DEPTH:
            blocks.append(Block("[Anhang nicht gelesen: zu tief verschachtelt.]"))
            continue
        try:
            inner_result = extract(payload, name, ocr_languages=ocr_languages, on_ocr=on_ocr,
                                   _depth=depth + 1)  # fmt: skip
        except ExtractionError as error:
            blocks.append(Block(f"[Anhang nicht lesbar: {error}]"))
            continue
        for block in inner_result.blocks:
            level = min(block.level + 1, 6) if block.kind == "heading" else 0
            blocks.append(Block(block.text, block.kind, level))
    return Extracted("eml", "", blocks, title=subject, date=sent)
