"""Hostile files (issue #10, points 2 and 3): bounded memory and time, one short
message, no control characters in any passage."""

from __future__ import annotations

import tracemalloc

import pytest

from aktenkundig.documents.extract import ExtractionError, extract
from aktenkundig.documents.tests import hostile

MIB = hostile.MIB


def _peak_mib(function):
    tracemalloc.start()
    try:
        try:
            outcome = function()
        except ExtractionError as error:
            outcome = error
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return outcome, peak / MIB


@pytest.mark.parametrize("builder, name", [
    (hostile.odt_mimetype_bomb, "bericht.odt"),
    (hostile.docx_document_bomb, "bericht.docx"),
])
def test_zip_member_that_inflates_hugely_is_refused_without_inflating_it(builder, name):
    data = builder(160 * MIB)
    assert len(data) < 1 * MIB
    outcome, peak = _peak_mib(lambda: extract(data, name))
    assert isinstance(outcome, ExtractionError)
    message = str(outcome)
    assert len(message) < 200 and "\x00" not in message and "ZIP-Bombe" in message
    assert peak < 20, f"{peak:.0f} MiB"


@pytest.mark.parametrize("kind", ["odt", "docx"])
def test_compression_ratio_is_capped(kind):
    with pytest.raises(ExtractionError, match="komprimiert"):
        extract(hostile.ratio_bomb(kind, 8 * MIB), f"x.{kind}")


@pytest.mark.parametrize("kind", ["odt", "docx"])
def test_xml_entity_expansion_is_not_expanded(kind):
    outcome, peak = _peak_mib(lambda: extract(hostile.xml_entity_bomb(kind), f"x.{kind}"))
    assert isinstance(outcome, ExtractionError) and len(str(outcome)) < 200
    assert peak < 50


def test_email_with_a_bomb_attachment_keeps_its_text_and_no_nul_reaches_a_block():
    data = hostile.eml_with(hostile.odt_mimetype_bomb(64 * MIB), "anlage.odt")
    assert len(data) < 1 * MIB
    result, peak = _peak_mib(lambda: extract(data, "mail.eml"))
    assert not isinstance(result, ExtractionError)
    assert "Sanierung der Grundschule" in result.text
    assert all("\x00" not in block.text and len(block.text) < 2000 for block in result.blocks)
    assert peak < 20


def test_control_characters_never_reach_a_passage():
    data = ("Bescheid über die Hundesteuer.\n\n" + "a" * 9000 + "\x00\x01\x1b[31m" * 100
            + "\n\nZahlbar bis 1. März.").encode()
    result = extract(data, "bescheid.txt")
    assert not any(c in block.text for block in result.blocks for c in "\x00\x01\x1b")
    assert "Zahlbar bis 1. März." in result.text
