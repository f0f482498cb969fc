"""Form types from blank PDFs and TOML declarations."""

from __future__ import annotations

import io

import pytest

from aktenkundig.forms.schema import FormError, from_pdf, from_toml, guess_kind


def test_schema_from_acroform_widgets(blank):
    schema = from_pdf(blank)
    fields = schema.by_name()
    assert len(fields) == 17
    iban = fields["IBAN"]
    assert (iban.kind, iban.page, iban.required) == ("iban", 1, True)
    assert iban.label == "IBAN für den Lastschrifteinzug"  # the tooltip
    x0, y0, x1, y1 = iban.rect
    assert x0 < x1 and y0 < y1 and 0 < y0 < 842
    assert fields["Geburtsdatum"].kind == "date"
    assert fields["SteuerID"].kind == "steuer_id"
    assert fields["PLZ"].kind == "plz"
    assert fields["Betrag"].kind == "amount"
    assert fields["SEPA"].kind == "checkbox"
    radio = fields["Listenhund"]
    assert radio.kind == "radio"
    assert [o.value for o in radio.options] == ["ja", "nein"]
    assert radio.options[0].rect != radio.options[1].rect


def test_overrides_and_rules(sample_schema):
    assert sample_schema.by_name()["Anzahl"].kind == "number"
    assert sample_schema.rules[0].then_required == ["Kontoinhaber"]


def _xfa_only_pdf() -> bytes:
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Dieses Formular benötigt Adobe Reader.")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(pdf.output()))))
    xfa = writer._add_object(DictionaryObject())
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(DictionaryObject({
        NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): xfa}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_xfa_only_form_reported():
    with pytest.raises(FormError, match="reines XFA-Formular"):
        from_pdf(_xfa_only_pdf())


def test_pdf_without_fields_and_non_pdf_refused():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    with pytest.raises(FormError, match="keine Formularfelder"):
        from_pdf(bytes(pdf.output()))
    with pytest.raises(FormError, match="keine PDF-Datei"):
        from_pdf(b"GIF89a...")


def test_declared_form_in_toml():
    schema = from_toml("""
pages = [[595.28, 841.89]]
[[field]]
name = "Name"
kind = "text"
rect = [60, 700, 300, 718]
required = true
[[field]]
name = "Zustimmung"
kind = "checkbox"
rect = [60, 650, 70, 660]
""")
    assert schema.source == "declared"
    assert schema.by_name()["Zustimmung"].options[0].rect == [60, 650, 70, 660]
    with pytest.raises(FormError, match="Unbekannte Feldart"):
        from_toml('[[field]]\nname="x"\nkind="farbe"\nrect=[0,0,1,1]\n')


@pytest.mark.parametrize(("name", "tooltip", "kind"), [
    ("Feld1", "IBAN des Kontos", "iban"),
    ("Feld2", "Geburtsdatum", "date"),
    ("PLZ[0]", "", "plz"),
    ("Steuer-ID[0]", "Steuerliche Identifikationsnummer", "steuer_id"),
    ("Steuer-ID-1[0]", "Steuerliche Identifikationsnummer, Teil 1", "text"),
    ("Betrag", "Summe in Euro", "amount"),
    ("Name", "Familienname", "text"),
])
def test_kind_guessing(name, tooltip, kind):
    assert guess_kind(name, tooltip) == kind
