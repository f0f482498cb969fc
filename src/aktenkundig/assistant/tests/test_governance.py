"""Issue 6 for the staff assistant: off until its KI-Register entry is approved,
kill switch, KI-Richtlinie, KI-Führerschein; every answer and every human action on
one in the tamper-evident audit log, without clear-text personal data."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from aktenkundig.accounts.services import create_api_token
from aktenkundig.core.models import AccessLevel, Tenant
from aktenkundig.core.services import get_or_create_collection
from aktenkundig.documents.services import ingest_file
from aktenkundig.governance import audit, policy
from aktenkundig.governance.models import AuditRecord
from aktenkundig.history.models import Turn
from aktenkundig.testing.accounts import approve_assistant

FIXTURES = Path(__file__).parent / "fixtures"
QUESTION = "Wie hoch ist die Hundesteuer für den ersten Hund?"
# Made-up person and the standard example IBAN: must never reach the log in clear.
PII_QUESTION = (
    "Frau Erika Mustermann, IBAN DE89 3704 0044 0532 0130 00, fragt: "
    "Wie hoch ist die Hundesteuer für den ersten Hund?"
)
CLEAR_TEXT = ("Mustermann", "Erika", "DE89", "3704 0044", "370400440532013000")


@pytest.fixture
def indexed(satzungen):
    result = ingest_file(FIXTURES / "hundesteuersatzung.md", satzungen)
    assert result.document is not None
    return result.document


def events(response) -> list[tuple[str, dict]]:
    body = b"".join(response.streaming_content).decode()
    out = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def api(client, user):
    _token, raw = create_api_token(user, "test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def post(question: str, **extra):
        return client.post("/api/assistant/ask", {"question": question, **extra},
                           content_type="application/json", **auth)

    return post


def ai_records(tenant) -> list[dict]:
    return [json.loads(body) for body in AuditRecord.objects.filter(
        tenant=tenant, kind="ai").order_by("seq").values_list("body", flat=True)]


def assert_refused_everywhere(client, user, reason: str) -> None:
    client.force_login(user)
    page = client.get(reverse("assistant:ask"))
    assert page.status_code == 403
    html = page.content.decode()
    assert reason in html and reverse("documents:library") in html
    assert 'id="ask-form"' not in html
    posted = client.post(reverse("assistant:ask"), {"question": QUESTION})
    assert posted.status_code == 403 and reason in posted.content.decode()
    streamed = client.post(reverse("assistant:stream"), {"question": QUESTION})
    assert streamed.status_code == 403
    [(kind, data)] = events(streamed)
    assert kind == "error" and reason in data["message"]
    assert "Dokumentenbibliothek" in data["message"]
    ask = api(client, user)
    for extra in ({}, {"stream": True}):
        refused = ask(QUESTION, **extra)
        assert refused.status_code == 403 and reason in refused.json()["detail"]


def test_off_until_the_register_entry_is_approved(client, make_user, monkeypatch, indexed):
    fresh = Tenant.objects.create(slug="neustadt", name="Gemeinde Neustadt")
    ingest_file(FIXTURES / "hundesteuersatzung.md",
                get_or_create_collection(fresh, "Satzungen", AccessLevel.OFFEN))
    clerk = make_user("neu", fresh)

    def no_search(*args, **kwargs):
        raise AssertionError("a refused request must not search")

    with monkeypatch.context() as patched:
        patched.setattr("aktenkundig.assistant.services.retrieve", no_search)
        assert_refused_everywhere(client, clerk, "es fehlt ein genehmigter Eintrag im KI-Register")
    assert not Turn.objects.filter(conversation__tenant=fresh).exists()
    assert ai_records(fresh) == []

    approve_assistant(fresh)
    assert client.get(reverse("assistant:ask")).status_code == 200
    answer = api(client, clerk)(QUESTION)
    assert answer.status_code == 200 and "96 Euro" in answer.json()["text"]


def test_kill_switch_refuses_at_once_and_restore_reenables(client, staff_member, ai_officer,
                                                          tenant, indexed):
    ask = api(client, staff_member)
    assert ask(QUESTION).status_code == 200
    # Through the Schalter page, as the KI-Beauftragte would.
    client.force_login(ai_officer)
    switched = client.post(reverse("governance:switches"), {
        "feature": "assistant", "action": "kill", "reason": "Falsche Auskünfte gemeldet"})
    assert switched.status_code == 302
    assert_refused_everywhere(client, staff_member, "Falsche Auskünfte gemeldet")

    policy.restore(tenant, "assistant", ai_officer)
    assert ask(QUESTION).status_code == 200
    client.force_login(staff_member)
    # The page carries on with the conversation just had (through the API).
    assert client.get(reverse("assistant:ask"), follow=True).status_code == 200


def test_literacy_and_data_level_of_the_ki_richtlinie(client, make_user, staff_member,
                                                      ai_officer, tenant, satzungen, indexed):
    untrained = make_user("neuling", tenant, trained=False)
    client.force_login(untrained)
    page = client.get(reverse("assistant:ask"))
    assert page.status_code == 403 and "KI-Führerschein" in page.content.decode()
    assert reverse("governance:training") in page.content.decode()

    internal = get_or_create_collection(tenant, "Dienstanweisungen", AccessLevel.INTERN)
    policy.update_policy(tenant, "assistant", ai_officer, max_data_level=AccessLevel.OFFEN)
    ask = api(client, staff_member)
    refused = ask(QUESTION, collections=[internal.pk])
    assert refused.status_code == 403 and "Schutzstufe" in refused.json()["detail"]
    assert ask(QUESTION, collections=[satzungen.pk]).status_code == 200
    # The page stays usable: the person can choose the collections allowed.
    client.force_login(staff_member)
    page = client.post(reverse("assistant:ask"),
                       {"question": QUESTION, "collections": [internal.pk]})
    assert page.status_code == 403 and 'id="ask-form"' in page.content.decode()


@pytest.mark.parametrize("content", ["hash", "pseudonymised"])
def test_every_answer_is_audited_without_clear_text(client, staff_member, ai_officer, tenant,
                                                    indexed, content):
    policy.update_policy(tenant, "assistant", ai_officer, audit_content=content)
    client.force_login(staff_member)
    client.post(reverse("assistant:ask"), {"question": PII_QUESTION})
    events(client.post(reverse("assistant:stream"), {"question": PII_QUESTION}))
    ask = api(client, staff_member)
    assert ask(PII_QUESTION).status_code == 200
    events(ask(PII_QUESTION, stream=True))

    turns = list(Turn.objects.filter(conversation__user=staff_member).order_by("pk"))
    records = ai_records(tenant)
    assert len(turns) == len(records) == 4
    assert [r["data"]["extra"]["channel"] for r in records] == ["web", "web", "api", "api"]
    for turn, record in zip(turns, records, strict=True):
        assert not turn.refused and "96 Euro" in turn.answer
        data = record["data"]
        assert record["feature"] == "assistant" and record["actor"]["id"] == staff_member.pk
        assert record["case"] == f"unterhaltung-{turn.conversation_id}"
        assert data["sources"] == [str(c["chunk_id"]) for c in turn.citations] != []
        assert data["backend"] == "extraktiv" and data["prompt_version"]
        assert data["latency_ms"] > 0 and data["content"] == content
        if content == "hash":
            assert data["input"] == audit.text_digest(PII_QUESTION)
            assert data["output"] == audit.text_digest(turn.answer)
        else:
            assert "Hundesteuer" in data["input"] and "[PERSON]" in data["input"]
            assert "[IBAN" in data["input"] or "[BANK" in data["input"], data["input"]
    stored = "".join(AuditRecord.objects.filter(tenant=tenant).values_list("body", flat=True))
    for clear in CLEAR_TEXT:
        assert clear not in stored

    out = io.StringIO()
    call_command("audit", "verify", "--tenant", tenant.slug, stdout=out)
    assert "Kette in Ordnung" in out.getvalue()


def test_feedback_and_deletion_are_human_actions(client, staff_member, tenant, indexed):
    client.force_login(staff_member)
    client.post(reverse("assistant:ask"), {"question": QUESTION})
    turn = Turn.objects.get(conversation__user=staff_member)
    client.post(reverse("history:feedback", args=[turn.pk]),
                {"helpful": "nein", "reasons": ["veraltet"], "comment": "Frau Mustermann sagt"})
    client.post(reverse("history:delete", args=[turn.conversation_id]))
    human = [json.loads(b) for b in AuditRecord.objects.filter(
        tenant=tenant, kind="human").order_by("seq").values_list("body", flat=True)]
    assert [h["data"]["action"] for h in human] == ["feedback", "conversation_deleted"]
    assert {h["case"] for h in human} == {f"unterhaltung-{turn.conversation_id}"}
    assert human[0]["data"]["helpful"] is False and human[0]["data"]["comment"] is True
    assert "Mustermann" not in "".join(
        AuditRecord.objects.filter(tenant=tenant).values_list("body", flat=True))
    assert audit.verify_chain(tenant).ok
