"""Reading the values of one incoming form: from its AcroForm, or from its image.

Two roads, chosen by what the file is:

* a filled fillable PDF carries its values: they are read straight from the
  AcroForm (text, checkbox and radio states), confidence 1 — OCR would only add
  errors to values the applicant already typed;
* a scan or photo (image-only PDF, PNG, JPEG, TIFF) is recognised against the
  rendered blank form:

  1. *which page of which form*: ORB features of the scan are matched against
     every candidate template page; the page whose print the registered scan
     covers best wins (:func:`coverage`), and a page that covers too little of
     any template is "not this form" (a clear refusal, not a guess);
  2. *registration*: the similarity transform from those inliers (rotation,
     scale, shift) warps the scan onto the template's pixel grid, so every
     field's ``/Rect`` points at the applicant's entry;
  3. *ink only*: the blank template's own print (labels, box lines, comb marks)
     is removed, dilated by the registration error; what remains is what the
     applicant added;
  4. *one OCR pass* over the ink-only page (Tesseract, German, sparse text) and
     words go to the field whose box holds their centre — one process call per
     page instead of one per field keeps a 90-field form within seconds;
     fields whose kind has a check (IBAN, Steuer-ID, PLZ, dates, amounts) and
     fail it are read once more alone with a character whitelist for the kind;
  5. *checkboxes*: share of applicant ink inside the box (minus its border).

Confidence: the lowest Tesseract word confidence of the field, lowered to at
most 0.5 when the value fails its check, raised for values that pass a check
digit (a misread IBAN passes mod 97 with probability about 1 %). Fields at or
above :data:`SICHER` are shown as "sicher"; the threshold is what the bench
(bench/forms.py) measured to keep those ≥ 99.5 % right.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aktenkundig.forms import validate
from aktenkundig.forms.schema import FieldSpec, FormError, Schema, _full_name, _open

WORK_DPI = 200
SHEET_ZOOM = 1
# "sicher" from this confidence on: both reads agree with Tesseract confidences of
# at least 0.9, a check digit passes, or a box is far from undecided. Measured on
# bench/forms.py (docs/benchmarks.md): 99.9 % of such fields right, 73 % of fields.
SICHER = 0.99
MIN_INLIERS = 25
MIN_COVERAGE = 0.6  # share of the template's print found in the scan
MAX_IMAGE_PIXELS = 40_000_000
MAX_PAGES = 20
# A box counts as ticked when it looks more like the form's own tick than like
# the blank box (see _tick_ratio); 0.3 away from that (below 0.2 or above 0.8)
# it is sure.
CHECK_THRESHOLD = 0.5
CHECK_MARGIN = 0.3
DEFAULT_TICK = 0.2  # forms declared in TOML: darkness of a typical pen cross

WHITELISTS = {
    "iban": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ",
    "bic": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "steuer_id": "0123456789 ",
    "plz": "0123456789",
    "number": "0123456789,.",
    "date": "0123456789.",
    "amount": "0123456789.,-",
}


@dataclass
class FieldResult:
    value: Any
    confidence: float
    page: int
    bbox: list[float]
    valid: bool = True
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "confidence": round(float(self.confidence), 3),
                "page": self.page, "bbox": self.bbox, "valid": self.valid,
                "problem": self.problem}


@dataclass
class Template:
    """What recognition needs of a form type (kept apart from the ORM model)."""

    name: str
    version: int
    schema: Schema
    blank: bytes
    _pages: dict[int, Any] = field(default_factory=dict, repr=False)

    def page_image(self, page: int):
        """The blank page at WORK_DPI, grey (numpy), with its ORB features; cached."""
        if page not in self._pages:
            import cv2
            import numpy as np

            from aktenkundig.forms.fill import cleared, render_pages

            image = render_pages(cleared(self.blank, self.schema), WORK_DPI, forms=True,
                                 pages={page})[0]
            grey = np.asarray(image.convert("L"))
            orb = cv2.ORB_create(nfeatures=4000)
            keypoints, descriptors = orb.detectAndCompute(grey, None)
            self._pages[page] = (grey, keypoints, descriptors)
        return self._pages[page]


    def ticked_image(self, page: int):
        """The page with every box ticked in the form's own tick appearance (grey).

        Ticks differ a lot between forms (a bold cross filling a quarter of the
        box, P166's thin check mark in a 6.6 pt box a tenth): no one darkness
        threshold serves all, so each box is compared with its own tick."""
        key = ("ticked", page)
        if key not in self._pages:
            import numpy as np

            from aktenkundig.forms.fill import all_ticked, render_pages

            self._pages[key] = np.asarray(render_pages(
                all_ticked(self.blank), WORK_DPI, forms=True, pages={page})[0].convert("L"))
        return self._pages[key]


@dataclass
class Recognition:
    form: str
    version: int
    fields: dict[str, FieldResult]
    source: str  # acroform | scan
    seconds: float = 0.0
    pages: list[int] = field(default_factory=list)
    images: dict[int, Any] = field(default_factory=dict, repr=False)  # registered scans

    def to_dict(self) -> dict[str, Any]:
        return {"form": self.form, "version": self.version,
                "fields": {k: v.to_dict() for k, v in self.fields.items()}}


# --- filled PDFs -----------------------------------------------------------------


def acroform_values(data: bytes) -> dict[str, Any] | None:
    """Field name → value of a PDF's AcroForm; None when it has no fields."""
    reader = _open(data)
    values: dict[str, Any] = {}
    seen = False
    for page in reader.pages:
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget":
                continue
            seen = True
            name = _full_name(annot)
            holder = annot if "/V" in annot or "/Parent" not in annot else \
                annot["/Parent"].get_object()
            ftype = str(holder.get("/FT") or annot.get("/FT") or "")
            raw = holder.get("/V")
            if ftype == "/Btn" or (raw is not None and str(raw).startswith("/")):
                state = str(raw)[1:] if raw is not None else "Off"
                values[name] = None if state in ("Off", "") else state
            elif ftype == "/Sig":
                values[name] = raw is not None
            else:
                values[name] = "" if raw is None else str(raw)
    return values if seen else None


def _finish(spec: FieldSpec, value: Any, confidence: float) -> FieldResult:
    if spec.kind == "checkbox":
        value = bool(value)
    elif spec.kind == "radio":
        value = value or None
    normalised, problem = validate.check_field(spec, value)
    if problem is not None and spec.kind in validate.VALIDATORS and value:
        confidence = min(confidence, 0.5)
    return FieldResult(value=normalised if problem is None else value, confidence=confidence,
                       page=spec.page, bbox=list(spec.rect), valid=problem is None,
                       problem=problem)


def from_acroform(template: Template, values: dict[str, Any]) -> Recognition:
    results = {}
    for spec in template.schema.fields:
        results[spec.name] = _finish(spec, values.get(spec.name), 1.0)
    _apply_rules(template.schema, results)
    return Recognition(template.name, template.version, results, "acroform",
                       pages=sorted({f.page for f in template.schema.fields}))


def _apply_rules(schema: Schema, results: dict[str, FieldResult]) -> None:
    for name, problem in validate.check_rules(
            schema, {k: r.value for k, r in results.items()}).items():
        if name in results:
            results[name].valid = False
            results[name].problem = problem


# --- scans -------------------------------------------------------------------------


def load_images(data: bytes) -> list:
    """Pages of an image-only PDF or an image file (PNG, JPEG, TIFF, multi-page TIFF)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if data.startswith(b"%PDF"):
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data, password="")
        try:
            if len(pdf) > MAX_PAGES:
                raise FormError(f"Zu viele Seiten (höchstens {MAX_PAGES}).")
            images = []
            for index in range(len(pdf)):
                page = pdf[index]
                width, height = page.get_size()
                scale = min(WORK_DPI / 72, (MAX_IMAGE_PIXELS / (width * height)) ** 0.5)
                images.append(page.render(scale=scale, may_draw_forms=True).to_pil()
                              .convert("L"))
                page.close()
            return images
        finally:
            pdf.close()
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise FormError("Das Bild ist zu groß für die Texterkennung.")
        frames = []
        for index in range(min(getattr(image, "n_frames", 1), MAX_PAGES)):
            image.seek(index)
            frames.append(ImageOps.exif_transpose(image).convert("L"))
        return frames
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as error:
        raise FormError(
            "Die Datei ist weder ein PDF noch ein lesbares Bild (PNG, JPEG, TIFF)."
        ) from error


def _scan_features(image, width: int, cache: dict | None = None):
    """The scan scaled to ``width`` px and its ORB features; once per width when
    several candidate pages (forms, pages) are tried for one scan."""
    import cv2
    import numpy as np

    if cache is not None and width in cache:
        return cache[width]
    scan = np.asarray(image)
    scale = width / scan.shape[1]
    if abs(scale - 1) > 0.02:
        scan = cv2.resize(scan, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
                          if scale < 1 else cv2.INTER_LINEAR)
    orb = cv2.ORB_create(nfeatures=4000)
    kp_s, des_s = orb.detectAndCompute(scan, None)
    if cache is not None:
        cache[width] = (scan, kp_s, des_s)
    return scan, kp_s, des_s


def _register(image, template: Template, page: int, cache: dict | None = None):
    """(inliers, warped scan on the template grid) for one candidate page."""
    import cv2
    import numpy as np

    grey_t, kp_t, des_t = template.page_image(page)
    scan, kp_s, des_s = _scan_features(image, grey_t.shape[1], cache)
    if des_s is None or des_t is None or len(kp_s) < 10:
        return 0, None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(des_s, des_t, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < 10:
        return len(good), None
    src = np.float32([kp_s[m.queryIdx].pt for m in good])
    dst = np.float32([kp_t[m.trainIdx].pt for m in good])
    matrix, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC,
                                               ransacReprojThreshold=4.0, maxIters=4000)
    if matrix is None:
        return 0, None
    inliers = int(mask.sum())
    warped = cv2.warpAffine(scan, matrix, (grey_t.shape[1], grey_t.shape[0]),
                            flags=cv2.INTER_LINEAR, borderValue=255)
    return inliers, warped


def coverage(warped, template: Template, page: int) -> float:
    """Share of the blank form's print found dark in the registered scan.

    Inliers alone do not prove the page: another form set in the same typeface
    gives dozens of chance matches between repeated letters (measured: 47 on a
    page of unrelated Helvetica text, 570 on the right page). The print check
    does: the right page covers nearly all of the template's print (1.0 on a
    rotated, blurred, noisy scan), an unrelated page almost none (0.0).
    """
    import cv2
    import numpy as np

    printed = template.page_image(page)[0] < 128
    if not printed.any():
        return 0.0
    dark = cv2.dilate((warped < 170).astype(np.uint8), np.ones((5, 5), np.uint8))
    return float(dark[printed].mean())


def _px(rect: list[float], page_height: float) -> tuple[int, int, int, int]:
    """PDF points (origin bottom-left) → pixel box on the WORK_DPI grid (top-left)."""
    k = WORK_DPI / 72
    return (int(rect[0] * k), int((page_height - rect[3]) * k),
            int(rect[2] * k), int((page_height - rect[1]) * k))


def _ink(warped, template_grey):
    """Applicant's ink: dark in the scan where the blank form is white."""
    import cv2
    import numpy as np

    _, printed = cv2.threshold(template_grey, 200, 255, cv2.THRESH_BINARY_INV)
    printed = cv2.dilate(printed, np.ones((5, 5), np.uint8))
    ink = warped < 150
    ink &= printed == 0
    return ink


