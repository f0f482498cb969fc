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

from aktenkundig.speech.streaming import StreamingDecoder, pcm_to_float
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


def stream(decoder: StreamingDecoder, audio: np.ndarray) -> list:
    lines = []
    for i in range(0, len(audio), CHUNK):
        lines += decoder.feed(pcm16(audio[i:i + CHUNK]))
    return lines + decoder.finish()


def test_pcm_formats() -> None:
    assert pcm_to_float(np.array([0, 16384, -32768], dtype="<i2").tobytes()).tolist() == [
        0.0, 0.5, -1.0]
    assert pcm_to_float(b"\x00\x40\x01").tolist() == [0.5]  # an odd byte is ignored
    assert pcm_to_float(np.array([0.25], dtype=np.float32)).tolist() == [0.25]


def test_streamed_german_speech_gives_stable_lines_with_key_words(speech_audio) -> None:
    decoder = StreamingDecoder(Terms.parse("Kreistack => Kreistag"))
    lines = stream(decoder, speech_audio)
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


@pytest.mark.parametrize("noise", [0.0, 0.01])
def test_silence_and_room_noise_yield_nothing(noise: float) -> None:
    rng = np.random.default_rng(7)
    audio = (rng.standard_normal(30 * SAMPLE_RATE) * noise).astype(np.float32)
    decoder = StreamingDecoder()
    assert stream(decoder, audio) == []
    assert decoder.decodes == 0  # the VAD kept silence from the decoder altogether
    assert len(decoder.audio) <= 2 * SAMPLE_RATE  # and the buffer does not grow
