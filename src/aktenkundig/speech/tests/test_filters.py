"""The filter for Whisper's known German hallucinations, the term list, and the
confidence score."""

from __future__ import annotations

import pytest

from aktenkundig.speech.transcribe import Terms, confidence, is_hallucination


@pytest.mark.parametrize("text", [
    "Untertitel im Auftrag des ZDF, 2017",
    "Untertitelung des ZDF, 2020",
    "Untertitel im Auftrag des ZDF für funk, 2017",
    "Vielen Dank fürs Zuschauen!",
    "Copyright WDR 2021",
    "Untertitel der Amara.org-Community",
    "Amara.org",
    "...",
])
def test_known_hallucinations_are_dropped(text: str) -> None:
    assert is_hallucination(text)


@pytest.mark.parametrize("text", [
    "Vielen Dank für Ihre Aufmerksamkeit, damit schließe ich die Sitzung.",
    "Der ZDF-Fernsehrat tagt im Kreishaus.",
    "Die Untertitel für die Videos erstellt das Presseamt.",
    "Der Kreistag hat den Haushalt beschlossen.",
])
def test_real_speech_is_kept(text: str) -> None:
    assert not is_hallucination(text)


def test_term_list_parses_and_replaces_whole_words() -> None:
    terms = Terms.parse("# Sitzung 12\nKreistag\nMeier-Lüdenscheid\nZunge => Sitzung\n"
                        "Frau Mayer => Frau Meyer\n\n")
    assert terms.terms == ["Kreistag", "Meier-Lüdenscheid", "Sitzung", "Frau Meyer"]
    assert "Meier-Lüdenscheid" in terms.prompt()
    fixed = terms.fix("Die Zunge beginnt, sagt frau mayer.")
    assert fixed == "Die Sitzung beginnt, sagt Frau Meyer."
    assert terms.fix("Zungenbrecher") == "Zungenbrecher"  # not inside other words
    assert Terms().prompt() is None


def test_confidence_is_lower_for_unsure_or_non_speech_segments() -> None:
    sure = confidence(-0.1, 0.01)
    assert 0.85 < sure <= 1.0
    assert confidence(-1.2, 0.01) < sure
    assert confidence(-0.1, 0.9) < 0.15


def test_configured_model_directory_must_hold_a_model(tmp_path, monkeypatch) -> None:
    from aktenkundig.llm.local_models import ModelNotAvailable
    from aktenkundig.speech.engine import model_directory

    monkeypatch.setenv("AKTENKUNDIG_SPEECH_MODEL", str(tmp_path))
    with pytest.raises(ModelNotAvailable, match="nicht auf ein CTranslate2"):
        model_directory()  # never falls back to a download by name


@pytest.mark.slow
def test_shipped_base_is_assembled_with_the_pinned_checksum(tmp_path) -> None:
    import hashlib

    from aktenkundig.speech.engine import MODEL_BIN_SHA256, SIDE_FILES, assemble_base

    directory = assemble_base(tmp_path / "whisper-base")
    assert all((directory / name).is_file() for name in SIDE_FILES)
    digest = hashlib.sha256((directory / "model.bin").read_bytes()).hexdigest()
    assert digest == MODEL_BIN_SHA256