def _box_ink(ink, box, shrink: float = 0.2) -> float:
    x0, y0, x1, y1 = box
    dx, dy = int((x1 - x0) * shrink), int((y1 - y0) * shrink)
    region = ink[y0 + dy:y1 - dy, x0 + dx:x1 - dx]
    return float(region.mean()) if region.size else 0.0


def _align_box(warped, template_grey, box, search: int = 4) -> tuple[int, int]:
    """The shift (dx, dy) of up to ``search`` px that best fits the scan's box to the
    blank's outline: a page-wide transform from a blurred 150 dpi scan is off by a
    pixel or two, enough to move a small circle's rim into its middle."""
    import numpy as np

    x0, y0, x1, y1 = box
    height, width = template_grey.shape
    m = search
    if x0 - 2 * m < 0 or y0 - 2 * m < 0 or x1 + 2 * m > width or y1 + 2 * m > height:
        return 0, 0
    blank_box = template_grey[y0 - m:y1 + m, x0 - m:x1 + m].astype(np.int16)
    printed = blank_box < 160
    if not printed.any():
        return 0, 0
    best = (None, 0, 0)
    for dy in range(-m, m + 1):
        for dx in range(-m, m + 1):
            patch = warped[y0 - m + dy:y1 + m + dy, x0 - m + dx:x1 + m + dx]
            cost = int(np.abs(np.minimum(patch.astype(np.int16), 200) -
                              np.minimum(blank_box, 200))[printed].sum())
            if best[0] is None or cost < best[0]:
                best = (cost, dx, dy)
    return best[1], best[2]


