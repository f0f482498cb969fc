"""What every parser shares: the result types, the error, text helpers, the registry.

One module per format (``parsers.pdf``, ``parsers.docx``, ...) registers a
:class:`Parser` here, the way paperless-ngx declares its parsers: the format's
kind, the suffix its stored original gets, its MIME type and the function that
reads it. ``documents.extract`` sniffs the format and dispatches through
:data:`PARSERS`; adding a format is one new module and one ``register`` call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath


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


@dataclass
class Context:
    """What a parser may need besides the bytes: OCR, and (for containers such as
    e-mail) a way to read an embedded file at the next depth."""

    ocr: Callable  # ocr(PIL image) -> text; see parsers.ocr.Ocr
    ocr_languages: str
    on_ocr: Callable[[], None] | None
    depth: int
    extract: Callable[..., Extracted]  # documents.extract.extract


@dataclass(frozen=True)
class Parser:
    kind: str
    suffix: str  # of the stored original
    mime_type: str
    parse: Callable[[bytes, Context], Extracted]


PARSERS: dict[str, Parser] = {}


def register(kind: str, suffix: str, mime_type: str):
    """Decorator: ``parse(data, context)`` reads files of ``kind``."""

    def decorate(parse: Callable[[bytes, Context], Extracted]):
        PARSERS[kind] = Parser(kind, suffix, mime_type, parse)
        return parse

    return decorate


def suffix_of(name: str) -> str:
    return PurePath(name).suffix.lower()


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


def _paragraphs(text: str, page: int | None = None) -> list[Block]:
    """Split at blank lines; line structure inside a paragraph is kept for the chunker."""
    return [
        Block(part.strip("\n"), page=page) for part in re.split(r"\n\s*\n", text) if part.strip()
    ]


paragraphs = _paragraphs
clean_line = _clean_line
