"""A letter without a form, read into the form's fields by the language model."""

from __future__ import annotations

import json

import pytest

from aktenkundig.forms import letters, recognize, services
from aktenkundig.forms.schema import FormError

LETTER = (
    "Sehr geehrte Damen und Herren,\n"
    "hiermit melde ich meinen Hund an. Mein Name ist Jana Schneider. "
    "Meine IBAN lautet DE89 3704 0044 0532 0130 00. Es ist ein Labrador.\n"
    "Mit freundlichen Grüßen"
)


@pytest.fixture(scope="module")
def template(blank, sample_schema):
    return recognize.Template("hundesteuer", 1, sample_schema, blank)


def test_only_values_shown_in_the_letter_are_kept(template):
    answer = {
        "Name": {"wert": "Schneider", "quelle": "Mein Name ist Jana Schneider."},
        "IBAN": {"wert": "DE89 3704 0044 0532 0130 00",
                 "quelle": "Meine IBAN lautet DE89 3704 0044 0532 0130 00."},
        "Rasse": {"wert": "Dackel", "quelle": "Es ist ein Labrador."},  # not in its source
        "Ort": {"wert": "Musterhausen", "quelle": "Ich wohne in Musterhausen."},  # invented
        "Listenhund": {"wert": "vielleicht", "quelle": "Es ist ein Labrador."},  # no option
    }
    kept = letters.accept(answer, LETTER, template)
    assert set(kept) == {"Name", "IBAN"}
    assert kept["IBAN"].value == "DE89370400440532013000"
    assert kept["Name"].confidence < recognize.SICHER
    assert kept["Name"].problem.startswith("Vom Sprachmodell aus einem Brief übernommen")
    assert "Mein Name ist Jana Schneider." in kept["Name"].problem
    assert letters._parse("Hier: " + json.dumps(answer) + " Ende")["Name"]["wert"] == \
        "Schneider"


@pytest.mark.django_db
def test_letter_needs_a_form_and_a_model(tenant, registered, llm_down):
    with pytest.raises(FormError, match="--form"):
        services.extract(tenant, LETTER.encode())
    with pytest.raises(FormError, match="nur mit Sprachmodell"):
        services.extract(tenant, LETTER.encode(), form="hundesteuer")


@pytest.mark.django_db
@pytest.mark.llm
@pytest.mark.slow
def test_letter_through_the_gateway(tenant, registered, sample_schema, llm_backend):
    """SmolLM2 is tiny: the mechanics, not the quality. Whatever it answers, every
    kept value is quoted from the letter and marked as the model's."""
    result, _form_type = services.extract(tenant, LETTER.encode(), form="hundesteuer")
    assert result.source == "llm"
    assert set(result.fields) == {f.name for f in sample_schema.fields}
    for item in result.fields.values():
        if item.value not in (None, False):
            assert item.confidence < recognize.SICHER
            assert "Vom Sprachmodell" in item.problem
