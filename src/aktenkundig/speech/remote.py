"""An OpenAI-compatible transcription server instead of the local engine.

Why: Whisper base on two CPU cores is good enough for clear speech; an authority
with a GPU machine (faster-whisper-server/speaches, vLLM, LocalAI, whisper.cpp's
server) gets far better German from a large model. Those servers speak OpenAI's
documented ``POST /v1/audio/transcriptions`` (multipart: ``file``, ``model``,
``language``, ``prompt``, ``response_format=verbose_json`` for segments with
times), so aktenkundig speaks that and nothing vendor-specific.

Privacy: a recording is personal data. The server declares the highest data
level it may receive (AKTENKUNDIG_SPEECH_MAX_LEVEL, default ``offen``), and the
same classification routing as for language models
(:func:`aktenkundig.privacy.routing.route`) decides per recording; a recording
above that level is transcribed by the local engine, never sent. The KI-Richtlinie
may also restrict the feature's backends (``speech-server``), checked by the
caller through the governance gate. The audio sent is 16 kHz mono 16-bit WAV,
the same samples the local engine would decode (extracted and bounded by ffmpeg
in :func:`aktenkundig.speech.transcribe.load_audio`), so nothing beyond the
sound itself leaves: no file name, no container metadata, no video.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aktenkundig import config
from aktenkundig.core.models import AccessLevel

NAME = "speech-server"
BACKEND = "openai-compatible"


class RemoteError(RuntimeError):
    """The server could not be reached or answered with something unusable."""


@dataclass(frozen=True)
class SpeechServer:
    base_url: str
    model: str
    api_key: str = ""
    max_level: AccessLevel = AccessLevel.OFFEN
    timeout: float = 600.0

    def __repr__(self) -> str:  # never print the API key into logs
        return (f"SpeechServer(base_url={self.base_url!r}, model={self.model!r}, "
                f"max_level={AccessLevel(self.max_level).code})")

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/v1/audio/transcriptions"


def configured_server() -> SpeechServer | None:
    url = config.get("AKTENKUNDIG_SPEECH_URL").strip().rstrip("/")
    if not url:
        return None
    if url.endswith("/v1"):  # written like AKTENKUNDIG_LLM_BASE_URL: accepted as well
        url = url[:-3]
    return SpeechServer(
        base_url=url,
        model=config.get("AKTENKUNDIG_SPEECH_SERVER_MODEL").strip() or "whisper-1",
        api_key=config.get("AKTENKUNDIG_SPEECH_API_KEY"),
        max_level=AccessLevel.parse(config.get("AKTENKUNDIG_SPEECH_MAX_LEVEL")),
        timeout=float(config.get("AKTENKUNDIG_SPEECH_TIMEOUT")),
    )


def route(data_level: int) -> SpeechServer | None:
    """The server, if one is configured and may receive a recording of
    ``data_level``; else None (the local engine transcribes)."""
    from aktenkundig.privacy.routing import Backend, RoutingRefused
    from aktenkundig.privacy.routing import route as route_by_level

    server = configured_server()
    if server is None:
        return None
    candidate = Backend(name=NAME, base_url=server.base_url, model=server.model,
                        max_level=server.max_level, on_prem=server.max_level > AccessLevel.OFFEN)
    try:
        route_by_level(data_level, [candidate])
    except RoutingRefused:
        return None
    return server


def wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    """16-bit PCM WAV of float samples in -1..1 (what every server accepts)."""
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


@dataclass
class RemoteWord:
    word: str
    start: float
    end: float


@dataclass
class RemoteSegment:
    """The attributes of a faster-whisper segment that the pipeline reads."""

    start: float
    end: float
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    words: list[RemoteWord] = field(default_factory=list)


def _float(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def parse_response(data: Any, duration: float) -> list[RemoteSegment]:
    """Segments from a ``verbose_json`` answer. Words (top-level ``words`` as
    OpenAI sends them, or per segment as some servers do) are attached to the
    segment they fall in, with a leading space, as Whisper writes word starts.
    A plain ``{"text": ...}`` answer becomes one segment over the whole audio."""
    if not isinstance(data, dict):
        raise RemoteError("Der Transkriptionsserver hat eine unerwartete Antwort geschickt.")
    raw_segments = data.get("segments")
    if not isinstance(raw_segments, list):
        text = data.get("text")
        if not isinstance(text, str):
            raise RemoteError("Der Transkriptionsserver hat keinen Text geschickt.")
        return [RemoteSegment(0.0, duration, text)] if text.strip() else []
    segments = []
    for raw in raw_segments:
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise RemoteError("Der Transkriptionsserver hat ein unlesbares Segment geschickt.")
        start = _float(raw.get("start"))
        segment = RemoteSegment(start, max(start, _float(raw.get("end"), start)), raw["text"],
                                _float(raw.get("avg_logprob")), _float(raw.get("no_speech_prob")))
        for word in raw.get("words") or []:
            if isinstance(word, dict) and isinstance(word.get("word"), str):
                segment.words.append(_word(word))
        segments.append(segment)
    if not any(s.words for s in segments):
        for word in data.get("words") or []:
            if not isinstance(word, dict) or not isinstance(word.get("word"), str):
                continue
            middle = (_float(word.get("start")) + _float(word.get("end"))) / 2
            owner = next((s for s in segments if s.start <= middle <= s.end), None)
            if owner is not None:
                owner.words.append(_word(word))
    return segments


def _word(raw: dict[str, Any]) -> RemoteWord:
    text = raw["word"]
    return RemoteWord(text if text.startswith(" ") else " " + text.strip(),
                      _float(raw.get("start")), _float(raw.get("end")))


def transcribe(server: SpeechServer, audio: np.ndarray, sample_rate: int,
               prompt: str | None = None) -> list[RemoteSegment]:
    """Send the samples to the server; its segments, or :class:`RemoteError`."""
    import httpx

    body = {"model": server.model, "language": "de", "response_format": "verbose_json",
            "temperature": "0", "timestamp_granularities[]": ["segment", "word"]}
    if prompt:
        body["prompt"] = prompt
    headers = {"Authorization": f"Bearer {server.api_key}"} if server.api_key else {}
    try:
        response = httpx.post(server.endpoint, data=body, headers=headers,
                              files={"file": ("audio.wav", wav_bytes(audio, sample_rate),
                                              "audio/wav")},
                              timeout=server.timeout)
    except httpx.HTTPError as error:
        raise RemoteError(f"Der Transkriptionsserver ist nicht erreichbar: {error}") from error
    if response.status_code != 200:
        raise RemoteError(f"Der Transkriptionsserver meldet einen Fehler "
                          f"({response.status_code}).")
    try:
        data = response.json()
    except ValueError as error:
        raise RemoteError("Der Transkriptionsserver hat kein JSON geschickt.") from error
    return parse_response(data, len(audio) / sample_rate)
