"""OpenDocument text (.odt)."""

from __future__ import annotations

import contextlib
import io
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


@register("odt", ".odt", "application/vnd.oasis.opendocument.text")
def parse_odt(data: bytes, context: Context) -> Extracted:
    return _odt(data)


def _odt(data: bytes) -> Extracted:
    from odf import teletype
    from odf.namespaces import TABLENS, TEXTNS
    from odf.opendocument import load

    open_zip(data).close()  # declared sizes and ratios checked before odfpy inflates
    try:
        document = load(io.BytesIO(data))
    except Exception:  # odfpy raises XML and zip errors alike
        # The parser's message may quote file content: never shown (issue #10, 2).
        raise ExtractionError("Das ODF-Dokument ist beschädigt.") from None
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
