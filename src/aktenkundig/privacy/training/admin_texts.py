"""Generated sentences of administrative German with names, places and authorities.

GermEval is news and Wikipedia, Legal NER is court decisions; neither reads like the
letters, notes and files of a municipality. These templates put names where
administrative texts put them (in running text, without the salutation and form
cues the rule layer already covers) so that the tagger learns those contexts too.
Names and places come from the Faker-derived gazetteers (``data/*.txt``), never from
the benchmark's own lists or from the held-out sentences.
"""

from __future__ import annotations

import random
import re

from aktenkundig.privacy import ner
from aktenkundig.privacy.training.corpora import Sentence

# {P} a person, {L} a place, {O} an organisation; the rest is plain text.
TEMPLATES = (
    "Die Akte wurde am Montag an {P} zur weiteren Bearbeitung übergeben .",
    "Nach Rücksprache mit {P} ist der Antrag vollständig .",
    "{P} hat den Bescheid am 12. März erhalten und fristgerecht Widerspruch eingelegt .",
    "Das Gespräch mit {P} und {P} fand im Rathaus {L} statt .",
    "Zuständig ist {P} vom {O} .",
    "Der Vorgang liegt derzeit bei {P} ( Sachgebiet 32 ) .",
    "Wie {P} mitteilte , zieht die Familie zum 1. Juli nach {L} .",
    "Laut Aktenvermerk von {P} wurde die Frist verlängert .",
    "Die Nachbarin {P} bestätigte die Angaben des Antragstellers .",
    "Anwesend : {P} , {P} , {P} ( Protokoll ) .",
    "Der Antrag von {P} auf Wohngeld wurde an das {O} weitergeleitet .",
    "Bitte leiten Sie die Unterlagen an {P} weiter .",
    "{P} und {P} wohnen seit 2019 in {L} .",
    "Das {O} hat {P} mit Schreiben vom 3. Mai angehört .",
    "Im Auftrag von {P} übersende ich die Stellungnahme des {O} .",
    "Die Zeugin {P} gab an , den Wagen in {L} gesehen zu haben .",
    "Ihr Sohn {P} besucht die Grundschule in {L} .",
    "Nach Auskunft des {O} ist {P} dort seit März gemeldet .",
    "Der Gemeinderat wählte {P} zur stellvertretenden Vorsitzenden .",
    "Die Vollmacht für {P} liegt der Akte bei .",
    "{P} ist unter der bekannten Anschrift in {L} nicht mehr erreichbar .",
    "Rückfragen beantwortet {P} , Telefon 0761 201 - 4455 .",
    "Die Stellungnahme von {P} ging am Freitag beim {O} ein .",
    "Der Betreuer , {P} , beantragt Akteneinsicht .",
    "Ab sofort vertritt {P} die Kollegin {P} während des Urlaubs .",
    "Frau {P} und Herr {P} wurden zur Anhörung geladen .",
    "Sachbearbeitung : {P} , {O} , {L} .",
    "Der Erbschein weist {P} als Alleinerbin aus .",
    "Die Eheleute {P} beantragen einen Zuschuss beim {O} .",
    "Das Kind {P} wurde am 4. Juni in {L} geboren .",
)
ORG_PATTERNS = (
    "Landratsamt {L}",
    "Jobcenter {L}",
    "Amtsgericht {L}",
    "Stadtverwaltung {L}",
    "Finanzamt {L}",
    "Bürgeramt {L}",
    "Jugendamt",
    "Sozialamt",
    "Ordnungsamt",
    "Bauamt",
    "Standesamt {L}",
    "Landesamt für Steuern",
    "Regierungspräsidium {L}",
)
# Abbreviated first names and academic titles are part of how names appear in files.
_TITLES_BEFORE = ("Dr.", "Prof. Dr.")


def _person(rng: random.Random, firsts: list[str], lasts: list[str]) -> list[str]:
    last = rng.choice(lasts).title()
    style = rng.random()
    if style < 0.45:
        words = [rng.choice(firsts).title(), last]
    elif style < 0.65:
        words = [last]
    elif style < 0.75:
        words = [rng.choice(firsts)[0].upper() + ".", last]
    elif style < 0.85:
        words = [rng.choice(firsts).title(), rng.choice(firsts).title(), last]
    else:
        first = rng.choice(firsts).title()
        words = [first, f"{last}-{rng.choice(lasts).title()}"]
    return words


def generate(count: int = 2000, seed: int = 31) -> list[Sentence]:
    """``count`` tagged sentences (coarse BIO tags), reproducible from ``seed``."""
    rng = random.Random(seed)  # noqa: S311 -- reproducible training data, not crypto
    firsts = sorted(w for w in ner.first_names() if w.isalpha())
    lasts = sorted(w for w in ner.surnames() if re.fullmatch(r"[a-zäöüß]+", w))
    towns = sorted(w for w in ner.places() if w.isalpha())
    out: list[Sentence] = []
    for _ in range(count):
        template = rng.choice(TEMPLATES)
        words: list[str] = []
        tags: list[str] = []
        for part in template.split():
            if part in {"{P}", "{L}", "{O}"}:
                if part == "{P}":
                    if rng.random() < 0.1:
                        words.append(rng.choice(_TITLES_BEFORE))
                        tags.append("O")
                    new, label = _person(rng, firsts, lasts), "PER"
                elif part == "{L}":
                    new, label = [rng.choice(towns).title()], "LOC"
                else:
                    pattern = rng.choice(ORG_PATTERNS)
                    new = pattern.replace("{L}", rng.choice(towns).title()).split()
                    label = "ORG"
                words.extend(new)
                tags.extend([f"B-{label}"] + [f"I-{label}"] * (len(new) - 1))
            else:
                words.append(part)
                tags.append("O")
        out.append(Sentence(words, tags, tags))
    return out
