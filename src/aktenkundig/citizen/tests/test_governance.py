"""Governance of the chatbot: off until its KI-Register entry is approved, off
again at once when switched off, every answer in the audit log, and the
disclosure links to the public register entry."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from aktenkundig.accounts.models import Role
from aktenkundig.citizen import answering, services
from aktenkundig.citizen.models import Message
from aktenkundig.citizen.tests.conftest import approve_citizen_entry, member
from aktenkundig.governance import audit, policy
from aktenkundig.governance.models import AuditRecord, RegisterEntry

pytestmark = pytest.mark.django_db
QUESTION = "Wann hat das Bürgerbüro geöffnet?"


@pytest.fixture
def no_ai(monkeypatch):
    """Fails the test if anything tries to answer (the chatbot must not be asked)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the answerer was called although the chatbot is off")

    monkeypatch.setattr(answering, "_answer_uncached", refuse)
    monkeypatch.setattr(services, "answer_public", refuse)


def _ai_records(tenant) -> list[dict]:
    return [
        json.loads(r.body)
        for r in AuditRecord.objects.filter(tenant=tenant, kind="ai", feature="citizen")
    ]


def _assert_unavailable_page(html: str, tenant) -> None:
    assert 'id="unavailable"' in html and 'data-ai-available="false"' in html
    assert "ist zurzeit nicht verfügbar" in html
    assert tenant.contact in html
    assert 'id="ask-form"' not in html and 'id="disclosure"' not in html
    # A person can still be reached.
    assert 'id="handover-form"' in html


def test_off_until_the_register_entry_is_approved(unapproved_tenant, no_ai):
    tenant = unapproved_tenant
    client = Client()
    url = reverse("citizen:chat", args=[tenant.slug])
    response = client.get(url)
    assert response.status_code == 200
    _assert_unavailable_page(response.content.decode(), tenant)
    assert 'data-reason="not_registered"' in response.content.decode()

    response = client.post(url, {"message": QUESTION})
    assert response.status_code == 503
    assert "Ihre Nachricht wurde nicht gespeichert" in response.content.decode()
    fetched = client.post(url, {"message": QUESTION}, headers={"X-Requested-With": "fetch"})
    assert fetched.status_code == 503 and "data-turn" in fetched.content.decode()
    assert not Message.objects.exists()
    assert _ai_records(tenant) == []

    session, _token = services.start_session(tenant)
    with pytest.raises(services.CitizenUnavailable) as raised:
        services.ask(session, QUESTION)
    assert raised.value.decision.code == "not_registered"
    assert not Message.objects.exists()


def test_a_submitted_but_unapproved_entry_is_not_enough(unapproved_tenant, no_ai):
    from aktenkundig.governance import register

    tenant = unapproved_tenant
    # Both roles in one person: may edit and approve, but not their own work.
    editor = member(tenant, "redaktion", [Role.SUBJECT_ADMIN, Role.AI_OFFICER])
    register.ensure_default_entries(tenant)
    entry = RegisterEntry.objects.get(tenant=tenant, feature="citizen")
    register.update_entry(entry, editor, status="in_use", responsible_unit="Bürgerbüro",
                          legal_basis="§ 3 EGovG")
    register.submit(entry, editor)
    with pytest.raises(register.RegisterPermissionError):
        register.approve(entry, editor)
    response = Client().get(reverse("citizen:chat", args=[tenant.slug]))
    assert 'id="unavailable"' in response.content.decode()


def test_approved_chatbot_answers_and_links_its_public_register_entry(unapproved_tenant):
    tenant = unapproved_tenant
    entry = approve_citizen_entry(tenant)
    client = Client()
    html = client.get(reverse("citizen:chat", args=[tenant.slug])).content.decode()
    assert 'id="disclosure"' in html and 'id="unavailable"' not in html
    link = reverse(
        "governance:public_entry", kwargs={"tenant_slug": tenant.slug, "entry_slug": entry.slug}
    )
    assert f'href="{link}"' in html
    # The register entry page is public: no login, and it describes the chatbot.
    public = client.get(link)
    assert public.status_code == 200
    assert "Bürger-Chatbot" in public.content.decode()

    response = client.post(reverse("citizen:chat", args=[tenant.slug]), {"message": QUESTION})
    assert response.status_code == 200
    assert Message.objects.filter(role="assistant").count() == 1


