"""Plain text and Markdown."""

from __future__ import annotations

import re

from aktenkundig.documents.parsers.base import (
    Block,
    Context,
    Extracted,
    _paragraphs,
    decode_text,
    register,
)


@register("txt", ".txt", "text/plain")
def parse_plain(data: bytes, context: Context) -> Extracted:
    return _plain(decode_text(data))


@register("md", ".md", "text/markdown")
def parse_markdown(data: bytes, context: Context) -> Extracted:
    return _markdown(decode_text(data))


def _plain(text: str, page: int | None = None) -> Extracted:
    return Extracted("txt", "", _paragraphs(_tab_rows(text), page))


_TAB_CELLS = re.compile(r"\S\t+\S")


def _tab_rows(text: str) -> str:
    """Tab-separated lines (a table pasted or exported as text) as table rows with
    cells joined by „ | “, as the other parsers write tables. Why: the chunker keeps
    such a row as a unit of its own; with tabs it was glued to the next row
    („… Konzeptionsphase Straßen.NRW …“), and no row could be read or quoted."""
    if "\t" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        if _TAB_CELLS.search(line):
            cells = [cell.strip() for cell in line.split("\t")]
            line = " | ".join(cell for cell in cells if cell)
        lines.append(line)
    return "\n".join(lines)


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
                    # German document sets (e.g. RAGSource) write "titel".
                    if key.strip().lower() in {"title", "titel"} and value.strip():
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
