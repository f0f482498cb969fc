"""Builds ``hundesteuer.pdf``: the project's own sample form (Gemeinde Musterhausen,
Anmeldung zur Hundesteuer), a fillable PDF with AcroForm fields and tooltips.

Why our own form: the real official forms (KG1, ...) carry no licence, so the
tests and the demo cannot ship them. This one imitates what matters about them:
printed labels above boxes, a comb-free text layout, tooltips in German, a
checkbox with a follow-up question, a yes/no radio group, IBAN/BIC/Steuer-ID.

The printed layout comes from fpdf2; the widgets are added with pypdf (fpdf2
writes no form fields). Run: ``python -m aktenkundig.forms.samples.build``.
"""

from __future__ import annotations

import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
A4 = (595.28, 841.89)

# name, label (tooltip), kind, x, y_top (mm from top), width (mm), required
TEXT_FIELDS = [
    ("Name", "Familienname der Halterin oder des Halters", 20, 62, 80, True),
    ("Vorname", "Vorname", 110, 62, 80, True),
    ("Geburtsdatum", "Geburtsdatum (TT.MM.JJJJ)", 20, 80, 50, True),
    ("SteuerID", "Steuerliche Identifikationsnummer (11 Ziffern)", 80, 80, 60, False),
    ("Strasse", "Straße und Hausnummer", 20, 98, 110, True),
    ("PLZ", "Postleitzahl", 20, 116, 30, True),
    ("Ort", "Wohnort", 60, 116, 100, True),
    ("Rasse", "Hunderasse", 20, 146, 90, True),
    ("Anzahl", "Anzahl der Hunde im Haushalt", 120, 146, 30, True),
    ("Beginn", "Beginn der Hundehaltung (TT.MM.JJJJ)", 20, 164, 50, True),
    ("IBAN", "IBAN für den Lastschrifteinzug", 20, 212, 110, True),
    ("BIC", "BIC", 140, 212, 50, False),
    ("Kontoinhaber", "Name der Kontoinhaberin oder des Kontoinhabers, falls andere Person",
     20, 242, 110, False),
    ("Betrag", "Jahresbetrag in Euro (wird von der Gemeinde ausgefüllt)", 140, 242, 50, False),
]
# name, label, x, y_top (mm)
CHECKBOXES = [
    ("KontoinhaberAndere", "Das Konto gehört einer anderen Person", 20, 226),
    ("SEPA", "Ich erteile ein SEPA-Lastschriftmandat", 20, 258),
]
RADIO = ("Listenhund", "Ist der Hund ein gefährlicher Hund (Listenhund)?",
         [("ja", 20, 184), ("nein", 50, 184)])
BOX_H = 8  # mm
CHECK = 5  # mm


def mm(v: float) -> float:
    return v * 72 / 25.4


def layout() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 15)
    pdf.set_xy(20, 18)
    pdf.cell(0, 8, "Gemeinde Musterhausen - Steueramt")
    pdf.set_font("helvetica", "B", 13)
    pdf.set_xy(20, 28)
    pdf.cell(0, 8, "Anmeldung zur Hundesteuer")
    pdf.set_font("helvetica", "", 9)
    pdf.set_xy(20, 37)
    pdf.multi_cell(170, 4.5, "Bitte in Druckbuchstaben ausfüllen oder am Computer ausfüllen "
                   "und unterschrieben an die Gemeinde Musterhausen, Marktplatz 1, "
                   "12345 Musterhausen senden.")
    pdf.set_font("helvetica", "B", 10)
    for title, y in (("1. Angaben zur Halterin oder zum Halter", 50),
                     ("2. Angaben zum Hund", 134), ("3. Bankverbindung", 200)):
        pdf.set_xy(20, y)
        pdf.cell(0, 6, title)
    pdf.set_font("helvetica", "", 8)
    pdf.set_line_width(0.3)
    short = {"Name": "Familienname", "SteuerID": "Steuer-ID", "Strasse": "Straße, Hausnummer",
             "PLZ": "PLZ", "Ort": "Wohnort", "Anzahl": "Anzahl Hunde",
             "Beginn": "Beginn der Haltung", "Kontoinhaber": "Name Kontoinhaber/in",
             "Betrag": "Jahresbetrag (EUR)", "Geburtsdatum": "Geburtsdatum",
             "IBAN": "IBAN", "BIC": "BIC", "Rasse": "Hunderasse", "Vorname": "Vorname"}
    for name, _label, x, y, w, _req in TEXT_FIELDS:
        pdf.set_xy(x, y - 4.5)
        pdf.cell(w, 4, short[name])
        pdf.rect(x, y, w, BOX_H)
    for _name, label, x, y in CHECKBOXES:
        pdf.rect(x, y, CHECK, CHECK)
        pdf.set_xy(x + CHECK + 2, y)
        pdf.cell(120, CHECK, label)
    _name, question, options = RADIO
    pdf.set_xy(20, y := options[0][2] - 6)
    pdf.cell(0, 5, question)
    for value, x, y in options:
        pdf.rect(x, y, CHECK, CHECK)
        pdf.set_xy(x + CHECK + 2, y)
        pdf.cell(15, CHECK, value)
    pdf.set_xy(20, 275)
    pdf.cell(80, 4, "Datum, Unterschrift")
    pdf.line(20, 274, 110, 274)
    return bytes(pdf.output())


def _rect(x: float, y_top: float, w: float, h: float) -> list[float]:
    """mm from the top-left → PDF points from the bottom-left."""
    return [round(mm(x), 2), round(A4[1] - mm(y_top + h), 2),
            round(mm(x + w), 2), round(A4[1] - mm(y_top), 2)]


