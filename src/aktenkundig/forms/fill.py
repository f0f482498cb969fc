"""Filling a form PDF with values, and rendering pages to images.

Used three ways: the output of a committed record as the official form filled
with the validated values (for the e-Akte), the test fixtures (a filled PDF,
then printed and "scanned"), and the benchmark generator. One code path, so the
tests exercise what the product writes.
"""

from __future__ import annotations

import io
from typing import Any

from aktenkundig.forms.schema import Schema


def fill_pdf(blank: bytes, schema: Schema, values: dict[str, Any]) -> bytes:
    """``values``: field name → text, or True/False for checkboxes, option for radios."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    reader = PdfReader(io.BytesIO(blank))
    if reader.is_encrypted:
        reader.decrypt("")
    writer = PdfWriter(clone_from=reader)
    by_name = schema.by_name()
    texts: dict[str, str] = {}
    buttons: dict[str, str] = {}
    for name, value in values.items():
        spec = by_name.get(name)
        if spec is None or (value is None and spec.kind not in ("checkbox", "radio")):
            continue
        if spec.kind == "checkbox":
            buttons[name] = spec.options[0].value if value else "Off"
        elif spec.kind == "radio":
            buttons[name] = str(value) if value else "Off"
        else:
            texts[name] = str(value)
    from aktenkundig.forms.schema import _full_name

    for page in writer.pages:
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Widget":
                continue
            full = _full_name(annot)
            # the terminal field: the widget itself, or its parent for kids of a field
            holder = annot if "/T" in annot else annot["/Parent"].get_object()
            if full in buttons:
                state = buttons[full]
                normal = annot.get("/AP", {}).get("/N", {})
                own = state if f"/{state}" in normal else "Off"
                annot[NameObject("/AS")] = NameObject(f"/{own}")
                holder[NameObject("/V")] = NameObject(f"/{state}")
            elif full in texts:
                holder[NameObject("/V")] = TextStringObject(texts[full])
                # No appearance of our own: with /NeedAppearances the viewer
                # (pdfium, Acrobat) draws the value in the field's own font, size,
                # comb and alignment, as it would for a person filling it in.
                if "/AP" in annot:
                    del annot["/AP"]
    writer.set_need_appearances_writer(True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def cleared(blank: bytes, schema: Schema) -> bytes:
    """The blank with every field empty and every box off. Official blanks ship
    with defaults (P166: the clerk's name, telephone and e-mail; a box ticked),
    which would otherwise count as print and be masked out of the applicant's
    entry."""
    return fill_pdf(blank, schema, {f.name: None if f.kind in ("checkbox", "radio") else ""
                                    for f in schema.fields if f.kind != "signature"})


def all_ticked(blank: bytes) -> bytes:
    """The blank with every checkbox and radio button on (each widget in its own on
    state): how a tick of this very form looks, per box."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    reader = PdfReader(io.BytesIO(blank))
    if reader.is_encrypted:
        reader.decrypt("")
    writer = PdfWriter(clone_from=reader)
    for page in writer.pages:
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            normal = annot.get("/AP", {}).get("/N", {})
            states = [k for k in getattr(normal, "keys", list)() if k != "/Off"]
            if annot.get("/Subtype") == "/Widget" and states:
                annot[NameObject("/AS")] = NameObject(states[0])
    writer.set_need_appearances_writer(True)  # drawn as fill_pdf's output is drawn
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_pages(data: bytes, dpi: int = 150, *, forms: bool = True, pages=None) -> list:
    """PIL images (RGB) of the pages, with form fields drawn (pdfium's own appearances)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data, password="")
    try:
        if forms:
            pdf.init_forms()
        images = []
        for index in range(len(pdf)):
            if pages is not None and index + 1 not in pages:
                continue
            page = pdf[index]
            bitmap = page.render(scale=dpi / 72, may_draw_forms=forms)
            images.append(bitmap.to_pil().convert("RGB"))
            page.close()
        return images
    finally:
        pdf.close()
