"""The comprehensibility checker on written examples, one per kind of finding,
and its separation of hard from plain text."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from aktenkundig.language import checker

HARD = (
    "Die Beantragung der Kostenübernahmeerklärung wird gemäß § 37 SGB II durch die "
    "Leistungsberechtigten z. B. schriftlich vorgenommen, wobei eine Nichtbeachtung der "
    "Mitwirkungspflichten nicht ausgeschlossen ist und eine Versagung der Leistung zur "
    "Folge haben kann, sofern keine Nachholung der Mitwirkung erfolgt."
)
PLAIN = "Sie müssen einen Antrag stellen. Schreiben Sie uns einen Brief. Wir helfen Ihnen."


def kinds(text: str, glossary=()) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in checker.check(text, glossary).findings:
        assert text[f.start:f.end] == f.text
        found.setdefault(f.kind, []).append(f.text)
    return found


def test_each_kind_of_finding_on_a_written_example():
    found = kinds(HARD, [checker.GlossaryEntry("Mitwirkungspflicht",
                                               "Was Sie selbst tun müssen, damit wir helfen.")])
    assert found["satzlaenge"] == [HARD]
    assert "wird gemäß § 37 SGB II durch die Leistungsberechtigten z. B. schriftlich " \
           "vorgenommen" in found["passiv"]
    assert {"Beantragung", "Nichtbeachtung", "Versagung"} <= set(found["nominalstil"])
    assert "Kostenübernahmeerklärung" in found["kompositum"]
    assert {"nicht", "keine"} <= set(found["verneinung"])
    assert {"z. B.", "SGB"} <= set(found["abkuerzung"])
    assert "II" not in found["abkuerzung"]  # a Roman numeral of a law's name
    assert found["fachbegriff"] == ["Mitwirkungspflichten"]


def test_hints_explain_and_propose():
    report = checker.check(HARD, [checker.GlossaryEntry("Bürgergeld", "Geld zum Leben.")])
    hints = [f.hint for f in report.findings if f.kind == "kompositum"]
    assert any("Kosten-Übernahme-Erklärung" in h for h in hints)
    assert "zum Beispiel" in next(f.hint for f in report.findings if f.text == "z. B.")
    glossary = [checker.GlossaryEntry("Bürgergeld", "Geld zum Leben.")]
    terms = [f for f in checker.check("Das Bürgergeld wird gezahlt.", glossary).findings
             if f.kind == "fachbegriff"]
    assert [(t.text, t.hint) for t in terms] == [("Bürgergeld", "Fachbegriff: Geld zum Leben.")]


def test_plain_text_has_no_findings_and_a_lower_difficulty():
    assert checker.check(PLAIN).findings == []
    assert checker.check(PLAIN).scores["difficulty"] < checker.check(HARD).scores["difficulty"]
    assert checker.check(PLAIN).scores["flesch_amstad"] > checker.check(HARD).scores[
        "flesch_amstad"]


def test_ordinals_dates_and_abbreviations_do_not_end_a_sentence():
    text = "Der Antrag ist bis zum 15. März 2025 z. B. per Post einzureichen. Danke."
    assert len(checker.split_sentences(text)) == 2


def test_deterministic_and_bounded():
    assert checker.check(HARD).as_json() == checker.check(HARD).as_json()
    with pytest.raises(ValueError, match="zu lang"):
        checker.check("a" * (checker.MAX_CHARS + 1))
    assert checker.check("").scores["words"] == 0


# Pairs written for the project: a sentence of a Bescheid and its plain version.
PAIRS = [
    ("Die Bewilligung der beantragten Leistungen erfolgt vorbehaltlich der Vorlage der "
     "erforderlichen Nachweise innerhalb der gesetzten Frist.",
     "Sie bekommen das Geld. Vorher müssen Sie uns die Nachweise schicken."),
    ("Eine Erstattung überzahlter Beträge ist gemäß § 50 SGB X durch den Leistungsempfänger "
     "vorzunehmen, sofern die Voraussetzungen für eine Aufhebung vorliegen.",
     "Sie haben zu viel Geld bekommen. Sie müssen das Geld zurückzahlen."),
    ("Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch "
     "erhoben werden, welcher schriftlich oder zur Niederschrift einzulegen ist.",
     "Sind Sie nicht einverstanden? Dann schreiben Sie uns. Sie haben dafür einen Monat Zeit."),
    ("Die Inanspruchnahme der Kindertagesbetreuung setzt eine vorherige Anmeldung unter "
     "Verwendung des hierfür vorgesehenen Vordrucks voraus.",
     "Sie wollen einen Platz in der Kita? Melden Sie Ihr Kind an. Nutzen Sie dafür das "
     "Formular."),
    ("Die Ausstellung eines Personalausweises ist gebührenpflichtig und bedarf der "
     "persönlichen Vorsprache der antragstellenden Person.",
     "Ein Ausweis kostet Geld. Sie müssen selbst zu uns kommen."),
]


def test_plain_side_of_written_pairs_scores_easier():
    for hard, plain in PAIRS:
        assert checker.check(plain).scores["difficulty"] < checker.check(hard).scores[
            "difficulty"], plain


DEPLAIN = Path(__file__).resolve().parents[4] / ".." / "shared" / "data" / "plain"


@pytest.mark.slow
@pytest.mark.skipif(not (DEPLAIN / "deplain-doc_manual_open.csv").exists(),
                    reason="DEplain data not present (../shared/data/plain)")
def test_deplain_separation_above_a_bar():
    import csv

    csv.field_size_limit(10**9)
    for kind, bar in (("doc", 0.8), ("sent", 0.75)):
        with (DEPLAIN / f"deplain-{kind}_manual_open.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        right = sum(checker.check(r["simplification"], findings=False).scores["difficulty"]
                    < checker.check(r["original"], findings=False).scores["difficulty"]
                    for r in rows)
        assert right / len(rows) >= bar, (kind, right / len(rows))


def test_cli_check_json(tmp_path, db):
    file = tmp_path / "bescheid.txt"
    file.write_text(HARD, encoding="utf-8")
    out = StringIO()
    call_command("language", "check", str(file), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"scores", "findings"}
    assert 0 <= data["scores"]["difficulty"] <= 100
    assert {"kind", "start", "end", "text", "hint"} == set(data["findings"][0])
    assert {f["kind"] for f in data["findings"]} >= {"passiv", "kompositum", "abkuerzung"}
