"""OCR with tesseract, shared by the PDF and image parsers."""

from __future__ import annotations

import os
from collections.abc import Callable

from aktenkundig.documents.parsers.base import ExtractionError

OCR_DPI = 300


class Ocr:
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


_Ocr = Ocr
