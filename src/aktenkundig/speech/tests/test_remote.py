"""The OpenAI-compatible transcription backend against a minimal HTTP server on
loopback that implements the documented endpoint shape
(``POST /v1/audio/transcriptions``, multipart, ``verbose_json``).

This proves the protocol only — what is sent (a 16 kHz mono WAV of the real
audio extracted by ffmpeg, model, language, prompt, response format, key) and
how the answer is used (segments, word times, the hallucination filter, the line
rules) — not the quality of any real server. The test server derives its answer's
times from the WAV it received, so a wrong or missing upload cannot pass.
Routing: a recording above the server's level, a server that is down and a
KI-Richtlinie that excludes the server all end at the local engine (real
faster-whisper on a short file), and the server receives nothing."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import threading
import wave
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aktenkundig.core.models import AccessLevel
from aktenkundig.governance.models import AuditRecord
from aktenkundig.speech import remote
from aktenkundig.speech.subtitles import MAX_LINE
from aktenkundig.speech.transcribe import Terms, transcribe_file
from aktenkundig.testing.llm_server import free_port

needs_ffmpeg = pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is installed "
                                  "by scripts/bootstrap")
SPOKEN = ("Der Kreistag tagt heute öffentlich im großen Sitzungssaal des Landratsamtes "
          "und berät über den Haushalt.")


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def do_POST(self) -> None:
        server = self.server
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        if self.path != "/v1/audio/transcriptions":
            return self._send(404, {"error": "not found"})
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body)
        fields: dict[str, list] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            fields.setdefault(name, []).append(part.get_payload(decode=True))
        with wave.open(io.BytesIO(fields["file"][0])) as audio:
            format_ = (audio.getframerate(), audio.getnchannels(), audio.getsampwidth())
            duration = audio.getnframes() / audio.getframerate()
        server.requests.append({  # type: ignore[attr-defined]
            "auth": self.headers.get("Authorization"), "format": format_, "duration": duration,
            **{k: [v.decode() for v in values] for k, values in fields.items() if k != "file"}})
        if server.status != 200:  # type: ignore[attr-defined]
            return self._send(server.status, {"error": "kaputt"})  # type: ignore[attr-defined]
        half = round(duration / 2, 2)
        words, position = [], 0.0
        for word in SPOKEN.split():  # OpenAI's shape: words at the top level, no spaces
            step = half * (len(word) + 1) / (len(SPOKEN) + 1)
            words.append({"word": word, "start": round(position, 3),
                          "end": round(position + step, 3)})
            position += step
        self._send(200, {
            "task": "transcribe", "language": "german", "duration": duration,
            "text": SPOKEN + " Untertitel im Auftrag des ZDF, 2020",
            "segments": [
                {"id": 0, "start": 0.0, "end": half, "text": " " + SPOKEN,
                 "avg_logprob": -0.2, "no_speech_prob": 0.01},
                {"id": 1, "start": half, "end": duration,
                 "text": " Untertitel im Auftrag des ZDF, 2020", "avg_logprob": -0.4,
                 "no_speech_prob": 0.2},
            ],
            "words": words,
        })

    def _send(self, status: int, data: dict) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def speech_server(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests, server.status = [], 200  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_SERVER_MODEL", "large-v3-test")
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_API_KEY", "geheim")
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_MAX_LEVEL", "offen")
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def tone(tmp_path) -> Path:
    """Six seconds of 48 kHz stereo audio in an MP3: ffmpeg must resample it."""
    path = tmp_path / "ton.mp3"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=48000:duration=6", "-ac", "2", str(path)],
                   check=True, timeout=60)
    return path


def test_server_setting_and_key_not_in_repr(monkeypatch) -> None:
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_URL", "http://gpu.intern:8000/")
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_API_KEY", "geheim")
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_MAX_LEVEL", "intern")
    server = remote.configured_server()
    assert server.endpoint == "http://gpu.intern:8000/v1/audio/transcriptions"
    assert "geheim" not in repr(server)
    assert remote.route(AccessLevel.INTERN) == server
    assert remote.route(AccessLevel.VERTRAULICH) is None
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_URL", "")
    assert remote.route(AccessLevel.OFFEN) is None


def test_parse_plain_and_per_segment_words() -> None:
    assert [s.text for s in remote.parse_response({"text": "Hallo."}, 3.0)] == ["Hallo."]
    assert remote.parse_response({"text": "  "}, 3.0) == []
    segments = remote.parse_response({"segments": [
        {"start": 0, "end": 1, "text": " A b", "words": [{"word": " A", "start": 0, "end": .4},
                                                        {"word": "b", "start": .5, "end": 1}]}]},
        1.0)
    assert [w.word for w in segments[0].words] == [" A", " b"]
    with pytest.raises(remote.RemoteError):
        remote.parse_response({"segments": [{"start": 0}]}, 1.0)
    with pytest.raises(remote.RemoteError):
        remote.parse_response(["nein"], 1.0)


@needs_ffmpeg
def test_protocol_with_a_loopback_server(speech_server, tone) -> None:
    terms = Terms.parse("Landratsamt\nKreis tag => Kreistag")
    transcript = transcribe_file(tone, terms, data_level=AccessLevel.OFFEN)
    (request,) = speech_server.requests
    assert request["format"] == (16_000, 1, 2)  # 16 kHz, mono, 16 bit
    assert request["duration"] == pytest.approx(6.0, abs=0.1)  # the whole audio was sent
    assert request["model"] == ["large-v3-test"] and request["language"] == ["de"]
    assert request["response_format"] == ["verbose_json"]
    assert request["timestamp_granularities[]"] == ["segment", "word"]
    assert "Landratsamt" in request["prompt"][0]
    assert request["auth"] == "Bearer geheim"
    assert transcript.backend == "openai-compatible" and transcript.model == "large-v3-test"
    assert [s.text for s in transcript.segments] == [SPOKEN]  # the ZDF credit is filtered
    assert transcript.dropped == ["Untertitel im Auftrag des ZDF, 2020"]
    assert " ".join(c.text for c in transcript.cues) == SPOKEN
    assert len(transcript.cues) >= 2
    assert all(len(line) <= MAX_LINE for c in transcript.cues for line in c.lines)
    assert transcript.cues[0].start == 0.0 and transcript.cues[-1].start < 3.0
    assert 0.5 < transcript.segments[0].confidence <= 1.0


@pytest.mark.slow
@needs_ffmpeg
def test_confidential_recording_and_broken_server_stay_local(speech_server, tone,
                                                             monkeypatch) -> None:
    transcript = transcribe_file(tone, data_level=AccessLevel.INTERN)
    assert speech_server.requests == []  # above the server's level: nothing sent
    assert transcript.backend == "faster-whisper"
    speech_server.status = 500
    transcript = transcribe_file(tone, data_level=AccessLevel.OFFEN)
    assert len(speech_server.requests) == 1 and transcript.backend == "faster-whisper"
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_URL", f"http://127.0.0.1:{free_port()}")
    assert transcribe_file(tone, data_level=AccessLevel.OFFEN).backend == "faster-whisper"


@pytest.mark.slow
@needs_ffmpeg
@pytest.mark.django_db(transaction=True)
def test_job_uses_the_server_when_level_and_policy_allow(client, speech_server, tone,
                                                         speech_tenant, staff_member,
                                                         ai_officer) -> None:
    from aktenkundig.governance.policy import update_policy
    from aktenkundig.speech.models import SubtitleJob

    client.force_login(staff_member)
    client.post(reverse("speech:index"), {
        "file": SimpleUploadedFile("pressetermin.mp3", tone.read_bytes()), "data_level": "0"})
    job = SubtitleJob.objects.get()
    assert job.status == "done" and SPOKEN in job.text and len(speech_server.requests) == 1
    record = json.loads(AuditRecord.objects.filter(
        tenant=speech_tenant, feature="speech", kind="ai").latest("seq").body)["data"]
    assert record["backend"] == "openai-compatible" and record["model"] == "large-v3-test"
    # the KI-Richtlinie allows only the local engine: the server receives nothing
    update_policy(speech_tenant, "speech", ai_officer, allowed_backends=["faster-whisper"])
    client.post(reverse("speech:index"), {
        "file": SimpleUploadedFile("zweiter.mp3", tone.read_bytes()), "data_level": "0"})
    assert len(speech_server.requests) == 1
    assert SubtitleJob.objects.get(filename="zweiter.mp3").status == "done"
