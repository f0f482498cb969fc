"""Hostile files, built in memory (shared by the tests and bench/hostile_files.py).

Each builder returns bytes. Sizes are parameters so that the tests stay fast
(a few hundred MB of zeros inflate in well under a second) while the benchmark
can use the sizes of the original report (1 GiB).
"""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

MIB = 1024 * 1024
ODT_MIME = "application/vnd.oasis.opendocument.text"


def _zeros_member(archive: zipfile.ZipFile, name: str, size: int, byte: bytes = b"\0") -> None:
    block = byte * MIB
    with archive.open(name, "w", force_zip64=True) as handle:
        left = size
        while left > 0:
            handle.write(block[: min(left, MIB)])
            left -= MIB


def odt_mimetype_bomb(size: int = 1024 * MIB) -> bytes:
    """An .odt whose ``mimetype`` entry inflates to ``size`` bytes of NUL."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _zeros_member(archive, "mimetype", size)
        archive.writestr("content.xml", "<x/>")
    return buffer.getvalue()


def docx_document_bomb(size: int = 1024 * MIB) -> bytes:
    """A .docx whose ``word/document.xml`` inflates to ``size`` bytes (spaces)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        _zeros_member(archive, "word/document.xml", size, b" ")
    return buffer.getvalue()


def ratio_bomb(kind: str = "docx", size: int = 8 * MIB) -> bytes:
    """A container with one small but extremely compressible member (~1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        if kind == "odt":
            archive.writestr("mimetype", ODT_MIME)
            _zeros_member(archive, "content.xml", size, b" ")
        else:
            archive.writestr("[Content_Types].xml", "<Types/>")
            _zeros_member(archive, "word/document.xml", size, b" ")
    return buffer.getvalue()


def nested_zip(depth: int = 5) -> bytes:
    """A .docx in a .docx in ... (the inner ones are media parts nobody reads)."""
    data = docx_document_bomb(2 * MIB)
    for _ in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<w:document/>")
            archive.writestr("word/media/inner.docx", data)
        data = buffer.getvalue()
    return data


def _valid_package(kind: str) -> bytes:
    """A minimal but complete .docx/.odt made by the libraries themselves."""
    buffer = io.BytesIO()
    if kind == "odt":
        from odf.opendocument import OpenDocumentText
        from odf.text import P

        document = OpenDocumentText()
        document.text.addElement(P(text="Platzhalter"))
        document.write(buffer)
    else:
        import docx

        document = docx.Document()
        document.add_paragraph("Platzhalter")
        document.save(buffer)
    return buffer.getvalue()


def _replace_member(package: bytes, name: str, content: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = content.encode() if info.filename == name else source.read(info.filename)
            compress = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(info.filename, data, compress_type=compress)
    return out.getvalue()


def xml_entity_bomb(kind: str = "docx") -> bytes:
    """Billion laughs in the main XML part of an otherwise valid package."""
    entities = ['<!ENTITY a0 "hahahahahahahahahaha">'] + [
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    if kind == "odt":
        root = "office:document-content"
        body = (
            f'<{root} xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            "<office:body><office:text><text:p>&a9;</text:p></office:text></office:body>"
            f"</{root}>"
        )
        member = "content.xml"
    else:
        root = "w:document"
        body = (
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>"
        )
        member = "word/document.xml"
    doctype = f"<!DOCTYPE {root} [" + "".join(entities) + "]>"
    xml = '<?xml version="1.0" encoding="UTF-8"?>' + doctype + body
    return _replace_member(_valid_package(kind), member, xml)


def eml_with(attachment: bytes, name: str, body: str = "Sehr geehrte Damen und Herren, "
             "anbei der Bericht zur Sanierung der Grundschule.") -> bytes:
    message = EmailMessage()
    message["From"] = "buerger@example.org"
    message["To"] = "rathaus@example.org"
    message["Subject"] = "Bericht Grundschule"
    message.set_content(body)
    message.add_attachment(attachment, maintype="application", subtype="octet-stream",
                           filename=name)
    return message.as_bytes()


def png_bomb(side: int = 30000) -> bytes:
    """A PNG of ``side`` x ``side`` pixels (one colour: tiny file, huge bitmap)."""
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\0" + b"\0" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    raw = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def tiff_many_pages(pages: int = 500) -> bytes:
    from PIL import Image

    frames = [Image.new("L", (200, 200), 255) for _ in range(pages)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], compression="packbits")
    return buffer.getvalue()


def pdf_empty_image_pages(pages: int = 2000) -> bytes:
    """A small PDF with ``pages`` empty pages (no text layer: each would be OCR'd)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(595, 842)
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    return buffer.getvalue()


def pdf_huge_page(points: float = 14400) -> bytes:
    """One empty page of ``points`` x ``points`` (200 x 200 inches; the PDF maximum)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(points, points)
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    return buffer.getvalue()
