"""The streaming decoder with real faster-whisper (shipped Whisper base) on German
speech from espeak-ng, fed in 0.25-second chunks as a microphone would send them
(faster than real time: the decoder is driven by the audio it has, not the clock).

Lines are committed, never revised; so "stable text" means: the lines emitted
while streaming are the final text, and they hold the key words."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from aktenkundig.speech.streaming import (
    LINE_WAIT_S,
    MAX_UNCONFIRMED_S,
    StreamingDecoder,
    TimedWord,
    _agreed,
    pcm_to_float,
)
from aktenkundig.speech.tests.test_transcribe_real import KEY_WORDS, REFERENCE, _norm_words, wer
from aktenkundig.speech.transcribe import SAMPLE_RATE, Terms, load_audio

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("ffmpeg")),
                       reason="espeak-ng and ffmpeg are installed by scripts/bootstrap"),
]

CHUNK = SAMPLE_RATE // 4


def pcm16(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()


@pytest.fixture(scope="module")
def speech_audio(tmp_path_factory) -> np.ndarray:
    path = tmp_path_factory.mktemp("live") / "satz.wav"
    subprocess.run(["espeak-ng", "-v", "de", "-s", "140", "-w", str(path), REFERENCE],
                   check=True, timeout=60)
    pause = np.zeros(2 * SAMPLE_RATE, dtype=np.float32)
    return np.concatenate([pause, load_audio(Path(path)), pause])


def stream(decoder: StreamingDecoder, audio: np.ndarray, lags: list | None = None) -> list:
    """All lines; ``lags`` collects, per committed word, how much audio had arrived
    after the word's end when its line was emitted (latency in audio time, which
    does not depend on how fast this machine decodes)."""
    lines = []
    for i in range(0, len(audio), CHUNK):
        new = decoder.feed(pcm16(audio[i:i + CHUNK]))
        if lags is not None:
            lags += [decoder.now - word.end for line in new for word in line.words]
        lines += new
    return lines + decoder.finish()


def words(text: str) -> list[TimedWord]:
    return [TimedWord(word, i, i + 0.5) for i, word in enumerate(text.split())]


@pytest.mark.parametrize(("previous", "current", "agreed"), [
    ("Der Antrag wurde", "der Antrag wurde angenommen", 3),  # case and punctuation aside
    ("Der Antrag wurde", "Die Anträge werden", 0),
    # One word re-read differently, with two agreeing words behind it: confirmed,
    # in the newer reading (it heard more of what follows).
    ("hanken allen Bürgern für", "danken allen Bürgern für ihre", 4),
    ("die Fragen zum Radweg im Ort", "die Fragen zum neuen Radweg im Ort", 7),  # one added
    ("die Fragen zum neuen Radweg", "die Fragen zu dem neuen Radweg", 2),  # two for one: no
    # ... but not when only one word follows it, or when two words differ.
    ("Wir danken allen", "Wir tanken allen Bürgern", 1),
    ("Wir hanken manken allen Bürgern", "Wir danken allen Bürgern", 1),
])
def test_agreement_tolerates_one_differing_word(previous, current, agreed) -> None:
    assert _agreed(words(previous), words(current)) == agreed


def test_pcm_formats() -> None:
    assert pcm_to_float(np.array([0, 16384, -32768], dtype="<i2").tobytes()).tolist() == [
        0.0, 0.5, -1.0]
    assert pcm_to_float(b"\x00\x40\x01").tolist() == [0.5]  # an odd byte is ignored
    assert pcm_to_float(np.array([0.25], dtype=np.float32)).tolist() == [0.25]


def test_streamed_german_speech_gives_stable_lines_with_key_words(speech_audio) -> None:
    decoder = StreamingDecoder(Terms.parse("Kreistack => Kreistag"))
    lags: list[float] = []
    lines = stream(decoder, speech_audio, lags)
    text = " ".join(line.text for line in lines)
    found = [w for w in KEY_WORDS if w in _norm_words(text)]
    assert len(found) >= 5, (found, text)
    assert wer(REFERENCE, text) <= 0.5, text
    # Each line is a caption: time-ordered, two lines of 42 characters at most,
    # word timings inside the line, confidence in 0..1.
    assert all(len(line.text) <= 85 for line in lines)
    assert [line.start for line in lines] == sorted(line.start for line in lines)
    for line in lines:
        assert 0 < line.confidence <= 1 and line.words
        assert line.start == line.words[0].start and line.end == line.words[-1].end
    # Re-decoding about once a second, not once per chunk.
    assert decoder.decodes <= len(speech_audio) / SAMPLE_RATE + 2
    # Nothing in the two seconds of silence after the speech (Whisper invents
    # text there when it is decoded).
    speech_end = len(speech_audio) / SAMPLE_RATE - 2
    assert lines[-1].end <= speech_end + 0.5, lines[-1].text
    # Latency in audio time is bounded whatever the words: a word is shown at the
    # latest a step after it is MAX_UNCONFIRMED_S old, and its line waits at most
    # LINE_WAIT_S plus a step more (the strict common prefix waited 10–25 s).
    bound = MAX_UNCONFIRMED_S + LINE_WAIT_S + 2 * 1.0 + CHUNK / SAMPLE_RATE
    assert max(lags) <= bound, sorted(lags)[-5:]


@pytest.mark.parametrize("noise", [0.0, 0.01])
def test_silence_and_room_noise_yield_nothing(noise: float) -> None:
    rng = np.random.default_rng(7)
    audio = (rng.standard_normal(30 * SAMPLE_RATE) * noise).astype(np.float32)
    decoder = StreamingDecoder()
    assert stream(decoder, audio) == []
    assert decoder.decodes == 0  # the VAD kept silence from the decoder altogether
    assert len(decoder.audio) <= 2 * SAMPLE_RATE  # and the buffer does not grow
