"""Live subtitles end to end through a real ASGI server (uvicorn on loopback, the
same protocol router ``aktenkundig serve`` runs) with real WebSocket clients
(``websockets``): German speech from espeak-ng streamed in 0.1-second frames,
decoded by faster-whisper with the shipped Whisper base, committed lines on the
corrector's and the audience's sockets; silence, a correction reaching the
audience, tenant isolation and the kill switch."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from aktenkundig.governance import policy
from aktenkundig.governance.models import AuditRecord
from aktenkundig.speech.models import LiveLine, LiveSession
from aktenkundig.speech.tests.test_transcribe_real import KEY_WORDS, REFERENCE, _norm_words
from aktenkundig.speech.transcribe import SAMPLE_RATE, load_audio
from aktenkundig.testing.accounts import governance_people

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("ffmpeg")),
                       reason="espeak-ng and ffmpeg are installed by scripts/bootstrap"),
]

FRAME = SAMPLE_RATE // 10


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def ws(address: str, path: str, cookie: str | None = None, origin: str | None = None):
    headers = {"Cookie": cookie} if cookie else None
    return connect(f"ws://{address}{path}", additional_headers=headers,
                   origin=origin or f"http://{address}", open_timeout=10)


def receive_all(sock, seconds: float) -> list[dict]:
    """Messages until ``seconds`` have passed (or the socket closed)."""
    messages, deadline = [], time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            messages.append(json.loads(sock.recv(timeout=left)))
        except TimeoutError:
            break
        except ConnectionClosed:
            break
    return messages


def stream(sock, audio: np.ndarray, speed: float = 4.0) -> None:
    """Send int16 frames at ``speed`` times real time."""
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    for i in range(0, len(pcm), FRAME):
        sock.send(pcm[i:i + FRAME].tobytes())
        time.sleep(FRAME / SAMPLE_RATE / speed)


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> np.ndarray:
    path = tmp_path_factory.mktemp("live-socket") / "satz.wav"
    subprocess.run(["espeak-ng", "-v", "de", "-s", "140", "-w", str(path), REFERENCE],
                   check=True, timeout=60)
    pause = np.zeros(SAMPLE_RATE, dtype=np.float32)
    return np.concatenate([pause, load_audio(Path(path)), pause, pause])


def test_stream_speech_correct_a_line_and_the_audience_sees_it(
        asgi_server, client, live_tenant, staff_member, speech):
    session = LiveSession.objects.create(tenant=live_tenant, created_by=staff_member,
                                         title="Kreistag", speakers=["Herr Yilmaz"])
    cookie = session_cookie(client, staff_member)
    with contextlib.ExitStack() as stack:
        audience = stack.enter_context(ws(asgi_server, f"/ws/speech/live/{session.token}/audience"))
        corrector = stack.enter_context(ws(asgi_server, f"/ws/speech/live/{session.pk}/correct",
                                           cookie))
        with ws(asgi_server, f"/ws/speech/live/{session.pk}/ingest", cookie) as ingest:
            assert json.loads(ingest.recv(timeout=30)) == {"type": "started"}
            stream(ingest, speech)
        seen = {}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # the worker finishes the last words after close
            for message in receive_all(audience, 2.0):
                assert message["type"] == "line" and set(message) == {
                    "type", "index", "lines", "speaker", "start"}  # no staff data leaks
                assert message["index"] not in seen or seen[message["index"]] == message, \
                    "a committed line changed without a correction"
                seen[message["index"]] = message
            if not LiveSession.objects.filter(pk=session.pk, status="live").exists() and (
                    len(seen) == LiveLine.objects.filter(session=session).count() > 0):
                break
        text = " ".join(" ".join(seen[i]["lines"]) for i in sorted(seen))
        found = [w for w in KEY_WORDS if w in _norm_words(text)]
        assert len(found) >= 4, (found, text)
        assert all(len(row) <= 42 for i in seen for row in seen[i]["lines"])
        assert all(len(seen[i]["lines"]) <= 2 for i in seen)
        staff_lines = [m for m in receive_all(corrector, 1.0) if m["type"] == "line"]
        assert {m["index"] for m in staff_lines} >= set(seen)
        assert all("words" in m and "confidence" in m for m in staff_lines)

        corrector.send(json.dumps({"action": "edit", "index": 0,
                                   "text": "Der Kreistag von Musterhausen tagt.",
                                   "speaker": "Herr Yilmaz"}))
        corrections = [m for m in receive_all(audience, 3.0) if m["index"] == 0]
        assert corrections and corrections[-1]["lines"] == [  # the speaker in front
            "Herr Yilmaz: Der Kreistag", "von Musterhausen tagt."]
        assert corrections[-1]["speaker"] == "Herr Yilmaz"
        corrector.send(json.dumps({"action": "edit", "index": 0, "speaker": "Unbekannt"}))
        errors = [m for m in receive_all(corrector, 2.0) if m["type"] == "error"]
        assert errors and "nicht in der Liste" in errors[0]["message"]
    assert LiveLine.objects.get(session=session, index=0).corrected
    actions = {json.loads(r.body)["data"].get("action") for r in AuditRecord.objects.filter(
        tenant=live_tenant, feature="speech_live")}
    assert {"speech.live.started", "speech.live.stopped"} <= actions
    assert AuditRecord.objects.filter(tenant=live_tenant, feature="speech_live",
                                      kind="ai").exists()


def test_silence_yields_nothing(asgi_server, client, live_tenant, staff_member):
    session = LiveSession.objects.create(tenant=live_tenant, created_by=staff_member, title="Still")
    cookie = session_cookie(client, staff_member)
    with ws(asgi_server, f"/ws/speech/live/{session.token}/audience") as audience:
        with ws(asgi_server, f"/ws/speech/live/{session.pk}/ingest", cookie) as ingest:
            assert json.loads(ingest.recv(timeout=30)) == {"type": "started"}
            noise = np.random.default_rng(3).standard_normal(8 * SAMPLE_RATE) * 0.005
            stream(ingest, noise.astype(np.float32), speed=8.0)
        assert receive_all(audience, 4.0) == []
    assert not LiveLine.objects.filter(session=session).exists()


def test_tenant_isolation_and_public_token(asgi_server, client, live_tenant, staff_member,
                                           stranger):
    session = LiveSession.objects.create(tenant=live_tenant, created_by=staff_member,
                                         title="Kreistag")
    foreign = session_cookie(client, stranger)
    for path in (f"/ws/speech/live/{session.pk}/ingest", f"/ws/speech/live/{session.pk}/correct"):
        for cookie in (foreign, None):  # another tenant's staff, or nobody
            with ws(asgi_server, path, cookie) as sock, pytest.raises(ConnectionClosed):
                sock.recv(timeout=10)
            assert sock.close_code == 4404
    with ws(asgi_server, "/ws/speech/live/falsch/audience") as sock, \
            pytest.raises(ConnectionClosed):
        sock.recv(timeout=10)
    assert sock.close_code == 4404
    # Another site cannot open a staff socket with a visitor's cookie.
    own = session_cookie(client, staff_member)
    with pytest.raises(Exception, match="403"):
        ws(asgi_server, f"/ws/speech/live/{session.pk}/ingest", own,
           origin="https://evil.example")


def test_kill_switch_refuses_and_stops_ingest(asgi_server, client, live_tenant, staff_member,
                                              speech):
    session = LiveSession.objects.create(tenant=live_tenant, created_by=staff_member, title="K")
    cookie = session_cookie(client, staff_member)
    officer = governance_people(live_tenant)[1]
    with ws(asgi_server, f"/ws/speech/live/{session.pk}/ingest", cookie) as ingest:
        assert json.loads(ingest.recv(timeout=30)) == {"type": "started"}
        policy.kill(live_tenant, "speech_live", officer, reason="Wartung")
        with pytest.raises(ConnectionClosed):  # stopped within the gate's check interval
            stream(ingest, speech, speed=1.0)
            ingest.recv(timeout=10)
        assert ingest.close_code == 4403
    with ws(asgi_server, f"/ws/speech/live/{session.pk}/ingest", cookie) as ingest:
        message = json.loads(ingest.recv(timeout=30))
        assert message["type"] == "error" and "abgeschaltet" in message["message"]
        with pytest.raises(ConnectionClosed):
            ingest.recv(timeout=10)
        assert ingest.close_code == 4403


def test_audio_faster_than_spoken_is_refused(asgi_server, client, live_tenant, staff_member):
    session = LiveSession.objects.create(tenant=live_tenant, created_by=staff_member, title="R")
    cookie = session_cookie(client, staff_member)
    with ws(asgi_server, f"/ws/speech/live/{session.pk}/ingest", cookie) as ingest:
        assert json.loads(ingest.recv(timeout=30)) == {"type": "started"}
        second = np.zeros(SAMPLE_RATE, dtype="<i2").tobytes()
        with contextlib.suppress(ConnectionClosed):
            for _ in range(60):  # a minute of audio at once
                ingest.send(second)
        messages = receive_all(ingest, 10)
        assert any("Echtzeit" in m.get("message", "") for m in messages), messages
        assert ingest.close_code == 4403
    deadline = time.monotonic() + 90  # the worker finishes what it took, then stops
    while True:
        ingest = ws(asgi_server, f"/ws/speech/live/{session.pk}/ingest", cookie)
        first = json.loads(ingest.recv(timeout=30))
        if first == {"type": "started"}:
            break
        assert "läuft bereits" in first["message"] and time.monotonic() < deadline
        ingest.close()
        time.sleep(1)
    with ingest:
        big = np.zeros(3 * SAMPLE_RATE, dtype="<i2").tobytes()  # one 3-second frame
        ingest.send(big)
        message = json.loads(ingest.recv(timeout=10))
        assert "höchstens zwei Sekunden" in message["message"]


def test_refusals_come_in_the_users_language(asgi_server, client, live_tenant, staff_member):
    """A socket has no LocaleMiddleware: its messages follow the language cookie
    (and Accept-Language) as the pages do, here English."""
    from django.conf import settings

    session = LiveSession.objects.create(tenant=live_tenant, created_by=staff_member, title="E")
    cookie = f"{session_cookie(client, staff_member)}; {settings.LANGUAGE_COOKIE_NAME}=en"
    with ws(asgi_server, f"/ws/speech/live/{session.pk}/ingest", cookie) as ingest:
        assert json.loads(ingest.recv(timeout=30)) == {"type": "started"}
        ingest.send(np.zeros(3 * SAMPLE_RATE, dtype="<i2").tobytes())
        message = json.loads(ingest.recv(timeout=10))
        assert message["message"] == "Audio data too large: at most two seconds per message."
