"""Recognition with real pypdf, pdfium, OpenCV and Tesseract on the sample form."""

from __future__ import annotations

import io

import pytest

from aktenkundig.forms import recognize
from aktenkundig.forms.schema import FormError
from aktenkundig.forms.tests.conftest import VALUES, filled, scan


@pytest.fixture(scope="module")
def template(blank, sample_schema):
    return recognize.Template("hundesteuer", 1, sample_schema, blank)


def _expected(schema, name):
    from aktenkundig.forms.validate import check_field

    value = VALUES.get(name)
    spec = schema.by_name()[name]
    if spec.kind == "checkbox":
        return bool(value)
    if value is None:
        return "" if spec.kind not in ("radio",) else None
    return check_field(spec, value)[0]


def test_filled_pdf_read_exactly(template, blank, sample_schema):
    result = recognize.recognize(filled(blank, sample_schema), [template])
    assert result.source == "acroform"
    for spec in sample_schema.fields:
        item = result.fields[spec.name]
        assert item.value == _expected(sample_schema, spec.name), spec.name
        assert item.confidence == 1.0
        assert item.page == 1 and item.bbox == spec.rect
    assert result.fields["IBAN"].value == "DE89370400440532013000"
    assert result.fields["KontoinhaberAndere"].value is True
    assert result.fields["SEPA"].value is False
    assert result.fields["Listenhund"].value == "nein"
    assert result.to_dict()["fields"]["Name"]["valid"] is True


def test_cross_field_rule_reported_at_its_field(template, blank, sample_schema):
    values = {**VALUES, "Kontoinhaber": ""}
    item = recognize.recognize(filled(blank, sample_schema, values), [template]).fields[
        "Kontoinhaber"]
    assert item.valid is False and "anderen Person" in item.problem


def test_invalid_iban_in_filled_pdf_flagged(template, blank, sample_schema):
    values = {**VALUES, "IBAN": "DE89 3704 0044 0532 0130 01"}
    item = recognize.recognize(filled(blank, sample_schema, values), [template]).fields["IBAN"]
    assert item.valid is False and "Prüfziffer" in item.problem


@pytest.mark.slow
@pytest.mark.parametrize(("angle", "shift", "fmt"), [
    (1.8, (40, -25), "JPEG"),
    (-1.2, (-30, 35), "PNG"),
])
def test_rotated_and_shifted_scan_read(template, blank, sample_schema, angle, shift, fmt):
    image = scan(filled(blank, sample_schema), angle=angle, shift=shift, blur=0.7,
                 noise=6, fmt=fmt)
    result = recognize.recognize(image, [template])
    assert result.source == "scan" and result.form == "hundesteuer"
    wrong = {name: item.value for name, item in result.fields.items()
             if item.value != _expected(sample_schema, name)}
    assert wrong == {}
    # "sicher" values must be right; the IBAN passes its check digits
    assert result.fields["IBAN"].confidence >= recognize.SICHER


@pytest.mark.slow
def test_checkbox_group_on_scan(template, blank, sample_schema):
    values = {**VALUES, "Listenhund": "ja", "KontoinhaberAndere": False, "SEPA": True,
              "Kontoinhaber": ""}
    result = recognize.recognize(scan(filled(blank, sample_schema, values), angle=0.8),
                                 [template])
    assert result.fields["Listenhund"].value == "ja"
    assert result.fields["KontoinhaberAndere"].value is False
    assert result.fields["SEPA"].value is True
    assert result.fields["Kontoinhaber"].valid  # rule not triggered


@pytest.mark.slow
def test_image_only_pdf_and_tiff(template, blank, sample_schema):
    from PIL import Image

    image = Image.open(io.BytesIO(scan(filled(blank, sample_schema), angle=-0.6)))
    pdf, tiff = io.BytesIO(), io.BytesIO()
    image.convert("RGB").save(pdf, "PDF", resolution=200)
    image.save(tiff, "TIFF")
    for data in (pdf.getvalue(), tiff.getvalue()):
        result = recognize.recognize(data, [template])
        assert result.source == "scan"
        assert result.fields["IBAN"].value == "DE89370400440532013000"


@pytest.mark.slow
def test_wrong_form_type_rejected(template):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for line in range(40):
        pdf.cell(0, 6, f"Reisekostenabrechnung Zeile {line}: Fahrtkosten, Tagegeld, Belege",
                 new_x="LMARGIN", new_y="NEXT")
    with pytest.raises(FormError, match="kein Formular „hundesteuer“"):
        recognize.recognize(scan(bytes(pdf.output())), [template], expected="hundesteuer")
    with pytest.raises(FormError, match="weder ein PDF noch ein lesbares Bild"):
        recognize.recognize(b"not an image", [template])


@pytest.mark.slow
def test_shipped_demo_scan_read(template, sample_schema):
    """The filled scan the demo ships (150 dpi, askew, JPEG) reads as it was filled."""
    from aktenkundig.forms.samples.build import DEMO_VALUES, HERE
    from aktenkundig.forms.validate import check_field

    result = recognize.recognize((HERE / "hundesteuer-scan.jpg").read_bytes(), [template])
    for spec in sample_schema.fields:
        want = DEMO_VALUES.get(spec.name)
        if spec.kind == "checkbox":
            want = bool(want)
        elif want is not None:
            want = check_field(spec, want)[0]
        else:
            want = None if spec.kind == "radio" else ""
        assert result.fields[spec.name].value == want, spec.name


def test_filled_pdf_of_another_form_rejected(template):
    """A fillable PDF whose fields are not this form's: refused, not read as empty."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    data = template.blank
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for ref in writer.pages[0]["/Annots"]:  # same layout, other field names
        annot = ref.get_object()
        if "/T" in annot:
            annot[NameObject("/T")] = TextStringObject("Fremd_" + str(annot["/T"]))
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(FormError, match="kein Formular „hundesteuer“"):
        recognize.recognize(out.getvalue(), [template], expected="hundesteuer")