def _mark(warped, template_grey, box, shrink: float = 0.2, search: int = 4) -> float:
    """How much darker (mean, 0..1) the inside of a box is than on the blank form.
    Mean darkness, not a count of dark pixels: blur turns thin strokes grey but
    keeps the amount of ink."""
    x0, y0, x1, y1 = box
    dx, dy = _align_box(warped, template_grey, box, search)
    ix, iy = int((x1 - x0) * shrink), int((y1 - y0) * shrink)
    scan = warped[y0 + iy + dy:y1 - iy + dy, x0 + ix + dx:x1 - ix + dx]
    blank = template_grey[y0 + iy:y1 - iy, x0 + ix:x1 - ix]
    if not scan.size or scan.shape != blank.shape:
        return 0.0
    return max(0.0, (float(blank.mean()) - float(scan.mean())) / 255)


def _tick_ratio(warped, template_grey, ticked_grey, box) -> float:
    """0 (looks like the blank box) … 1 (looks like the form's own tick), or more.

    The scan's box, aligned locally, is compared with the blank box and with the
    ticked box after blurring all three alike, so that the scan's own blur and
    resolution matter less than what is in the box: ratio = d(blank) / (d(blank)
    + d(ticked)) with mean squared differences of the inner 80 %. A box darker
    than the printed tick (a bold pen cross) is above 1."""
    import cv2
    import numpy as np

    x0, y0, x1, y1 = box
    dx, dy = _align_box(warped, template_grey, box)
    ix, iy = max(1, int((x1 - x0) * 0.1)), max(1, int((y1 - y0) * 0.1))

    def patch(image, ox=0, oy=0):
        region = image[y0 + oy - 4:y1 + oy + 4, x0 + ox - 4:x1 + ox + 4].astype(np.float32)
        if region.shape[0] <= 8 + 2 * iy or region.shape[1] <= 8 + 2 * ix:
            return np.zeros((0, 0), np.float32)
        return cv2.GaussianBlur(region, (0, 0), 1.5)[4 + iy:-4 - iy, 4 + ix:-4 - ix]

    scan, off, on = patch(warped, dx, dy), patch(template_grey), patch(ticked_grey)
    if not scan.size or scan.shape != off.shape or off.shape != on.shape:
        return 0.0
    # the paper of a scan is rarely pure white: compare darkness above its own white
    scan = scan + (255 - np.percentile(warped[y0 + dy:y1 + dy, x0 + dx:x1 + dx], 95))
    d_off = float(((scan - off) ** 2).mean())
    d_on = float(((scan - on) ** 2).mean())
    if float(scan.mean()) < float(on.mean()):  # darker than the printed tick: a pen cross
        return 1.0 + (float(on.mean()) - float(scan.mean())) / 255
    return d_off / (d_off + d_on + 1e-6)


