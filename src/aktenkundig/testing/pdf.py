"""Minimal, valid text PDFs for tests (Helvetica, WinAnsi: German umlauts work).

Written by hand so that tests need no PDF library and no binary fixtures.
"""

from __future__ import annotations


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf(pages: list[list[str]], title: str = "") -> bytes:
    """A PDF with one page per list of lines."""
    objects: list[bytes] = []
    font_id = 3
    page_ids = []
    content_objects = []
    next_id = 4
    for lines in pages:
        stream = b"BT /F1 12 Tf 72 770 Td 16 TL\n" + b"".join(
            b"(" + _escape(line) + b") Tj T*\n" for line in lines
        ) + b"ET"
        content_objects.append((next_id, stream))
        page_ids.append(next_id + 1)
        next_id += 2
    info_id = next_id
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = b" ".join(b"%d 0 R" % pid for pid in page_ids)
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(page_ids))
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    for content_id, stream in content_objects:
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content_id, font_id)
        )
    objects.append(b"<< /Title (" + _escape(title) + b") >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, info_id, xref)
    return bytes(out)
