"""REST endpoints of the subtitles: gate refusal (403 with the German reason), bad
file type (400), a real transcription through the API, tenant isolation."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aktenkundig.accounts.services import create_api_token
from aktenkundig.speech.tests.test_transcribe_real import REFERENCE
from aktenkundig.testing.accounts import approve_assistant


def _auth(user) -> dict[str, str]:
    _token, raw = create_api_token(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.django_db
def test_refused_without_register_entry_and_bad_type(client, tenant, staff_member) -> None:
    headers = _auth(staff_member)
    response = client.post("/api/speech/jobs", {"file": SimpleUploadedFile("a.wav", b"RIFF")},
                           **headers)
    assert response.status_code == 403 and response.json()["detail"]
    approve_assistant(tenant, "speech")
    response = client.post("/api/speech/jobs", {"file": SimpleUploadedFile("a.exe", b"MZ")},
                           **headers)
    assert response.status_code == 400 and "Tondatei" in response.json()["detail"]


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("ffmpeg")),
                    reason="espeak-ng and ffmpeg are installed by scripts/bootstrap")
@pytest.mark.django_db(transaction=True)
def test_transcription_through_the_api(client, speech_tenant, staff_member, make_user,
                                       other_tenant, tmp_path) -> None:
    wav = tmp_path / "a.wav"
    subprocess.run(["espeak-ng", "-v", "de", "-s", "140", "-w", str(wav), REFERENCE],
                   check=True, timeout=60)
    response = client.post("/api/speech/jobs",
                           {"file": SimpleUploadedFile("a.wav", wav.read_bytes())},
                           **_auth(staff_member))
    assert response.status_code == 200, response.content
    job = client.get(f"/api/speech/jobs/{response.json()['id']}", **_auth(staff_member)).json()
    assert job["status"] == "done" and job["vtt"].startswith("WEBVTT")
    assert "Kreistag" in job["text"] and job["ai_generated"] is True
    assert job["corrected"] is False and job["transcript"].startswith("Transkript: a.wav")
    assert job["progress"] == 1.0
    stranger = make_user("fremd", other_tenant)
    assert client.get(f"/api/speech/jobs/{job['id']}", **_auth(stranger)).status_code == 404
