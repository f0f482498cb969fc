"""Ask page and ask API: streamed answers with citations, stored per user, per tenant."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from aktenkundig.accounts.services import create_api_token
from aktenkundig.documents.services import ingest_file
from aktenkundig.history.models import Turn

FIXTURES = Path(__file__).parent / "fixtures"
QUESTION = "Wie hoch ist die Hundesteuer für den ersten Hund?"


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


def test_ask_page_streams_answer_with_citations(client, staff_member, indexed):
    client.force_login(staff_member)
    page = client.get(reverse("assistant:ask"))
    assert b'aria-live="polite"' in page.content and b"Satzungen" in page.content
    response = client.post(reverse("assistant:stream"), {"question": QUESTION})
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["X-AI-Generated"] == "true"
    stream = events(response)
    kinds = [kind for kind, _ in stream]
    assert kinds[0] == "start" and "delta" in kinds and kinds[-1] == "done"
    done = stream[-1][1]
    assert "96 Euro" in done["text"] and not done["refused"]
    assert done["citations"][0]["document_id"] == indexed.pk
    chunk_id = done["citations"][0]["chunk_id"]
    assert f"/dokumente/{indexed.pk}/?stelle={chunk_id}#stelle-{chunk_id}" in done["html"]
    assert 'data-ai-generated="false"' in done["html"]  # extractive: no language model
    turn = Turn.objects.get(pk=done["turn_id"])
    assert turn.conversation.user == staff_member and turn.citations == done["citations"]
    passage = client.get(f"/dokumente/{indexed.pk}/", {"stelle": chunk_id}).content.decode()
    assert f'class="passage highlight" id="stelle-{chunk_id}"' in passage


def test_ask_without_javascript_and_conversations_continue(client, staff_member, indexed):
    client.force_login(staff_member)
    response = client.post(reverse("assistant:ask"), {"question": QUESTION})
    assert response.status_code == 302
    page = client.get(response.url)
    assert b"96 Euro" in page.content and b'class="cite"' in page.content
    conversation = Turn.objects.get().conversation
    client.post(reverse("assistant:ask"), {"question": "Wann ist die Steuer fällig?",
                                           "unterhaltung": conversation.pk})
    assert conversation.turns.count() == 2
    empty = client.post(reverse("assistant:ask"), {"question": "   "})
    assert b"Bitte geben Sie eine Frage ein" in empty.content


def test_other_tenant_gets_no_answer_from_our_documents(client, stranger, staff_member,
                                                       indexed, satzungen):
    client.force_login(stranger)
    done = events(client.post(reverse("assistant:stream"),
                              {"question": QUESTION, "collections": [satzungen.pk]}))[-1][1]
    assert done["refused"] and done["citations"] == []
    # Someone else's conversation cannot be continued or even confirmed.
    client.force_login(staff_member)
    client.post(reverse("assistant:ask"), {"question": QUESTION})
    conversation = Turn.objects.get(conversation__user=staff_member).conversation
    client.force_login(stranger)
    assert client.get(reverse("assistant:ask"),
                      {"unterhaltung": conversation.pk}).status_code == 404
    assert client.post(reverse("assistant:stream"), {
        "question": QUESTION, "unterhaltung": conversation.pk}).status_code == 404


def test_api_ask_json_and_stream(client, staff_member, stranger, indexed):
    _t, raw = create_api_token(staff_member, "test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.post("/api/assistant/ask", {"question": QUESTION},
                       content_type="application/json").status_code == 401
    answer = client.post("/api/assistant/ask", {"question": QUESTION},
                         content_type="application/json", **auth).json()
    assert "96 Euro" in answer["text"] and answer["citations"][0]["number"] == 1
    assert answer["ai_generated"] is False and answer["turn_id"]
    follow_up = client.post(
        "/api/assistant/ask",
        {"question": "Und für einen gefährlichen Hund?", "conversation_id":
         answer["conversation_id"], "stream": True},
        content_type="application/json", **auth,
    )
    assert follow_up["X-AI-Generated"] == "true"
    assert events(follow_up)[-1][0] == "done"
    assert client.post("/api/assistant/ask", {"question": ""},
                       content_type="application/json", **auth).status_code == 422

    _t, other = create_api_token(stranger, "test")
    foreign = client.post("/api/assistant/ask",
                          {"question": QUESTION, "conversation_id": answer["conversation_id"]},
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {other}")
    assert foreign.status_code == 404
    theirs = client.post("/api/assistant/ask", {"question": QUESTION},
                         content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {other}").json()
    assert theirs["refused"] and theirs["citations"] == []


def test_api_search_is_scoped(client, staff_member, stranger, indexed, satzungen):
    _t, raw = create_api_token(staff_member, "test")
    hits = client.get("/api/search/", {"q": "Blindenführhunde"},
                      HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert hits and hits[0]["document_id"] == indexed.pk and "§ 3" in hits[0]["section"]
    assert client.get("/api/search/", {"q": " "},
                      HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 422
    _t, other = create_api_token(stranger, "test")
    assert client.get("/api/search/", {"q": "Blindenführhunde", "collections": satzungen.pk},
                      HTTP_AUTHORIZATION=f"Bearer {other}").json() == []
    assert client.get("/api/search/", {"q": "Hund"}).status_code == 401
