"""Word documents (.docx)."""

from __future__ import annotations

import io
import re
from datetime import datetime

from aktenkundig.documents.parsers.archive import open_zip
from aktenkundig.documents.parsers.base import (
    Block,
    Context,
    Extracted,
    ExtractionError,
    _clean_line,
    register,
)


@register(
    "docx", ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
def parse_docx(data: bytes, context: Context) -> Extracted:
    return _docx(data)


def _docx(data: bytes) -> Extracted:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    open_zip(data).close()  # declared sizes and ratios checked before python-docx inflates
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many types for broken files
        # The library's message may quote file content: never shown (issue #10, 2).
        raise ExtractionError("Das Word-Dokument ist beschädigt.") from None
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
