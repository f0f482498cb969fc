"""German PII detection: patterns with checksums, persons in letters, no noise."""

from __future__ import annotations

import time

import pytest

from aktenkundig.privacy import ner
from aktenkundig.privacy.detection import detect

LETTER = """Stadt Musterhausen · Bürgeramt · Marktplatz 1 · 53111 Bonn

Herrn
Dr. Hans-Peter Müller-Lüdenscheidt
Konrad-Adenauer-Straße 12a
50667 Köln

Sehr geehrter Herr Müller-Lüdenscheidt,

Sie sind geboren am 12.04.1978. Ihre Steuer-ID 86 095 742 719 und die IBAN
DE89 3704 0044 0532 0130 00 (BIC: COBADEFFXXX) haben wir notiert. Rückfragen an
Frau Weber unter Tel. 0228 77-1234 oder anna.weber@musterhausen.de.
Versicherungsnummer: 15070649C103. Kennzeichen: BN-AB 1234. Fax: +49 (0)228 77-5678

Mit freundlichen Grüßen

Anna Weber
"""


def found(text: str) -> set[tuple[str, str]]:
    return {(e.type, e.text) for e in detect(text)}


def test_letter_entities_with_offsets():
    entities = detect(LETTER)
    for entity in entities:
        assert LETTER[entity.start : entity.end] == entity.text
        assert 0 < entity.score <= 1
    got = {(e.type, e.text) for e in entities}
    expected = {
        ("PERSON", "Hans-Peter Müller-Lüdenscheidt"),
        ("PERSON", "Müller-Lüdenscheidt"),
        ("PERSON", "Weber"),
        ("PERSON", "Anna Weber"),
        ("ADDRESS", "Konrad-Adenauer-Straße 12a"),
        ("ADDRESS", "50667 Köln"),
        ("ADDRESS", "Marktplatz 1"),
        ("DATE_OF_BIRTH", "12.04.1978"),
        ("TAX_ID", "86 095 742 719"),
        ("IBAN", "DE89 3704 0044 0532 0130 00"),
        ("BIC", "COBADEFFXXX"),
        ("PHONE", "0228 77-1234"),
        ("PHONE", "+49 (0)228 77-5678"),
        ("EMAIL", "anna.weber@musterhausen.de"),
        ("SOCIAL_SECURITY", "15070649C103"),
        ("LICENSE_PLATE", "BN-AB 1234"),
    }
    assert expected <= got, expected - got


def test_checksums_reject_near_misses():
    # Same shapes with one digit changed: checksums fail, nothing is reported.
    text = "IBAN DE89 3704 0044 0532 0130 01, Steuer-ID 86 095 742 718"
    types = {t for t, _ in found(text)}
    assert "IBAN" not in types
    assert "TAX_ID" not in types


@pytest.mark.parametrize(
    "phone",
    [
        "0228 123456",
        "0228/123456-7",
        "(0228) 12 34 56",
        "+49 228 123456",
        "0171-1234567",
        "0049 30 1234567",
    ],
)
def test_german_phone_formats(phone):
    assert ("PHONE", phone) in found(f"Sie erreichen mich unter Telefon {phone} tagsüber.")


def test_date_needs_a_birth_cue():
    assert ("DATE_OF_BIRTH", "3. März 1961") in found(
        "Frau Kaya, geb. am 3. März 1961, wohnt hier."
    )
    assert not {t for t, _ in found("Bescheid vom 03.03.2024 über 120 Euro.")} & {"DATE_OF_BIRTH"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Sehr geehrte Frau Schneider,", "Schneider"),
        ("Anwesend: Herr Dr. Klaus Petersen, Frau Aylin Yılmaz", "Klaus Petersen"),
        ("Mit freundlichen Grüßen\n\nJürgen Hoffmann\nSachbearbeiter", "Jürgen Hoffmann"),
        ("Die Stellungnahme von Monika Braun liegt vor.", "Monika Braun"),
        ("z. Hd. Herrn Wolfgang von der Heide", "Wolfgang von der Heide"),
    ],
)
def test_person_names_in_letters(text, name):
    assert ("PERSON", name) in found(text)


def test_plain_administrative_prose_has_no_personal_data():
    text = (
        "§ 3 Gebührenpflicht\n(1) Die Gebühr beträgt 25 Euro je angefangene Stunde. "
        "Der Gemeinderat hat am 12.05.2020 die Satzung beschlossen. Anträge sind beim "
        "Bürgerbüro zu stellen; 12345 Einwohner sind betroffen. Sehr geehrte Damen und Herren,"
    )
    personal = {(t, v) for t, v in found(text) if t not in {"LOCATION", "ORGANIZATION"}}
    assert personal == set()


def test_other_identifiers():
    text = (
        "Krankenversichertennummer A123456780, Personalausweis-Nr. T22000129, "
        "Steuernummer 21/815/08150"
    )
    types = {t for t, _ in found(text)}
    assert {"HEALTH_INSURANCE_NUMBER", "ID_CARD", "TAX_NUMBER"} <= types


def test_model_is_small_and_loads_fast():
    assert ner.MODEL_PATH.stat().st_size < 10_000_000
    started = time.perf_counter()
    tagger = ner.CrfTagger()
    assert time.perf_counter() - started < 1.0
    spans = tagger.tag(["Angela", "Merkel", "besuchte", "am", "Montag", "Dresden", "."])
    assert ("PER", 0, 2) in {(s.label, s.start, s.end) for s in spans}


@pytest.mark.django_db
def test_tenant_pattern_is_detected_only_for_that_tenant():
    from aktenkundig.core.models import Tenant
    from aktenkundig.privacy.models import CustomPattern

    ours = Tenant.objects.create(slug="a", name="A")
    other = Tenant.objects.create(slug="b", name="B")
    CustomPattern.objects.create(
        tenant=ours, name="Aktenzeichen", entity_type="FILE_NUMBER", regex=r"\b32-\d{4}/\d{4}\b"
    )
    text = "Ihr Zeichen 32-1234/2024 vom Montag"
    assert ("FILE_NUMBER", "32-1234/2024") in {(e.type, e.text) for e in detect(text, ours)}
    assert "FILE_NUMBER" not in {e.type for e in detect(text, other)}


@pytest.mark.django_db
def test_invalid_tenant_pattern_is_rejected_in_german():
    from django.core.exceptions import ValidationError

    from aktenkundig.core.models import Tenant
    from aktenkundig.privacy.models import CustomPattern

    tenant = Tenant.objects.create(slug="a", name="A")
    with pytest.raises(ValidationError, match="Ungültiger regulärer Ausdruck"):
        CustomPattern.objects.create(tenant=tenant, name="kaputt", regex="([")
