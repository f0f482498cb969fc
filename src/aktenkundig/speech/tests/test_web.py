"""The staff page: upload, background transcription (immediate backend in tests),
download of VTT/SRT; gated by the KI-Register feature ``speech`` and its kill
switch; tenant- and clearance-scoped; the upload is kept for the editor only as
the retention setting allows (deleted at once on failure); audited."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aktenkundig import config
from aktenkundig.core.models import AccessLevel
from aktenkundig.governance.models import AuditRecord
from aktenkundig.speech.models import JobStatus, SubtitleJob
from aktenkundig.speech.tests.test_transcribe_real import REFERENCE, wer
from aktenkundig.testing.accounts import approve_assistant

needs_tools = pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("ffmpeg")),
    reason="espeak-ng and ffmpeg are installed by scripts/bootstrap")


def _login(client, user) -> None:
    client.force_login(user)


def _wav(tmp_path: Path, text: str) -> bytes:
    path = tmp_path / "ansage.wav"
    subprocess.run(["espeak-ng", "-v", "de", "-s", "140", "-w", str(path), text],
                   check=True, timeout=60)
    return path.read_bytes()


@pytest.mark.slow
@needs_tools
@pytest.mark.django_db(transaction=True)
def test_upload_transcribe_download(client, speech_tenant, staff_member, make_user,
                                    other_tenant, tmp_path) -> None:
    _login(client, staff_member)
    upload = SimpleUploadedFile("ansage.wav", _wav(tmp_path, REFERENCE))
    response = client.post(reverse("speech:index"), {"file": upload, "data_level": "1"})
    job = SubtitleJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("speech:detail",
                                                                           args=[job.pk])
    assert job.status == JobStatus.DONE, job.error
    assert job.progress == 1.0
    recording = Path(job.upload_path)
    assert recording.is_file()  # kept for the editor's player, for a while
    assert " ".join(" ".join(c["lines"]) for c in job.cues) == job.text.strip()
    assert job.corrected_cues is None
    assert "bürgermeisterin" in job.text.lower()
    assert wer(REFERENCE, job.text) <= 0.5, job.text
    page = client.get(reverse("speech:detail", args=[job.pk])).content.decode()
    assert "WebVTT herunterladen" in page and "kann Fehler enthalten" in page
    vtt = client.get(reverse("speech:download", args=[job.pk, "vtt"]))
    assert vtt["Content-Type"].startswith("text/vtt")
    assert vtt.content.decode().startswith("WEBVTT\n\n00:00:0")
    srt = client.get(reverse("speech:download", args=[job.pk, "srt"]))
    assert srt.content.decode().startswith("1\n00:00:0")
    assert client.get(reverse("speech:download", args=[job.pk, "exe"])).status_code == 404
    kinds = set(AuditRecord.objects.filter(tenant=speech_tenant, feature="speech")
                .values_list("kind", flat=True))
    assert len(kinds) >= 2  # the upload (human action) and the transcription (AI)
    # another tenant's member sees nothing
    stranger = make_user("fremd", other_tenant)
    client.logout()
    _login(client, stranger)
    assert client.get(reverse("speech:detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("speech:download", args=[job.pk, "vtt"])).status_code == 404
    assert "ansage.wav" not in client.get(reverse("speech:index")).content.decode()
    client.logout()
    _login(client, staff_member)
    client.post(reverse("speech:delete_media", args=[job.pk]))
    assert not recording.exists()


@pytest.mark.slow
@needs_tools
@pytest.mark.django_db(transaction=True)
def test_recording_is_not_kept_when_retention_is_zero_or_recognition_fails(
        client, speech_tenant, staff_member, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_KEEP_MEDIA_DAYS", "0")
    silence = tmp_path / "stille.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "anullsrc=r=16000:cl=mono", "-t", "2", str(silence)], check=True, timeout=60)
    uploads = config.data_dir() / "speech" / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    before = set(uploads.iterdir())  # other tests' recordings may lie there
    _login(client, staff_member)
    client.post(reverse("speech:index"), {
        "file": SimpleUploadedFile("stille.wav", silence.read_bytes()), "data_level": "1"})
    client.post(reverse("speech:index"), {
        "file": SimpleUploadedFile("kaputt.wav", b"RIFF kaputt"), "data_level": "1"})
    done, failed = SubtitleJob.objects.order_by("pk")
    assert done.status == JobStatus.DONE and done.cues == [] and done.upload_path == ""
    assert failed.status == JobStatus.FAILED and failed.upload_path == ""
    assert set(uploads.iterdir()) <= before


@pytest.mark.django_db
def test_jobs_are_hidden_above_clearance(client, speech_tenant,
                                                             staff_member, make_user) -> None:
    secret = SubtitleJob.objects.create(tenant=speech_tenant, filename="geheim.wav",
                                        data_level=AccessLevel.VS_NFD, status=JobStatus.DONE,
                                        vtt="WEBVTT\n")
    _login(client, staff_member)  # clearance INTERN
    assert client.get(reverse("speech:detail", args=[secret.pk])).status_code == 404
    assert "geheim.wav" not in client.get(reverse("speech:index")).content.decode()


@pytest.mark.django_db
def test_gate_refuses_without_register_entry_and_after_kill_switch(
        client, tenant, staff_member, ai_officer) -> None:
    from aktenkundig.governance.policy import kill

    _login(client, staff_member)
    upload = SimpleUploadedFile("a.wav", b"RIFF")
    client.post(reverse("speech:index"), {"file": upload, "data_level": "1"})
    assert not SubtitleJob.objects.exists()  # not in the KI-Register: refused
    approve_assistant(tenant, "speech")
    kill(tenant, "speech", ai_officer, reason="Test")
    response = client.post(reverse("speech:index"),
                           {"file": SimpleUploadedFile("b.wav", b"RIFF"), "data_level": "1"},
                           follow=True)
    assert not SubtitleJob.objects.exists()
    assert response.status_code == 200


@pytest.mark.django_db
def test_wrong_file_type_is_refused_in_german(client, speech_tenant, staff_member) -> None:
    _login(client, staff_member)
    response = client.post(reverse("speech:index"),
                           {"file": SimpleUploadedFile("a.exe", b"MZ"), "data_level": "1"},
                           follow=True)
    assert "Video- oder Tondatei" in response.content.decode()
    assert not SubtitleJob.objects.exists()


@pytest.mark.django_db
def test_running_job_shows_progress_and_polls(client, speech_tenant, staff_member) -> None:
    job = SubtitleJob.objects.create(tenant=speech_tenant, filename="lang.mp4",
                                     status=JobStatus.RUNNING, progress=0.4)
    _login(client, staff_member)
    page = client.get(reverse("speech:detail", args=[job.pk])).content.decode()
    assert 'value="40"' in page and 'hx-trigger="every 3s"' in page
    fragment = client.get(reverse("speech:detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<section id="job-status"')


@pytest.mark.django_db
def test_job_list_shows_progress_polls_and_links_the_editor(client, speech_tenant,
                                                            staff_member) -> None:
    SubtitleJob.objects.create(tenant=speech_tenant, filename="lang.mp4",
                               status=JobStatus.RUNNING, progress=0.25)
    done = SubtitleJob.objects.create(tenant=speech_tenant, filename="fertig.mp4",
                                      status=JobStatus.DONE)
    _login(client, staff_member)
    page = client.get(reverse("speech:index")).content.decode()
    assert 'value="25"' in page and "25 %" in page and 'hx-trigger="every 5s"' in page
    assert reverse("speech:editor", args=[done.pk]) in page
    SubtitleJob.objects.filter(status=JobStatus.RUNNING).update(status=JobStatus.DONE)
    assert 'hx-trigger="every 5s"' not in client.get(reverse("speech:index")).content.decode()
