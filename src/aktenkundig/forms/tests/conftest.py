"""Fixtures of the forms tests: the project's own sample form, filled and "scanned".

Everything is made here from ``samples/hundesteuer.pdf`` (written for the
project): filled PDFs through the product's own ``fill.fill_pdf``, scans by
rendering with pdfium and degrading the image like a scanner (rotation, shift,
blur, noise, JPEG).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "hundesteuer.pdf"
RULES = SAMPLE.with_suffix(".toml")

VALUES = {
    "Name": "Schneider", "Vorname": "Jana", "Geburtsdatum": "12.04.1981",
    "SteuerID": "86095742719", "Strasse": "Lindenweg 17", "PLZ": "12345",
    "Ort": "Musterhausen", "Rasse": "Labrador", "Anzahl": "2", "Beginn": "01.03.2024",
    "IBAN": "DE89 3704 0044 0532 0130 00", "BIC": "COBADEFFXXX",
    "KontoinhaberAndere": True, "Kontoinhaber": "Peter Schneider", "SEPA": False,
    "Listenhund": "nein",
}


@pytest.fixture(scope="session")
def blank() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture(scope="session")
def sample_schema(blank):
    import tomllib

    from aktenkundig.forms.schema import apply_overrides, from_pdf

    return apply_overrides(from_pdf(blank), tomllib.loads(RULES.read_text("utf-8")))


def filled(blank, schema, values=None) -> bytes:
    from aktenkundig.forms.fill import fill_pdf

    return fill_pdf(blank, schema, VALUES if values is None else values)


def scan(pdf: bytes, *, dpi=200, angle=0.0, shift=(0, 0), blur=0.0, noise=0.0, quality=80,
         fmt="JPEG", seed=1) -> bytes:
    """The filled form printed and scanned: rendered, rotated, shifted, blurred, noisy."""
    import numpy as np
    from PIL import Image, ImageFilter

    from aktenkundig.forms.fill import render_pages

    image = render_pages(pdf, dpi)[0].convert("L")
    if angle:
        image = image.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    if shift != (0, 0):
        canvas = Image.new("L", (image.width + abs(shift[0]) * 2, image.height +
                                 abs(shift[1]) * 2), 255)
        canvas.paste(image, (abs(shift[0]) + shift[0], abs(shift[1]) + shift[1]))
        image = canvas
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        rng = np.random.default_rng(seed)
        array = np.asarray(image, dtype=np.float32) + rng.normal(0, noise, image.size[::-1])
        image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return out.getvalue()


@pytest.fixture
def registered(tenant, blank):
    from aktenkundig.forms import services

    form_type, _ = services.register(tenant, "hundesteuer", blank,
                                     overrides=RULES.read_text("utf-8"))
    return form_type