def _box_confidence(ratio: float) -> float:
    """Far from the threshold on either side → sure; near it → not."""
    distance = abs(ratio - CHECK_THRESHOLD) / CHECK_MARGIN
    return round(min(0.999, 0.5 + 0.5 * min(1.0, distance)), 3)


def _tesseract(image, config: str):
    import pytesseract

    from aktenkundig.documents.parsers.ocr import single_threaded_tesseract

    single_threaded_tesseract()  # in tesseract's environment only, not this process's
    return pytesseract.image_to_data(image, lang="deu", config=config, timeout=60,
                                     output_type=pytesseract.Output.DICT)


def _words(data) -> list[tuple[str, float, int, int, int, int, tuple]]:
    out = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text or float(data["conf"][i]) < 0:
            continue
        out.append((text, float(data["conf"][i]), data["left"][i], data["top"][i],
                    data["width"][i], data["height"][i],
                    (data["block_num"][i], data["par_num"][i], data["line_num"][i])))
    return out


def _join(words, comb: bool = False) -> str:
    """Words in reading order: grouped into lines by vertical overlap, then left to right."""
    lines: list[list] = []
    for word in sorted(words, key=lambda w: w[3] + w[5] / 2):
        middle = word[3] + word[5] / 2
        if lines and abs(middle - lines[-1][0]) < max(8, 0.5 * word[5]):
            lines[-1][1].append(word)
        else:
            lines.append([middle, [word]])
    text = " ".join(" ".join(w[0] for w in sorted(line, key=lambda w: w[2]))
                    for _middle, line in lines)
    return text.replace(" ", "") if comb else text


