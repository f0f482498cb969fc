"""Form recognition: field accuracy per kind, checkboxes, calibration of "sicher", s/page.

    PYTHONPATH=src python bench/forms.py [--fillings 4] [--seed 7] [--hand]

Reads the real official forms in ../shared/data/forms/ (KG1, Reisekostenabrechnung
Uni Ulm, P166 Uni Freiburg; not in the repository: no licence). For each form:

1. the blank PDF is registered (schema from its AcroForm widgets, kinds guessed);
2. ``--fillings`` fillings with realistic German values (Faker de_DE; IBANs and
   Steuer-IDs with valid check digits; values cut to the box width);
3. *filled PDF*: the values read back from the AcroForm (target 100 %);
4. *scan*: each filled page rendered by pdfium at 150-300 dpi and degraded like
   a scan (rotation ±2°, shift, blur, noise, JPEG 55-85), then recognised;
5. the anchor on the same scans: plain full-page Tesseract (deu) with label
   matching — the text right of / below the field's label (its tooltip's first
   words) on the OCR lines, as a person's script without registration would do.

``--hand``: instead of pdfium's typed appearance, values drawn letter by letter in
capitals with jitter in size, slant and baseline (DejaVu Sans; no real
handwriting font is installed, so this is a proxy for block capitals, not for
cursive handwriting).

Scores: exact match after normalising whitespace (and, for kinds with a
validator, after its normalisation: an IBAN with or without blanks is the same).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from aktenkundig.forms import fill, recognize, validate
from aktenkundig.forms.schema import from_pdf

FORMS = Path(__file__).resolve().parents[2] / "shared" / "data" / "forms"
NAMES = ["kg1-antrag-kindergeld_ba036550", "Reisekostenabrechnung_28_05_2024", "P166_07_2026"]


def steuer_id(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(9)]
        text = "".join(map(str, digits))
        if validate.steuer_id(text + "0")[1] in (None, "Die Prüfziffer der Steuer-ID stimmt "
                                                       "nicht (Tippfehler?)."):
            full = text + str(validate.steuer_id_check_digit(text))
            if validate.steuer_id(full)[1] is None:
                return full


def value_for(spec, fake, rng: random.Random):
    if spec.kind == "checkbox":
        return rng.random() < 0.5
    if spec.kind == "radio":
        return rng.choice([o.value for o in spec.options] + [None])
    if spec.kind == "signature":
        return None
    width = spec.rect[2] - spec.rect[0]
    chars = max(1, int(width / 6.5))
    label = f"{spec.short} {spec.label}".lower()
    if spec.kind == "text" and chars <= 2:  # digit cells (Institutsnummer, Hausnummer)
        return "".join(str(rng.randint(0, 9)) for _ in range(chars))
    if spec.kind == "iban":
        value = fake.iban()
        value = " ".join(value[i:i + 4] for i in range(0, len(value), 4)) \
            if rng.random() < 0.5 else value
    elif spec.kind == "bic":
        value = fake.swift(length=rng.choice([8, 11]))
    elif spec.kind == "steuer_id":
        value = steuer_id(rng)
    elif spec.kind == "plz":
        value = fake.postcode()
    elif spec.kind == "date":
        value = fake.date_between("-60y", "+1y").strftime("%d.%m.%Y")
    elif spec.kind == "amount":
        value = validate.amount(f"{rng.uniform(1, 3000):.2f}".replace(".", ","))[0]
    elif spec.kind == "number":
        value = str(rng.randint(1, 99))
    elif "vorname" in label:
        value = fake.first_name()
    elif "name" in label:
        value = fake.last_name()
    elif "straße" in label or "strasse" in label or "anschrift" in label:
        value = fake.street_address()
    elif "ort" in label or "wohnort" in label:
        value = fake.city()
    elif "telefon" in label:
        value = fake.phone_number()
    else:
        value = " ".join(fake.words(rng.randint(1, 3))).capitalize()
    for _attempt in range(20):  # a value that fits the box, not one cut mid-word
        if len(value) <= chars or spec.kind != "text":
            break
        value = fake.word().capitalize() if _attempt < 19 else str(rng.randint(1, 99))
    if spec.comb:  # one character per cell: codes, not prose
        value = value.replace(" ", "")
    if spec.max_length:
        value = value[: spec.max_length]
    if len(value) > chars:  # what fits the box (pdfium does not shrink every font)
        value = value[:chars].rstrip()
    return value


def expected(spec, value):
    if spec.kind == "checkbox":
        return bool(value)
    if spec.kind == "radio":
        return value or None
    if value is None:
        return ""
    normalised, problem = validate.check_field(spec, value)
    return normalised if problem is None else value


def same(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()) == " ".join(b.split())
    return (a or None) == (b or None) if not isinstance(a, bool) else a == bool(b)


def degrade(image, rng: random.Random):
    import numpy as np
    from PIL import Image, ImageFilter

    grey = image.convert("L")
    grey = grey.rotate(rng.uniform(-2, 2), resample=Image.BICUBIC, expand=True, fillcolor=255)
    dx, dy = rng.randint(0, 60), rng.randint(0, 60)
    canvas = Image.new("L", (grey.width + 60, grey.height + 60), 255)
    canvas.paste(grey, (dx, dy))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    array = np.asarray(canvas, dtype=np.float32)
    array += np.random.default_rng(rng.randint(0, 10**6)).normal(0, rng.uniform(2, 8),
                                                                 array.shape)
    out = io.BytesIO()
    Image.fromarray(np.clip(array, 0, 255).astype(np.uint8)).save(
        out, "JPEG", quality=rng.randint(55, 85))
    return out.getvalue()


def hand_page(blank: bytes, schema, values, page: int, dpi: int, rng: random.Random):
    """The blank page with values lettered in capitals, jittered (proxy for block capitals)."""
    from PIL import Image, ImageDraw, ImageFont

    image = fill.render_pages(blank, dpi, forms=False, pages={page})[0].convert("L")
    height = schema.pages[page - 1][1]
    k = dpi / 72
    draw = ImageDraw.Draw(image)
    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    for spec in schema.fields:
        if spec.page != page or values.get(spec.name) in (None, "", False):
            continue
        value = values[spec.name]
        boxes = ([o.rect for o in spec.options if o.value == value or value is True]
                 if spec.kind in ("checkbox", "radio") else [])
        for rect in boxes[:1]:
            x0, y0 = rect[0] * k, (height - rect[3]) * k
            x1, y1 = rect[2] * k, (height - rect[1]) * k
            draw.line([(x0 + 2, y0 + 2), (x1 - 2, y1 - 2)], fill=30, width=max(2, int(k)))
            draw.line([(x0 + 2, y1 - 2), (x1 - 2, y0 + 2)], fill=30, width=max(2, int(k)))
        if spec.kind in ("checkbox", "radio"):
            continue
        box_h = (spec.rect[3] - spec.rect[1]) * k
        x = spec.rect[0] * k + 3
        top = (height - spec.rect[3]) * k
        for char in str(value).upper():
            size = int(min(box_h * 0.75, 11 * k) * rng.uniform(0.85, 1.1))
            font = ImageFont.truetype(font_path, max(8, size))
            glyph = Image.new("L", (size * 2, size * 2), 0)
            ImageDraw.Draw(glyph).text((size // 2, size // 3), char, font=font, fill=255)
            glyph = glyph.rotate(rng.uniform(-8, 8), resample=Image.BICUBIC)
            y = top + (box_h - size) / 2 + rng.uniform(-2, 2) * k / 2 - size / 3
            image.paste(Image.new("L", glyph.size, rng.randint(10, 60)),
                        (int(x - size / 2), int(y)), glyph)
            x += font.getlength(char) * rng.uniform(1.0, 1.25)
    return image


def anchor_read(image_bytes: bytes, schema, page: int):
    """Plain full-page Tesseract + label matching (no registration, no template)."""
    import pytesseract
    from PIL import Image

    text = pytesseract.image_to_string(Image.open(io.BytesIO(image_bytes)), lang="deu")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    out = {}
    for spec in schema.fields:
        if spec.page != page or spec.kind in ("checkbox", "radio", "signature"):
            continue
        words = [w for w in re.findall(r"\w+", spec.label) if len(w) > 2][:3]
        best = None
        for index, line in enumerate(lines):
            hits = sum(w.lower() in line.lower() for w in words)
            if words and hits == len(words):
                best = index
                break
        if best is None:
            out[spec.name] = ""
            continue
        rest = lines[best]
        for word in words:
            position = rest.lower().find(word.lower())
            if position >= 0:
                rest = rest[position + len(word):]
        rest = rest.strip(" :.-")
        if not rest and best + 1 < len(lines):
            rest = lines[best + 1]
        out[spec.name] = rest
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fillings", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hand", action="store_true")
    parser.add_argument("--no-anchor", action="store_true")
    parser.add_argument("--cells-as-numbers", action="store_true",
                        help="mark one-character boxes as numbers, as a Fachadmin would")
    args = parser.parse_args()
    from faker import Faker

    fake = Faker("de_DE")
    fake.seed_instance(args.seed)
    rng = random.Random(args.seed)
    stats = defaultdict(lambda: [0, 0])  # kind → [right, total]
    anchor = defaultdict(lambda: [0, 0])
    pdf_stats = [0, 0]
    confidences: list[tuple[float, bool]] = []
    seconds: list[float] = []
    errors: list[str] = []
    for name in NAMES:
        blank = (FORMS / f"{name}.pdf").read_bytes()
        schema = from_pdf(blank)
        if args.cells_as_numbers:
            for spec in schema.fields:
                if spec.kind == "text" and recognize._is_cell(spec):
                    spec.kind = "number"
        template = recognize.Template(name, 1, schema, blank)
        pages = sorted({f.page for f in schema.fields})
        for _ in range(args.fillings):
            values = {s.name: value_for(s, fake, rng) for s in schema.fields}
            # buttons are set explicitly (None = off): some blanks tick one by default
            values = {k: v for k, v in values.items()
                      if v is not None or schema.by_name()[k].kind in ("checkbox", "radio")}
            filled = fill.fill_pdf(blank, schema, values)
            read = recognize.recognize(filled, [template])
            for spec in schema.fields:
                pdf_stats[0] += same(read.fields[spec.name].value,
                                     expected(spec, values.get(spec.name)))
                pdf_stats[1] += 1
            for page in pages:
                dpi = rng.choice([150, 200, 300])
                if args.hand:
                    image = hand_page(blank, schema, values, page, dpi, rng)
                else:
                    image = fill.render_pages(filled, dpi, pages={page})[0]
                data = degrade(image, rng)
                started = time.perf_counter()
                found = recognize.identify(recognize.load_images(data)[0], [template])
                if found is None:
                    errors.append(f"{name} S.{page}: nicht erkannt")
                    continue
                result = recognize.read_page(recognize.load_images(data)[0], *found[:2],
                                             warped=found[2])
                seconds.append(time.perf_counter() - started)
                if found[1] != page:
                    errors.append(f"{name} S.{page}: als S.{found[1]} erkannt")
                    continue
                guess = {} if args.no_anchor else anchor_read(data, schema, page)
                for spec in schema.fields:
                    if spec.page != page or spec.kind == "signature":
                        continue
                    want = expected(spec, values.get(spec.name))
                    if args.hand and isinstance(want, str):
                        want = want.upper()  # lettered in capitals
                    got = result[spec.name]
                    right = same(got.value, want)
                    confidences.append((got.confidence, right))
                    kind = "checkbox" if spec.kind in ("checkbox", "radio") else spec.kind
                    if kind != "checkbox" and want in ("", None):
                        kind = "leer"
                    stats[kind][0] += right
                    stats[kind][1] += 1
                    if not right and len(errors) < 2000:
                        errors.append(f"{spec.kind:9} {name[:6]}:{spec.short[:18]} {want!r} "
                                      f"→ {got.value!r} ({got.confidence:.2f})")
                    if spec.name in guess and kind not in ("checkbox", "leer"):
                        anchor[kind][0] += same(guess[spec.name], want)
                        anchor[kind][1] += 1
    print(f"# bench/forms.py  {time.strftime('%Y-%m-%d')}  {platform.machine()} "
          f"{os.cpu_count()} cores  fillings/form={args.fillings} hand={args.hand}")
    print(f"filled PDFs (AcroForm): {pdf_stats[0]}/{pdf_stats[1]} = "
          f"{100 * pdf_stats[0] / max(1, pdf_stats[1]):.2f} %")
    print(f"{'kind':10} {'n':>5} {'aktenkundig':>12} {'anchor':>8}")
    typed = [0, 0]
    anchor_typed = [0, 0]
    for kind in sorted(stats):
        right, total = stats[kind]
        a_right, a_total = anchor.get(kind, [0, 0])
        if kind not in ("checkbox", "leer"):
            typed[0] += right
            typed[1] += total
            anchor_typed[0] += a_right
            anchor_typed[1] += a_total
        a_text = f"{100 * a_right / a_total:7.1f}%" if a_total else "      -"
        print(f"{kind:10} {total:5} {100 * right / max(1, total):11.1f}% {a_text}")
    print(f"{'typed all':10} {typed[1]:5} {100 * typed[0] / max(1, typed[1]):11.1f}% "
          f"{100 * anchor_typed[0] / max(1, anchor_typed[1]):7.1f}%")
    print("calibration (confidence ≥ t: share right, share of fields):")
    for threshold in (0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.995):
        chosen = [r for c, r in confidences if c >= threshold]
        if chosen:
            print(f"  t={threshold:.3f}{' (SICHER)' if threshold == recognize.SICHER else ''}: "
                  f"{100 * sum(chosen) / len(chosen):6.2f} % right, "
                  f"{100 * len(chosen) / len(confidences):5.1f} % of fields")
    if seconds:
        seconds.sort()
        print(f"s/page: mean {sum(seconds) / len(seconds):.2f}, median "
              f"{seconds[len(seconds) // 2]:.2f}, max {seconds[-1]:.2f} ({len(seconds)} pages)")
    print("first errors:")
    for line in sorted(errors, key=lambda e: e.split()[0] not in ("checkbox", "radio"))[:40]:
        print("  " + line)


if __name__ == "__main__":
    main()
