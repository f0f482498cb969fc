"""Live subtitle pages through Django's test client: creating sessions, tenant
isolation, the gate, exports of corrected lines, and an audience page that sets
no cookie."""

from __future__ import annotations

import pytest

from aktenkundig.governance.models import AuditRecord
from aktenkundig.speech import live
from aktenkundig.speech.models import LiveLine, LiveSession, LiveStatus
from aktenkundig.speech.streaming import Line, TimedWord
from aktenkundig.testing.accounts import approve_assistant


@pytest.fixture
def live_tenant(tenant):
    approve_assistant(tenant, "speech_live")
    return tenant


def _session(tenant, user, **extra) -> LiveSession:
    return LiveSession.objects.create(tenant=tenant, created_by=user, title="Kreistag",
                                      speakers=["Frau Schulze-Öztürk", "Herr Yilmaz"], **extra)


def _line(text: str, start: float, p: float = 0.9) -> Line:
    words = [TimedWord(w, start + i * 0.4, start + i * 0.4 + 0.3, p)
             for i, w in enumerate(text.split())]
    return Line(start, words[-1].end, text, p, words)


def test_create_session_and_console(client, live_tenant, staff_member):
    client.force_login(staff_member)
    page = client.get("/untertitel/live/")
    assert page.status_code == 200 and "Neue Sitzung" in page.content.decode()
    response = client.post("/untertitel/live/", {
        "title": "Kreistag 12. Sitzung", "terms": "Kreistag\nSchulz => Schulze-Öztürk",
        "speakers": "Frau Schulze-Öztürk\n\nHerr Yilmaz\nHerr Yilmaz", "release_delay": "5"})
    session = LiveSession.objects.get()
    assert response.url == f"/untertitel/live/{session.pk}/"
    assert session.speakers == ["Frau Schulze-Öztürk", "Herr Yilmaz"]
    assert session.release_delay == 5 and not session.store_audio
    assert len(session.token) >= 32
    console = client.get(response.url).content.decode()
    assert f"/untertitel/mitlesen/{session.token}/" in console
    assert "Mikrofon starten" in console and "<script>" not in console
    assert AuditRecord.objects.filter(tenant=live_tenant, feature="speech_live").exists()
    # Releasing held lines is offered where lines are held: a delay, a running session.
    assert 'id="release-all"' in console
    LiveSession.objects.filter(pk=session.pk).update(release_delay=0)
    assert 'id="release-all"' not in client.get(response.url).content.decode()


def test_bad_input_gives_german_messages(client, live_tenant, staff_member):
    client.force_login(staff_member)
    page = client.post("/untertitel/live/", {"title": " ", "release_delay": "0"}, follow=True)
    assert "Bitte einen Titel angeben." in page.content.decode()
    page = client.post("/untertitel/live/", {"title": "X", "release_delay": "999"}, follow=True)
    assert "zwischen 0 und 120 Sekunden" in page.content.decode()
    assert not LiveSession.objects.exists()


def test_without_register_entry_the_page_refuses(client, tenant, staff_member):
    client.force_login(staff_member)
    page = client.get("/untertitel/live/").content.decode()
    assert "Neue Sitzung" not in page and "KI-Register" in page


def test_other_tenant_sees_nothing(client, live_tenant, staff_member, stranger):
    session = _session(live_tenant, staff_member)
    client.force_login(stranger)
    assert client.get(f"/untertitel/live/{session.pk}/").status_code == 404
    assert client.get(f"/untertitel/live/{session.pk}/untertitel.vtt").status_code == 404
    assert client.post(f"/untertitel/live/{session.pk}/beenden/").status_code == 404
    assert "Kreistag" not in client.get("/untertitel/live/").content.decode()


def test_audience_page_sets_no_cookie(client, live_tenant, staff_member):
    session = _session(live_tenant, staff_member)
    response = client.get(f"/untertitel/mitlesen/{session.token}/")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers and not response.cookies
    html = response.content.decode()
    assert "automatisch von einer KI erzeugt" in html and "Fehler enthalten" in html
    assert "Kreistag" in html and "<style" not in html and "<script>" not in html
    assert "Content-Security-Policy" in response.headers
    assert client.get("/untertitel/mitlesen/falsch/").status_code == 404


def test_lines_corrections_release_and_exports(client, live_tenant, staff_member):
    session = _session(live_tenant, staff_member, release_delay=30,
                       terms="Kreistack => Kreistag")
    rows = live.add_lines(session, [_line("Der Kreistack tagt heute.", 1.0),
                                    _line("Frau Schulz eröffnet die Sitzung.", 4.0, 0.3)])
    assert [r.text for r in rows] == ["Der Kreistag tagt heute.",
                                      "Frau Schulz eröffnet die Sitzung."]
    assert not any(r.released for r in rows)  # held: there is a delay
    assert rows[1].words[0] == {"text": "Frau", "start": 4.0, "end": 4.3, "p": 0.3}
    live.edit_line(session, 1, text="Frau Schulze-Öztürk eröffnet die Sitzung.",
                   speaker="Herr Yilmaz")
    with pytest.raises(ValueError, match="nicht in der Liste"):
        live.edit_line(session, 1, speaker="Unbekannt")
    with pytest.raises(ValueError, match="nicht leer"):
        live.edit_line(session, 0, text="  ")
    assert [line.index for line in live.release(session, 0)] == [0]
    assert live.release_due(session) == []  # the delay has not passed
    assert [line.index for line in live.release(session)] == [1]
    line = LiveLine.objects.get(session=session, index=1)
    assert line.corrected and line.released and line.speaker == "Herr Yilmaz"

    client.force_login(staff_member)
    vtt = client.get(f"/untertitel/live/{session.pk}/untertitel.vtt")
    assert vtt["Content-Type"].startswith("text/vtt")
    assert vtt.content.decode() == (  # speech.exports: the same rules as the file editor's
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nDer Kreistag tagt heute.\n\n"
        "00:00:04.000 --> 00:00:06.412\nFrau Schulze-Öztürk eröffnet die Sitzung.\n")
    srt = client.get(f"/untertitel/live/{session.pk}/untertitel.srt").content.decode()
    assert srt.startswith("1\n00:00:01,000 --> 00:00:02,500\nDer Kreistag tagt heute.")
    text = client.get(f"/untertitel/live/{session.pk}/untertitel.txt").content.decode()
    assert text.endswith("[00:00:01] Der Kreistag tagt heute.\n\n"
                         "[00:00:04] Herr Yilmaz: Frau Schulze-Öztürk eröffnet die Sitzung.\n")
    assert text.startswith("Transkript: Kreistag\nAutomatisch erstellt")
    assert client.get(f"/untertitel/live/{session.pk}/untertitel.pdf").status_code == 404

    client.post(f"/untertitel/live/{session.pk}/beenden/")
    session.refresh_from_db()
    assert session.status == LiveStatus.ENDED and session.ended_at
    with pytest.raises(live.Refused, match="beendet"):
        live.start(session, staff_member)
