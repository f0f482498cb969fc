"""Extractive answers to questions the first selection missed (issue 11, part 3): a
two-part question gets a sentence for each part, a table row is read under its column
headers, a fact that stands only in a question-shaped title is quoted, a sentence that
refers back is read with a short sentence before it; and sentence vectors taken from
the search index's stored sentence windows (an option, measured, not the default). Real
bundled encoder; texts written for the project."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from aktenkundig.assistant import extractive
from aktenkundig.assistant.extractive import (
    choose,
    question_parts,
    segments,
    segments_in_context,
    select,
)


@dataclass
class Hit:
    text: str
    document_title: str = "Dienstanweisung"
    section: str = ""


ANWEISUNG = Hit(
    "Die Dienstanweisung zur Hundesteuer gilt für alle Beschäftigten des Fachbereichs "
    "Finanzen. Die Dienstanweisung zur Hundesteuer wurde vom Bürgermeister unterzeichnet "
    "und im Intranet bekannt gemacht. Diese Dienstanweisung zur Hundesteuer tritt am "
    "1. Juni 2024 in Kraft.\n\nLeistungsbescheide enthalten Sozialdaten. Sie werden nur "
    "in der Steuerakte abgelegt, nicht per unverschlüsselter E-Mail versandt und nach "
    "Ablauf der Aufbewahrungsfrist von sechs Jahren vernichtet."
)
TWO_PARTS = ("Wann tritt die Dienstanweisung zur Hundesteuer in Kraft und wie lange werden "
             "Leistungsbescheide aufbewahrt?")


def test_a_two_part_question_is_answered_for_each_part() -> None:
    """Scored as one question, the part with more matching words („Dienstanweisung zur
    Hundesteuer“) takes every slot; each part scored on its own finds both facts."""
    whole = select(TWO_PARTS, [ANWEISUNG])
    assert whole and not any("sechs Jahren" in c.sentence for c in whole)
    chosen = choose(TWO_PARTS, [ANWEISUNG])
    assert chosen
    text = " ".join(c.sentence for c in chosen)
    assert "1. Juni 2024" in text and "sechs Jahren" in text
    assert len(chosen) <= extractive.PER_PART * 2


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (TWO_PARTS, 2),
        ("Wer hat die Kleine Anfrage gestellt und wer hat sie beantwortet?", 2),
        ("An welchen Ausschuss richtet sich der Antrag, und für welche Sitzung?", 2),
        # An indirect question is part of the one question: its verb comes last.
        ("Auf welche Drucksache verweist die Landesregierung bei der Frage, wer im "
         "Digitalbeirat sitzt?", 1),
        ("Wie lange darf ich mir Zeit lassen, nachdem ich umgezogen bin?", 1),
        ("Wann und wo tagt der Rat?", 1),
    ],
)
def test_question_parts(question: str, parts: int) -> None:
    assert len(question_parts(question)) == parts


def test_a_one_part_question_is_chosen_as_before() -> None:
    question = "Wann tritt die Dienstanweisung zur Hundesteuer in Kraft?"
    assert [c.sentence for c in choose(question, [ANWEISUNG])] == [
        c.sentence for c in select(question, [ANWEISUNG])
    ]


def test_a_sentence_that_refers_back_is_read_with_a_short_one_before_it() -> None:
    """„Leistungsbescheide enthalten Sozialdaten.“ is too short to be an answer, but
    „Sie werden … vernichtet.“ means them; and „per E-Mail versandt“ in a sentence does
    not make it a contact line."""
    pairs = segments_in_context(ANWEISUNG.text)
    referring = [pair for pair in pairs if pair[0].startswith("Sie werden")]
    assert referring == [(referring[0][0], "Leistungsbescheide enthalten Sozialdaten.")]
    assert not any(s.startswith("Leistungsbescheide enthalten") for s in segments(ANWEISUNG.text))
    assert "E-Mail: info@lindenau.example" not in " ".join(
        segments("Kontakt\nE-Mail: info@lindenau.example\n")
    )
    chosen = select("Wie lange werden Leistungsbescheide aufbewahrt?", [ANWEISUNG])
    assert chosen and "sechs Jahren" in chosen[0].sentence


TITLE = Hit(
    "**Nachfrage - Seit dem 01.08.2024 gilt die KI-Verordnung - Welche Maßnahmen hat die "
    "Landesregierung ergriffen?**\n\nDie Landesregierung hat eine Arbeitsgruppe zur "
    "KI-Verordnung eingerichtet. Die Verordnung wird in allen Ressorts beachtet.",
    "Kleine Anfrage 4541",
)


def test_the_statement_in_a_question_shaped_title_can_be_quoted() -> None:
    found = segments(TITLE.text)
    assert "Seit dem 01.08.2024 gilt die KI-Verordnung" in found
    assert not any(s.endswith("?") or s.startswith("Nachfrage") for s in found)
    chosen = select("Seit wann gilt die KI-Verordnung?", [TITLE])
    assert chosen and "01.08.2024" in chosen[0].sentence


ANLAGE = (
    "Auflistung der Pilotprojekte des Landes, bei denen KI eingesetzt wird.\n\n"
    "Behörde\tRessort\tName des Projektes\tStatus des Projektes\n"
    + "".join(f"Landesamt {i}\tIM\tTexterkennung in Bescheiden Nummer {i}\tIn Planung\n"
              for i in range(1, 25))
    + "Straßen.NRW\tMUNV\tTwin4Road\tKonzeptionsphase\n"
    "Landwirtschaftskammer NRW\tMLV\tArbeitsgruppe KI\tStart der AG am 18.08.23\n"
)


def test_a_row_of_a_tab_separated_table_answers_under_its_headers() -> None:
    """Through the product's parser and chunker: the chunk with the row starts with the
    table's header row, and the row is quoted as „Behörde: …; Status des Projektes: …“."""
    from aktenkundig.documents.chunking import chunk_blocks
    from aktenkundig.documents.extract import extract

    extracted = extract(ANLAGE.encode(), "anlage.txt")
    chunks = chunk_blocks(extracted.blocks, title=extracted.title)
    hits = [Hit(c.text, "Anlage zur Antwort", c.section) for c in chunks if "Twin4Road" in c.text]
    chosen = select("Welchen Status hat das Projekt Twin4Road?", hits)
    assert chosen, [c.text[:200] for c in chunks]
    assert "Twin4Road" in chosen[0].sentence and "Konzeptionsphase" in chosen[0].sentence
    assert "Status des Projektes: Konzeptionsphase" in chosen[0].sentence
    assert "Landesamt" not in chosen[0].sentence  # one row, not the rows glued together


