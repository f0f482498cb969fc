"""The public chatbot as JSON for the authority's own website (issue #9, point 12).

``POST /api/citizen/<tenant>/ask`` is the chat page's service behind another door:
public collections only, moderation, hand-over offer, rate limits shared with the
page, the disclosure text, and one audit record per answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from aktenkundig.accounts.models import Role
from aktenkundig.citizen.models import KnowledgeGap, Message
from aktenkundig.citizen.tests.conftest import member
from aktenkundig.core.models import AccessLevel, Collection
from aktenkundig.documents.services import ingest_paths
from aktenkundig.governance import policy
from aktenkundig.governance.models import AuditRecord
from aktenkundig.search.services import embed_pending

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def corpus(tenant):
    public = Collection.objects.create(
        tenant=tenant, name="Satzungen und FAQ", access_level=AccessLevel.OFFEN, is_public=True
    )
    intern = Collection.objects.create(
        tenant=tenant, name="Dienstanweisungen", access_level=AccessLevel.INTERN
    )
    assert ingest_paths([FIXTURES / "oeffentlich"], public).ok
    assert ingest_paths([FIXTURES / "intern"], intern).ok
    embed_pending(tenant=tenant)  # questions in other languages are found by meaning
    return public


def ask(client: Client, tenant, question: str, **extra):
    headers = {k: extra.pop(k) for k in list(extra) if k.startswith("HTTP_")}
    return client.post(
        f"/api/citizen/{tenant.slug}/ask", json.dumps({"question": question, **extra}),
        content_type="application/json", **headers,
    )  # fmt: skip


def _ai_records(tenant) -> int:
    return AuditRecord.objects.filter(tenant=tenant, kind="ai", feature="citizen").count()


def test_answer_with_sources_language_disclosure_and_audit(client, tenant, corpus):
    response = ask(client, tenant, "How much is the dog tax for the first dog?")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"answer", "language", "refused", "handover_offered", "citations"}
    assert body["language"] == "en"
    assert body["refused"] is False and body["handover_offered"] is False
    assert "96 Euro" in body["answer"]
    citation = body["citations"][0]
    assert set(citation) == {"title", "section", "quote", "url"}
    assert "Hundesteuer" in citation["title"] and citation["quote"]
    assert citation["url"].startswith(f"http://testserver/buerger/{tenant.slug}/dokumente/")
    assert client.get(citation["url"].removeprefix("http://testserver")).status_code == 200
    assert tenant.name in body["disclosure"] and "nicht mit einem Menschen" in body["disclosure"]
    assert response["X-AI-Generated"] == "true"
    assert not response.cookies
    assert _ai_records(tenant) == 1
    # The conversation goes on with the returned session.
    again = ask(client, tenant, "And for the second dog?", session=body["session"])
    assert again.json()["session"] == body["session"]
    assert Message.objects.filter(role="assistant").count() == 2


def test_only_public_sources_and_refusal_offers_a_person(client, tenant, corpus):
    body = ask(client, tenant, "Was ist das Zebrafink-Protokoll 4711?").json()
    assert body["refused"] is True and body["handover_offered"] is True
    assert body["citations"] == [] and "Zebrafink-Protokoll 4711 ist" not in body["answer"]


def test_asking_for_a_person_offers_the_handover_not_a_refusal(client, tenant, corpus):
    body = ask(client, tenant, "Ich möchte mit einem Menschen sprechen").json()
    assert body["handover_offered"] is True
    assert "weiter" in body["answer"] and "nichts" not in body["answer"]
    assert not KnowledgeGap.objects.filter(tenant=tenant).exists()


def test_insults_are_moderated(client, tenant, corpus):
    body = ask(client, tenant, "Ihr seid doch alle Idioten und Vollpfosten").json()
    assert body["refused"] is True and body["citations"] == []
    assert Message.objects.get(role="citizen").text.startswith("[beleidigende Nachricht")


def test_rate_limit_is_shared_with_the_page(client, tenant, corpus, monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_CITIZEN_RATE_IP", "2/60")
    assert ask(client, tenant, "Wie hoch ist die Hundesteuer?").status_code == 200
    page = client.post(f"/buerger/{tenant.slug}/", {"message": "Wann hat das Bürgerbüro auf?"})
    assert page.status_code == 200
    limited = ask(client, tenant, "Wie hoch ist die Hundesteuer?")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0


def test_unknown_tenant_kill_switch_and_bad_input(client, tenant, corpus):
    assert ask(client, type("T", (), {"slug": "gibt-es-nicht"}), "Hallo?").status_code == 404
    assert ask(client, tenant, "   ").status_code == 400
    officer = member(tenant, "abschalterin", [Role.AI_OFFICER])
    policy.kill(tenant, "citizen", officer, reason="Prüfung")
    response = ask(client, tenant, "Wie hoch ist die Hundesteuer?")
    assert response.status_code == 503 and "nicht verfügbar" in response.json()["detail"]
    assert _ai_records(tenant) == 0


def test_the_tenants_own_website_may_call_it_from_the_browser(client, tenant, corpus):
    origin = "https://www.musterstadt.de"  # allowed to embed the chat (conftest)
    preflight = client.options(f"/api/citizen/{tenant.slug}/ask", HTTP_ORIGIN=origin,
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == origin
    response = ask(client, tenant, "Wie hoch ist die Hundesteuer?", HTTP_ORIGIN=origin)
    assert response["Access-Control-Allow-Origin"] == origin
    other = ask(client, tenant, "Wie hoch ist die Hundesteuer?", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
