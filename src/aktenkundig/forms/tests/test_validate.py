"""Every validator with valid and invalid values, and the cross-field rules."""

from __future__ import annotations

import pytest

from aktenkundig.forms import validate
from aktenkundig.forms.schema import FieldSpec, Rule, Schema


@pytest.mark.parametrize(("check", "good", "normalised"), [
    (validate.iban, "DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    (validate.iban, "at61 1904 3002 3457 3201", "AT611904300234573201"),
    (validate.bic, "COBADEFFXXX", "COBADEFFXXX"),
    (validate.bic, "MARKDEF1", "MARKDEF1"),
    (validate.steuer_id, "86 095 742 719", "86095742719"),
    (validate.steuer_id, "65929970489", "65929970489"),
    (validate.date, "1.2.2020", "01.02.2020"),
    (validate.date, "29.02.2024", "29.02.2024"),
    (validate.plz, "01067", "01067"),
    (validate.amount, "1.234,5", "1.234,50"),
    (validate.amount, "12 €", "12,00"),
    (validate.number, "3", "3"),
])
def test_valid_values(check, good, normalised):
    assert check(good) == (normalised, None)


@pytest.mark.parametrize(("check", "bad", "fragment"), [
    (validate.iban, "DE89 3704 0044 0532 0130 01", "Prüfziffer"),
    (validate.iban, "DE89 3704 0044 0532 0130", "22 Zeichen"),
    (validate.iban, "Kontonummer 123", "Keine gültige IBAN"),
    (validate.bic, "COBADEF", "Keine gültige BIC"),
    (validate.steuer_id, "86095742718", "Prüfziffer"),
    (validate.steuer_id, "12345678901", "Ziffernfolge"),  # no digit repeated
    (validate.steuer_id, "06095742719", "nicht mit 0"),
    (validate.steuer_id, "8609574271", "11 Ziffern"),
    (validate.date, "31.02.2020", "gibt es nicht"),
    (validate.date, "12.04.1812", "außerhalb"),
    (validate.date, "morgen", "Kein Datum"),
    (validate.plz, "1234", "5 Ziffern"),
    (validate.plz, "00123", "5 Ziffern"),
    (validate.amount, "zwölf Euro", "Kein Betrag"),
    (validate.number, "drei", "Keine Zahl"),
])
def test_invalid_values(check, bad, fragment):
    _value, problem = check(bad)
    assert problem is not None and fragment in problem


def test_required_and_rules():
    spec = FieldSpec(name="Name", label="Name", kind="text", page=1, rect=[0, 0, 1, 1],
                     required=True)
    assert validate.check_field(spec, "  ")[1] == "Pflichtfeld ist leer."
    assert validate.check_field(spec, "Meier")[1] is None
    schema = Schema(fields=[spec], pages=[[595, 842]], rules=[
        Rule(if_field="Andere", then_required=["Kontoinhaber"], message="Bitte Namen angeben.")])
    assert validate.check_rules(schema, {"Andere": True, "Kontoinhaber": ""}) == {
        "Kontoinhaber": "Bitte Namen angeben."}
    assert validate.check_rules(schema, {"Andere": False, "Kontoinhaber": ""}) == {}
    assert validate.check_rules(schema, {"Andere": True, "Kontoinhaber": "Max Meier"}) == {}


@pytest.mark.parametrize(("kind", "read", "repaired"), [
    ("amount", "2.615.36", "2.615,36"),  # decimal comma read as a point
    ("amount", "1.234,50", "1.234,50"),
    ("date", "25.12 2024", "25.12.2024"),  # point read as a blank
    ("date", "31 02 2024", "31 02 2024"),  # no valid date: left for the person
    ("text", "Dabeı", "Dabei"),  # Tesseract's dotless i
])
def test_ocr_repairs_by_kind(kind, read, repaired):
    from aktenkundig.forms.recognize import repair

    spec = FieldSpec(name="x", label="x", kind=kind, page=1, rect=[0, 0, 1, 1])
    assert repair(spec, read) == repaired
