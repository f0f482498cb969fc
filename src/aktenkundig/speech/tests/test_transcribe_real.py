"""Real transcription: German speech made with espeak-ng, decoded by faster-whisper
with the shipped Whisper base, audio extracted by real ffmpeg (also from an MP4).

espeak's voice is robotic and Whisper base is small, so the checks are a few words
it must get right and a word error rate bound that a working pipeline meets with
room to spare (measured ≈0.3 here) and a broken one (no text, wrong language,
garbage, silence) cannot (≥ 0.9)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aktenkundig.speech.transcribe import SpeechError, load_audio, transcribe_file

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("ffmpeg")),
                       reason="espeak-ng and ffmpeg are installed by scripts/bootstrap"),
]

REFERENCE = ("Der Kreistag hat heute den Haushalt für das nächste Jahr beschlossen. "
             "Die Bürgermeisterin eröffnet die Sitzung. "
             "Wir danken allen Bürgern für ihre Fragen.")
# Words espeak pronounces clearly enough for Whisper base (it hears "Sitzung" as
# "Zunge" and "Haushalt" as "Haus halt" from this voice, so those are not keys).
KEY_WORDS = ("kreistag", "jahr", "nächste", "beschlossen", "bürgermeisterin", "eröffnet",
             "bürgern")


def _norm_words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]", " ", text.lower()).split()


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = _norm_words(reference), _norm_words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / len(ref)


def test_wer_helper() -> None:
    assert wer("a b c d", "a b c d") == 0
    assert wer("a b c d", "a x c") == 0.5
    assert wer("a b", "") == 1


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("speech") / "satz.wav"
    subprocess.run(["espeak-ng", "-v", "de", "-s", "140", "-w", str(path), REFERENCE],
                   check=True, timeout=60)
    return path


def _vtt_text(vtt: str) -> str:
    return " ".join(line for line in vtt.splitlines()[1:]
                    if line and "-->" not in line)


@pytest.mark.django_db
def test_german_speech_to_vtt_with_key_words_right(speech_wav: Path) -> None:
    out = io.StringIO()
    call_command("speech", "transcribe", str(speech_wav), "--format", "vtt", stdout=out)
    vtt = out.getvalue()
    assert vtt.startswith("WEBVTT\n\n00:00:0")
    text = _vtt_text(vtt)
    found = [w for w in KEY_WORDS if w in _norm_words(text)]
    assert len(found) >= 5, (found, text)
    error_rate = wer(REFERENCE, text)
    assert error_rate <= 0.5, (error_rate, text)


@pytest.mark.django_db
def test_json_output_and_video_container(speech_wav: Path, tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=c=black:s=320x240:r=5",
         "-i", str(speech_wav), "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-c:a", "aac", str(video)], check=True, timeout=120)
    out = io.StringIO()
    call_command("speech", "transcribe", str(video), "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"segments", "text"} and data["segments"]
    for segment in data["segments"]:
        assert set(segment) == {"start", "end", "text", "confidence"}
        assert 0 <= segment["start"] < segment["end"] <= 20
        assert 0 < segment["confidence"] <= 1
    assert wer(REFERENCE, data["text"]) <= 0.5, data["text"]


@pytest.mark.django_db
def test_term_list_fixes_a_name(speech_wav: Path, tmp_path: Path) -> None:
    plain = transcribe_file(speech_wav).text
    # Whatever base makes of "Bürgermeisterin", the list maps it to a proper name.
    terms = tmp_path / "begriffe.txt"
    terms.write_text("Bürgermeisterin => Bürgermeisterin Schulze-Öztürk\nKreistag\n",
                     encoding="utf-8")
    out = io.StringIO()
    call_command("speech", "transcribe", str(speech_wav), "--format", "srt",
                 "--terms", str(terms), stdout=out)
    assert "Schulze-Öztürk" in out.getvalue() and "Schulze-Öztürk" not in plain
    assert out.getvalue().startswith("1\n00:00:0")


def _silence(path: Path, noise: float = 0.0) -> Path:
    source = (f"anoisesrc=color=pink:amplitude={noise}:duration=40" if noise
              else "anullsrc=r=16000:cl=mono")
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", source,
                    "-t", "40", "-ar", "16000", "-ac", "1", str(path)], check=True, timeout=60)
    return path


@pytest.mark.parametrize("noise", [0.0, 0.01])
def test_silence_and_low_noise_yield_no_words(tmp_path: Path, noise: float) -> None:
    transcript = transcribe_file(_silence(tmp_path / "still.wav", noise))
    assert transcript.duration > 39
    assert transcript.text == "" and transcript.cues == []
    # Nothing even reached the filter. (bench/speech.py: plain Whisper base without
    # VAD and filter writes „Copyright WDR 2019“ on three minutes of silence.)
    assert transcript.dropped == []


def test_bounds_and_bad_input_give_german_messages(tmp_path: Path, speech_wav: Path) -> None:
    with pytest.raises(SpeechError, match="höchstens 0 Minuten"):
        load_audio(speech_wav, max_seconds=2)
    junk = tmp_path / "kaputt.mp4"
    junk.write_bytes(b"kein Video" * 100)
    with pytest.raises(SpeechError, match="keine lesbare"):
        load_audio(junk)
    mute = tmp_path / "stumm.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "color=c=black:s=64x64:r=5:d=2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    str(mute)], check=True, timeout=60)
    with pytest.raises(SpeechError, match="keine Tonspur"):
        load_audio(mute)
    with pytest.raises(CommandError, match="nicht gefunden"):
        call_command("speech", "transcribe", str(tmp_path / "fehlt.wav"))


def test_ocr_leaves_no_thread_limit_behind_for_whisper(speech_wav: Path) -> None:
    """Tesseract runs single-threaded through OMP_THREAD_LIMIT in its own environment;
    set in this process's environment it made CTranslate2 decode nothing (found when OCR
    tests ran before these in one process)."""
    import os

    from PIL import Image, ImageDraw

    from aktenkundig.documents.parsers.ocr import Ocr

    os.environ.pop("OMP_THREAD_LIMIT", None)
    page = Image.new("L", (600, 120), 255)
    ImageDraw.Draw(page).text((10, 40), "Hundesteuer", fill=0)
    Ocr("deu", None)(page)
    assert "OMP_THREAD_LIMIT" not in os.environ
    assert "kreistag" in transcribe_file(speech_wav).text.lower()
