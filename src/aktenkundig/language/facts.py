"""Fact preservation and the mechanical rules of Leichte Sprache.

Why a fact check at all: a model asked to simplify a Bescheid happily drops the
deadline, rounds an amount or turns „kein Anspruch“ into „Anspruch“. An easier
text that changed a fact is worse than the hard original, so every rewrite is
compared with its source: every number, amount, date, duration, § reference
(``assistant.claims.extract_facts``, normalised: „14 Tage“ = „vierzehn Tage“ =
„zwei Wochen“), every name and every negation of the original must still be
there. Missing facts are shown to the person; such a text is never published as
the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aktenkundig.assistant.claims import count_negations, extract_facts, proper_nouns
from aktenkundig.language import checker

_CAPITALISED = re.compile(r"\b[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)*\b")
_ADDRESSED = re.compile(
    r"\b(?:Frau|Herrn?|Dr\.|Prof\.)\s+([A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?)"
)


@dataclass
class FactCheck:
    missing: list[str] = field(default_factory=list)
    negations_original: int = 0
    negations_result: int = 0

    @property
    def negation_lost(self) -> bool:
        return self.negations_result < self.negations_original

    @property
    def ok(self) -> bool:
        return not self.missing and not self.negation_lost

    def problems(self) -> list[str]:
        found = [f"Es fehlt {item}." for item in self.missing]
        if self.negation_lost:
            found.append(
                f"Das Original verneint {self.negations_original}-mal, der neue Text nur "
                f"{self.negations_result}-mal: Prüfen Sie, ob eine Verneinung verloren ging."
            )
        return found

    def as_json(self) -> dict:
        return {"ok": self.ok, "missing": self.missing,
                "negations_original": self.negations_original,
                "negations_result": self.negations_result, "problems": self.problems()}


def names(text: str) -> set[str]:
    """Names of people, places and bodies in ``text``: capitalised words the privacy
    app's name lists know, that follow „Frau“/„Herr“, or that follow a preposition
    without an article."""
    from aktenkundig.privacy.ner import first_names, places, surnames

    known = first_names() | surnames() | places()
    found = {w for w in _CAPITALISED.findall(text) if w in known}
    found |= set(_ADDRESSED.findall(text))
    return found | {n for n in proper_nouns(text) if len(n) > 2}


def fact_check(original: str, result: str) -> FactCheck:
    missing = extract_facts(original).missing_from(extract_facts(result))
    result_words = set(re.findall(r"[\w-]+", result))
    missing += [f"der Name {n}" for n in sorted(names(original))
                if n not in result_words and not any(n in w for w in result_words)]
    return FactCheck(missing=missing, negations_original=count_negations(original),
                     negations_result=count_negations(result))


# --------------------------------------------------------------------------- Leichte Sprache

LEICHT_SENTENCE = 12  # words; Netzwerk Leichte Sprache: short sentences, one statement
EINFACH_SENTENCE = 20
_KONJUNKTIV = re.compile(r"\b(?:würde|würden|könnte|könnten|hätte|hätten|wäre|wären|müsste"
                         r"|müssten|dürfte|dürften|sollte|sollten)\b", re.IGNORECASE)


def rule_violations(text: str, level: str) -> list[str]:
    """The mechanical rules of Einfache (``einfach``) or Leichte (``leicht``) Sprache
    that ``text`` breaks, in German, one line each (for the refine prompt and the page)."""
    problems: list[str] = []
    limit = LEICHT_SENTENCE if level == "leicht" else EINFACH_SENTENCE
    for start, end in checker.split_sentences(text):
        sentence = text[start:end]
        words = checker._WORD.findall(sentence)
        if len(words) > limit:
            problems.append(f"Satz mit {len(words)} Wörtern (höchstens {limit}): "
                            f"„{sentence[:80]}“")
    for f in checker.check(text).findings:
        if f.kind == "passiv":
            problems.append(f"Passiv: „{f.text}“")
        elif f.kind == "abkuerzung":
            problems.append(f"Abkürzung: „{f.text}“")
        elif f.kind == "kompositum" and level == "leicht":
            problems.append(f"Langes Wort ohne Bindestrich: „{f.text}“ "
                            f"(besser: {checker.hyphenated(f.text)})")
    if level == "leicht":
        problems += [f"Konjunktiv: „{m.group()}“" for m in _KONJUNKTIV.finditer(text)]
        if ";" in text:
            problems.append("Semikolon: Schreiben Sie zwei Sätze.")
    return problems
