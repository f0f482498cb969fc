"""The Niederschrift draft of an ended live session, through Django's test client:
the same path as a file job's draft (``exports.minutes_draft``: gate, routing,
privacy hook, audit), offered only once the session has ended, only to staff of
the session's tenant, and with the German reason when there is no draft."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from aktenkundig.governance.models import AuditRecord
from aktenkundig.speech import live
from aktenkundig.speech.models import LiveSession, LiveStatus
from aktenkundig.speech.streaming import Line, TimedWord

HTMX = {"HTTP_HX_REQUEST": "true"}


def _line(text: str, start: float) -> Line:
    words = [TimedWord(w, start + i * 0.4, start + i * 0.4 + 0.3, 0.9)
             for i, w in enumerate(text.split())]
    return Line(start, words[-1].end, text, 0.9, words)


def _session(tenant, user, status=LiveStatus.ENDED) -> LiveSession:
    session = LiveSession.objects.create(tenant=tenant, created_by=user, title="Kreistag",
                                         speakers=["Frau Schulze-Öztürk", "Herr Yilmaz"],
                                         status=status)
    live.add_lines(session, [
        _line("Punkt eins der Tagesordnung ist der Haushalt 2027.", 1.0),
        _line("Frau Schulz beantragt 40000 Euro für die Bibliothek.", 5.0),
        _line("Der Antrag wird mit 12 zu 3 Stimmen angenommen.", 10.0)])
    live.edit_line(session, 1, text="Frau Schulze-Öztürk beantragt 40000 Euro für die "
                   "Bibliothek.", speaker="Frau Schulze-Öztürk")
    return session


def _ai_records(tenant):
    return AuditRecord.objects.filter(tenant=tenant, feature="speech", kind="ai")


def _urls(session) -> tuple[str, str, str]:
    return (reverse("speech:live_console", args=[session.pk]),
            reverse("speech:live_minutes", args=[session.pk]),
            reverse("speech:live_minutes_download", args=[session.pk]))


@pytest.mark.django_db
def test_without_a_model_the_page_and_the_post_say_why(client, speech_tenant, staff_member,
                                                       monkeypatch) -> None:
    monkeypatch.delenv("AKTENKUNDIG_LLM_BASE_URL", raising=False)
    session = _session(speech_tenant, staff_member)
    console, make, download = _urls(session)
    client.force_login(staff_member)
    page = client.get(console).content.decode()
    assert "kein Sprachmodell konfiguriert oder freigegeben" in page
    assert f'hx-post="{make}"' not in page
    fragment = client.post(make, **HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="niederschrift"')
    assert 'role="alert"' in fragment and "kein Sprachmodell" in fragment
    assert "KI-generierter Entwurf" not in fragment
    response = client.post(make, follow=True)  # without HTMX: back to the page, with the reason
    assert response.redirect_chain[-1][0].endswith(f"{console}#niederschrift")
    assert "kein Sprachmodell" in response.content.decode()
    session.refresh_from_db()
    assert session.minutes == "" and not _ai_records(speech_tenant).exists()
    assert client.get(download).status_code == 404


@pytest.mark.django_db
def test_the_gate_refuses_without_the_register_entry(client, tenant, staff_member,
                                                     llm_down) -> None:
    # ``tenant`` has no approved KI-Register entry "speech": the model is configured,
    # so the button is offered, but the gate refuses before anything is sent
    session = _session(tenant, staff_member)
    console, make, _download = _urls(session)
    client.force_login(staff_member)
    page = client.get(console).content.decode()
    assert f'hx-post="{make}"' in page and 'id="live-minutes-make"' in page
    fragment = client.post(make, **HTMX).content.decode()
    assert "KI-Register" in fragment and 'role="alert"' in fragment
    session.refresh_from_db()
    assert session.minutes == "" and not _ai_records(tenant).exists()


@pytest.mark.django_db
def test_a_running_session_is_not_drafted(client, speech_tenant, staff_member,
                                          llm_down) -> None:
    session = _session(speech_tenant, staff_member, status=LiveStatus.LIVE)
    console, make, _download = _urls(session)
    client.force_login(staff_member)
    page = client.get(console).content.decode()
    assert "erst nach dem Ende der Sitzung" in page and f'hx-post="{make}"' not in page
    fragment = client.post(make, **HTMX).content.decode()
    # the model (down here) was not even asked: its error would read "Kein Entwurf ..."
    assert "erst nach dem Ende der Sitzung" in fragment and "Kein Entwurf" not in fragment
    session.refresh_from_db()
    assert session.minutes == "" and not _ai_records(speech_tenant).exists()


@pytest.mark.django_db
def test_another_tenants_session_is_404(client, speech_tenant, staff_member, stranger,
                                        llm_down) -> None:
    session = _session(speech_tenant, staff_member)
    session.minutes = "KI-generierter Entwurf\n\nGeheim."
    session.save(update_fields=["minutes"])
    _console, make, download = _urls(session)
    client.force_login(stranger)
    assert client.post(make, **HTMX).status_code == 404
    assert client.post(make).status_code == 404
    assert client.get(download).status_code == 404
    session.refresh_from_db()
    assert session.minutes == "KI-generierter Entwurf\n\nGeheim."
    assert not _ai_records(speech_tenant).exists()


@pytest.mark.django_db
def test_drafting_needs_a_post_with_the_csrf_token(speech_tenant, staff_member,
                                                   llm_down) -> None:
    session = _session(speech_tenant, staff_member)
    _console, make, _download = _urls(session)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_member)
    assert strict.get(make).status_code == 405
    assert strict.post(make, **HTMX).status_code == 403
    assert not _ai_records(speech_tenant).exists()


@pytest.mark.llm
@pytest.mark.slow
@pytest.mark.django_db
def test_draft_with_the_real_model_is_marked_kept_and_audited(
        client, speech_tenant, staff_member, llm_backend) -> None:
    session = _session(speech_tenant, staff_member)
    console, make, download = _urls(session)
    client.force_login(staff_member)
    fragment = client.post(make, **HTMX).content.decode()
    session.refresh_from_db()
    assert session.minutes.startswith("KI-generierter Entwurf"), fragment
    assert session.minutes_model == "smollm2"
    assert "Der Entwurf der Niederschrift wurde erstellt." in fragment
    assert "<strong>KI-generierter Entwurf</strong>" in fragment
    assert "Entwurf neu erstellen" in fragment  # the section was swapped as a whole
    assert "Entwurf neu erstellen" in client.get(console).content.decode()  # kept

    record = _ai_records(speech_tenant).get()
    assert record.case_ref == f"speech-live:{session.pk}"
    data = json.loads(record.body)["data"]
    assert data["model"] == "smollm2" and data["extra"]["purpose"] == "minutes"
    if data["content"] == "pseudonymised":  # what left the server, after the privacy hook
        assert "Haushalt 2027" in data["input"] and "12 zu 3 Stimmen" in data["input"]

    response = client.get(download)
    assert response.content.decode() == session.minutes
    assert response["Content-Disposition"].endswith(f'live-{session.pk}.niederschrift.txt"')
    exported = [json.loads(b)["data"] for b in AuditRecord.objects.filter(
        tenant=speech_tenant, feature="speech_live", kind="human").values_list("body",
                                                                             flat=True)]
    assert {"action": "speech.live.exported", "session": session.pk,
            "format": "minutes"}.items() <= exported[-1].items()
