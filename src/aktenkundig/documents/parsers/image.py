"""Scanned images (.png, .jpg, .tif, multi-page TIFF): OCR."""

from __future__ import annotations

import io

from aktenkundig.documents.parsers.base import (
    Block,
    Context,
    Extracted,
    ExtractionError,
    _paragraphs,
    register,
)
from aktenkundig.documents.parsers.ocr import Ocr


def parse_image(data: bytes, context: Context) -> Extracted:
    return _image(data, context.ocr)


register("png", ".png", "image/png")(parse_image)
register("jpeg", ".jpg", "image/jpeg")(parse_image)
register("tiff", ".tif", "image/tiff")(parse_image)


def _image(data: bytes, ocr: Ocr) -> Extracted:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ExtractionError("Die Datei ist beschädigt oder kein gültiges Bild.") from None
    except Image.DecompressionBombError:
        raise ExtractionError("Das Bild ist zu groß für die Texterkennung.") from None
    # Size and page count are known from the header: refuse before decoding a
    # decompression bomb (a few KB of PNG that decode to billions of pixels).
    ocr.check_pixels(*image.size)
    ocr.check_pages(getattr(image, "n_frames", 1))
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise ExtractionError("Die Datei ist beschädigt oder kein gültiges Bild.") from None
    except Image.DecompressionBombError:
        raise ExtractionError("Das Bild ist zu groß für die Texterkennung.") from None
    blocks: list[Block] = []
    page_count = 0
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        page_count += 1
        blocks.extend(_paragraphs(ocr(frame.copy()), page=index + 1))
    return Extracted("image", "", blocks, page_count=page_count)
