"""Language detection over the ten supported languages, with a fallback."""

from __future__ import annotations

import pytest

from aktenkundig.citizen.language import (
    GERMAN_ONLY_NOTE,
    NO_ANSWER,
    POLITE_REFUSAL,
    SUPPORTED,
    detect_language,
)

SAMPLES = {
    "de": "Wann hat das Bürgeramt am Samstag geöffnet?",
    "en": "When is the citizens' office open on Saturday?",
    "tr": "Vatandaşlık bürosu cumartesi günü ne zaman açık?",
    "ar": "متى يفتح مكتب المواطنين يوم السبت؟",
    "uk": "Коли відкрито бюро громадян у суботу?",
    "ru": "Когда открыто бюро граждан в субботу?",
    "pl": "Kiedy otwarte jest biuro obywatelskie w sobotę?",
    "ro": "Când este deschis biroul cetățenilor sâmbăta?",
    "fr": "Quand le bureau des citoyens est-il ouvert le samedi ?",
    "es": "¿Cuándo abre la oficina de ciudadanos el sábado?",
}


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_detects_each_supported_language(code):
    detection = detect_language(SAMPLES[code])
    assert detection.code == code
    assert not detection.fallback


def test_short_or_unclear_text_keeps_the_conversation_language():
    assert detect_language("ok", fallback="tr").code == "tr"
    assert detect_language("ok", fallback="tr").fallback
    assert detect_language("?!", fallback="xx").code == "de"


def test_every_language_has_its_sentences():
    for code in SUPPORTED:
        assert code in POLITE_REFUSAL and code in NO_ANSWER
        assert code == "de" or code in GERMAN_ONLY_NOTE
