"""Is a generated sentence backed by the passage it cites? The claim checker.

A language model that paraphrases well is exactly the one whose mistakes read well:
„Die Gebühr wird erhoben“ for „Die Gebühr wird nicht erhoben“, „zwei Wochen“ for
„eines Monats“, „Landratsamt“ for „Gemeindeverwaltung“. A lexical overlap score lets
those through (they reuse the passage's words) and rejects honest paraphrases (they
do not). So the checker separates two questions:

* **Hard facts must match exactly**, after normalisation: numbers and amounts
  („500.000 Euro“ = „500 000 Euro“), dates („1. Juli 2025“ = „01.07.2025“), clock
  times („14 Uhr“ = „14:00“), durations („zwei Wochen“ = „14 Tage“, but not „eines
  Monats“), § references, and specific names: places, offices, bodies, roles,
  documents. A single one missing from the cited passage rejects the sentence, with
  the missing fact as the reason.
* **Polarity and modality must agree** with the passage sentence the claim restates:
  the parity of negations („nicht“, „kein“, „gebührenfrei“, „versagt“), obligation
  vs. permission vs. recommendation („muss“/„ist zu …“ vs. „kann“/„darf“ vs. „soll“),
  and universal words that a restriction does not allow („jederzeit“, „alle“).
* **Everything else may be paraphrased**, but not invented: the content words of the
  claim must be found in the passage (stems and compound parts), or be close to it
  in meaning (e5 similarity of claim and passage sentence). A clause of new content
  words („…, Ratenzahlung ist möglich“) makes the claim „teilweise“ belegt, which is
  not shown as fact.

The checker runs per sentence while an answer streams, so it is deterministic and
cheap: regular expressions, the search analyzer, and at most a few e5 vectors per
claim (cached per passage sentence). Thresholds were chosen on the development half
of ``bench/data/claims.txt`` and are reported on the other half by
``bench/verify.py``.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from aktenkundig.assistant.text import split_sentences, strip_markers
from aktenkundig.search.analyzer import analyze

SUPPORTED = "belegt"
PARTIAL = "teilweise"
UNSUPPORTED = "nicht belegt"

# Minimum e5 similarity (symmetric "passage:" prefixes) between a claim and the
# passage window it restates, and the share of the claim's content terms that must be
# found there; below either the claim is not a restatement of that window. Chosen on
# the development half of bench/data/claims.txt (see bench/verify.py).
SIMILARITY_FLOOR = 0.86
COVERAGE_FLOOR = 0.5
# A claim may bring at most this many content terms that the window lacks, if its
# meaning is very close to the window (paraphrase); more is an invented addition.
NOVEL_TERMS_ALLOWED = 2
CLOSE_MEANING = 0.90
NEW_NOUN_MEANING = 0.95


@dataclass(frozen=True)
class Verdict:
    verdict: str  # belegt | teilweise | nicht belegt
    score: float  # 0..1, how well the best window backs the claim
    reason: str  # German, shown to the user
    evidence: str = ""  # the passage text the claim was checked against
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def supported(self) -> bool:
        return self.verdict == SUPPORTED

    def as_dict(self) -> dict:
        return {
            "supported": self.supported,
            "verdict": self.verdict,
            "score": round(self.score, 4),
            "reason": self.reason,
        }


# ---------------------------------------------------------------------------
# Hard facts

_MONTHS = {
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5,
    "juni": 6, "juli": 7, "august": 8, "september": 9, "oktober": 10, "november": 11,
    "dezember": 12,
}  # fmt: skip
_CARDINALS = {
    "null": 0, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7,
    "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "dreizehn": 13,
    "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16, "zwanzig": 20, "dreißig": 30,
    "vierzig": 40, "fünfzig": 50, "sechzig": 60, "hundert": 100, "tausend": 1000,
    "beide": 2, "beiden": 2, "zweimal": 2, "dreimal": 3, "viermal": 4, "doppelt": 2,
    "doppelte": 2, "doppelten": 2, "dreifach": 3, "dreifache": 3,
}  # fmt: skip
_ARTICLE_ONE = {"ein", "eine", "einen", "einem", "einer", "eines"}
_ORDINALS = {
    "erst": 1, "zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "sechst": 6, "siebt": 7,
    "acht": 8, "neunt": 9, "zehnt": 10,
}  # fmt: skip
_FRACTIONS = {
    "hälfte": Fraction(1, 2), "halb": Fraction(1, 2), "halbe": Fraction(1, 2),
    "halben": Fraction(1, 2), "halbiert": Fraction(1, 2), "drittel": Fraction(1, 3),
    "viertel": Fraction(1, 4), "fünftel": Fraction(1, 5), "sechstel": Fraction(1, 6),
    "achtel": Fraction(1, 8), "zehntel": Fraction(1, 10), "zwölftel": Fraction(1, 12),
}  # fmt: skip
# Units of time a deadline or period is counted in, to days where the conversion is
# exact (weeks); months and years stay their own unit („ein Monat“ is not 30 Tage).
_DURATION_UNITS = {
    "tag": ("d", 1), "tage": ("d", 1), "tagen": ("d", 1), "tages": ("d", 1),
    "werktag": ("wd", 1), "werktage": ("wd", 1), "werktagen": ("wd", 1),
    "arbeitstag": ("wd", 1), "arbeitstage": ("wd", 1), "arbeitstagen": ("wd", 1),
    "woche": ("d", 7), "wochen": ("d", 7),
    "monat": ("m", 1), "monate": ("m", 1), "monaten": ("m", 1), "monats": ("m", 1),
    "jahr": ("y", 1), "jahre": ("y", 1), "jahren": ("y", 1), "jahres": ("y", 1),
    "kalenderjahr": ("y", 1), "kalenderjahre": ("y", 1), "kalenderjahren": ("y", 1),
    "stunde": ("h", 1), "stunden": ("h", 1), "minute": ("min", 1), "minuten": ("min", 1),
}  # fmt: skip

_DATE_NUMERIC = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}|\d{2})\b)?")
_DATE_WORDS = re.compile(
    r"\b(\d{1,2})\.\s*(" + "|".join(_MONTHS) + r")\b(?:\s+(\d{4}))?", re.IGNORECASE
)
_MONTH_ALONE = re.compile(r"\b(" + "|".join(_MONTHS) + r")\b(?:\s+(\d{4}))?", re.IGNORECASE)
_TIME = re.compile(r"\b(\d{1,2})[.:](\d{2})(?=\s*(?:uhr\b|bis\b|und\b|-|–))", re.IGNORECASE)
_TIME_COLON = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_PARAGRAPH = re.compile(r"§§?\s*(\d+)\s*([a-z])?\b(?!\.\d)", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w,.])(\d{1,3}(?:[. ]\d{3})+|\d+)(?:,(\d+))?(?![\w])")
_WORD = re.compile(r"[A-Za-zÄÖÜäöüß][\w\-]*")


def _fmt(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.6g}"


def _parse_number(integer: str, decimals: str | None) -> Fraction:
    whole = int(integer.replace(".", "").replace(" ", ""))
    if decimals:
        return whole + Fraction(int(decimals), 10 ** len(decimals))
    return Fraction(whole)


_WEEKDAYS = ["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"]
_WEEKDAY = re.compile(
    r"\b(" + "|".join(_WEEKDAYS) + r")s?\b(?:\s*(?:bis|-|–)\s*(" + "|".join(_WEEKDAYS)
    + r")s?\b)?",
    re.IGNORECASE,
)
# „(3)“ numbers an Absatz and „2.“ a list item at the start of a passage: no facts.
_STRUCTURE = re.compile(r"\*{0,2}\(\d{1,2}[a-z]?\)\*{0,2}|^\s*\d{1,2}\.\s", re.MULTILINE)
_PERCENT = re.compile(r"(\d+(?:,\d+)?)\s*(?:%|prozent\b)", re.IGNORECASE)


@dataclass
class Facts:
    numbers: set[str] = field(default_factory=set)
    weekdays: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)  # "day.month"
    months: set[int] = field(default_factory=set)
    years: set[str] = field(default_factory=set)
    durations: set[str] = field(default_factory=set)
    paragraphs: set[str] = field(default_factory=set)
    ordinals: set[int] = field(default_factory=set)
    open_ordinal: bool = False  # „jeder weitere …“ covers the second, third, …

    def missing_from(self, other: Facts) -> list[str]:
        """Facts of self that ``other`` lacks, in German words for the reason."""
        missing: list[str] = []
        missing += [f"die Zahl {n}" for n in sorted(self.numbers - other.numbers - other.years)]
        missing += [f"das Datum {d}" for d in sorted(self.dates - other.dates)]
        missing += [
            f"den Monat {name}"
            for m in sorted(self.months - other.months)
            for name in [next(k for k, v in _MONTHS.items() if v == m).capitalize()]
        ]
        missing += [f"das Jahr {y}" for y in sorted(self.years - other.years - other.numbers)]
        missing += [
            f"die Frist {_duration_words(d)}" for d in sorted(self.durations - other.durations)
        ]
        missing += [f"§ {p}" for p in sorted(self.paragraphs - other.paragraphs)]
        missing += [d.capitalize() for d in _WEEKDAYS if d in self.weekdays - other.weekdays]
        for n in sorted(self.ordinals - other.ordinals):
            if not (other.open_ordinal and n >= 2):
                missing.append(f"die Ordnungszahl {n}.")
        return missing


def _duration_words(key: str) -> str:
    value, unit = key.split(" ")
    words = {"d": "Tage", "wd": "Werktage", "m": "Monate", "y": "Jahre", "h": "Stunden",
             "min": "Minuten"}  # fmt: skip
    return f"{value} {words.get(unit, unit)}"


def _stem(word: str) -> str:
    return word.lower().rstrip(".")


def extract_facts(text: str) -> Facts:
    """The hard facts of ``text``, normalised so that equal facts compare equal."""
    facts = Facts()
    text = _STRUCTURE.sub(lambda m: " " * len(m.group()), text)
    taken = [False] * len(text)
    for m in _WEEKDAY.finditer(text):
        first = _WEEKDAYS.index(m.group(1).lower())
        last = _WEEKDAYS.index(m.group(2).lower()) if m.group(2) else first
        facts.weekdays.update(_WEEKDAYS[first : max(first, last) + 1])
    for m in _PERCENT.finditer(text):
        # „50 Prozent“ is also „die Hälfte“: the fraction joins the facts.
        facts.numbers.add(_fmt(_parse_number(*[*m.group(1).split(","), None][:2]) / 100))

    def free(match: re.Match[str]) -> bool:
        return not any(taken[match.start() : match.end()])

    def take(match: re.Match[str]) -> None:
        for i in range(match.start(), match.end()):
            taken[i] = True

    for m in _PARAGRAPH.finditer(text):
        facts.paragraphs.add(m.group(1) + (m.group(2) or "").lower())
        take(m)
    for m in _DATE_WORDS.finditer(text):
        if free(m):
            month = _MONTHS[m.group(2).lower()]
            facts.dates.add(f"{int(m.group(1))}.{month}")
            facts.months.add(month)
            if m.group(3):
                facts.years.add(m.group(3))
            take(m)
    for m in _DATE_NUMERIC.finditer(text):
        day, month = int(m.group(1)), int(m.group(2))
        if free(m) and 1 <= day <= 31 and 1 <= month <= 12:
            # "12.00 Uhr" is a time, not the 12th of no month.
            after = text[m.end() : m.end() + 5].lower()
            if m.group(3) is None and after.strip().startswith("uhr"):
                continue
            facts.dates.add(f"{day}.{month}")
            facts.months.add(month)
            if m.group(3):
                year = m.group(3)
                facts.years.add(year if len(year) == 4 else "20" + year)
            take(m)
    for m in _MONTH_ALONE.finditer(text):
        if free(m):
            # „Mai“ only as a month when capitalised: „mai“ is no German word anyway.
            facts.months.add(_MONTHS[m.group(1).lower()])
            if m.group(2):
                facts.years.add(m.group(2))
            take(m)
    for pattern in (_TIME, _TIME_COLON):
        for m in pattern.finditer(text):
            if free(m):
                hour, minute = int(m.group(1)), int(m.group(2))
                facts.numbers.add(str(hour) if minute == 0 else f"{hour}:{minute:02d}")
                take(m)
    # Durations: a number (digits or word) followed by a unit of time.
    words = [(w.group(), w.start(), w.end()) for w in _WORD.finditer(text)]
    tokens = [(t.group(), t.start(), t.end()) for t in re.finditer(r"\d+(?:,\d+)?|[^\W\d]+", text)]
    for i, (token, start, end) in enumerate(tokens[:-1]):
        unit = _DURATION_UNITS.get(tokens[i + 1][0].lower())
        if unit is None or any(taken[start:end]) or text[end : tokens[i + 1][1]].strip():
            continue
        lowered = token.lower()
        if token[0].isdigit():
            value = _parse_number(*[*token.split(","), None][:2])
        elif lowered in _ARTICLE_ONE:
            value = Fraction(1)
        elif lowered in _CARDINALS:
            value = Fraction(_CARDINALS[lowered])
        else:
            continue
        name, factor = unit
        facts.durations.add(f"{_fmt(value * factor)} {name}")
        for j in range(start, tokens[i + 1][2]):
            taken[j] = True
    for m in _NUMBER.finditer(text):
        if free(m):
            integer = m.group(1)
            if " " in integer and not re.fullmatch(r"\d{1,3}(?: \d{3})+", integer):
                integer = integer.split(" ")[0]
            facts.numbers.add(_fmt(_parse_number(integer, m.group(2))))
            take(m)
    for word, start, _end in words:
        if any(taken[start : start + 1]):
            continue
        lowered = word.lower()
        if lowered in _CARDINALS:
            facts.numbers.add(str(_CARDINALS[lowered]))
        elif lowered in _FRACTIONS:
            facts.numbers.add(_fmt(_FRACTIONS[lowered]))
        elif lowered in {"weitere", "weiteren", "weiterer", "weiteres"}:
            facts.open_ordinal = True
        else:
            for prefix, value in _ORDINALS.items():
                if lowered.startswith(prefix) and lowered[len(prefix) :] in {
                    "e", "en", "er", "es", "em"
                }:  # fmt: skip
                    facts.ordinals.add(value)
                    break
    return facts


# ---------------------------------------------------------------------------
# Polarity and modality

_NEGATIONS = re.compile(
    r"\b(?:nicht\w*|kein\w*|nie|niemals|nichts|weder|ohne|nirgends|verboten|untersagt"
    r"|unzulässig|ausgeschlossen|\w+frei|befreit|versag\w*|verweiger\w*|abgelehnt|lehn\w*"
    r"|unbegrenzt)\b",
    re.IGNORECASE,
)
# Words ending in -frei that are not negations.
_NOT_NEGATIONS = {"freiwillig", "frei", "einwandfrei", "barrierefrei", "freie", "freien"}
_OBLIGATION = re.compile(
    r"\b(?:muss|müssen|musste|müsste|verpflichtet\w*|pflicht\w*|zwingend|erforderlich"
    r"|notwendig|stets|(?:hat|haben)\s+(?:\w+\s+){0,6}(?:zu\s+\w+en|\w+zu\w+en))\b"
    r"|\b(?:ist|sind)\b(?:\s+[^\s;]+){0,20}?\s+(?:zu\s+\w+en|\w+zu\w+en)\b",
    re.IGNORECASE,
)
_PERMISSION = re.compile(
    r"\b(?:kann|können|könnte|darf|dürfen|dürfte|möglich|zulässig|erlaubt|lässt|lassen"
    r"|wahlweise|berechtigt)\b",
    re.IGNORECASE,
)
_RECOMMENDATION = re.compile(r"\b(?:soll|sollen|sollte|sollten|vorzugsweise|möglichst)\b", re.I)
_UNIVERSAL = re.compile(
    r"\b(?:jederzeit|immer|stets|alle|aller|allen|sämtliche\w*"
    r"|ausnahmslos|uneingeschränkt|auch)\b",
    re.IGNORECASE,
)
# „zu“ + infinitive forms that are no obligation: „um … zu“, „ohne … zu“.
_NOT_OBLIGATION_ZU = re.compile(r"\b(?:zuzuordnen|zuständig\w*|zurück\w*)\b", re.I)


# Negated comparisons are bounds, not negations: „nicht mehr als 5 000“ = „höchstens“.
_BOUNDS = re.compile(r"\bnicht\s+(?:mehr|weniger|später|früher|länger|kürzer)\s+als\b", re.I)
# A negation inside a condition or exception („soweit hierüber nichts bestimmt ist“,
# „wenn kein Mitglied widerspricht“) belongs to that clause, not to the statement.
_SUBORDINATE = re.compile(
    r"^\s*(?:soweit|sofern|wenn|falls|es\s+sei\s+denn|außer|solange|sobald|wobei|weil|da"
    r"|die|der|das|deren|dessen|welche[rsnm]?)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[,;:()]|\s[–-]\s|\s(?:sowie|aber|jedoch)\s")
# Where a generated sentence tends to append something of its own.
_ADDED_CLAUSE = re.compile(
    r"[;:]|\s[–-]\s|,\s*(?:und|aber|wobei|jedoch|zudem|außerdem|sowie)\b"
    r"|\s(?:und|sowie)\s+(?=(?:\w+\s+){0,3}(?:ist|sind|wird|werden|kann|können|muss|müssen"
    r"|darf|dürfen|gilt|gelten)\b)",
    re.IGNORECASE,
)


def count_negations(text: str) -> int:
    text = _BOUNDS.sub(" höchstens ", text)
    return sum(1 for m in _NEGATIONS.finditer(text) if m.group().lower() not in _NOT_NEGATIONS)


def negation_parity(text: str, claim_terms: set[str] | None = None) -> int:
    """Parity of the negations in ``text``. With ``claim_terms``, negations in
    subordinate clauses that share no more than one term with the claim are left out:
    they qualify the statement instead of negating it."""
    count = 0
    for clause in _CLAUSE.split(text):
        n = count_negations(clause)
        if not n:
            continue
        if claim_terms is not None and _SUBORDINATE.match(clause):
            shared = {t for t in analyze(clause) if not _FACTLIKE.search(t)} & claim_terms
            if len(shared) <= 1:
                continue
        count += n
    return count % 2


_NEGATED_OBLIGATION = re.compile(
    r"\b(?:muss|müssen|braucht|brauchen)\s+(?:\S+\s+){0,2}?(?:nicht|kein\w*)\b", re.I
)


def modality(text: str) -> set[str]:
    found: set[str] = set()
    # „muss keine Gebühr zahlen“ is no obligation; the negation is checked as polarity.
    text = _NEGATED_OBLIGATION.sub(" ", text)
    if _OBLIGATION.search(_NOT_OBLIGATION_ZU.sub(" ", text)):
        found.add("muss")
    if _PERMISSION.search(text):
        found.add("kann")
    if _RECOMMENDATION.search(text):
        found.add("soll")
    return found


def universal_words(text: str) -> set[str]:
    return {m.group().lower() for m in _UNIVERSAL.finditer(text)}


# ---------------------------------------------------------------------------
# Specific names: places, bodies, offices, roles, documents

# Nouns ending like this name a body, office, role, place or document: swapping one
# for another changes who or what a statement is about, however close the meaning.
_SPECIFIC_ENDINGS = (
    "amt", "ämter", "amtes", "amts", "behörde", "gericht", "gerichts", "ministerium",
    "rat", "räte", "räten", "rats", "rates", "tag", "tags", "büro", "hof", "verwaltung",
    "ausschuss", "ausschusses", "stelle", "kasse", "kommission", "beirat", "meister",
    "meisters", "leiter", "leiterin", "vorsitzende", "vorsitzender", "vorsitzenden",
    "führer", "beauftragte", "beauftragten", "fraktion", "kreis", "kreises", "gemeinde",
    "stadt", "verband", "verein", "vereine", "schule", "bücherei", "bibliothek", "halle",
    "platz", "straße", "str", "weg", "steuer", "gebühr", "bescheid", "bescheids",
    "bescheides", "satzung", "ordnung", "gesetz", "gesetzes", "verordnung", "act",
    "anschluss", "anschlusses", "feld", "gebäude", "schloss", "unternehmen", "stätten",
    "stätte", "stahl", "eisen", "ray", "landrat", "beauftragter", "gast", "gäste",
    "gästen", "bürger", "einwohner", "eigentümer", "mieter", "pächter", "schuldner",
    "steller", "nehmer",
)  # fmt: skip
# Function words that start a sentence capitalised but are no names.
_FUNCTION_TEXT = (
    "der die das den dem des ein eine einen einem einer eines für bei im in am an auf aus "
    "nach vor mit von zu zum zur und oder wer wenn sobald soweit solange ist sind es man "
    "auch nur ab bis über unter gegen durch als wird werden kann darf muss soll hat haben "
    "jede jeder jedes alle diese dieser dieses mehrere liegen liegt stimmen wurde wurden "
    "besteht greift verläuft widerspricht gewählt neben den betreten unterschreiben "
    "fällig"
)
_FUNCTION = frozenset(_FUNCTION_TEXT.split())


_FACTLIKE = re.compile(r"\d")
# Words that bound a fact (checked as facts) or only carry tone: no new content.
_NEUTRAL_TEXT = (
    "höchstens mindestens spätestens frühestens bis zu insgesamt jeweils jährlich dabei "
    "dafür dann damit dazu hierfür also bereits erst noch nur ausschließlich allein "
    "lediglich man sich euro eur € prozent pro je innerhalb binnen nachdem sobald außer "
    "wurde wurden worden wird werden sein ist sind war waren hat haben hatte gibt gab "
    "gegeben eigener eigene eigenen dieser diese dieses diesem diesen jener dort hier "
    "zusätzlich weiterhin außerdem zudem ebenfalls hinweg vorher zuvor danach später "
    "seiner seine seinen ihrer ihre ihren sowie etwa beziehungsweise bzw"
)
_NEUTRAL = frozenset(_NEUTRAL_TEXT.split())
_NUMBER_WORDS = frozenset(_CARDINALS) | frozenset(_FRACTIONS) | _ARTICLE_ONE


def _claim_words(text: str) -> list[str]:
    """Content words of the claim, once each, without facts and neutral words."""
    words = []
    for m in _WORD.finditer(text):
        word = m.group()
        lowered = word.lower()
        if lowered in _NEUTRAL or lowered in _NUMBER_WORDS or lowered in _MONTHS:
            continue
        if any(lowered.startswith(p) and lowered[len(p):] in {"e", "en", "er", "es", "em"}
               for p in _ORDINALS):
            continue
        if analyze(word):
            words.append(word)
    return list(dict.fromkeys(words))


def _names(text: str) -> list[str]:
    """Capitalised words that are not sentence-initial function words."""
    names = []
    for m in _WORD.finditer(text):
        word = m.group()
        if word[0].isupper() and word.lower() not in _FUNCTION:
            names.append(word)
    return names


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(letter in letters for letter in short)


def _abbreviation_of(abbreviation: str, text: str) -> bool:
    """Does ``text`` spell out ``abbreviation``: „BGB“ in „Bürgerlichen Gesetzbuchs“,
    „NRW“ in „Nordrhein-Westfalen“, „KI“ in „Künstlicher Intelligenz“? Every word of the
    long form gives its initial, in order; the other letters may come from inside."""
    wanted = abbreviation.lower()
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", text)]
    for start, word in enumerate(words):
        if word[0] != wanted[0]:
            continue
        for end in range(start + 1, min(start + len(wanted), len(words)) + 1):
            span = words[start:end]
            initials = "".join(w[0] for w in span)
            # Every initial used, all letters in order, the last one in the last word.
            if (
                _is_subsequence(initials, wanted)
                and _is_subsequence(wanted, "".join(span))
                and wanted[-1] in span[-1]
            ):
                return True
    return False


_PROPER_AFTER = re.compile(
    r"\b(?:in|aus|nach|bei|von|gegenüber)\s+([A-ZÄÖÜ][a-zäöüß]+(?:[- ][A-ZÄÖÜ][a-zäöüß]+)?)"
)


def proper_nouns(text: str) -> set[str]:
    """Capitalised words right after a preposition without an article („in Göppingen“,
    „aus Dürnau“): in German a common noun there would take one."""
    return {m.group(1).split()[0].split("-")[0] for m in _PROPER_AFTER.finditer(text)}


def _specific(word: str) -> bool:
    from aktenkundig.privacy.ner import first_names, places, surnames

    if word in places() or word in surnames() or word in first_names():
        return True
    letters = word.replace("-", "")
    if len(letters) >= 2 and letters.isupper():  # CDU, BGB, KVNR: abbreviations name things
        return True
    lowered = letters.lower()
    if lowered in _DURATION_UNITS:  # „jede Woche“ is not „jeden Monat“
        return True
    return any(lowered.endswith(ending) for ending in _SPECIFIC_ENDINGS)


def _covered(word: str, window_terms: set[str], window_text: str, strict: bool = False) -> bool:
    """Is ``word`` (from the claim) found in the window: stem, compound or prefix?

    ``strict`` (names of things): the whole word must be there; its parts are not
    enough („Gemeinderäte“ is not backed by „Verbandsgemeinden“ and „Verwaltungsrat“).
    """
    lowered = word.lower()
    if re.search(r"\b" + re.escape(lowered), window_text) or (
        len(lowered) >= 5 and not strict and lowered in window_text
    ):
        return True
    terms = analyze(word)
    if not terms:
        return True
    whole, parts = terms[0], terms[1:]
    if whole in window_terms:
        return True
    if not strict and parts and all(part in window_terms for part in parts):
        return True
    # The claim names the head of a window compound: „Jahr“ in „Kalenderjahr“.
    if strict and len(lowered) >= 3 and re.search(re.escape(lowered) + r"\b", window_text):
        return True
    # „Vorsitz“ / „Vorsitzende“, „Wassermengen“ / „Wasser“: a shared stem of 5+ letters.
    return any(
        len(whole) >= 5 and len(term) >= 5 and (term.startswith(whole) or whole.startswith(term))
        for term in window_terms
        if not strict or len(term) >= len(whole) - 2
    )


# ---------------------------------------------------------------------------
# Meaning (e5), cached per sentence

_cache_lock = threading.Lock()
_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
_CACHE_SIZE = 4096


def _embed(texts: Sequence[str]) -> list[np.ndarray]:
    from aktenkundig.search.embedding import get_encoder

    with _cache_lock:
        missing = [t for t in dict.fromkeys(texts) if t not in _vectors]
    if missing:
        fresh = get_encoder().embed_passages(missing)
        with _cache_lock:
            for text, vector in zip(missing, fresh, strict=True):
                _vectors[text] = vector
                while len(_vectors) > _CACHE_SIZE:
                    _vectors.popitem(last=False)
    with _cache_lock:
        return [_vectors[t] for t in texts]


Similarity = Callable[[str, Sequence[str]], list[float]]


def e5_similarity(claim: str, windows: Sequence[str]) -> list[float]:
    vectors = _embed([claim, *windows])
    return [float(vectors[0] @ v) for v in vectors[1:]]


# ---------------------------------------------------------------------------
# The check


@dataclass
class _Window:
    text: str
    facts: Facts
    terms: set[str]
    lowered: str
    sentences: list[str]


def _windows(passages: Iterable[str]) -> list[str]:
    windows: list[str] = []
    for passage in passages:
        sentences = [
            part.strip()
            for sentence in split_sentences(strip_markers(passage))
            for part in sentence.split(";")  # „…; ab dem dritten Kind …“: two statements
            if part.strip()
        ]
        windows += sentences
        windows += [f"{a} {b}" for a, b in itertools.pairwise(sentences)]
        if 2 < len(sentences) <= 6:
            windows.append(" ".join(sentences))
    return list(dict.fromkeys(windows))


def _check_window(claim: str, claim_facts: Facts, window: _Window, similarity: float) -> list[str]:
    """Problems of ``claim`` against one window, as German reasons; empty = backed."""
    problems: list[str] = []
    missing = claim_facts.missing_from(window.facts)
    if missing:
        problems.append("Im Auszug fehlt " + ", ".join(missing[:3]) + ".")
    claim_terms = {t for t in analyze(claim) if not _FACTLIKE.search(t)}
    if negation_parity(claim) != negation_parity(window.text, claim_terms):
        problems.append("Die Verneinung weicht vom Auszug ab.")
    # Modality is compared with the window's sentence that shares most with the claim:
    # a pair of sentences can hold „ist zu widerrufen“ and „kann widerrufen werden“.
    closest = max(window.sentences, key=lambda s: len(claim_terms & set(analyze(s))))
    claim_modal, window_modal = modality(claim), modality(closest)
    if claim_modal and window_modal and not claim_modal & window_modal:
        problems.append(
            "Die Verbindlichkeit weicht ab („"
            + "/".join(sorted(claim_modal))
            + "“ statt „"
            + "/".join(sorted(window_modal))
            + "“)."
        )
    elif claim_modal - {"kann"} and not window_modal:
        problems.append("Der Auszug enthält keine solche Pflicht oder Empfehlung.")
    extra_universal = universal_words(claim) - universal_words(window.text)
    if extra_universal:
        problems.append(f"„{sorted(extra_universal)[0]}“ steht so nicht im Auszug.")
    proper = proper_nouns(claim)
    specific = [
        name for name in _names(claim)
        if (_specific(name) or name in proper)
        and not _covered(name, window.terms, window.lowered, strict=True)
        and not (name.isupper() and _abbreviation_of(name, window.text))
    ]  # fmt: skip
    if specific:
        problems.append(f"„{specific[0]}“ kommt im Auszug nicht vor.")
    words = _claim_words(claim)
    novel = [w for w in words if not _covered(w, window.terms, window.lowered)]
    for clause in _ADDED_CLAUSE.split(claim)[1:]:
        clause_words = _claim_words(clause)
        clause_novel = [w for w in clause_words if w in novel]
        if len(clause_words) >= 2 and len(clause_novel) * 2 > len(clause_words):
            problems.append("Zusätzliche Angaben ohne Beleg: " + ", ".join(clause_novel[:4]) + ".")
            novel = []  # reported once
            break
    novel = [w for w in novel if not (w.isupper() and _abbreviation_of(w, window.text))]
    coverage = 1 - len(novel) / len(words) if words else 1.0
    # A new noun is new content; a new verb or adverb is mostly rewording.
    weight = sum(1.0 if w[0].isupper() else 0.5 for w in novel)
    if similarity < SIMILARITY_FLOOR or coverage < COVERAGE_FLOOR:
        problems.append("Die Aussage gibt den Auszug nicht sinngemäß wieder.")
    elif (
        weight > NOVEL_TERMS_ALLOWED
        or (novel and similarity < CLOSE_MEANING)
        # A new noun names something the window does not: accepted only when the
        # claim as a whole is nearly the window's meaning (a synonym, not a swap).
        or (any(w[0].isupper() for w in novel) and similarity < NEW_NOUN_MEANING)
    ):
        problems.append("Zusätzliche Angaben ohne Beleg: " + ", ".join(novel[:4]) + ".")
    return problems


def _contradiction(claim: str, window: _Window, passages: Sequence[str]) -> str | None:
    """A negated clause elsewhere in the passages about something the claim states
    positively and the backing window does not mention: „Auch DVDs können verlängert
    werden“ against „Dies gilt nicht für DVDs“."""
    if negation_parity(claim):
        return None
    distinctive = {
        t for t in analyze(claim) if not _FACTLIKE.search(t) and t not in window.terms
    }
    if not distinctive:
        return None
    for passage in passages:
        for clause in _CLAUSE.split(strip_markers(passage)):
            if count_negations(clause) % 2 and distinctive & set(analyze(clause)):
                return f"Der Auszug schließt das aus: „{' '.join(clause.split())[:120]}“."
    return None


def check_claim(
    claim: str, passages: Sequence[str], similarity: Similarity | None = None
) -> Verdict:
    """Check one sentence against the passages it cites.

    ``similarity`` defaults to the configured e5 encoder; tests and benchmarks can pass
    their own to isolate the rules.
    """
    claim = " ".join(strip_markers(claim).split())
    if not claim or not re.search(r"[^\W\d_]", claim):
        return Verdict(UNSUPPORTED, 0.0, "Keine Aussage.")
    texts = _windows(passages)
    if not texts:
        return Verdict(UNSUPPORTED, 0.0, "Kein Auszug zum Prüfen.")
    similarities = (similarity or e5_similarity)(claim, texts)
    claim_facts = extract_facts(claim)
    best: tuple[int, float, list[str], str] | None = None
    # The windows most similar in meaning first; the claim is backed if any window is.
    order = sorted(range(len(texts)), key=lambda i: -similarities[i])[:12]
    for i in order:
        text = texts[i]
        window = _Window(
            text, extract_facts(text), set(analyze(text)), _fold(text), split_sentences(text)
        )
        problems = _check_window(claim, claim_facts, window, similarities[i])
        if not problems:
            contradiction = _contradiction(claim, window, passages)
            if contradiction:
                problems = [contradiction]
        key = (len(problems), -similarities[i])
        if best is None or key < (best[0], -best[1]):
            best = (len(problems), similarities[i], problems, text)
        if not problems:
            break
    assert best is not None
    _count, score, problems, evidence = best
    if not problems:
        return Verdict(SUPPORTED, score, "Durch den Auszug belegt.", evidence)
    partial_only = all(p.startswith("Zusätzliche Angaben") for p in problems)
    verdict = PARTIAL if partial_only else UNSUPPORTED
    return Verdict(verdict, score, " ".join(problems), evidence, tuple(problems))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()
