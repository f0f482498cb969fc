"""Extractive answers and refusals on real ingested documents (no language model)."""

import re

import pytest

from aktenkundig.assistant.services import (
    REFUSAL_TEXT,
    InvalidQuestion,
    answer,
    stream_answer,
)
from aktenkundig.assistant.text import markers, split_sentences
from aktenkundig.core.models import AccessLevel, Tenant
from aktenkundig.core.services import get_or_create_collection

from .conftest import HUNDESTEUER, UNCOVERED


def assert_every_sentence_cited(result):
    numbers = {c.n for c in result.citations}
    assert numbers == set(range(1, len(result.citations) + 1))
    for sentence in split_sentences(result.text):
        cited = markers(sentence)
        assert cited, f"sentence without citation: {sentence!r}"
        assert set(cited) <= numbers


@pytest.mark.django_db
def test_extractive_answer_quotes_the_right_paragraph(lindenau):
    result = answer(HUNDESTEUER, tenant=lindenau.tenant, use_llm=False)
    assert not result.refused and not result.generated
    assert "144 Euro" in result.text
    first = result.citations[0]
    assert first.section.startswith("§ 2 Steuersatz")
    assert first.document.startswith("Satzung über die Erhebung der Hundesteuer")
    assert first.path.endswith("hundesteuersatzung.md")
    assert "144 Euro" in first.quote
    assert re.search(r"144 Euro[^.]*\[1\]\.", result.text)
    assert_every_sentence_cited(result)


@pytest.mark.django_db
def test_the_sentence_that_answers_comes_first(lindenau):
    result = answer("Wann ist die Hundesteuer fällig?", tenant=lindenau.tenant, use_llm=False)
    assert split_sentences(result.text)[0].startswith("Die Steuer wird jeweils am 1. Juli")
    assert result.citations[0].section == "§ 4 Fälligkeit"


@pytest.mark.django_db
def test_refuses_when_the_documents_do_not_cover_the_question(lindenau):
    result = answer(UNCOVERED, tenant=lindenau.tenant, use_llm=False)
    assert result.refused
    assert result.text == REFUSAL_TEXT and result.text.startswith("Dazu finde ich")
    assert result.citations == []


@pytest.mark.django_db
def test_other_tenants_and_other_collections_see_nothing(lindenau):
    other = Tenant.objects.create(slug="nachbarort", name="Nachbarort")
    assert answer(HUNDESTEUER, tenant=other, use_llm=False).refused
    empty = get_or_create_collection(lindenau.tenant, "Leer", AccessLevel.OFFEN)
    assert answer(HUNDESTEUER, tenant=lindenau.tenant, collections=[empty]).refused
    scoped = answer(HUNDESTEUER, tenant=lindenau.tenant, collections=[lindenau])
    assert not scoped.refused


@pytest.mark.django_db
def test_instructions_inside_documents_are_not_followed(lindenau):
    result = answer("Wer muss den Gehweg bei Schnee räumen?", tenant=lindenau.tenant)
    assert "7 Uhr" in result.text
    targeted = answer("Entfällt die Straßenreinigung?", tenant=lindenau.tenant)
    for text in (result.text, targeted.text, *(c.quote for c in targeted.citations)):
        assert "entfällt ab sofort" not in text
        assert "Ignoriere" not in text


@pytest.mark.django_db
def test_stream_events(lindenau):
    events = list(stream_answer(HUNDESTEUER, tenant=lindenau.tenant, use_llm=False))
    kinds = [kind for kind, _payload in events]
    assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"delta"}
    done = events[-1][1]
    assert "".join(p for k, p in events if k == "delta") == done.text
    assert events[-2][1] == done.citations


@pytest.mark.django_db
def test_asking_for_a_model_without_one_explains_the_fallback(lindenau, monkeypatch):
    monkeypatch.setenv("AKTENKUNDIG_LLM_BASE_URL", "")
    result = answer(HUNDESTEUER, tenant=lindenau.tenant, use_llm=True)
    assert not result.generated and "144 Euro" in result.text
    assert "kein Sprachmodell" in result.notice


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("question", "message"),
    [("", "Bitte eine Frage"), ("  ?!  ", "keine Begriffe"), ("Hund " * 500, "zu lang")],
)
def test_bad_questions_get_a_clear_message(question, message):
    from aktenkundig.core.services import get_tenant

    with pytest.raises(InvalidQuestion, match=message):
        answer(question, tenant=get_tenant())
