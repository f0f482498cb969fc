"""Follow-up questions are resolved against the conversation, and a question can be
asked about one document only (issue #9, point 4), on the demo's sample documents."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aktenkundig.assistant import followup
from aktenkundig.assistant.services import answer
from aktenkundig.documents.models import Document
from aktenkundig.history.models import Turn
from aktenkundig.search.services import search

pytestmark = [pytest.mark.slow]

FIRST = "Wie melde ich meinen Wohnsitz an?"
FOLLOW_UP = "Was muss ich dafür mitbringen?"


@pytest.mark.parametrize(("question", "expected"), [
    ("Und wie lange gilt das?", True),
    ("Und wann ist sie fällig?", True),
    ("Was kostet das?", True),
    ("Was muss ich dafür mitbringen?", True),
    ("What about the second dog?", True),
    ("Wann hat das Bürgerbüro geöffnet?", False),  # „das“ as an article
    ("Wie hoch ist die Hundesteuer für den zweiten Hund?", False),
    ("Wie melde ich Sperrmüll an?", False),
])  # fmt: skip
def test_follow_up_is_recognised_by_its_form(question, expected):
    assert followup.is_follow_up(question) is expected


def test_resolve_keeps_standalone_questions_and_joins_follow_ups():
    assert followup.resolve("Wie melde ich Sperrmüll an?", [FIRST]) == "Wie melde ich Sperrmüll an?"
    assert followup.resolve(FOLLOW_UP, []) == FOLLOW_UP
    assert followup.resolve(FOLLOW_UP, [FIRST]) == f"{FIRST} {FOLLOW_UP}"


def test_follow_up_answers_from_the_previous_topic(musterhausen):
    tenant = musterhausen.tenant
    first = answer(FIRST, tenant=tenant, use_llm=False)
    assert not first.refused
    alone = answer(FOLLOW_UP, tenant=tenant, use_llm=False)
    assert alone.refused  # on its own it asks about nothing in particular
    followed = answer(FOLLOW_UP, tenant=tenant, use_llm=False, previous=[FIRST])
    assert not followed.refused
    assert "Personalausweis" in followed.text
    assert followed.question == FOLLOW_UP and followed.query == f"{FIRST} {FOLLOW_UP}"

    # „Und wie lange gilt das?“ after the Ermäßigung: alone it finds the Personalausweis.
    ermaessigung = "Kann ich eine Ermäßigung der Hundesteuer bekommen?"
    alone = answer("Und wie lange gilt das?", tenant=tenant, use_llm=False)
    followed = answer("Und wie lange gilt das?", tenant=tenant, use_llm=False,
                      previous=[ermaessigung])
    assert "Ermäßigung" not in alone.text
    assert "ermäßig" in followed.text.lower() and not followed.refused


def test_web_conversation_resolves_follow_ups(client, make_user, musterhausen):
    from aktenkundig.accounts.models import Role
    from aktenkundig.testing.accounts import approve_assistant

    tenant = musterhausen.tenant
    approve_assistant(tenant)
    person = make_user("sachbearbeitung", tenant, [Role.STAFF])
    client.force_login(person)
    client.post(reverse("assistant:ask"), {"question": FIRST})
    first = Turn.objects.get(conversation__user=person)
    response = client.post(
        reverse("assistant:ask"),
        {"question": FOLLOW_UP, "unterhaltung": first.conversation_id},
    )
    assert response.status_code == 302
    second = Turn.objects.filter(conversation__user=person).latest("pk")
    assert second.conversation_id == first.conversation_id
    assert second.query == f"{FIRST} {FOLLOW_UP}" and second.follow_up_of == FIRST
    assert "Personalausweis" in second.answer
    page = client.get(response["Location"])
    assert "Rückfrage zu:" in page.content.decode()


def test_search_and_answers_stay_in_the_chosen_document(musterhausen):
    tenant = musterhausen.tenant
    faq = Document.objects.get(collection=musterhausen, title__icontains="Häufige Fragen")
    question = "Wie hoch ist die Hundesteuer?"
    everywhere = search(question, tenant=tenant, limit=20)
    assert {h.document_id for h in everywhere} - {faq.pk}  # the Satzung answers too
    for mode in ("bm25", "dense", "hybrid"):
        hits = search(question, tenant=tenant, limit=20, mode=mode, documents=[faq])
        assert hits and {h.document_id for h in hits} == {faq.pk}, mode
    result = answer(question, tenant=tenant, use_llm=False, documents=[faq])
    assert not result.refused
    assert {c.document_id for c in result.citations} == {faq.pk}


def test_one_document_scope_is_checked_against_the_reader(client, make_user, tenant,
                                                          musterhausen):
    """Someone of another tenant cannot ask about (or learn of) a Musterhausen document."""
    from aktenkundig.accounts.models import Role

    outsider = make_user("aussen", tenant, [Role.STAFF])
    client.force_login(outsider)
    faq = Document.objects.filter(collection=musterhausen).first()
    assert client.get(reverse("assistant:ask"), {"dokument": faq.pk}).status_code == 404
    response = client.post(reverse("assistant:stream"),
                           {"question": "Wie hoch ist die Hundesteuer?", "dokument": faq.pk})
    assert response.status_code == 404
    assert not Turn.objects.filter(conversation__user=outsider).exists()


def test_api_follow_up_and_document_scope(client, make_user, musterhausen):
    from aktenkundig.accounts.models import Role
    from aktenkundig.accounts.services import create_api_token
    from aktenkundig.testing.accounts import approve_assistant

    tenant = musterhausen.tenant
    approve_assistant(tenant)
    person = make_user("api-nutzer", tenant, [Role.STAFF])
    _token, raw = create_api_token(person, "test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def ask(**body):
        return client.post("/api/assistant/ask", body, content_type="application/json", **auth)

    first = ask(question=FIRST).json()
    second = ask(question=FOLLOW_UP, conversation_id=first["conversation_id"]).json()
    assert second["query"] == f"{FIRST} {FOLLOW_UP}" and "Personalausweis" in second["text"]
    faq = Document.objects.get(collection=musterhausen, title__icontains="Häufige Fragen")
    scoped = ask(question="Wie hoch ist die Hundesteuer?", document_id=faq.pk).json()
    assert {c["document_id"] for c in scoped["citations"]} == {faq.pk}
    assert ask(question="Wie hoch ist die Hundesteuer?", document_id=10**9).status_code == 404
