"""`aktenkundig pii detect --json` and `aktenkundig pii pseudonymize`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

TEXT = "Sehr geehrter Herr Özdemir,\nIhre IBAN DE89 3704 0044 0532 0130 00 ist notiert.\n"


def run(monkeypatch, *args) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(TEXT))
    out = io.StringIO()
    call_command("pii", *args, stdout=out)
    return out.getvalue()


def test_detect_json_offsets(monkeypatch):
    payload = json.loads(run(monkeypatch, "detect", "--json"))
    entities = payload["entities"]
    assert {e["type"] for e in entities} >= {"PERSON", "IBAN"}
    for e in entities:
        assert set(e) == {"type", "start", "end", "text", "score"}
        assert TEXT[e["start"] : e["end"]] == e["text"]


def test_pseudonymize(monkeypatch):
    out = run(monkeypatch, "pseudonymize", "--scope", "akte:7")
    assert out == "Sehr geehrter Herr [PERSON_1],\nIhre IBAN [IBAN_1] ist notiert.\n"
