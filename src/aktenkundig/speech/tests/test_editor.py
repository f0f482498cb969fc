"""The subtitle editor of a finished job, through the real views: corrections kept
apart from the recogniser's cues, splitting by the line rules, HTMX fragments,
exports with corrections (audited), the recording served to members who may see
the job only (tenant, clearance) with byte ranges, its deletion and retention,
the Niederschrift button without a model, and jobs from before cues were data."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from aktenkundig import config
from aktenkundig.core.models import AccessLevel
from aktenkundig.governance.models import AuditRecord
from aktenkundig.speech import jobs
from aktenkundig.speech.models import JobStatus, SubtitleJob
from aktenkundig.speech.subtitles import MAX_LINE

CUES = [
    {"start": 1.0, "end": 3.5, "lines": ["Der Kreistag hat heute getagt."], "confidence": 0.9},
    {"start": 4.0, "end": 6.0, "lines": ["Die Bürgermeisterin eröffnet."], "confidence": 0.3},
    {"start": 7.0, "end": 9.0, "lines": ["Vielen Dank."], "confidence": 0.8},
]
LONG = ("Der Kreistag in Nordhausen hat heute getagt und nach langer Debatte den Haushalt "
        "für das nächste Jahr beschlossen.")
MEDIA = bytes(range(256)) * 40  # 10 240 bytes: content is irrelevant to serving


@pytest.fixture
def job(speech_tenant, staff_member) -> Iterator[SubtitleJob]:
    path = config.data_dir() / "speech" / "uploads" / "test-aufnahme.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(MEDIA)
    yield SubtitleJob.objects.create(
        tenant=speech_tenant, created_by=staff_member, filename="sitzung.wav",
        status=JobStatus.DONE, cues=CUES, vtt="WEBVTT\n", text="…", upload_path=str(path),
        finished_at=timezone.now())
    path.unlink(missing_ok=True)


def _actions(tenant) -> list[str]:
    return [json.loads(body)["data"].get("action", "") for body in AuditRecord.objects.filter(
        tenant=tenant, feature="speech", kind="human").values_list("body", flat=True)]


@pytest.mark.django_db
def test_editor_lists_cues_and_marks_unsure_ones(client, staff_member, job) -> None:
    client.force_login(staff_member)
    page = client.get(reverse("speech:editor", args=[job.pk])).content.decode()
    assert "Der Kreistag hat heute getagt." in page
    assert "Untertitel 2, 00:00:04 bis 00:00:06" in page
    assert page.count("unsicher erkannt") == 1  # confidence 0.3 only
    assert reverse("speech:media", args=[job.pk]) in page and "<audio" in page
    assert 'data-start="4.0"' in page and "speech/editor.js" in page
    assert "<script>" not in page  # CSP: no inline script


@pytest.mark.django_db
def test_correction_is_kept_apart_exported_and_audited(client, staff_member, job) -> None:
    client.force_login(staff_member)
    url = reverse("speech:cue", args=[job.pk, 1])
    response = client.post(url, {"text": "Die Landrätin  eröffnet.", "action": "save"})
    assert response.status_code == 302 and response["Location"].endswith("#cue-1")
    job.refresh_from_db()
    assert job.cues == CUES  # the machine version is untouched
    assert job.corrected_cues[1]["lines"] == ["Die Landrätin eröffnet."]
    assert job.corrected_cues[1]["edited"] and job.corrected_by == staff_member
    assert job.corrected_cues[0] == CUES[0]
    vtt = client.get(reverse("speech:download", args=[job.pk, "vtt"])).content.decode()
    assert "00:00:04.000 --> 00:00:06.000\nDie Landrätin eröffnet." in vtt
    srt = client.get(reverse("speech:download", args=[job.pk, "srt"])).content.decode()
    assert srt.startswith("1\n00:00:01,000 --> ") and "Landrätin" in srt
    text = client.get(reverse("speech:download", args=[job.pk, "txt"]))
    assert text["Content-Disposition"].endswith('sitzung.transkript.txt"')
    assert "[00:00:04] Die Landrätin eröffnet." in text.content.decode()
    assert _actions(job.tenant) == ["speech.cue_corrected", "speech.exported",
                                    "speech.exported", "speech.exported"]
    detail = client.get(reverse("speech:detail", args=[job.pk])).content.decode()
    assert "Landrätin" in detail
    # unchanged text: nothing saved, nothing audited
    client.post(url, {"text": "Die Landrätin eröffnet.", "action": "save"})
    assert _actions(job.tenant).count("speech.cue_corrected") == 1


@pytest.mark.django_db
def test_too_long_cue_is_marked_and_split_by_the_line_rules(client, staff_member, job) -> None:
    client.force_login(staff_member)
    row = client.post(reverse("speech:cue", args=[job.pk, 0]), {"text": LONG},
                      HTTP_HX_REQUEST="true").content.decode()
    assert row.lstrip().startswith('<li id="cue-0" class="cue-row too-long"')
    assert "Gespeichert." in row and "Zu lang für zwei Zeilen" in row and 'value="split"' in row
    response = client.post(reverse("speech:cue", args=[job.pk, 0]), {"action": "split"},
                           HTTP_HX_REQUEST="true")
    assert response["HX-Retarget"] == "#cue-list"
    assert response.content.decode().startswith('<ol id="cue-list"')
    job.refresh_from_db()
    pieces = job.corrected_cues[:-2]
    assert len(pieces) >= 2 and len(job.corrected_cues) == len(pieces) + 2
    assert " ".join(" ".join(p["lines"]) for p in pieces) == LONG
    assert all(len(p["lines"]) <= 2 and all(len(line) <= MAX_LINE for line in p["lines"])
               for p in pieces)
    assert pieces[0]["start"] == 1.0 and pieces[-1]["end"] == 3.5
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(pieces))
    assert not any(jobs.too_long(p) for p in pieces)
    # a cue that fits is not split
    again = client.post(reverse("speech:cue", args=[job.pk, 0]), {"action": "split"},
                        HTTP_HX_REQUEST="true").content.decode()
    assert "Teilen ist nicht nötig" in again
    assert "speech.cue_split" in _actions(job.tenant)


@pytest.mark.django_db
def test_empty_text_removes_a_cue_and_bounds_are_german(client, staff_member, job) -> None:
    client.force_login(staff_member)
    response = client.post(reverse("speech:cue", args=[job.pk, 2]), {"text": "  "},
                           HTTP_HX_REQUEST="true")
    assert response["HX-Retarget"] == "#cue-list"
    job.refresh_from_db()
    assert len(job.corrected_cues) == 2
    too_long = client.post(reverse("speech:cue", args=[job.pk, 0]), {"text": "x " * 300},
                           follow=True).content.decode()
    assert "höchstens 500 Zeichen" in too_long
    gone = client.post(reverse("speech:cue", args=[job.pk, 7]), {"text": "x"}, follow=True)
    assert "gibt es nicht mehr" in gone.content.decode()
    client.post(reverse("speech:reset", args=[job.pk]))
    job.refresh_from_db()
    assert job.corrected_cues is None and job.cues == CUES
    assert "speech.corrections_discarded" in _actions(job.tenant)


@pytest.mark.django_db
def test_recording_is_served_with_ranges_to_members_only(client, staff_member, make_user,
                                                         other_tenant, job) -> None:
    client.force_login(staff_member)
    url = reverse("speech:media", args=[job.pk])
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == MEDIA
    assert whole["Accept-Ranges"] == "bytes" and whole["Content-Type"].startswith("audio/")
    part = client.get(url, HTTP_RANGE="bytes=300-309")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 300-309/{len(MEDIA)}"
    assert b"".join(part.streaming_content) == MEDIA[300:310]
    tail = client.get(url, HTTP_RANGE="bytes=-4")
    assert b"".join(tail.streaming_content) == MEDIA[-4:]
    open_end = client.get(url, HTTP_RANGE="bytes=10000-")
    assert b"".join(open_end.streaming_content) == MEDIA[10000:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(MEDIA)}-").status_code == 416
    client.logout()
    client.force_login(make_user("fremd", other_tenant))
    assert client.get(url).status_code == 404
    assert client.get(reverse("speech:editor", args=[job.pk])).status_code == 404
    assert client.post(reverse("speech:cue", args=[job.pk, 0]), {"text": "x"}).status_code == 404
    assert client.post(reverse("speech:delete_media", args=[job.pk])).status_code == 404
    assert Path(job.upload_path).exists()


@pytest.mark.django_db
def test_recording_above_clearance_is_hidden(client, staff_member, job) -> None:
    SubtitleJob.objects.filter(pk=job.pk).update(data_level=AccessLevel.VS_NFD)
    client.force_login(staff_member)  # clearance INTERN
    assert client.get(reverse("speech:media", args=[job.pk])).status_code == 404
    assert client.get(reverse("speech:track", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_recording_can_be_deleted_and_expires(client, staff_member, job, speech_tenant,
                                              monkeypatch) -> None:
    client.force_login(staff_member)
    path = Path(job.upload_path)
    client.post(reverse("speech:delete_media", args=[job.pk]))
    job.refresh_from_db()
    assert not path.exists() and job.upload_path == ""
    assert client.get(reverse("speech:media", args=[job.pk])).status_code == 404
    page = client.get(reverse("speech:editor", args=[job.pk])).content.decode()
    assert "nicht mehr gespeichert" in page and "Der Kreistag" in page
    assert "speech.media_deleted" in _actions(speech_tenant)
    # retention: a recording older than the setting is deleted by the next job or page view
    path.write_bytes(MEDIA)
    old = SubtitleJob.objects.create(tenant=speech_tenant, filename="alt.wav",
                                     status=JobStatus.DONE, upload_path=str(path),
                                     finished_at=timezone.now() - timedelta(days=8))
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_KEEP_MEDIA_DAYS", "10")
    assert jobs.purge_media() == 0 and path.exists()
    monkeypatch.setenv("AKTENKUNDIG_SPEECH_KEEP_MEDIA_DAYS", "7")
    client.get(reverse("speech:index"))
    old.refresh_from_db()
    assert old.upload_path == "" and not path.exists()


@pytest.mark.django_db
def test_track_is_the_current_version_and_not_an_export(client, staff_member, job) -> None:
    client.force_login(staff_member)
    jobs.edit_cue(job, staff_member, 2, "Herzlichen Dank.")
    track = client.get(reverse("speech:track", args=[job.pk]))
    assert track["Content-Type"].startswith("text/vtt") and "Herzlichen Dank." in \
        track.content.decode()
    assert "speech.exported" not in _actions(job.tenant)


@pytest.mark.django_db
def test_minutes_without_a_model_explain_why(client, staff_member, job, monkeypatch) -> None:
    monkeypatch.delenv("AKTENKUNDIG_LLM_BASE_URL", raising=False)
    client.force_login(staff_member)
    page = client.get(reverse("speech:editor", args=[job.pk])).content.decode()
    assert "kein Sprachmodell konfiguriert oder freigegeben" in page
    response = client.post(reverse("speech:minutes", args=[job.pk]), follow=True)
    assert "kein Sprachmodell" in response.content.decode()
    job.refresh_from_db()
    assert job.minutes == ""
    assert client.get(reverse("speech:minutes_download", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_unfinished_job_has_no_editor(client, staff_member, speech_tenant) -> None:
    running = SubtitleJob.objects.create(tenant=speech_tenant, filename="a.wav",
                                         status=JobStatus.RUNNING)
    client.force_login(staff_member)
    response = client.get(reverse("speech:editor", args=[running.pk]))
    assert response.status_code == 302
    assert client.post(reverse("speech:cue", args=[running.pk, 0]),
                       {"text": "x"}).status_code == 404


def test_parse_vtt_reads_what_to_vtt_writes() -> None:
    from aktenkundig.speech.subtitles import Cue, to_vtt

    text = to_vtt([Cue(1.5, 3.25, ["Erste Zeile", "zweite Zeile"]),
                   Cue(3725.2, 3727.0, ["Spät."])])
    cues = jobs.parse_vtt(text)
    assert [c["lines"] for c in cues] == [["Erste Zeile", "zweite Zeile"], ["Spät."]]
    assert cues[0]["start"] == 1.5 and cues[1]["start"] == 3725.2 and cues[1]["end"] == 3727.0


@pytest.mark.django_db
def test_job_from_before_cues_were_stored_is_editable(client, staff_member,
                                                      speech_tenant) -> None:
    old = SubtitleJob.objects.create(
        tenant=speech_tenant, filename="alt.wav", status=JobStatus.DONE,
        vtt="WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAlter Text\n")
    client.force_login(staff_member)
    assert "Alter Text" in client.get(reverse("speech:editor", args=[old.pk])).content.decode()
    client.post(reverse("speech:cue", args=[old.pk, 0]), {"text": "Neuer Text"})
    old.refresh_from_db()
    assert old.corrected_cues[0]["lines"] == ["Neuer Text"]


@pytest.mark.django_db
def test_colleague_corrects_but_does_not_hear_the_recording(client, make_user, speech_tenant,
                                                            job) -> None:
    colleague = make_user("kollege", speech_tenant)
    client.force_login(colleague)
    page = client.get(reverse("speech:editor", args=[job.pk])).content.decode()
    assert "nur abspielen, wer sie hochgeladen hat" in page and "<audio" not in page
    assert client.get(reverse("speech:media", args=[job.pk])).status_code == 404
    client.post(reverse("speech:delete_media", args=[job.pk]))
    assert Path(job.upload_path).exists()
    client.post(reverse("speech:cue", args=[job.pk, 0]), {"text": "Korrigiert vom Kollegen."})
    job.refresh_from_db()
    assert job.corrected_cues[0]["lines"] == ["Korrigiert vom Kollegen."]
    assert job.corrected_by == colleague


@pytest.mark.llm
@pytest.mark.slow
@pytest.mark.django_db
def test_minutes_draft_from_the_editor_with_the_real_model(client, staff_member, job,
                                                           llm_backend) -> None:
    client.force_login(staff_member)
    jobs.edit_cue(job, staff_member, 1, "Die Landrätin eröffnet die Sitzung.")
    page = client.post(reverse("speech:minutes", args=[job.pk]), follow=True).content.decode()
    job.refresh_from_db()
    assert job.minutes.startswith("KI-generierter Entwurf") and job.minutes_model == "smollm2"
    assert "Der Entwurf der Niederschrift wurde erstellt." in page
    assert "KI-generierter Entwurf" in page
    download = client.get(reverse("speech:minutes_download", args=[job.pk]))
    assert download.content.decode() == job.minutes
    assert download["Content-Disposition"].endswith('sitzung.niederschrift.txt"')
    assert _actions(job.tenant)[-1] == "speech.exported"
    record = json.loads(AuditRecord.objects.filter(tenant=job.tenant, feature="speech",
                                                   kind="ai").get().body)["data"]
    assert record["model"] == "smollm2" and record["extra"]["purpose"] == "minutes"