def test_kill_switch_takes_effect_on_the_next_message(tenant, no_ai):
    officer = member(tenant, "abschalterin", [Role.AI_OFFICER])
    client = Client()
    url = reverse("citizen:chat", args=[tenant.slug])
    policy.kill(tenant, "citizen", officer, reason="Falsche Auskünfte zu Gebühren")
    response = client.get(url)
    _assert_unavailable_page(response.content.decode(), tenant)
    assert 'data-reason="killed"' in response.content.decode()
    response = client.post(url, {"message": QUESTION})
    assert response.status_code == 503
    assert not Message.objects.exists()
    assert _ai_records(tenant) == []


def test_kill_switch_stops_a_running_conversation_and_restore_resumes_it(tenant):
    officer = member(tenant, "abschalterin", [Role.AI_OFFICER])
    client = Client()
    url = reverse("citizen:chat", args=[tenant.slug])
    first = client.post(url, {"message": QUESTION})
    token = re.search(r'name="token" value="([^"]+)"', first.content.decode()).group(1)
    assert Message.objects.filter(role="assistant").count() == 1

    policy.kill(tenant, "citizen", officer, reason="Prüfung")
    stopped = client.post(url, {"message": "Und am Samstag?", "token": token})
    assert stopped.status_code == 503
    html = stopped.content.decode()
    assert 'id="unavailable"' in html
    # The conversation so far stays visible; nothing new was stored.
    assert QUESTION in html
    assert Message.objects.count() == 2

    policy.restore(tenant, "citizen", officer)
    resumed = client.post(url, {"message": "Und am Samstag?", "token": token})
    assert resumed.status_code == 200
    assert Message.objects.filter(role="assistant").count() == 2


def test_every_answer_is_in_the_audit_log_pseudonymised(tenant):
    officer = member(tenant, "ki-richtlinie", [Role.AI_OFFICER])
    client = Client()
    url = reverse("citizen:chat", args=[tenant.slug])
    # Default policy: only digests of the texts.
    client.post(url, {"message": "Mein Name ist Erika Mustermann, erika@example.org. " + QUESTION})
    records = _ai_records(tenant)
    assert len(records) == 1
    stored = Message.objects.get(role="citizen").text
    assert "erika@example.org" not in stored
    data = records[0]["data"]
    assert data["content"] == "hash"
    assert data["input"] == audit.text_digest(stored)
    assert data["output"] == audit.text_digest(Message.objects.get(role="assistant").text)
    assert data["extra"]["outcome"] == "no_source"
    assert records[0]["case"].startswith("citizen-")

    # With pseudonymised text kept, the log still holds no personal data.
    policy.update_policy(tenant, "citizen", officer, audit_content="pseudonymised")
    personal = "Ich bin Erika Mustermann, Tel. 0171 2345678. Was kostet ein Hund?"
    client.post(url, {"message": personal})
    records = _ai_records(tenant)
    assert len(records) == 2
    body = json.dumps(records[1])
    assert "Mustermann" not in body and "2345678" not in body
    assert records[1]["data"]["input"] == Message.objects.filter(role="citizen").last().text
    # Offensive messages are answered by the filter: logged, the insult is not.
    client.post(url, {"message": "Ihr seid doch alle dumme Idioten"})
    records = _ai_records(tenant)
    assert len(records) == 3 and records[2]["data"]["extra"]["outcome"] == "offensive"
    assert "Idioten" not in json.dumps(records[2])
    assert audit.verify_chain(tenant).ok
