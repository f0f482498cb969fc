"""``aktenkundig speech live --device file:PATH``: real ffmpeg reads the input,
the streaming decoder (real faster-whisper) commits lines into a live session."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aktenkundig.governance import policy
from aktenkundig.governance.models import AuditRecord
from aktenkundig.speech.models import LiveLine, LiveSession
from aktenkundig.speech.tests.test_transcribe_real import KEY_WORDS, REFERENCE, _norm_words
from aktenkundig.testing.accounts import approve_assistant, governance_people

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("ffmpeg")),
                       reason="espeak-ng and ffmpeg are installed by scripts/bootstrap"),
]


def test_live_from_an_audio_input_into_a_session(tenant, staff_member, tmp_path):
    approve_assistant(tenant, "speech_live")
    wav = tmp_path / "saal.wav"
    subprocess.run(["espeak-ng", "-v", "de", "-s", "140", "-w", str(wav), REFERENCE],
                   check=True, timeout=60)
    session = LiveSession.objects.create(tenant=tenant, created_by=staff_member, title="Saal")
    out = io.StringIO()
    call_command("speech", "live", "--device", f"file:{wav}", "--fast",
                 "--session", str(session.pk), stdout=out)
    printed = out.getvalue()
    assert printed.startswith("[00:00:0")
    stored = " ".join(LiveLine.objects.filter(session=session).values_list("text", flat=True))
    found = [w for w in KEY_WORDS if w in _norm_words(stored)]
    assert len(found) >= 4, (found, stored)
    assert all(LiveLine.objects.filter(session=session).values_list("released", flat=True))
    actions = [json.loads(r.body)["data"].get("action") for r in AuditRecord.objects.filter(
        tenant=tenant, feature="speech_live")]
    assert "speech.live.started" in actions and "speech.live.stopped" in actions

    policy.kill(tenant, "speech_live", governance_people(tenant)[1], reason="Wartung")
    with pytest.raises(CommandError, match="abgeschaltet"):
        call_command("speech", "live", "--device", f"file:{wav}", "--fast",
                     "--session", str(session.pk), stdout=io.StringIO())


def test_bad_devices_give_german_messages(tmp_path):
    with pytest.raises(CommandError, match="alsa:NAME"):
        call_command("speech", "live", "--device", "hw0", stdout=io.StringIO())
    with pytest.raises(CommandError, match="Unbekannte Geräteart"):
        call_command("speech", "live", "--device", "jack:x", stdout=io.StringIO())
    with pytest.raises(CommandError, match="konnte das Gerät nicht lesen"):
        call_command("speech", "live", "--device", f"file:{tmp_path / 'fehlt.wav'}",
                     "--fast", stdout=io.StringIO())