def _reread(ink_image, box, kind: str, comb: bool = False) -> tuple[str, float]:
    from PIL import Image

    x0, y0, x1, y1 = box
    pad = 6
    crop = ink_image[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad]
    config = "--psm 7"
    if kind in WHITELISTS:
        config += f" -c tessedit_char_whitelist={WHITELISTS[kind].replace(' ', '')}"
    words = _words(_tesseract(Image.fromarray(crop), config))
    if not words:
        return "", 0.0
    return _join(words, comb), min(w[1] for w in words) / 100


def _normal(spec: FieldSpec, value: str) -> str:
    normalised, problem = validate.check_field(spec, value)
    text = normalised if problem is None and isinstance(normalised, str) else value
    text = " ".join(text.split())
    return text.replace(" ", "") if spec.comb else text


def _same(spec: FieldSpec, a: str, b: str) -> bool:
    return bool(a) and bool(b) and _normal(spec, a) == _normal(spec, b)


def _sheet_read(ink_image, boxes: dict[str, tuple]) -> dict[str, tuple[str, float]]:
    """Every field's box cut out and stacked on one sheet, read in one Tesseract call.

    The second, independent read behind the confidence: the page pass sees the
    value in its surroundings, this one sees only the box. Where both agree the
    value is nearly always right (the bench measures how nearly); where they
    differ the field goes to the person first. One call per page, not one per
    field: process start-up dominates Tesseract on small images.
    """
    import numpy as np
    from PIL import Image

    if not boxes:
        return {}
    pad, gap = 4, 30
    crops = []
    for name, ((x0, y0, x1, y1), _comb) in boxes.items():
        crop = ink_image[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad]
        if crop.size:
            crops.append((name, crop))
    if not crops:
        return {}
    width = max(c.shape[1] for _n, c in crops) + 2 * gap
    height = sum(c.shape[0] + gap for _n, c in crops) + gap
    sheet = np.full((height, width), 255, np.uint8)
    spans = []
    y = gap
    for name, crop in crops:
        sheet[y:y + crop.shape[0], gap:gap + crop.shape[1]] = crop
        spans.append((y, y + crop.shape[0], name))
        y += crop.shape[0] + gap
    # Enlarging the sheet for Tesseract (form text is 8-10 pt) was measured: at
    # 2x no more fields right on bench/forms.py, 20 % slower. Kept at 1.
    if SHEET_ZOOM != 1:
        import cv2

        sheet = cv2.resize(sheet, None, fx=SHEET_ZOOM, fy=SHEET_ZOOM,
                           interpolation=cv2.INTER_CUBIC)
    words = _words(_tesseract(Image.fromarray(sheet), "--psm 6"))
    found: dict[str, list] = {}
    for word in words:
        middle = (word[3] + word[5] / 2) / SHEET_ZOOM
        for top, bottom, name in spans:
            if top - 4 <= middle <= bottom + 4:
                found.setdefault(name, []).append(word)
                break
    return {name: (_join(ws, boxes[name][1]), min(w[1] for w in ws) / 100)
            for name, ws in found.items()}


