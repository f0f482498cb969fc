"""Extractive answer selection on free-form text: letterheads and headings are not
sentences, a document's own questions are never the answer, what a question asks
about must be in the passages, and one statement is quoted once."""

from __future__ import annotations

from dataclasses import dataclass

from aktenkundig.assistant.extractive import key_terms, segments, segments_in_context, select

LETTER = """Bündnis 90/Die Grünen im Kreistag Wesel
Reeser Landstr. 31, 46483 Wesel
Telefon 0281 207 2004
24. März 2025
Anfrage: Nutzung von Künstlicher Intelligenz in der Kreisverwaltung
Sehr geehrter Herr Landrat,
die Fraktion beantragt für die Sitzung des Ausschusses am 01.07.2025 die Aufnahme des
Tagesordnungspunktes:
„Nutzung von Künstlicher Intelligenz in der Kreisverwaltung“
Welche KI-Systeme setzt die Kreisverwaltung bereits ein?
Die Kreisverwaltung setzt bereits einen Chatbot auf ihrer Internetseite ein."""


@dataclass
class Hit:
    text: str
    document_title: str = "Anfrage"
    section: str = ""


def test_letterhead_heading_and_questions_are_no_answer_sentences() -> None:
    found = segments(LETTER)
    assert not any("Reeser" in s or "Telefon" in s or s.startswith("Anfrage:") for s in found)
    assert not any(s.endswith("?") for s in found)
    # The announcing sentence keeps what it announces.
    assert any("01.07.2025" in s and "„Nutzung" in s for s in found), found
    # Enumerations stay in their sentence.
    satzung = "(1) Die Steuer beträgt im Kalenderjahr\n1. für den ersten Hund 96,00 Euro,\n"
    satzung += "2. für den zweiten Hund 144,00 Euro."
    assert segments(satzung) == [
        "(1) Die Steuer beträgt im Kalenderjahr 1. für den ersten Hund 96,00 Euro, "
        "2. für den zweiten Hund 144,00 Euro."
    ]


def test_the_answer_not_the_documents_question() -> None:
    chosen = select("Welche KI-Systeme setzt die Kreisverwaltung ein?", [Hit(LETTER)])
    assert chosen and chosen[0].sentence.startswith("Die Kreisverwaltung setzt bereits")


def test_refuses_when_what_is_asked_about_is_not_in_the_passages() -> None:
    assert key_terms("Wann hat das Hallenbad sonntags geöffnet?") == ["hallenbad"]
    # General words do not count as what a question is about.
    assert key_terms("Muss ich den Gehweg vor meinem Haus reinigen?") == ["gehweg"]
    assert select("Wann hat das Hallenbad in Wesel geöffnet?", [Hit(LETTER)]) is None
    assert select("Wann ist die Sitzung des Ausschusses?", [Hit(LETTER)])


def test_one_statement_once_with_every_source() -> None:
    faq = Hit("Die Steuer beträgt im Jahr 96 Euro für den ersten Hund und 144 Euro für den "
              "zweiten Hund.", "FAQ")
    satzung = Hit("Die Steuer beträgt im Jahr für den ersten Hund 96 Euro und für den zweiten "
                  "Hund 144 Euro.", "Hundesteuersatzung")
    chosen = select("Wie hoch ist die Steuer für den zweiten Hund?", [faq, satzung])
    assert chosen is not None and len(chosen) == 1
    assert chosen[0].passages == [0, 1]
    assert chosen[0].quotes[1] == satzung.text  # each source quoted in its own words


FEES = (
    "Behälter | Leerung | Jahresgebühr\n"
    "Restabfallbehälter 60 Liter | 14-täglich | 132,00 Euro\n"
    "Biotonne 120 Liter | 14-täglich | 72,00 Euro"
)


def test_a_fee_table_answers_with_its_row_not_a_line_of_pipes() -> None:
    assert segments(FEES) == [
        "Behälter: Restabfallbehälter 60 Liter; Leerung: 14-täglich; Jahresgebühr: 132,00 Euro.",
        "Behälter: Biotonne 120 Liter; Leerung: 14-täglich; Jahresgebühr: 72,00 Euro.",
    ]
    markdown = "| Grabart | Gebühr |\n|---|---|\n| Urnenwahlgrab | 800 Euro |"
    assert segments(markdown) == ["Grabart: Urnenwahlgrab; Gebühr: 800 Euro."]
    chosen = select("Was kostet die Biotonne?", [Hit(FEES, "Abfallgebührensatzung")])
    assert chosen and chosen[0].sentence.startswith("Behälter: Biotonne 120 Liter")


