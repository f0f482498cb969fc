"""How the person recognizer feeds the taggers and merges them with its rules."""

from __future__ import annotations

from aktenkundig.privacy import ner
from aktenkundig.privacy.detection import BlankGermanNlpEngine, build_analyzer, detect
from aktenkundig.privacy.recognizers import german_recognizers, tagger_sentences


def _sentences(text: str) -> list[list[str]]:
    engine = BlankGermanNlpEngine()
    artifacts = engine.process_text(text, "de")
    return [[t[0] for t in s] for s in tagger_sentences(artifacts.plain_tokens)]


def test_abbreviations_and_semicolons_do_not_end_sentences():
    text = (
        "Vgl. Seiler, in: Musielak, ZPO, § 767 Rn. 3; W. Schenke, a. a. O. Rn. 38 zitiert. "
        "Der Kläger rügt dies. Ist das so? Ja!"
    )
    sentences = _sentences(text)
    assert len(sentences) == 4, sentences
    first = sentences[0]
    assert "Rn." in first and ";" in first  # the tokens of the training corpora
    assert first[:2] == ["Vgl.", "Seiler"] and "W." in first and "O." in first
    assert first[-3:] == ["38", "zitiert", "."]
    assert sentences[1] == ["Der", "Kläger", "rügt", "dies", "."]


def test_sentences_end_at_line_breaks_and_offsets_stay_right():
    text = "Akte Nr. 5 von Jana Nowak\nSachbearbeiter Meier"
    engine = BlankGermanNlpEngine()
    sentences = tagger_sentences(engine.process_text(text, "de").plain_tokens)
    assert len(sentences) == 2
    for sentence in sentences:
        for word, offset, _space, _ in sentence:
            assert text[offset : offset + len(word)] == word


class _Stub:
    """A tagger that finds one person, "Ludwig", and one organisation, "Zeiss"."""

    def tag_many(self, sentences):
        return [
            [ner.Span("PER", i, i + 1, 0.9) for i, w in enumerate(words) if w == "Ludwig"]
            + [ner.Span("ORG", i, i + 1, 0.9) for i, w in enumerate(words) if w == "Zeiss"]
            for words in sentences
        ]


def test_a_weak_first_name_pair_does_not_override_the_tagger():
    firsts, lasts = ner.first_names(), ner.surnames()
    assert "ludwig" in firsts and "paris" not in lasts  # a weak pair for the rule layer
    engine = build_analyzer(german_recognizers(tagger=_Stub()))
    found = {
        (e.type, e.text)
        for e in detect("Es ist wahr, dass Ludwig Paris nicht mochte.", engine=engine)
    }
    assert ("PERSON", "Ludwig") in found
    assert ("PERSON", "Ludwig Paris") not in found
    # Nor an organisation the tagger found there.
    assert "carl" in firsts and "zeiss" not in lasts
    found = {(e.type, e.text) for e in detect("Der FC Carl Zeiss spielt.", engine=engine)}
    assert ("PERSON", "Carl Zeiss") not in found
    # Without a tagger entity there, the weak pair still counts (letters, forms).
    assert "werner" in firsts and "brakmeier" not in lasts
    found = {(e.type, e.text) for e in detect("Es kam Werner Brakmeier.", engine=engine)}
    assert ("PERSON", "Werner Brakmeier") in found
