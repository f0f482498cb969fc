"""Details of the citizen chat found in first real use (issue #9, point 6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from aktenkundig.citizen.models import KnowledgeGap, Message, Outcome
from aktenkundig.core.models import AccessLevel, Collection
from aktenkundig.documents.services import ingest_paths
from aktenkundig.search.services import embed_pending

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def corpus(tenant):
    public = Collection.objects.create(
        tenant=tenant, name="Satzungen und FAQ", access_level=AccessLevel.OFFEN, is_public=True
    )
    assert ingest_paths([FIXTURES / "oeffentlich"], public).ok
    embed_pending(tenant=tenant)
    return public


def _answer(html: str) -> str:
    return html[html.index('<article class="answer"'):html.index("</article>")]


def test_asking_for_a_person_opens_the_handover(client, tenant, corpus):
    url = reverse("citizen:chat", args=[tenant.slug])
    response = client.post(url, {"message": "Ich möchte mit einem Menschen sprechen"})
    html = response.content.decode()
    assert '<details class="handover" id="handover" open>' in html
    answer = Message.objects.get(role="assistant")
    assert answer.outcome == Outcome.HANDOVER
    assert "keine Antwort gefunden" not in answer.text
    assert not KnowledgeGap.objects.exists()


def test_labels_follow_the_citizens_language(client, tenant, corpus):
    url = reverse("citizen:chat", args=[tenant.slug])
    html = client.post(url, {"message": "How much is the dog tax for the first dog?"}).content
    answer = _answer(html.decode())
    assert Message.objects.get(role="assistant").outcome == Outcome.ANSWERED
    for english in ("AI assistant", "Sources", "Was this helpful?", ">Yes<", ">No<",
                    "Only the responsible office can give binding information:"):
        assert english in answer, english
    for german in ("Quellen", "War das hilfreich?", "KI-Assistent", ">Ja<"):
        assert german not in answer, german


def test_binding_note_without_a_contact_does_not_end_in_a_colon(client, tenant, corpus):
    tenant.contact = ""
    tenant.save(update_fields=["contact"])
    url = reverse("citizen:chat", args=[tenant.slug])
    html = client.post(url, {"message": "Wie hoch ist die Hundesteuer für den ersten Hund?"})
    answer = _answer(html.content.decode())
    assert "Verbindliche Auskünfte gibt nur die zuständige Stelle der Verwaltung." in answer
    assert "zuständige Stelle:" not in answer


def test_no_technical_words_for_citizens(client, tenant, corpus):
    url = reverse("citizen:chat", args=[tenant.slug])
    client.post(url, {"message": "Wie hoch ist die Hundesteuer für den ersten Hund?",
                      "plain": "1"})  # fmt: skip
    note = Message.objects.get(role="assistant").note
    assert note and "Sprachmodell" not in note and "Einfache" in note