def build() -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        BooleanObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(layout())))
    page = writer.pages[0]
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }))
    resources = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/Helv"): font})})
    annots = ArrayObject()
    fields = ArrayObject()

    def rect_obj(r):
        return ArrayObject(FloatObject(v) for v in r)

    def appearance(size: float, on: bool):
        stream = DecodedStreamObject()
        s = size
        stream.set_data(
            f"q 0 g 1.2 w 1 1 m {s - 1} {s - 1} l S 1 {s - 1} m {s - 1} 1 l S Q".encode()
            if on else b"")
        stream.update({NameObject("/Type"): NameObject("/XObject"),
                       NameObject("/Subtype"): NameObject("/Form"),
                       NameObject("/BBox"): rect_obj([0, 0, s, s])})
        return writer._add_object(stream)

    for name, label, x, y, w, required in TEXT_FIELDS:
        widget = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject(name),
            NameObject("/TU"): TextStringObject(label),
            NameObject("/Rect"): rect_obj(_rect(x, y, w, BOX_H)),
            NameObject("/DA"): TextStringObject("/Helv 11 Tf 0 g"),
            NameObject("/F"): NumberObject(4),
            NameObject("/Ff"): NumberObject(2 if required else 0),
            NameObject("/P"): page.indirect_reference,
        })
        ref = writer._add_object(widget)
        annots.append(ref)
        fields.append(ref)

    def button(name, label, state, r, parent=None):
        size = r[2] - r[0]
        widget = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): rect_obj(r),
            NameObject("/F"): NumberObject(4),
            NameObject("/AS"): NameObject("/Off"),
            NameObject("/MK"): DictionaryObject({NameObject("/CA"): TextStringObject("8")}),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): DictionaryObject({
                NameObject(f"/{state}"): appearance(size, True),
                NameObject("/Off"): appearance(size, False),
            })}),
            NameObject("/P"): page.indirect_reference,
        })
        if parent is None:
            widget.update({NameObject("/FT"): NameObject("/Btn"),
                           NameObject("/T"): TextStringObject(name),
                           NameObject("/TU"): TextStringObject(label),
                           NameObject("/V"): NameObject("/Off")})
        else:
            widget[NameObject("/Parent")] = parent
        return writer._add_object(widget)

    for name, label, x, y in CHECKBOXES:
        ref = button(name, label, "Ja", _rect(x, y, CHECK, CHECK))
        annots.append(ref)
        fields.append(ref)
    name, question, options = RADIO
    parent = writer._add_object(DictionaryObject({
        NameObject("/FT"): NameObject("/Btn"),
        NameObject("/T"): TextStringObject(name),
        NameObject("/TU"): TextStringObject(question),
        NameObject("/Ff"): NumberObject((1 << 15) | (1 << 14)),
        NameObject("/V"): NameObject("/Off"),
    }))
    kids = ArrayObject()
    for value, x, y in options:
        ref = button(name, question, value, _rect(x, y, CHECK, CHECK), parent=parent)
        kids.append(ref)
        annots.append(ref)
    parent.get_object()[NameObject("/Kids")] = kids
    fields.append(parent)
    page[NameObject("/Annots")] = annots
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(DictionaryObject({
        NameObject("/Fields"): fields,
        NameObject("/DA"): TextStringObject("/Helv 11 Tf 0 g"),
        NameObject("/DR"): resources,
        NameObject("/NeedAppearances"): BooleanObject(False),
    }))
    writer.add_metadata({"/Title": "Anmeldung zur Hundesteuer (Muster, Gemeinde Musterhausen)",
                         "/Author": "aktenkundig (EUPL-1.2), frei erfunden"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


RULES_TOML = """\
# Rules and corrections the admin adds after the automatic schema.
[fields."Anzahl"]
kind = "number"
[[rule]]
if_field = "KontoinhaberAndere"
then_required = ["Kontoinhaber"]
message = "Das Konto gehört einer anderen Person: bitte deren Namen angeben."
"""


DEMO_VALUES = {
    "Name": "Schneider", "Vorname": "Jana", "Geburtsdatum": "12.04.1981",
    "SteuerID": "86095742719", "Strasse": "Lindenweg 17", "PLZ": "12345",
    "Ort": "Musterhausen", "Rasse": "Labrador", "Anzahl": "1", "Beginn": "01.03.2026",
    "IBAN": "DE89 3704 0044 0532 0130 00", "BIC": "COBADEFFXXX",
    "KontoinhaberAndere": False, "SEPA": True, "Listenhund": "nein",
}


def demo_scan(blank: bytes) -> bytes:
    """The sample filled in, printed and scanned: 150 dpi, 1.2° askew, JPEG."""
    from PIL import Image, ImageFilter

    from aktenkundig.forms.fill import fill_pdf, render_pages
    from aktenkundig.forms.schema import from_pdf

    image = render_pages(fill_pdf(blank, from_pdf(blank), DEMO_VALUES), 150)[0].convert("L")
    image = image.rotate(1.2, resample=Image.BICUBIC, expand=True, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(0.5))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=75)
    return out.getvalue()


if __name__ == "__main__":
    (HERE / "hundesteuer.pdf").write_bytes(build())
    (HERE / "hundesteuer.toml").write_text(RULES_TOML, encoding="utf-8")
    (HERE / "hundesteuer-scan.jpg").write_bytes(demo_scan((HERE / "hundesteuer.pdf").read_bytes()))
    print(HERE / "hundesteuer.pdf")