def test_a_question_for_an_amount_is_not_answered_without_one() -> None:
    """(A question for a time is: „mit der Bekanntgabe“ answers „Wann …?“.)"""
    graves = Hit(
        "Auf den Friedhöfen werden folgende Grabstätten zur Verfügung gestellt: "
        "Reihengräber, Wahlgräber und Urnengräber.", "Friedhofssatzung"
    )
    assert select("Was kostet ein Grab auf dem Friedhof?", [graves]) is None
    assert select("Welche Grabstätten gibt es auf dem Friedhof?", [graves])
    due = Hit("Die Gebühr wird mit der Bekanntgabe des Gebührenbescheides fällig.")
    assert select("Wann ist die Gebühr fällig?", [due])


MINISTRY = Hit(
    "Im Rahmen des Einsatzes von Künstlicher Intelligenz wird im Ministerium für Kinder, "
    "Jugend, Familie, Gleichstellung, Flucht und Integration in Bezug auf die jeweilige "
    "Anwendung ressortspezifisch geprüft, welche individuellen Leitlinien gesetzt werden.\n\n"
    "Im Ministerium für Kinder, Jugend, Familie, Gleichstellung, Flucht und Integration "
    "befindet sich ein ChatBot im Einsatz, der Bürgeranfragen auf der Website des Ressorts "
    "KI-basiert beantwortet. Überdies befindet sich das Ministerium in der Pilotierung einer "
    "„Robotic-Process-Automation“ und einer DSGVO-konformen Variante von ChatGPT.",
    "Kleine Anfrage 4541",
)
APPLICATIONS = "Welche KI-Anwendungen setzt das Ministerium für Kinder, Jugend, Familie ein?"


def test_e5_similarity_picks_the_answer_that_shares_few_words() -> None:
    """The sentence that repeats the question's words („Einsatzes“, „Anwendung“,
    „Ministerium für Kinder, Jugend, Familie“) wins on overlap; the one that names the
    applications (ChatBot) wins once e5 reads both (real bundled model)."""
    lexical = select(APPLICATIONS, [MINISTRY], semantic_weight=0.0)
    assert lexical and "Leitlinien" in lexical[0].sentence
    blended = select(APPLICATIONS, [MINISTRY])
    assert blended and "ChatBot" in blended[0].sentence


def test_without_an_encoder_the_lexical_score_decides(monkeypatch) -> None:
    import aktenkundig.search.embedding as embedding

    def broken():
        raise embedding.EmbeddingError("server down")

    monkeypatch.setattr(embedding, "get_encoder", broken)
    chosen = select(APPLICATIONS, [MINISTRY])
    assert chosen and [c.sentence for c in chosen] == [
        c.sentence for c in select(APPLICATIONS, [MINISTRY], semantic_weight=0.0)
    ]


def test_sentence_vectors_are_embedded_once(counting_encoder) -> None:
    embedded = counting_encoder.embedded
    first = select(APPLICATIONS, [MINISTRY])
    count = len(embedded)
    assert count >= 2
    second = select("Welche KI-Werkzeuge nutzt das Familienministerium?", [MINISTRY])
    assert len(embedded) == count  # the same sentences, from the cache
    assert first and second


def test_a_quoted_or_footnoted_question_of_the_document_is_no_answer() -> None:
    text = (
        "Außerdem wurde Frage vier\n\n„Ist der Einsatz von KI-Sprachmodellen im Ministerium "
        "und den untergeordneten Behörden erlaubt?“<sup>3</sup>\n\nwie folgt beantwortet:\n\n"
        "„Ein Einsatz ist in Abhängigkeit des jeweiligen KI-Sprachmodells nicht pauschal zu "
        "bewerten.“"
    )
    found = segments(text)
    assert not any("erlaubt?" in s for s in found), found
    chosen = select("Ist der Einsatz von KI-Sprachmodellen im Ministerium erlaubt?", [Hit(text)])
    assert chosen and "pauschal" in chosen[0].sentence


