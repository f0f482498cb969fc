"""Chunking is pure: these tests need no database."""

from __future__ import annotations

import pytest

from aktenkundig.documents.chunking import chunk_blocks, split_sentences
from aktenkundig.documents.extract import Block, extract

SATZUNG_MD = """# Hundesteuersatzung

Aufgrund des § 4 der Gemeindeordnung hat der Gemeinderat folgende Satzung beschlossen.

## § 1 Steuergegenstand

Gegenstand der Steuer ist das Halten von Hunden im Gemeindegebiet.

## § 5 Steuersatz

(1) Die Steuer beträgt jährlich
1. für den ersten Hund 96 EUR,
2. für den zweiten Hund 144 EUR.

(2) Für Kampfhunde beträgt die Steuer 600 EUR. Das gilt z. B. für Pitbulls.
"""


def test_markdown_headings_and_paragraphs_become_section_paths():
    extracted = extract(SATZUNG_MD.encode(), "hundesteuer.md")
    chunks = chunk_blocks(extracted.blocks, title=extracted.title)
    sections = [chunk.section for chunk in chunks]
    assert sections == ["", "§ 1 Steuergegenstand", "§ 5 Steuersatz > (1)–(2)"]
    assert "Hundesteuersatzung" not in " ".join(sections)  # the title is on the Document
    assert chunks[2].text.startswith("(1) Die Steuer beträgt jährlich\n1. für den ersten Hund")
    for chunk in chunks:  # offsets point into the extracted text
        assert extracted.text[chunk.char_start : chunk.char_end].split() == chunk.text.split()


def test_paragraphs_and_articles_in_plain_text_with_pages():
    pages = [
        Block(
            "Satzung über die Friedhöfe\n§ 1\nGeltungsbereich\nDiese Satzung gilt für alle "
            "Friedhöfe der Ge-\nmeinde Musterhausen.",
            page=1,
        ),
        Block(
            "§ 2 Abs. 3 gilt entsprechend.\n§ 2 Benutzung\n(1) Die Friedhöfe sind "
            "tagsüber geöffnet.\n(2) Hunde sind nicht erlaubt.",
            page=2,
        ),
        Block(
            "Artikel 3 Inkrafttreten\nDiese Satzung tritt am Tag nach der Bekanntmachung in Kraft.",
            page=3,
        ),
    ]
    chunks = chunk_blocks(pages, title="Satzung über die Friedhöfe")
    assert [(c.section, c.page) for c in chunks] == [
        ("§ 1 Geltungsbereich", 1),
        ("§ 2 Benutzung > (1)–(2)", 2),
        ("Artikel 3 Inkrafttreten", 3),
    ]
    # hyphenation at a line end is undone, a reference to "§ 2 Abs. 3" is no heading
    assert chunks[0].text == (
        "Diese Satzung gilt für alle Friedhöfe der Gemeinde Musterhausen.\n"
        "§ 2 Abs. 3 gilt entsprechend."
    )


def test_size_limits_and_never_two_paragraphs_of_law_in_one_chunk():
    sentence = "Die Gebühr wird für jedes Grundstück nach der Zahl der Behälter bemessen. "
    text = "\n".join(
        f"§ {n} Regel {n}\n" + "\n".join(f"({k}) " + sentence * 4 for k in range(1, 8))
        for n in range(1, 4)
    )
    chunks = chunk_blocks([Block(text)], min_words=60, max_words=100)
    for chunk in chunks:
        assert chunk.words <= 125
        assert chunk.section.count("§") == 1
        assert chunk.text.rstrip().endswith(".")  # sentences are never cut
    assert {c.section.split(" > ")[0] for c in chunks} == {
        "§ 1 Regel 1",
        "§ 2 Regel 2",
        "§ 3 Regel 3",
    }
    assert len(chunks) > 6
    small = chunk_blocks([Block(text)], min_words=20, max_words=40)
    assert len(small) > len(chunks)


def test_a_long_absatz_is_split_at_sentence_ends():
    long = "(1) " + " ".join(
        f"Satz Nummer {i} gilt gem. Abs. 2 ab dem 1. Januar." for i in range(60)
    )
    chunks = chunk_blocks([Block(long)], min_words=50, max_words=80)
    assert len(chunks) >= 4
    assert all(c.text.endswith("Januar.") and c.section == "(1)" for c in chunks)


def test_sentence_splitting_respects_abbreviations_and_ordinals():
    assert split_sentences(
        "Die Steuer gem. § 5 Abs. 2 beträgt 96 EUR. Am 1. Januar ist sie fällig! Z. B. bei Zuzug."
    ) == [
        "Die Steuer gem. § 5 Abs. 2 beträgt 96 EUR.",
        "Am 1. Januar ist sie fällig!",
        "Z. B. bei Zuzug.",
    ]


def test_invalid_sizes_are_rejected():
    with pytest.raises(ValueError):
        chunk_blocks([Block("x")], min_words=100, max_words=50)


TAB_TABLE = (
    "Auflistung der Pilotprojekte des Landes.\n\n"
    "Behörde\tRessort\tName des Projektes\tStatus des Projektes\n"
    + "".join(f"Landesamt {i}\tIM\tProjekt Nummer {i} zur Texterkennung\tIn Planung\n"
              for i in range(1, 30))
    + "Straßen.NRW\tMUNV\tTwin4Road\tKonzeptionsphase\n"
)


def test_a_tab_separated_table_in_plain_text_keeps_its_rows_and_header():
    """Tab-separated rows were glued into one unit („… In Planung Straßen.NRW …“);
    now each row is a unit of its own, cells joined by „ | “, and a chunk that starts
    inside the table begins with the table's header row."""
    extracted = extract(TAB_TABLE.encode(), "anlage.txt")
    assert "Straßen.NRW | MUNV | Twin4Road | Konzeptionsphase" in extracted.text
    chunks = chunk_blocks(extracted.blocks, min_words=40, max_words=80)
    assert len(chunks) >= 3
    header = "Behörde | Ressort | Name des Projektes | Status des Projektes"
    for chunk in chunks[1:]:
        assert chunk.text.startswith(header + "\n"), chunk.text[:120]
        rows = chunk.text.split("\n")[1:]
        assert all(row.count(" | ") == 3 for row in rows)
    # The header is written once per chunk, not before every row.
    assert all(chunk.text.count("Behörde |") == 1 for chunk in chunks)
    last = chunks[-1].text.split("\n")
    assert last[-1] == "Straßen.NRW | MUNV | Twin4Road | Konzeptionsphase"


def test_text_between_two_tables_ends_the_first():
    text = "A\tB\n1\t2\n\nZwischentext ohne Tabelle.\n\nX\tY\n3\t4\n5\t6\n"
    chunks = chunk_blocks(extract(text.encode(), "t.txt").blocks, min_words=1, max_words=3)
    assert [c.text for c in chunks] == [
        "A | B", "A | B\n1 | 2", "Zwischentext ohne Tabelle.", "X | Y", "X | Y\n3 | 4",
        "X | Y\n5 | 6",
    ]
