"""The demo's Posteingang: Musterhausen's Geschäftsverteilungsplan and a few letters
written for the project (two of them rendered as scans and read by OCR).

No routing model is trained: the letters get cold-start suggestions from the units'
descriptions (shown as such, always waiting for a person). Confirming them in the web
app and pressing "Aus bestätigten Eingängen neu trainieren" makes the first model.
Running it again changes nothing (items are keyed by file name).
"""

from __future__ import annotations

import io
from pathlib import Path

from aktenkundig.inbox import services
from aktenkundig.inbox.consumers.base import Consumer
from aktenkundig.inbox.models import Channel

DATA = Path(__file__).resolve().parent / "data"
SCANNED = {"02-garage.txt", "05-wohngeld.txt"}  # these arrive as scanner images


class _DemoScanner(Consumer):
    channel = Channel.FOLDER


class _DemoUpload(Consumer):
    channel = Channel.UPLOAD


def render_scan(text: str) -> bytes:
    """A letter as a greyscale page image, the way a scanner delivers it."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 26)
    except OSError:
        font = ImageFont.load_default(size=26)
    for number, line in enumerate(text.splitlines()):
        draw.text((110, 140 + 38 * number), line, fill=20, font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def setup(tenant) -> int:
    """Import the plan and take the sample letters in; returns how many are new."""
    services.import_plan(tenant, (DATA / "musterhausen_gvp.csv").read_bytes())
    new = 0
    for path in sorted((DATA / "demo_letters").glob("*.txt")):
        key = f"demo:{path.name}"
        if services.Item.objects.filter(tenant=tenant, source_key=key).exists():
            continue
        text = path.read_text(encoding="utf-8")
        if path.name in SCANNED:
            _DemoScanner(tenant).consume(render_scan(text), path.stem + ".png",
                                         source="Demo-Scanner", source_key=key)
        else:
            _DemoUpload(tenant).consume(text.encode("utf-8"), path.name,
                                        source="Demo", source_key=key)
        new += 1
    return new