def test_a_count_question_with_a_dotted_name_needs_a_number() -> None:
    """„IT.NRW?“: the dot in the name does not cut „Wie viele“ off the question."""
    hit = Hit("IT.NRW, der zentrale IT-Dienstleister des Landes, bietet seit geraumer Zeit "
              "Fortbildungsangebote zum Thema künstliche Intelligenz für Mitarbeitende an.")
    assert select("Wie viele Mitarbeitende hat IT.NRW?", [hit]) is None
    assert select("Was bietet IT.NRW für Mitarbeitende an?", [hit])
    counted = Hit("IT.NRW hat rund 1.500 Mitarbeitende an mehreren Standorten im Land.")
    assert select("Wie viele Mitarbeitende hat IT.NRW?", [counted])


def test_a_reference_and_a_frame_phrase_do_not_refuse_a_covered_question() -> None:
    """The analyzer writes „Drucksache 18/11351“ as one reference term; „nach Ansicht der
    Landesregierung“ says whose view, not what the question is about."""
    reference = Hit("Es wird auf die Antwort zu der Kleinen Anfrage 4581 (Drucksache 18/11351) "
                    "verwiesen.", "Antwort der Landesregierung")
    chosen = select("Auf welche Drucksache wird bei der Kleinen Anfrage verwiesen?", [reference])
    assert chosen and "18/11351" in chosen[0].sentence
    assert "ansicht" not in key_terms("Wofür ist KI nach Ansicht der Landesregierung geeignet?")
    assert select("Welcher Paragraph der Anfrage wird verwiesen?", [reference]) is None


def test_the_signature_under_a_satzung_is_one_quotable_statement() -> None:
    """Place and date, then the signatory: on one line (HTML ``<address>``), glued to
    the last sentence (PDF text) or on short lines with „gez.“ (RAGSource Satzungen)."""
    html = ("Gleichzeitig tritt die Friedhofssatzung vom 3. Mai 2001 außer Kraft.\n"
            "Musterhausen, den 14. November 2023 – Anna Schmidt, Bürgermeisterin")
    signed = "Musterhausen, den 14. November 2023 – Anna Schmidt, Bürgermeisterin"
    assert segments(html)[-1] == signed
    pdf = ("Gleichzeitig tritt die alte Satzung außer Kraft. Musterhausen, den 12. März 2024 "
           "Anna Schmidt, Bürgermeisterin")
    assert segments(pdf)[-1] == "Musterhausen, den 12. März 2024 – Anna Schmidt, Bürgermeisterin"
    lines = ("Diese Satzung tritt am 1. Mai 2021 in Kraft.\n\nGöppingen, den 16.04.2021\n\ngez.\n\n"
             "Edgar Wolff  \nLandrat\n\nHinweis nach § 4 Abs. 4 GemO: Eine Verletzung von "
             "Verfahrensvorschriften ist unbeachtlich.")
    assert segments(lines) == [
        "Diese Satzung tritt am 1. Mai 2021 in Kraft.",
        "Göppingen, den 16.04.2021 – Edgar Wolff, Landrat",
        "Hinweis nach § 4 Abs. 4 GemO: Eine Verletzung von Verfahrensvorschriften ist "
        "unbeachtlich.",
    ]
    # A sentence after a bare place-and-date line is no signatory; the line alone is
    # no statement.
    assert segments("Bad Boll, den 7. November 2013\n\nDie Gemeinde erhebt Steuern.") == [
        "Die Gemeinde erhebt Steuern."]
    chosen = select("Wer ist Bürgermeisterin von Musterhausen?",
                    [Hit(html, "Friedhofssatzung der Gemeinde Musterhausen", "§ 8 Inkrafttreten")])
    assert chosen and "Anna Schmidt" in chosen[0].sentence


def test_each_segment_is_read_after_the_sentence_before_it() -> None:
    """The context e5 and the lexical score read a referring sentence with: the
    sentence right before it, an answer itself or not, a signature included."""
    text = ("Die KI-Anwendungen verarbeiten Sozialdaten der Bürgerinnen und Bürger. "
            "Hier muss sichergestellt werden, dass keinerlei Datenabfluss an Dritte erfolgt.\n"
            "Musterhausen, den 12. März 2024 Anna Schmidt, Bürgermeisterin\n"
            "Sie tritt am Tag nach der Bekanntmachung in Kraft und gilt unbefristet.")
    pairs = segments_in_context(text)
    assert [before for _sentence, before in pairs] == [
        "",
        "Die KI-Anwendungen verarbeiten Sozialdaten der Bürgerinnen und Bürger.",
        "Hier muss sichergestellt werden, dass keinerlei Datenabfluss an Dritte erfolgt.",
        "Musterhausen, den 12. März 2024 – Anna Schmidt, Bürgermeisterin",
    ]
