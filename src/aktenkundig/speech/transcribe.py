"""Transcribe an audio or video file into subtitle cues, offline.

The path: ffprobe checks the duration (bounded: a three-hour file would tie up a
two-core server for half an hour), ffmpeg extracts 16 kHz mono audio (with a
timeout, so a hostile or broken container cannot hang a worker), faster-whisper
decodes it in German with Silero VAD (``vad_filter=True``): stretches without
speech never reach the decoder, which is the first defence against Whisper's
habit of inventing text in silence. The second defence is ``is_hallucination``:
Whisper was trained on subtitled broadcasts, and on noise or silence it produces
the credits of those subtitles („Untertitel im Auftrag des ZDF“, „Vielen Dank
fürs Zuschauen“). Such segments are dropped, and so are segments the model itself
marks as probably no speech.

A term list (names of council members, places, agenda terms) goes into the
decoder's initial prompt, which makes the model prefer those spellings, and
known misspellings are replaced afterwards (``Terms.fix``).

With AKTENKUNDIG_SPEECH_URL an OpenAI-compatible transcription server may do the
recognition instead (:mod:`aktenkundig.speech.remote`), where the data level of
the recording allows; its segments go through the same filter, term fixes and
line rules (:func:`assemble`).
"""

from __future__ import annotations

import json
import logging
import math
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from aktenkundig import config
from aktenkundig.core.models import AccessLevel
from aktenkundig.speech.subtitles import Cue, Word, build_cues, wrap

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
MAX_BYTES = 2_000_000_000
FFMPEG_TIMEOUT_S = 600
NO_SPEECH_DROP = 0.6  # with a low log-probability: the model says "not speech"


class SpeechError(ValueError):
    """Input that cannot be transcribed; the message is for the person who gave it."""


# Credits and sign-offs from the subtitled broadcasts Whisper learned German from.
# Matched on normalised text (lower case, letters and digits only) as a whole
# segment, or as its beginning for the credit lines that carry a name or year.
_HALLUCINATIONS = (
    "untertitel im auftrag des zdf",
    "untertitelung im auftrag des zdf",
    "untertitelung des zdf",
    "untertitel des zdf",
    "untertitel der amaraorg community",
    "untertitel von stephanie geiges",
    "untertitelung aufgrund der amaraorg community",
    "amaraorg",
    "untertitel im auftrag des",
    "copyright wdr",
    "swr",
    "vielen dank fürs zuschauen",
    "vielen dank für ihre aufmerksamkeit",
    "danke fürs zuschauen",
    "bis zum nächsten mal",
    "tschüss",
    "musik",
    "applaus",
    "lachen",
)
_PREFIX_ONLY = (
    "untertitel im auftrag des zdf",
    "untertitelung des zdf",
    "untertitelung im auftrag des zdf",
    "untertitel der amaraorg",
    "untertitel von",
    "copyright wdr",
    "amaraorg",
)


def _normalise(text: str) -> str:
    text = re.sub(r"[^\w\s]", "", text.lower())
    return " ".join(text.replace("_", " ").split())


def is_hallucination(text: str) -> bool:
    """True for a segment that is only a known Whisper credit or sign-off.

    Whole-segment matching on purpose: a councillor who says "vielen Dank für Ihre
    Aufmerksamkeit, damit schließe ich" is kept; a segment that says only that, in
    a stretch the VAD let through, is not. Lines like „Untertitelung des ZDF, 2020“
    are matched by their beginning because the year and name vary."""
    norm = _normalise(text)
    norm_no_digits = " ".join(re.sub(r"\d+", "", norm).split())
    if not norm:
        return True
    if norm in _HALLUCINATIONS or norm_no_digits in _HALLUCINATIONS:
        return True
    return any(norm.startswith(prefix) for prefix in _PREFIX_ONLY)