_AMOUNT_DOTS = re.compile(r"^(-?\d{1,3}(?:\.\d{3})*)\.(\d{2})$")
_DATE_GAPS = re.compile(r"^(\d{1,2})[.\s,]\s*(\d{1,2})[.\s,]\s*(\d{2,4})$")


def repair(spec: FieldSpec, text: str) -> str:
    """OCR confusions that the kind of the field settles.

    * Tesseract's dotless ı (Turkish) for i: no German form asks for it;
    * an amount "2.615.36": the last separator before two digits is the decimal
      comma, read as a point at small print;
    * a date "25.12 2024": a point read as a blank (only when the repaired text
      is a valid date).
    """
    text = text.replace("ı", "i")
    if spec.kind == "amount":
        text = _AMOUNT_DOTS.sub(r"\1,\2", text.replace(" ", ""))
    elif spec.kind == "date":
        match = _DATE_GAPS.match(text.strip())
        if match:
            candidate = ".".join(match.groups())
            if validate.date(candidate)[1] is None:
                text = candidate
    return text


def _is_cell(spec: FieldSpec) -> bool:
    """A box for one character (P166's ten boxes of the Institutsnummer)."""
    width, height = spec.rect[2] - spec.rect[0], spec.rect[3] - spec.rect[1]
    return width < 16 and width <= 1.6 * height


def _cell_read(ink_image, boxes: dict[str, tuple]) -> dict[str, tuple[str, float]]:
    """One-character boxes, read in one line: stacked on a sheet, Tesseract drops
    lone characters; side by side with wide gaps it reads them as a line of
    separate words, each placed back by its position."""
    import numpy as np
    from PIL import Image

    if not boxes:
        return {}
    pad, gap = 3, 40
    crops = []
    for name, (x0, y0, x1, y1) in boxes.items():
        crop = ink_image[max(0, y0 - pad):y1 + pad, max(0, x0 - pad):x1 + pad]
        if crop.size:
            crops.append((name, crop))
    height = max(c.shape[0] for _n, c in crops) + 2 * gap
    width = sum(c.shape[1] + gap for _n, c in crops) + gap
    strip = np.full((height, width), 255, np.uint8)
    spans = []
    x = gap
    for name, crop in crops:
        strip[gap:gap + crop.shape[0], x:x + crop.shape[1]] = crop
        spans.append((x, x + crop.shape[1], name))
        x += crop.shape[1] + gap
    words = _words(_tesseract(Image.fromarray(strip), "--psm 7"))
    found: dict[str, tuple[str, float]] = {}
    for word in words:
        middle = word[2] + word[4] / 2
        for left, right, name in spans:
            if left - gap / 2 <= middle <= right + gap / 2 and name not in found:
                found[name] = (word[0], word[1] / 100)
                break
    return found


def _confidence(spec: FieldSpec, value: str, ocr_conf: float) -> float:
    if not value:
        return ocr_conf
    _normalised, problem = validate.check_field(spec, value)
    if problem is None and spec.kind in ("iban", "steuer_id"):
        return max(ocr_conf, 0.99)
    return ocr_conf


