"""OCR with tesseract, shared by the PDF and image parsers, with limits.

A 314 KB PDF with 2,000 empty image pages once held a web worker for many
minutes (issue #10, point 3). Every OCR run is now bounded:

* pages: at most ``OcrLimits.max_pages`` pages of a document are OCR'd; a PDF
  with more pages lacking a text layer is refused before the first one is
  rendered (the count is cheap, the rendering is not);
* pixels: a page is rendered at 300 dpi only while it stays under
  ``max_pixels`` (A4 at 300 dpi is 8.7 million); larger pages are rendered
  smaller, and an image above the limit is refused before it is decoded;
* seconds: tesseract gets ``page_seconds`` per page (it is killed after) and
  the whole document ``document_seconds``;
* cancellation and liveness: ``on_page`` is called before every page; the
  caller uses it to say "still alive" (stale-job recovery) and to stop when the
  document was deleted meanwhile (raise :class:`Cancelled`).

Empty pages (one colour) are not sent to tesseract at all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aktenkundig.documents.parsers.base import ExtractionError


class _TesseractEnvironment(Mapping):
    """This process's environment as tesseract sees it: with ``OMP_THREAD_LIMIT=1``.

    Why only for tesseract: its OpenMP threads thrash when several pages or processes
    run OCR at once (measured 2.5x slower on two busy cores), so one thread each is
    faster. Set in this process's own environment, the limit also caps every OpenMP
    library loaded later in the same process: CTranslate2 (subtitles) then decoded
    nothing at all. So the limit lives in the child's environment only."""

    def __getitem__(self, key: str) -> str:
        if key == "OMP_THREAD_LIMIT":
            return os.environ.get(key, "1")
        return os.environ[key]

    def __iter__(self):
        yield from os.environ
        if "OMP_THREAD_LIMIT" not in os.environ:
            yield "OMP_THREAD_LIMIT"

    def __len__(self) -> int:
        return len(os.environ) + ("OMP_THREAD_LIMIT" not in os.environ)


def single_threaded_tesseract() -> None:
    """Make pytesseract start tesseract with one OpenMP thread (see above)."""
    import pytesseract.pytesseract as runner

    if not isinstance(runner.environ, _TesseractEnvironment):
        runner.environ = _TesseractEnvironment()


OCR_DPI = 300


class Cancelled(ExtractionError):
    """The document went away while it was being read."""


@dataclass(frozen=True)
class OcrLimits:
    max_pages: int = 200
    max_pixels: int = 25_000_000  # per page: A4 at 300 dpi is 8.7 million
    page_seconds: float = 60.0
    document_seconds: float = 900.0


class Ocr:
    """Tesseract with the configured languages; counts pages and reports the first."""

    def __init__(
        self,
        languages: str,
        on_start: Callable[[], None] | None,
        limits: OcrLimits | None = None,
        on_page: Callable[[], None] | None = None,
    ) -> None:
        self.languages = languages
        self.on_start = on_start
        self.on_page = on_page
        self.limits = limits or OcrLimits()
        self.pages = 0
        self.started: float | None = None

    def check_pages(self, needed: int) -> None:
        """Refuse before any work when ``needed`` pages would exceed the page limit."""
        if needed > self.limits.max_pages:
            raise ExtractionError(
                f"Zu viele Seiten ohne Text für die Texterkennung ({needed}; höchstens "
                f"{self.limits.max_pages})."
            )

    def check_pixels(self, width: int, height: int) -> None:
        if width * height > self.limits.max_pixels:
            raise ExtractionError(
                f"Das Bild ist zu groß für die Texterkennung ({width} × {height} Pixel; "
                f"höchstens {self.limits.max_pixels // 1_000_000} Millionen)."
            )

    def scale_for(self, width_pt: float, height_pt: float) -> float:
        """Render scale for a PDF page: 300 dpi, or less for pages too large for that."""
        scale = OCR_DPI / 72
        pixels = width_pt * height_pt * scale * scale
        if pixels > self.limits.max_pixels:
            scale *= (self.limits.max_pixels / pixels) ** 0.5
        return scale

    def __call__(self, image) -> str:
        import pytesseract

        if self.on_page is not None:
            self.on_page()  # may raise Cancelled
        now = time.monotonic()
        if self.started is None:
            self.started = now
        elif now - self.started > self.limits.document_seconds:
            raise ExtractionError(
                f"Texterkennung abgebrochen: länger als {int(self.limits.document_seconds)} "
                "Sekunden für dieses Dokument."
            )
        if self.pages >= self.limits.max_pages:
            raise ExtractionError(
                f"Zu viele Seiten für die Texterkennung (höchstens {self.limits.max_pages})."
            )
        self.check_pixels(*image.size)
        if self.pages == 0 and self.on_start is not None:
            self.on_start()
        single_threaded_tesseract()
        self.pages += 1
        grey = image.convert("L")
        low, high = grey.getextrema()
        if high - low < 16:  # one colour: an empty page, nothing to read
            return ""
        try:
            return pytesseract.image_to_string(
                grey, lang=self.languages, timeout=self.limits.page_seconds
            )
        except pytesseract.TesseractNotFoundError:
            raise ExtractionError(
                "Texterkennung nicht möglich: tesseract ist nicht installiert."
            ) from None
        except RuntimeError as error:  # pytesseract's timeout
            if "timeout" in str(error).lower():
                raise ExtractionError(
                    f"Texterkennung abgebrochen: eine Seite brauchte länger als "
                    f"{int(self.limits.page_seconds)} Sekunden."
                ) from None
            raise
        except pytesseract.TesseractError as error:
            raise ExtractionError(
                f"Texterkennung fehlgeschlagen: {str(error.message)[:200]}"
            ) from None


_Ocr = Ocr