@dataclass
class Terms:
    """A term list: correct spellings, and known misspellings mapped to them.

    File format, one entry a line: ``Begriff`` or ``falsch => richtig``;
    ``#`` starts a comment."""

    terms: list[str] = field(default_factory=list)
    replacements: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Terms:
        terms, replacements = [], {}
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if "=>" in line:
                wrong, right = (part.strip() for part in line.split("=>", 1))
                if wrong and right:
                    replacements[wrong] = right
                    terms.append(right)
            else:
                terms.append(line)
        return cls(list(dict.fromkeys(terms))[:200], replacements)

    def prompt(self) -> str | None:
        # Whisper's prompt window is 224 tokens; half of it is plenty for names. A
        # full sentence, not a bare list: a bare list makes the model continue in
        # list style and drop the sentence's first words (seen with "Der Kreistag").
        if not self.terms:
            return None
        return ("In der Sitzung geht es um " + ", ".join(self.terms)[:400] + ".")

    def fix(self, text: str) -> str:
        for wrong, right in self.replacements.items():
            text = re.sub(rf"(?<!\w){re.escape(wrong)}(?!\w)", right, text, flags=re.IGNORECASE)
        return text


@dataclass
class Segment:
    start: float
    end: float
    text: str
    confidence: float


@dataclass
class Transcript:
    segments: list[Segment]
    cues: list[Cue]
    duration: float
    dropped: list[str] = field(default_factory=list)  # filtered as hallucinations
    backend: str = "faster-whisper"
    model: str = "whisper-base-int8"

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    def as_json(self) -> dict:
        return {
            "segments": [
                {"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text,
                 "confidence": round(s.confidence, 3)}
                for s in self.segments
            ],
            "text": self.text,
        }


def confidence(avg_logprob: float, no_speech_prob: float) -> float:
    """0..1: the mean token probability, discounted by the model's belief that the
    stretch holds no speech. A rough signal for marking cues to check, not a
    calibrated probability."""
    return max(0.0, min(1.0, math.exp(avg_logprob) * (1.0 - no_speech_prob)))


def probe_duration(path: Path) -> float:
    try:
        result = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json",
             str(path)],
            capture_output=True, timeout=60, check=False,
        )
    except FileNotFoundError as error:
        raise SpeechError("ffmpeg/ffprobe ist nicht installiert.") from error
    except subprocess.TimeoutExpired as error:
        raise SpeechError("Die Datei konnte nicht rechtzeitig gelesen werden.") from error
    try:
        return float(json.loads(result.stdout)["format"]["duration"])
    except (ValueError, KeyError, TypeError) as error:
        raise SpeechError("Die Datei ist keine lesbare Audio- oder Videodatei.") from error


def load_audio(path: Path, max_seconds: float | None = None) -> np.ndarray:
    """16 kHz mono float32 samples of the file's first audio stream, via ffmpeg."""
    path = Path(path)
    if not path.is_file():
        raise SpeechError(f"Datei nicht gefunden: {path}")
    if path.stat().st_size > MAX_BYTES:
        raise SpeechError(f"Die Datei ist zu groß (höchstens {MAX_BYTES // 1_000_000_000} GB).")
    limit = max_seconds if max_seconds is not None else (
        config.get_int("AKTENKUNDIG_SPEECH_MAX_MINUTES") * 60)
    duration = probe_duration(path)
    if duration > limit:
        raise SpeechError(
            f"Die Aufnahme ist {duration / 60:.0f} Minuten lang; höchstens "
            f"{limit / 60:.0f} Minuten werden transkribiert. Bitte die Datei teilen."
        )
    try:
        result = subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0",
             "-ac", "1", "-ar", str(SAMPLE_RATE), "-t", str(limit), "-f", "f32le", "-"],
            capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False,
        )
    except FileNotFoundError as error:
        raise SpeechError("ffmpeg ist nicht installiert.") from error
    except subprocess.TimeoutExpired as error:
        raise SpeechError("Das Auslesen der Tonspur hat zu lange gedauert.") from error
    if result.returncode != 0:
        if b"matches no streams" in result.stderr:
            raise SpeechError("Die Datei enthält keine Tonspur.")
        raise SpeechError("Die Tonspur der Datei konnte nicht gelesen werden.")
    return np.frombuffer(result.stdout, dtype=np.float32).copy()