def read_page(image, template: Template, page: int, warped=None) -> dict[str, FieldResult]:
    """Values of the fields on ``page`` from a scan already identified as that page."""
    import numpy as np
    from PIL import Image

    grey_t = template.page_image(page)[0]
    if warped is None:
        _inliers, warped = _register(image, template, page)
        if warped is None:
            raise FormError("Die Seite ließ sich nicht auf das Formular ausrichten.")
    height = template.schema.pages[page - 1][1]
    ink = _ink(warped, grey_t)
    ink_image = np.where(ink, warped, 255).astype(np.uint8)
    data = _tesseract(Image.fromarray(ink_image), "--psm 11")
    words = _words(data)
    results: dict[str, FieldResult] = {}
    specs = [s for s in template.schema.fields if s.page == page]
    boxes = {s.name: _px(s.rect, height) for s in specs}
    owner: dict[int, str] = {}
    for index, word in enumerate(words):
        cx, cy = word[2] + word[4] / 2, word[3] + word[5] / 2
        best = None
        for spec in specs:
            if spec.kind in ("checkbox", "radio", "signature"):
                continue
            x0, y0, x1, y1 = boxes[spec.name]
            if x0 - 4 <= cx <= x1 + 4 and y0 - 6 <= cy <= y1 + 6:
                area = (x1 - x0) * (y1 - y0)
                if best is None or area < best[0]:
                    best = (area, spec.name)
        if best is not None:
            owner[index] = best[1]
    texts: list[FieldSpec] = []
    for spec in specs:
        box = boxes[spec.name]
        if spec.kind in ("checkbox", "radio"):
            ticked = template.ticked_image(page)
            ratios = []
            for option in spec.options:
                box = _px(option.rect, height)
                x0, y0, x1, y1 = box
                if ticked.shape == grey_t.shape and float(np.abs(
                        ticked[y0:y1, x0:x1].astype(np.int16) - grey_t[y0:y1, x0:x1]
                ).mean()) > 2:
                    ratios.append((_tick_ratio(warped, grey_t, ticked, box), option.value))
                else:  # no widget to draw a tick (declared form): typical pen cross
                    ratios.append((_mark(warped, grey_t, box) / DEFAULT_TICK, option.value))
            if spec.kind == "checkbox":
                ratio = ratios[0][0] if ratios else 0.0
                value, conf = ratio >= CHECK_THRESHOLD, _box_confidence(ratio)
            else:
                ticked = [r for r in ratios if r[0] >= CHECK_THRESHOLD]
                value = max(ticked)[1] if ticked else None
                conf = min(_box_confidence(r[0]) for r in ratios) if ratios else 0.0
                if len(ticked) > 1:
                    conf = min(conf, 0.4)
            result = _finish(spec, value, conf)
            if spec.kind == "radio" and len(ratios) > 1 and value and \
                    sum(r[0] >= CHECK_THRESHOLD for r in ratios) > 1:
                result.problem = "Mehrere Antworten angekreuzt."
                result.valid = False
            results[spec.name] = result
            continue
        if spec.kind == "signature":
            ratio = _box_ink(ink, box, shrink=0.05)
            results[spec.name] = _finish(spec, ratio > 0.01,
                                         _box_confidence(ratio / 0.02 * CHECK_THRESHOLD))
            continue
        texts.append(spec)
    present = {}
    for spec in texts:
        box = boxes[spec.name]
        x0, y0, x1, y1 = box
        has_words = any(owner.get(i) == spec.name for i in range(len(words)))
        present[spec.name] = (has_words or _mark(warped, grey_t, box, shrink=0.08) > 0.004
                              or int(ink[y0 + 3:y1 - 3, x0 + 3:x1 - 3].sum()) >= 15)
    cells = {s.name for s in texts if present[s.name] and _is_cell(s)}
    sheet = _sheet_read(ink_image, {s.name: (boxes[s.name], s.comb) for s in texts
                                    if present[s.name] and s.name not in cells})
    sheet.update(_cell_read(ink_image, {name: boxes[name] for name in cells}))
    for spec in texts:
        box = boxes[spec.name]
        if not present[spec.name]:
            results[spec.name] = _finish(spec, "", 0.97)  # nothing added to the blank box
            continue
        mine = [w for i, w in enumerate(words) if owner.get(i) == spec.name]
        first = repair(spec, _join(mine, spec.comb))
        if spec.name in cells and len(first.replace(" ", "")) > 1:
            first = ""  # a word of the page pass spanning several one-character boxes
        first_conf = min((w[1] for w in mine), default=0.0) / 100
        second, second_conf = sheet.get(spec.name, ("", 0.0))
        second = repair(spec, second)
        if first and _same(spec, first, second):
            # two independent reads (the page in context, the box alone) agree
            value, conf = first, 0.9 + 0.1 * min(first_conf, second_conf)
        else:
            candidates = [(v, c) for v, c in ((first, first_conf), (second, second_conf)) if v]
            checked = [(v, c) for v, c in candidates
                       if spec.kind in validate.VALIDATORS
                       and validate.check_field(spec, v)[1] is None]
            value, conf = max(checked or candidates, key=lambda vc: vc[1],
                              default=("", 0.0))
            conf = min(conf, 0.6) * (0.8 if len(candidates) > 1 else 0.6)
            if spec.kind in WHITELISTS and (not value or validate.check_field(
                    spec, value)[1] is not None):
                again, again_conf = _reread(ink_image, box, spec.kind, spec.comb)
                if again and validate.check_field(spec, again)[1] is None:
                    value, conf = again, min(again_conf, 0.6)
        conf = _confidence(spec, value, conf)
        results[spec.name] = _finish(spec, value, conf)
        if not value:
            results[spec.name].problem = "Eintrag nicht lesbar."
            results[spec.name].valid = False
    return results


