"""The fact check of rewrites and the mechanical Leichte-Sprache rules."""

from __future__ import annotations

from aktenkundig.language.facts import fact_check, rule_violations

ORIGINAL = (
    "Frau Schneider aus Göppingen erhält gemäß § 22 SGB II einen Zuschuss von 450,50 Euro. "
    "Der Widerspruch ist bis zum 15. März 2025 einzulegen. Eine Nachzahlung erfolgt nicht."
)
KEPT = (
    "Frau Schneider aus Göppingen bekommt 450,50 Euro. Das steht in § 22 SGB II. "
    "Sie können bis zum 15. März 2025 widersprechen. Wir zahlen nichts nach."
)


def test_a_faithful_rewrite_passes():
    check = fact_check(ORIGINAL, KEPT)
    assert check.ok, check.problems()


def test_a_dropped_amount_is_caught():
    check = fact_check(ORIGINAL, KEPT.replace("450,50 Euro", "Geld"))
    assert not check.ok
    assert any("450" in m for m in check.missing)


def test_a_flipped_negation_is_caught():
    check = fact_check(ORIGINAL, KEPT.replace("Wir zahlen nichts nach.", "Wir zahlen nach."))
    assert check.negation_lost and not check.ok
    assert "Verneinung" in check.problems()[-1]


def test_dropped_date_paragraph_and_name_are_caught():
    check = fact_check(ORIGINAL, "Frau bekommt 450,50 Euro. Wir zahlen nichts nach.")
    text = " ".join(check.missing)
    assert "15.3" in text and "§ 22" in text and "Schneider" in text and "Göppingen" in text


def test_leichte_sprache_rules():
    text = ("Der Antrag wird von uns geprüft. Sie könnten z. B. anrufen; "
            "die Kostenübernahmeerklärung liegt bei.")
    problems = " ".join(rule_violations(text, "leicht"))
    for expected in ("Passiv", "Abkürzung", "Konjunktiv", "Semikolon", "Kosten-Übernahme"):
        assert expected in problems, expected
    assert rule_violations("Wir prüfen den Antrag. Sie bekommen dann einen Brief.", "leicht") \
        == []
