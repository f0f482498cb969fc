"""Rate-limit counting and the redaction floor for personal data."""

from __future__ import annotations

from django.core.cache import cache

from aktenkundig.citizen import pii
from aktenkundig.citizen.ratelimit import Limit, check_all, hit


def test_fixed_window_counts_per_identity():
    cache.clear()
    limit = Limit("t", 3, 60)
    assert [hit(limit, "a").allowed for _ in range(4)] == [True, True, True, False]
    assert hit(limit, "b").allowed
    blocked = hit(limit, "a")
    assert not blocked.allowed and 1 <= blocked.retry_after <= 60


def test_check_all_reports_longest_wait():
    cache.clear()
    short, long = Limit("s", 1, 5), Limit("l", 1, 600)
    assert check_all([(short, "x"), (long, "x")]).allowed
    decision = check_all([(short, "x"), (long, "x")])
    assert not decision.allowed and decision.retry_after > 5


def test_redaction_removes_structured_personal_data():
    text = (
        "Ich heiße Erika Mustermann, wohne in der Hauptstraße 12a, "
        "IBAN DE89 3704 0044 0532 0130 00, Mail erika@example.org, Tel. 0171 2345678."
    )
    redacted = pii.redact(text)
    for secret in ("Mustermann", "Hauptstraße 12", "DE89", "erika@example.org", "2345678"):
        assert secret not in redacted
    assert "[IBAN]" in redacted and "[PERSON]" in redacted


def test_contact_encryption_round_trip():
    token = pii.encrypt_contact("erika@example.org")
    assert "erika" not in token
    assert pii.decrypt_contact(token) == "erika@example.org"
    assert pii.decrypt_contact("garbage") == ""


def test_pattern_floor_catches_what_it_is_given():
    assert pii._pattern_redact("Mail an a.b@example.org") == "Mail an [E-MAIL]"
    assert "4567" not in pii._pattern_redact("Rufen Sie 0711 1234567 an")
