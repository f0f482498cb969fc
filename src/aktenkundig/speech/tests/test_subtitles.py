"""Subtitle line rules (two lines of at most 42 characters, reading speed, cuts at
punctuation) and the WebVTT/SRT writers."""

from __future__ import annotations

import re

from aktenkundig.speech.subtitles import (
    MAX_CPS,
    MAX_LINE,
    Cue,
    Word,
    build_cues,
    to_srt,
    to_vtt,
    wrap,
)


def _words(text: str, start: float = 0.0, per_word: float = 0.3) -> list[Word]:
    return [Word(w, start + i * per_word, start + (i + 1) * per_word)
            for i, w in enumerate(text.split())]


LONG = ("Der Kreistag hat den Haushalt beschlossen, nachdem die Fraktionen lange beraten "
        "hatten. Die nächste Sitzung findet im Rathaus statt, wie immer um neun Uhr. "
        "Anträge müssen zwei Wochen vorher eingereicht werden.")


def test_every_cue_has_at_most_two_lines_of_42_characters() -> None:
    cues = build_cues([(_words(LONG), 0.9)])
    assert len(cues) > 2  # too long for one cue: it must have been split
    for cue in cues:
        assert 1 <= len(cue.lines) <= 2
        assert all(len(line) <= MAX_LINE for line in cue.lines), cue.lines
    assert " ".join(c.text for c in cues) == LONG  # no word lost or doubled


def test_cues_end_at_punctuation_where_possible() -> None:
    cues = build_cues([(_words(LONG), 0.9)])
    endings = [c.text[-1] for c in cues]
    assert sum(e in ".,!?" for e in endings) >= len(cues) - 1, [c.text for c in cues]


def test_fast_speech_is_held_long_enough_to_read_without_overlap() -> None:
    fast = _words("Die Sitzung ist eröffnet, bitte nehmen Sie Platz.", per_word=0.1)
    later = _words("Wir beginnen mit Punkt eins.", start=10.0)
    cues = build_cues([(fast, 0.8), (later, 0.8)])
    first = cues[0]
    assert first.words[-1].end < 1.0  # spoken in under a second …
    assert len(first.text) / (first.end - first.start) <= MAX_CPS + 0.01  # … shown readably
    crowded = build_cues([(fast, 0.8), (_words("Weiter.", start=1.0), 0.8)])
    assert crowded[0].end <= crowded[1].start  # never over the next cue


def test_wrap_balances_two_lines() -> None:
    lines = wrap("Der Kreistag hat heute den Haushalt für das nächste Jahr beschlossen.")
    assert len(lines) == 2 and abs(len(lines[0]) - len(lines[1])) < 15
    assert wrap("Kurz.") == ["Kurz."]


def test_vtt_and_srt_format() -> None:
    cues = [Cue(0.0, 2.5, ["Guten Tag."], 0.9),
            Cue(3661.2, 3663.04, ["Zeile eins -->", "Zeile zwei"], 0.5)]
    vtt = to_vtt(cues)
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nGuten Tag.\n\n")
    assert "01:01:01.200 --> 01:01:03.040\nZeile eins →\nZeile zwei\n" in vtt
    assert vtt.count("-->") == 2  # a "-->" in the text would end the cue early
    srt = to_srt(cues)
    assert srt.startswith("1\n00:00:00,000 --> 00:00:02,500\nGuten Tag.\n\n2\n01:01:01,200")
    for block in srt.strip().split("\n\n"):
        assert re.fullmatch(r"\d+\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}(\n.+){1,2}",
                            block), block
