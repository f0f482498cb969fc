"""The public chat over HTTP: disclosure, no cookies, CSP per tenant, input
limits, rate limits, hand-over, and staff handling of hand-overs."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from aktenkundig.accounts.services import add_member
from aktenkundig.citizen.models import (
    CitizenSession,
    HandoverRequest,
    HandoverStatus,
    KnowledgeGap,
    Message,
    QuestionStat,
)

pytestmark = pytest.mark.django_db


def _token(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "conversation token missing from the page"
    return match.group(1)


def test_first_page_discloses_the_ai_assistant(client, tenant):
    response = client.get(reverse("citizen:chat", args=[tenant.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-ai-disclosure="true"' in html
    assert "KI-Assistenten von Stadt Musterstadt" in html
    assert "nicht mit einem Menschen" in html
    assert "buergerservice@musterstadt.de" in html
    assert "<script>" not in html and " on" + "click=" not in html  # no inline script
    assert not response.cookies, "the chat must not set cookies"


def test_csp_allows_framing_only_by_the_tenants_origins(client, tenant, other_tenant):
    response = client.get(reverse("citizen:chat", args=[tenant.slug]))
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.musterstadt.de http://127.0.0.1:8765" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "X-Frame-Options" not in response
    other = client.get(reverse("citizen:chat", args=[other_tenant.slug]))
    assert other["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_unknown_or_disabled_tenant_is_404(client, tenant):
    assert client.get("/buerger/gibt-es-nicht/").status_code == 404
    tenant.citizen_settings.enabled = False
    tenant.citizen_settings.save()
    assert client.get(reverse("citizen:chat", args=[tenant.slug])).status_code == 404


def test_question_without_public_sources_is_a_knowledge_gap_in_the_users_language(client, tenant):
    url = reverse("citizen:chat", args=[tenant.slug])
    response = client.post(url, {"message": "When is the citizens' office open on Saturday?"})
    assert response.status_code == 200
    assert not response.cookies
    html = response.content.decode()
    assert "I found no answer to this in the public information" in html
    assert 'lang="en"' in html
    session = CitizenSession.objects.get(tenant=tenant)
    assert session.language == "en"
    gap = KnowledgeGap.objects.get(tenant=tenant)
    assert gap.count == 1 and gap.language == "en"
    # the same question again, in the same conversation: counted, not duplicated
    client.post(
        url,
        {"message": "When is the citizens' office open on Saturday?", "token": _token(response)},
    )
    assert KnowledgeGap.objects.get(tenant=tenant).count == 2
    assert CitizenSession.objects.count() == 1
    assert QuestionStat.objects.filter(tenant=tenant, outcome="no_source").count() == 2


def test_personal_data_is_not_stored_in_clear(client, tenant):
    url = reverse("citizen:chat", args=[tenant.slug])
    client.post(
        url,
        {
            "message": "Ich heiße Erika Mustermann, meine IBAN ist DE89370400440532013000 "
            "und meine Mail erika.m@example.org – wann wird die Hundesteuer abgebucht?"
        },
    )
    stored = " ".join(Message.objects.values_list("text", flat=True))
    stored += " ".join(KnowledgeGap.objects.values_list("question", flat=True))
    for secret in ("Mustermann", "DE89370400440532013000", "erika.m@example.org"):
        assert secret not in stored
    assert "[IBAN]" in stored
    # analytics rows carry no text at all
    assert {f.name for f in QuestionStat._meta.fields}.isdisjoint({"text", "question"})


def test_offensive_message_gets_polite_answer_and_is_not_stored(client, tenant):
    url = reverse("citizen:chat", args=[tenant.slug])
    response = client.post(url, {"message": "Ihr seid doch alle faule Idioten im Rathaus"})
    assert response.status_code == 200
    assert "ohne beleidigende Ausdrücke" in response.content.decode()
    assert not Message.objects.filter(text__icontains="Idioten").exists()
    assert QuestionStat.objects.get().outcome == "offensive"
    assert not KnowledgeGap.objects.exists()


def test_too_long_and_empty_messages_get_a_clear_error(client, tenant, settings):
    url = reverse("citizen:chat", args=[tenant.slug])
    response = client.post(url, {"message": "x" * 1001})
    assert response.status_code == 400
    assert "zu lang" in response.content.decode()
    response = client.post(url, {"message": "   "})
    assert response.status_code == 400
    assert "Bitte geben Sie eine Frage ein" in response.content.decode()
    assert not Message.objects.exists()


def test_fetch_requests_get_only_the_new_turn(client, tenant):
    url = reverse("citizen:chat", args=[tenant.slug])
    response = client.post(
        url, {"message": "Wann ist das Bürgerbüro geöffnet?"}, headers={"X-Requested-With": "fetch"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div data-turn="true"')
    assert "<html" not in html and 'data-token="' in html


def test_rate_limit_per_session_answers_429_with_retry_after(client, tenant, monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_CITIZEN_RATE_SESSION", "3/60")
    url = reverse("citizen:chat", args=[tenant.slug])
    first = client.post(url, {"message": "Wann ist das Bürgerbüro geöffnet?"})
    token = _token(first)
    codes = [
        client.post(url, {"message": "Und am Samstag?", "token": token}).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    blocked = client.post(url, {"message": "Und am Sonntag?", "token": token})
    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 60
    assert "Bitte warten Sie" in blocked.content.decode()
    # a different conversation from another address is not affected
    other = client.post(url, {"message": "Wo parke ich?"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_rate_limit_per_ip(client, tenant, monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_CITIZEN_RATE_IP", "2/60")
    url = reverse("citizen:chat", args=[tenant.slug])
    codes = [client.post(url, {"message": "Hallo, wie geht das?"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.post(url, {"message": "Hallo?"}, REMOTE_ADDR="10.1.1.1").status_code == 200


def test_feedback_is_counted_without_text(client, tenant):
    url = reverse("citizen:chat", args=[tenant.slug])
    response = client.post(url, {"message": "Wann ist das Bürgerbüro geöffnet?"})
    answer = Message.objects.get(role="assistant")
    response = client.post(
        reverse("citizen:feedback", args=[tenant.slug]),
        {"token": _token(response), "message": answer.pk, "value": "-1"},
    )
    assert response.status_code == 200
    assert QuestionStat.objects.get().feedback == -1
    # a foreign conversation cannot rate it
    stranger = client.post(
        reverse("citizen:feedback", args=[tenant.slug]),
        {"token": "not-the-token", "message": answer.pk, "value": "1"},
    )
    assert stranger.status_code == 400
    assert QuestionStat.objects.get().feedback == -1


def test_handover_requires_consent_then_staff_answers_and_closes(client, tenant, other_tenant):
    url = reverse("citizen:chat", args=[tenant.slug])
    page = client.post(url, {"message": "Mein Antrag auf Wohngeld liegt seit Wochen, was nun?"})
    token = _token(page)
    handover_url = reverse("citizen:handover", args=[tenant.slug])

    refused = client.post(
        handover_url, {"token": token, "channel": "email", "contact": "erika@example.org"}
    )
    assert refused.status_code == 400
    assert "Bitte bestätigen Sie" in refused.content.decode()
    assert not HandoverRequest.objects.exists()

    bad = client.post(
        handover_url, {"token": token, "channel": "email", "contact": "keine-mail", "consent": "1"}
    )
    assert bad.status_code == 400 and "gültige E-Mail" in bad.content.decode()

    done = client.post(
        handover_url,
        {
            "token": token,
            "channel": "email",
            "contact": "erika@example.org",
            "consent": "1",
            "note": "Bitte um Rückruf, Hauptstraße 5",
        },
    )
    assert done.status_code == 200
    assert "weitergeleitet" in done.content.decode()
    request = HandoverRequest.objects.get()
    assert request.team == "Bürgerbüro" and request.status == HandoverStatus.OPEN
    assert "erika@example.org" not in request.contact_encrypted
    assert "Hauptstraße 5" not in request.note
    assert request.transcript[0]["text"].startswith("Mein Antrag auf Wohngeld")

    staff = User.objects.create_user("sb", password="x" * 12)
    add_member(staff, tenant, ["beschaeftigte"], unit="Bürgerbüro")  # the hand-over team
    outsider = User.objects.create_user("fremd", password="x" * 12)
    add_member(outsider, other_tenant, ["administrator"])
    detail = reverse("citizen:staff_handover", args=[request.pk])

    assert client.get(detail).status_code == 302  # login required
    client.force_login(outsider)
    assert client.get(detail).status_code == 404  # other tenant
    assert f"#{request.pk}" not in client.get(reverse("citizen:staff_handovers")).content.decode()

    client.force_login(staff)
    listing = client.get(reverse("citizen:staff_handovers")).content.decode()
    assert f"#{request.pk}" in listing
    shown = client.get(detail).content.decode()
    assert "erika@example.org" in shown
    client.post(detail, {"action": "answer", "answer": "Ihr Antrag ist in Bearbeitung."})
    request.refresh_from_db()
    assert request.status == HandoverStatus.ANSWERED and request.answered_by == staff
    client.post(detail, {"action": "close"})
    request.refresh_from_db()
    assert request.status == HandoverStatus.CLOSED and request.contact_encrypted == ""

    client.logout()
    again = client.post(url, {"message": "Danke!", "token": token})
    assert "Ihr Antrag ist in Bearbeitung." in again.content.decode()


def test_staff_analytics_counts_without_personal_data(client, tenant):
    url = reverse("citizen:chat", args=[tenant.slug])
    client.post(url, {"message": "Mein Name ist Erika Mustermann, wo beantrage ich Wohngeld?"})
    client.post(url, {"message": "Du dumme Schlampe"})
    staff = User.objects.create_user("sb", password="x" * 12)
    add_member(staff, tenant, ["beschaeftigte"], unit="Bürgerbüro")
    client.force_login(staff)
    html = client.get(reverse("citizen:staff_analytics")).content.decode()
    assert 'id="stat-total">2<' in html
    assert 'id="stat-unanswered">1<' in html
    assert "Mustermann" not in html and "Schlampe" not in html


def test_expired_conversations_are_purged_but_counts_stay(client, tenant):
    from datetime import timedelta

    from django.utils import timezone

    from aktenkundig.citizen.services import purge_expired

    url = reverse("citizen:chat", args=[tenant.slug])
    page = client.post(url, {"message": "Wann ist das Bürgerbüro geöffnet?"})
    CitizenSession.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    result = purge_expired()
    assert result["sessions"] == 1
    assert not Message.objects.exists()
    assert QuestionStat.objects.count() == 1
    # the old token now starts a fresh conversation
    client.post(url, {"message": "Hallo, noch da?", "token": _token(page)})
    assert CitizenSession.objects.count() == 1


def test_embed_script_is_served_as_javascript(client):
    response = client.get(reverse("citizen:embed_js"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"data-tenant" in response.content


def test_purge_command(tenant):
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from aktenkundig.citizen.services import start_session

    session, _token = start_session(tenant)
    CitizenSession.objects.filter(pk=session.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    out = StringIO()
    call_command("citizen_purge", stdout=out)
    assert "1 Gespräche gelöscht" in out.getvalue()
    assert not CitizenSession.objects.exists()


def test_staff_answer_reaches_the_conversation_by_refresh_and_next_turn(client, tenant):
    from aktenkundig.citizen import services

    url = reverse("citizen:chat", args=[tenant.slug])
    page = client.post(url, {"message": "Wo melde ich meinen Hund an?"})
    token = _token(page)
    client.post(
        reverse("citizen:handover", args=[tenant.slug]),
        {"token": token, "channel": "phone", "contact": "0171 2345678", "consent": "1"},
    )
    last_shown = Message.objects.order_by("-id").first().pk
    staff = User.objects.create_user("sb", password="x" * 12)
    add_member(staff, tenant, ["beschaeftigte"], unit="Bürgerbüro")
    request = HandoverRequest.objects.get()
    services.answer_handover(request, user=staff, text="Im Bürgerbüro, Raum 4.")

    refreshed = client.post(reverse("citizen:refresh", args=[tenant.slug]), {"token": token})
    assert refreshed.status_code == 200 and "Im Bürgerbüro, Raum 4." in refreshed.content.decode()
    expired = client.post(reverse("citizen:refresh", args=[tenant.slug]), {"token": "alt"})
    assert expired.status_code == 400 and "abgelaufen" in expired.content.decode()

    # The script says what it shows; the next turn brings the staff reply along.
    turn = client.post(
        url,
        {"message": "Danke, und die Hundemarke?", "token": token, "seen": str(last_shown)},
        headers={"X-Requested-With": "fetch"},
    ).content.decode()
    assert turn.index("Im Bürgerbüro, Raum 4.") < turn.index("Danke, und die Hundemarke?")