@pytest.mark.django_db
def test_sentence_vectors_from_the_stored_sentence_windows(lindenau, counting_encoder, monkeypatch):
    """``SENTENCE_VECTORS = "windows"``: a sentence scores as the best stored window of
    its chunk that contains it, so nothing is embedded at question time for a chunk
    with windows; a passage without stored windows (no chunk id) is embedded."""
    from aktenkundig.assistant.services import retrieve
    from aktenkundig.search.index import stored_windows, window_sentences

    from .conftest import HUNDESTEUER

    real = counting_encoder  # the shipped encoder, counting what it embeds
    hits = retrieve(HUNDESTEUER, tenant=lindenau.tenant)
    hit = next(h for h in hits if len(window_sentences(h.text)) >= 2)
    stored = stored_windows([hit.chunk_id], real.name)[hit.chunk_id]
    groups = window_sentences(hit.text)
    assert len(stored) == len(groups)

    embedded = counting_encoder.embedded
    found = segments(hit.text)
    values = extractive.window_similarity(
        HUNDESTEUER, [hit], [(0, s) for s in found], {s: s for s in found}
    )
    assert embedded == []
    cosines = stored @ real.embed_query(HUNDESTEUER).reshape(-1)
    for sentence, value in zip(found, values, strict=True):
        containing = [c for c, g in zip(cosines, groups, strict=True) if sentence in " ".join(g)]
        # one of the stored windows' cosines, at least that of the window containing it
        assert containing and value >= max(containing) - 1e-6
        assert min(abs(cosines - value)) < 1e-6

    # The same passage without stored windows: its sentences are embedded now.
    loose = Hit(hit.text, hit.document_title, hit.section)
    fresh = extractive.window_similarity(
        HUNDESTEUER, [loose], [(0, s) for s in found], {s: s for s in found}
    )
    assert sorted(embedded) == sorted(found)
    assert fresh.shape == values.shape

    # Selection with windows quotes the same answer here, embedding at most the
    # candidates it scores again.
    embedded.clear()
    monkeypatch.setattr(extractive, "SENTENCE_VECTORS", "windows")
    chosen = select(HUNDESTEUER, hits)
    assert chosen and "144 Euro" in chosen[0].sentence
    assert len(embedded) <= extractive.RESCORE_TOP
