"""Structure-aware chunking: passages that a person can cite.

German administrative texts are structured by headings, paragraphs of law
("§ 5 Steuersatz", "Art. 3"), Absätze ("(2)") and numbered items. A chunk
never spans two §§ (or two headings), never cuts a sentence, and records the
section path and the first page so that an answer can say "§ 5 Steuersatz >
(2), Seite 3". Pure functions on :class:`~aktenkundig.documents.extract.Block`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from aktenkundig.documents.extract import Block

DEFAULT_MIN_WORDS = 120
DEFAULT_MAX_WORDS = 220

# Ranks of the section path: markup headings use their level 1-6; structure found
# in running text sits below them.
_RANK_PART = 7  # Teil, Abschnitt, Kapitel
_RANK_ARTICLE = 8  # §, Artikel, Anlage
_RANK_ABSATZ = 9  # (1), (2)

_SHORT_TITLE = r"(?:\s+(?P<rest>[^\n]{0,120}?))?\s*$"
_PARAGRAPH_HEADING = re.compile(r"^(?P<label>§§?\s*\d+\s?[a-z]?)\.?" + _SHORT_TITLE)
_ARTICLE_HEADING = re.compile(
    r"^(?P<label>(?:Art\.|Artikel)\s*\d+[a-z]?|(?:Anlage|Anhang)\s+\d+[a-z]?)\.?:?" + _SHORT_TITLE
)
_PART_HEADING = re.compile(
    r"^(?P<label>(?:\d+\.\s*|[IVX]+\.\s*)?(?:Teil|Abschnitt|Kapitel|Unterabschnitt)"
    r"\s+(?:[IVX]+|\d+)[a-z]?\.?)" + _SHORT_TITLE,
    re.IGNORECASE,
)
_ABSATZ = re.compile(r"^\((?P<label>\d{1,3}[a-z]?)\)\s+")
_LIST_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[a-z]{1,2}\)|[a-z]\.|[-•*–▪])\s+")
_TABLE_ROW = re.compile(r"^[^|\n]+(\s\|\s[^|\n]+)+$")

# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "abs", "nr", "art", "bzw", "ggf", "z", "b", "d", "h", "u", "a", "s", "str", "vgl", "usw",
    "etc", "ca", "dr", "hr", "fr", "gem", "i", "v", "m", "inkl", "zzgl", "max", "min", "tel",
    "geb", "lfd", "ziff", "buchst", "bzgl", "evtl", "sog", "o", "e", "f", "ff", "gez", "nrn",
    "abschn", "anl", "zit", "allg", "entspr", "jhd", "mio", "mrd", "tsd", "st", "prof", "dipl",
}  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"'»«“”)]?\s+(?=[\"'„»«(\[]?[A-ZÄÖÜ0-9§])")


@dataclass(frozen=True)
class ChunkDraft:
    text: str
    section: str
    page: int | None
    char_start: int
    char_end: int

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class _Unit:
    """A paragraph, Absatz, list item or table row: the smallest thing never split
    (unless it is longer than a chunk, then at sentence ends)."""

    text: str
    path: tuple[tuple[int, str], ...]
    page: int | None
    start: int
    end: int
    # For a table row: its table's header row, repeated on top of a chunk that starts
    # inside the table (else the rows of a later chunk are cells without names).
    header: str | None = None

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def key(self) -> tuple[tuple[int, str], ...]:
        return tuple(part for part in self.path if part[0] < _RANK_ABSATZ)


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def _heading_in_text(line: str) -> tuple[int, str] | None:
    """A structural heading written as plain text ("§ 5 Steuersatz", "Artikel 2")."""
    for rank, pattern in ((_RANK_ARTICLE, _PARAGRAPH_HEADING), (_RANK_ARTICLE, _ARTICLE_HEADING),
                          (_RANK_PART, _PART_HEADING)):  # fmt: skip
        match = pattern.match(line)
        if not match:
            continue
        rest = (match.group("rest") or "").strip()
        # "§ 5 Abs. 2 gilt entsprechend." is a reference, not a heading.
        if rest and (
            (rest[-1] in ".,;" and not rest.endswith(("ff.", "usw.")))
            or len(rest.split()) > 14
            or rest.startswith(("Abs", "Satz", "Nr"))
        ):
            return None  # fmt: skip
        label = re.sub(r"\s+", " ", match.group("label")).strip()
        label = re.sub(r"^§\s*", "§ ", label)
        return rank, f"{label} {rest}".strip()
    return None


def _units(blocks: Iterable[Block], title: str | None) -> list[_Unit]:
    units: list[_Unit] = []
    path: list[tuple[int, str]] = []
    title_key = _normal(title or "")
    title_left = title_key
    offset = 0
    current: _Unit | None = None
    pending_label: tuple[int, str, int] | None = None  # "§ 5" alone, title on next line
    # The header row (first row) of the table being read and its number of cells.
    table: tuple[str, int] | None = None

    def push(rank: int, label: str) -> None:
        while path and path[-1][0] >= rank:
            path.pop()
        path.append((rank, label))

    for block in blocks:
        start_of_block = offset
        offset += len(block.text) + 2  # blocks are joined with a blank line
        if block.kind == "heading":
            current = None
            table = None
            if title_key and _normal(block.text) == title_key and not units:
                continue
            push(block.level or 1, re.sub(r"\s+", " ", block.text).strip())
            continue
        current = None
        position = start_of_block
        for line in block.text.split("\n"):
            line_start = position
            position += len(line) + 1
            stripped = line.strip()
            if not stripped:
                current = None
                continue
            line_start += len(line) - len(line.lstrip())
            if pending_label is not None:
                rank, label, _ = pending_label
                pending_label = None
                if len(stripped.split()) <= 10 and stripped[-1] not in ".,;:":
                    push(rank, f"{label} {stripped}")
                    current = None
                    continue
                push(rank, label)
            heading = _heading_in_text(stripped)
            if heading is not None:
                rank, label = heading
                current = None
                if re.fullmatch(r"(§§?|Art\.|Artikel|Anlage|Anhang)\s*\d+[a-z]?\.?", label):
                    pending_label = (rank, label, line_start)
                else:
                    push(rank, label)
                continue
            line_key = _normal(stripped)
            if (
                not units
                and current is None
                and title_left
                and line_key
                and (title_left == line_key or title_left.startswith(line_key + " "))
                and stripped[-1] not in ".!?"
            ):
                # The title on top (possibly wrapped over lines) is on the Document.
                title_left = title_left[len(line_key) :].strip()
                continue
            title_left = ""
            absatz = _ABSATZ.match(stripped)
            if absatz:
                push(_RANK_ABSATZ, f"({absatz.group('label')})")
            row = bool(_TABLE_ROW.match(stripped))
            header = None
            if row:
                width = stripped.count(" | ") + 1
                if table is not None and table[1] == width:
                    header = table[0]
                else:
                    table = (stripped, width)
            elif current is None or absatz or _LIST_ITEM.match(stripped):
                table = None  # text between tables: the next row starts a new table
            if current is None or absatz or _LIST_ITEM.match(stripped) or row:
                current = _Unit(stripped, tuple(path), block.page, line_start, line_start,
                                header)
                current.end = line_start + len(stripped)
                units.append(current)
                continue
            if current.text.endswith("-") and stripped[:1].islower():
                current.text = current.text[:-1] + stripped  # hyphenated at line end
            else:
                current.text += " " + stripped
            current.end = line_start + len(stripped)
    if pending_label is not None:
        push(pending_label[0], pending_label[1])
    return units


def split_sentences(text: str) -> list[str]:
    """Sentences, conservatively: abbreviations and ordinals ("1. Januar") do not end one."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].rstrip("\"'»«“”)")
        last_word = re.split(r"[\s(]", before)[-1] if before else ""
        stem = last_word.rstrip(".").lower()
        if before.endswith(".") and (stem in _ABBREVIATIONS or stem.isdigit() or len(stem) == 1):
            continue
        sentences.append(text[start : match.start()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if sentence]


def _split_long(unit: _Unit, max_words: int) -> list[_Unit]:
    if unit.words <= max_words:
        return [unit]
    pieces: list[_Unit] = []
    cursor = 0
    for sentence in split_sentences(unit.text):
        found = unit.text.find(sentence, cursor)
        found = cursor if found < 0 else found
        cursor = found + len(sentence)
        words = sentence.split()
        # A "sentence" far longer than a chunk (OCR noise, lists without stops) is cut.
        while len(words) > 2 * max_words:
            head, words = words[:max_words], words[max_words:]
            pieces.append(_Unit(" ".join(head), unit.path, unit.page, unit.start + found,
                                unit.start + found + len(" ".join(head))))  # fmt: skip
            found += len(" ".join(head)) + 1
        piece = " ".join(words)
        pieces.append(_Unit(piece, unit.path, unit.page, unit.start + found,
                            min(unit.end, unit.start + found + len(piece))))  # fmt: skip
    return pieces


def _label(parts: Iterable[tuple[int, str]]) -> str:
    return " > ".join(label for _rank, label in parts)


def _section_of(units: list[_Unit]) -> str:
    first, last = units[0].path, units[-1].path
    common = 0
    while common < min(len(first), len(last)) and first[common] == last[common]:
        common += 1
    label = _label(first[:common])
    if common < len(first) and common < len(last):
        a, b = first[common], last[common]
        if a[0] == b[0] == _RANK_ABSATZ:
            joined = f"{a[1]}–{b[1]}"
            label = f"{label} > {joined}" if label else joined
    elif common < len(first) and len(units) == 1:
        label = _label(first)
    return label


def _draft(units: list[_Unit]) -> ChunkDraft:
    lines = [unit.text for unit in units]
    if units[0].header:  # the chunk starts inside a table: name its columns
        lines.insert(0, units[0].header)
    return ChunkDraft(
        text="\n".join(lines),
        section=_section_of(units),
        page=next((unit.page for unit in units if unit.page is not None), None),
        char_start=units[0].start,
        char_end=units[-1].end,
    )


def chunk_blocks(
    blocks: Iterable[Block],
    *,
    title: str | None = None,
    min_words: int = DEFAULT_MIN_WORDS,
    max_words: int = DEFAULT_MAX_WORDS,
) -> list[ChunkDraft]:
    """Chunks of about ``min_words``..``max_words`` words. ``title`` (the document's) is
    left out of the section paths and dropped where it stands alone as the first line."""
    if not 0 < min_words <= max_words:
        raise ValueError("need 0 < min_words <= max_words")
    blocks = list(blocks)
    units = _units(blocks, title) or _units(blocks, None)  # a document that is only a title
    units = [piece for unit in units for piece in _split_long(unit, max_words)]
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    words = 0
    for unit in units:
        over = words + unit.words > max_words
        # A chunk that is still small absorbs the next unit if it stays near the target.
        absorb = words < min_words and words + unit.words <= max_words * 5 // 4
        if current and (unit.key != current[0].key or (over and not absorb)):
            groups.append(current)
            current, words = [], 0
        current.append(unit)
        words += unit.words
    if current:
        groups.append(current)
    # A short remainder at the end of a section joins its predecessor if that fits.
    merged: list[list[_Unit]] = []
    for group in groups:
        size = sum(unit.words for unit in group)
        if (
            merged
            and merged[-1][0].key == group[0].key
            and size < min_words // 3
            and sum(unit.words for unit in merged[-1]) + size <= max_words * 5 // 4
        ):
            merged[-1].extend(group)
        else:
            merged.append(group)
    return [_draft(group) for group in merged]