def transcribe_audio(audio: np.ndarray, terms: Terms | None = None, model=None,
                     on_progress=None) -> Transcript:
    """The local engine. ``on_progress(fraction)`` is called after each decoded
    segment (0..1 of the audio's length), so a page can show how far a long
    recording has come."""
    from aktenkundig.speech.engine import load_model

    model = model or load_model()
    terms = terms or Terms()
    raw_segments, _info = model.transcribe(
        audio,
        language="de",
        task="transcribe",
        beam_size=5,
        vad_filter=True,
        vad_parameters={"min_silence_duration_ms": 500},
        word_timestamps=True,
        condition_on_previous_text=False,  # stops one hallucination from seeding the next
        initial_prompt=terms.prompt(),
    )
    configured = config.get("AKTENKUNDIG_SPEECH_MODEL").strip()
    return assemble(raw_segments, len(audio) / SAMPLE_RATE, terms, on_progress,
                    model=Path(configured).name if configured else "whisper-base-int8")


def assemble(raw_segments, duration: float, terms: Terms | None = None, on_progress=None,
             backend: str = "faster-whisper", model: str = "whisper-base-int8") -> Transcript:
    """Segments and cues from a recogniser's segments (faster-whisper's, or a
    transcription server's with the same attributes): term fixes, the
    hallucination filter, confidence, word times, the line rules."""
    terms = terms or Terms()
    segments: list[Segment] = []
    timed: list[tuple[list[Word], float]] = []
    dropped: list[str] = []
    total = max(duration, 1e-6)
    for raw in raw_segments:
        if on_progress is not None:
            on_progress(min(1.0, float(raw.end) / total))
        text = terms.fix(raw.text.strip())
        if not text:
            continue
        if is_hallucination(text) or (
            raw.no_speech_prob > NO_SPEECH_DROP and raw.avg_logprob < -1.0
        ):
            dropped.append(text)
            continue
        score = confidence(raw.avg_logprob, raw.no_speech_prob)
        segments.append(Segment(float(raw.start), float(raw.end), text, score))
        words: list[Word] = []
        for w in raw.words or []:
            # Whisper's word pieces carry their leading space; one without it
            # continues the previous word ("Ur" + "-Im"), so it is glued on.
            if words and not w.word.startswith(" "):
                words[-1] = Word(words[-1].text + w.word, words[-1].start, float(w.end))
            else:
                words.append(Word(w.word.strip(), float(w.start), float(w.end)))
        if not words:
            words = [Word(text, float(raw.start), float(raw.end))]
        timed.append((words, score))
    cues = build_cues(timed)
    if terms.replacements:
        # On the cue's whole text, not word by word: "Frau Mayer => Frau Meyer"
        # spans two words, and a cue must say what the segment says.
        for cue in cues:
            fixed = terms.fix(cue.text)
            if fixed != cue.text:
                cue.lines = wrap(fixed)
    return Transcript(segments, cues, duration, dropped, backend=backend, model=model)


def transcribe_file(path: Path, terms: Terms | None = None, on_progress=None, *,
                    data_level: int = AccessLevel.INTERN,
                    remote_allowed: bool = True) -> Transcript:
    """Transcribe a file: on the configured transcription server when the
    privacy routing lets a recording of ``data_level`` go there (and the caller's
    governance gate allows it: ``remote_allowed``), else — or when the server
    fails — with the local engine. The local engine is always the fallback
    because it is the most private choice, never a worse one."""
    from aktenkundig.speech import remote

    audio = load_audio(Path(path))
    server = remote.route(data_level) if remote_allowed else None
    if server is not None:
        terms = terms or Terms()
        try:
            raw = remote.transcribe(server, audio, SAMPLE_RATE, terms.prompt())
        except remote.RemoteError as error:
            logger.warning("transcription server failed, local engine used: %s", error)
        else:
            return assemble(raw, len(audio) / SAMPLE_RATE, terms, on_progress,
                            backend=remote.BACKEND, model=server.model)
    return transcribe_audio(audio, terms, on_progress=on_progress)
