"""Citizens asking in their language get the German source (issue #9, point 2).

Without a language model, a question in English, Turkish, Arabic, Ukrainian or
Russian about the sample Gemeinde Musterhausen must still find the German passage
(e5 is multilingual), be judged by the cross-lingual refusal line (the German one
refused nearly all of them), and be answered with the German passage, its source
and a note in the citizen's language; questions the documents do not answer are
still refused, and none of the answered ones becomes a knowledge gap.
"""

from __future__ import annotations

import pytest

from aktenkundig.citizen import services
from aktenkundig.citizen.language import GERMAN_ONLY_NOTE, detect_language
from aktenkundig.citizen.models import ChannelSettings, KnowledgeGap, Outcome
from aktenkundig.citizen.tests.conftest import approve_citizen_entry

pytestmark = [pytest.mark.slow]

# (language, question, a word of the German passage that answers it)
QUESTIONS = [
    ("en", "How much is the dog tax for a second dog?", "144 Euro"),
    ("en", "When is the citizens' office open?", "Bürgerbüro"),
    ("en", "How long does it take to get an ID card?", "drei bis vier Wochen"),
    ("tr", "İkinci köpek için köpek vergisi ne kadar?", "144 Euro"),
    ("tr", "Mezarlıklar ne zaman açık?", "Friedhöfe"),
    ("ar", "كم تبلغ ضريبة الكلاب للكلب الثاني؟", "Hund"),
    ("ar", "متى تفتح المقابر؟", "Friedhöfe"),
    ("ar", "كيف أسجل مكان إقامتي؟", "Wohnungsgeberbestätigung"),
    ("uk", "Скільки коштує податок на другого собаку?", "144 Euro"),
    ("uk", "Коли відкриті кладовища?", "Friedhöfe"),
    ("uk", "Як зареєструвати місце проживання?", "Wohnungsgeberbestätigung"),
    ("ru", "Сколько стоит налог на вторую собаку?", "144 Euro"),
    ("ru", "Когда открыты кладбища?", "Friedhöfe"),
    ("ru", "Когда работает бюро по делам граждан?", "Bürgerbüro"),
]
OFF_TOPIC = [
    ("en", "Who won the Super Bowl 50?"),
    ("ru", "Кто выиграл чемпионат мира по футболу?"),
    ("ar", "ما هي عاصمة أستراليا؟"),
    ("tr", "En iyi pizza tarifi nedir?"),
]


@pytest.fixture
def live(musterhausen):
    tenant = musterhausen.tenant
    ChannelSettings.objects.get_or_create(tenant=tenant)
    approve_citizen_entry(tenant)
    return tenant


@pytest.mark.parametrize(("language", "question", "expected"), QUESTIONS)
def test_foreign_question_gets_the_german_source_with_a_note(live, language, question,
                                                               expected):
    session, _token = services.start_session(live)
    turn = services.ask(session, question, use_llm=False)
    answer = turn.answer
    assert turn.question.language == language
    assert answer.outcome == Outcome.ANSWERED, answer.text
    assert expected in answer.text
    assert answer.citations and answer.citations[0]["document"]
    assert answer.note == GERMAN_ONLY_NOTE[language]
    assert not KnowledgeGap.objects.filter(tenant=live).exists()


@pytest.mark.parametrize(("language", "question"), OFF_TOPIC)
def test_foreign_question_the_documents_do_not_answer_is_still_refused(live, language,
                                                                        question):
    session, _token = services.start_session(live)
    turn = services.ask(session, question, use_llm=False)
    assert turn.answer.outcome == Outcome.NO_SOURCE
    assert turn.answer.language == language and not turn.answer.citations


@pytest.mark.parametrize(("text", "expected"), [
    ("How much is the Hundesteuer?", "en"),
    ("When is the Bürgerbüro open?", "en"),
    ("Hundesteuer ne kadar?", "tr"),
    ("Do I have to register my dog?", "en"),
    ("Wie hoch ist die Hundesteuer?", "de"),
    ("Wann hat das Bürgerbüro geöffnet?", "de"),
    ("Wie hoch ist die dog tax?", "de"),
])  # fmt: skip
def test_a_german_word_in_another_language_does_not_make_it_german(text, expected):
    assert detect_language(text).code == expected