def identify(image, templates: list[Template]):
    """(template, page, warped) of the best-matching candidate page, or None."""
    best = (0.0, 0, None, None, None)
    features: dict = {}
    for template in templates:
        for page in sorted({f.page for f in template.schema.fields}):
            inliers, warped = _register(image, template, page, features)
            if inliers < MIN_INLIERS or warped is None:
                continue
            share = coverage(warped, template, page)
            if (share, inliers) > best[:2]:
                best = (share, inliers, template, page, warped)
    if best[0] < MIN_COVERAGE:
        return None
    return best[2], best[3], best[4]


def recognize(data: bytes, templates: list[Template], *, expected: str | None = None
              ) -> Recognition:
    """Recognise one file against the candidate form types (all of the tenant's, or the
    one the caller named). :class:`FormError` with a message for people when it is
    not one of them."""
    started = time.perf_counter()
    if not templates:
        raise FormError("Es ist noch kein Formular registriert.")
    if data.startswith(b"%PDF"):
        values = acroform_values(data)
        if values:
            names = set(values)
            best = max(templates, key=lambda t: len(names & set(t.schema.by_name())))
            overlap = len(names & set(best.schema.by_name())) / max(1, len(best.schema.fields))
            if overlap >= 0.8:
                result = from_acroform(best, values)
                result.seconds = time.perf_counter() - started
                return result
            if overlap < 0.2 and len(names) >= 3:
                raise _wrong(expected)
    merged: dict[str, FieldResult] = {}
    images: dict[int, Any] = {}
    chosen: Template | None = None
    pages: list[int] = []
    for image in load_images(data):
        candidates = [chosen] if chosen is not None else templates
        found = identify(image, candidates)
        if found is None:
            continue
        template, page, warped = found
        chosen = template
        if page in pages:
            continue
        pages.append(page)
        merged.update(read_page(image, template, page, warped))
        images[page] = warped
    if chosen is None:
        raise _wrong(expected)
    for spec in chosen.schema.fields:  # pages that were not in the file
        if spec.name not in merged:
            merged[spec.name] = FieldResult(
                value=False if spec.kind == "checkbox" else None, confidence=0.0,
                page=spec.page, bbox=list(spec.rect), valid=not spec.required,
                problem="Seite fehlt." if spec.required else None)
    _apply_rules(chosen.schema, merged)
    ordered = {s.name: merged[s.name] for s in chosen.schema.fields}
    return Recognition(chosen.name, chosen.version, ordered, "scan",
                       seconds=time.perf_counter() - started, pages=sorted(pages),
                       images=images)


def _wrong(expected: str | None) -> FormError:
    if expected:
        return FormError(
            f"Das Dokument ist kein Formular „{expected}“: keine Seite passt zu den Seiten "
            "dieses Formulars (anderes Formular, andere Ausgabe oder unlesbarer Scan)."
        )
    return FormError(
        "Das Dokument passt zu keinem registrierten Formular (anderes Formular, andere "
        "Ausgabe oder unlesbarer Scan)."
    )
