"""Comprehensibility checker for administrative German: offline and deterministic.

Why its own module and no model: a caseworker must see *why* a Bescheid is hard
to read, at once and the same way every time, on any machine. The measures are
the classic German readability formulas (Flesch-Amstad, Wiener Sachtextformel,
LIX) plus the things the guides for Einfache/Leichte Sprache name (long
sentences, passive, nominal style, long compounds, negations, abbreviations,
unexplained Fachbegriffe). Each one is a :class:`Finding` with a span in the
original text, so that the web page can mark it and explain it.

``difficulty`` (0-100, higher is harder) combines the length-independent rates
of these measures with weights fitted on DEplain pairs by ``bench/language.py``
(pairwise logistic regression, cross-validated there; the spread is in
docs/benchmarks.md). The plain formula scores are reported beside it, so that
nobody has to trust the combination blindly.

The text is processed by regular expressions, the search app's compound splitter
(lexicon of administrative German) and the piece log-probabilities of the XLM-R
unigram vocabulary shipped with the bundled multilingual-e5 weights (how common a
word is in general German); no network, no randomness, bounded time (linear in the
text, capped at :data:`MAX_CHARS`; each word form is analysed once and cached).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

MAX_CHARS = 2_000_000

# Thresholds that produce findings (Einfache Sprache guides: at most 15-20 words a
# sentence; Leichte Sprache: one statement a sentence, ~10 words).
LONG_SENTENCE = 20
VERY_LONG_SENTENCE = 30
LONG_WORD = 15  # letters: compounds beyond this get a hyphenation proposal

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_VOWELS = re.compile(r"[aeiouyäöü]+", re.IGNORECASE)

# Abbreviations that end with a dot and must not end a sentence.
_ABBREVIATIONS: dict[str, str] = {
    "z. B.": "zum Beispiel",
    "z.B.": "zum Beispiel",
    "d. h.": "das heißt",
    "d.h.": "das heißt",
    "u. a.": "unter anderem",
    "u.a.": "unter anderem",
    "i. d. R.": "in der Regel",
    "i.d.R.": "in der Regel",
    "i. V. m.": "in Verbindung mit",
    "i.V.m.": "in Verbindung mit",
    "u. U.": "unter Umständen",
    "o. Ä.": "oder Ähnliches",
    "ggf.": "gegebenenfalls",
    "bzw.": "beziehungsweise",
    "evtl.": "eventuell",
    "gem.": "gemäß",
    "lt.": "laut",
    "vgl.": "vergleiche",
    "usw.": "und so weiter",
    "etc.": "und so weiter",
    "inkl.": "inklusive",
    "zzgl.": "zuzüglich",
    "ca.": "ungefähr",
    "Abs.": "Absatz",
    "Nr.": "Nummer",
    "Art.": "Artikel",
    "S.": "Satz oder Seite",
    "Tel.": "Telefon",
    "Str.": "Straße",
    "bzgl.": "bezüglich",
    "max.": "höchstens",
    "mind.": "mindestens",
    "sog.": "so genannt",
    "Az.": "Aktenzeichen",
}
# Acronyms: spelled out where they are common in administrative letters.
_ACRONYMS: dict[str, str] = {
    "SGB": "Sozialgesetzbuch",
    "BGB": "Bürgerliches Gesetzbuch",
    "ALG": "Arbeitslosengeld",
    "VwVfG": "Verwaltungsverfahrensgesetz",
    "VwGO": "Verwaltungsgerichtsordnung",
    "BAföG": "Bundesausbildungsförderungsgesetz",
    "KiTa": "Kindertagesstätte",
    "Kita": "Kindertagesstätte",
    "DSGVO": "Datenschutz-Grundverordnung",
    "IBAN": "Kontonummer",
    "GG": "Grundgesetz",
    "EU": "Europäische Union",
    "AO": "Abgabenordnung",
    "KiZ": "Kinderzuschlag",
    "BG": "Bedarfsgemeinschaft",
}
_ABBREV_RE = re.compile(
    r"(?<![\w.])(?:"
    + "|".join(re.escape(a) + ("" if a.endswith(".") else r"(?!\w)")
               for a in sorted(_ABBREVIATIONS, key=len, reverse=True))
    + ")"
)
_ACRONYM_RE = re.compile(r"\b(?:[A-ZÄÖÜ][A-Za-zÄÖÜäöü]?){1,3}[A-ZÄÖÜ]\b|\b(?:" +
                         "|".join(re.escape(a) for a in _ACRONYMS) + r")\b")

_SENTENCE_END = re.compile(r"[.!?:;]+[\"“”„»«')\]]*(?=\s+|$)|\n\s*\n|\n(?=\s*[-•*–]\s)")

_PASSIVE_AUX = r"(?:wird|werden|wurde|wurden|worden|würde|würden|wirst|werdet)"
_PARTICIPLE = (
    r"(?:[a-zäöüß]*ge[a-zäöüß]{2,}(?:t|en)|[a-zäöüß]{3,}iert"
    r"|(?:be|ver|er|ent|zer|über|unter)[a-zäöüß]{2,}t)"
)
_PASSIVE = re.compile(
    rf"\b{_PASSIVE_AUX}\b(?:\s+[^\s!?;:]+){{0,14}}?\s+{_PARTICIPLE}\b"
    rf"|\b{_PARTICIPLE}\s+(?:{_PASSIVE_AUX})\b",
)
_NOMINAL = re.compile(
    r"\b[A-ZÄÖÜ][a-zäöüß]+(?:ung|ungen|heit|heiten|keit|keiten|tion|tionen|tät|täten"
    r"|nis|nisse|ismus|ierung|ierungen)\b"
)
_NEGATION = re.compile(
    r"\b(?:nicht|kein|keine|keinen|keinem|keiner|keines|nie|niemals|nichts|weder|noch nicht"
    r"|niemand|nirgends|un[a-zäöüß]{4,}(?:lich|bar|ig|sam))\b",
    re.IGNORECASE,
)
_NOT_UN = {"unter", "unten", "und", "uns", "unser", "unsere", "unseren", "unserem", "unserer"}
_SUBORDINATE = re.compile(
    r",\s*(?:dass|weil|wenn|falls|sofern|soweit|obwohl|nachdem|bevor|damit|indem|ob|die|der"
    r"|das|dem|den|deren|dessen|welche[rsnm]?|wobei|wodurch|womit|sodass)\b"
)


_ROMAN = re.compile(r"[IVXLC]+")


def _counts_as_acronym(word: str) -> bool:
    """„SGB“, „BAföG“ yes; Roman numerals („SGB II“) are part of a name, not an
    abbreviation."""
    if word in _ACRONYMS:
        return True
    return not any(c.islower() for c in word) and not _ROMAN.fullmatch(word)


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    text: str
    hint: str


@dataclass
class Report:
    scores: dict[str, float]
    findings: list[Finding] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"scores": self.scores, "findings": [asdict(f) for f in self.findings]}


KINDS = {
    "satzlaenge": "Langer Satz",
    "passiv": "Passiv",
    "nominalstil": "Nominalstil",
    "kompositum": "Langes zusammengesetztes Wort",
    "verneinung": "Verneinung",
    "abkuerzung": "Abkürzung",
    "fachbegriff": "Fachbegriff",
}


# --------------------------------------------------------------------------- units


def syllables(word: str) -> int:
    """Vowel groups (ei, au, ie, … count once): the usual approximation for German."""
    return max(1, len(_VOWELS.findall(word)))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans; dots of known abbreviations, ordinals and dates do not end one."""
    protected = _ABBREV_RE.sub(lambda m: m.group().replace(".", "\x00"), text) \
        if "." in text else text
    protected = re.sub(r"(?<=\d)\.(?=\s*\d|\s+[a-zäöü])", "\x00", protected)
    # „15. März“, „3. Absatz“: a one- or two-digit number with a dot is an ordinal.
    protected = re.sub(r"(?<![\d.])(\d{1,2})\.(?=\s+[^\W\d_])", "\\1\x00", protected)
    protected = re.sub(r"\b([A-ZÄÖÜ])\.(?=\s?[A-ZÄÖÜ]\.)", "\\1\x00", protected)
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(protected):
        end = m.end()
        if text[start:end].strip():
            spans.append(_trim(text, start, end))
        start = end
    if text[start:].strip():
        spans.append(_trim(text, start, len(text)))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@lru_cache(maxsize=1)
def _splitter():
    from aktenkundig.search.lexicon import default_splitter

    return default_splitter()


@lru_cache(maxsize=50_000)
def compound_parts(word: str) -> tuple[str, ...]:
    """Parts of ``word`` in its own spelling (folded lexicon split mapped back)."""
    from aktenkundig.search.analyzer import fold

    if len(word) < 10 or "-" in word:
        return (word,)
    folded = fold(word)
    parts = _splitter().split(folded)
    if len(parts) < 2:
        return (word,)
    # Map folded parts back onto the original spelling by their folded lengths.
    out, pos = [], 0
    consumed = ""
    for i, part in enumerate(parts):
        target = consumed + part
        j = pos
        while j < len(word) and len(fold(word[: j + 1])) <= len(target):
            j += 1
            if fold(word[:j]) == target:
                break
        # Include a linking element (Fugen-s) in the left part.
        if i < len(parts) - 1:
            nxt = parts[i + 1]
            while j < len(word) and not fold(word[j:]).startswith(nxt):
                j += 1
        out.append(word[pos:j])
        consumed = fold(word[:j])
        pos = j
    if pos < len(word):
        out[-1] += word[pos:]
    return tuple(p for p in out if p)




@lru_cache(maxsize=200_000)
def _frequency(word: str) -> int:
    """How common ``word`` is in administrative German (search app's lexicon)."""
    from aktenkundig.search.analyzer import fold

    return _splitter().frequency(fold(word))


def hyphenated(word: str) -> str:
    """Leichte Sprache writes compounds with a hyphen (Medio-Punkt would also do):
    „Bürger-Geld-Antrag“; later parts keep a capital letter."""
    parts = compound_parts(word)
    return "-".join([parts[0]] + [p[:1].upper() + p[1:] for p in parts[1:]])


# --------------------------------------------------------------------------- measures


@dataclass
class Measures:
    sentences: int
    words: int
    syllables: int
    polysyllables: int  # >= 3 syllables
    monosyllables: int
    long_words: int  # > 6 letters
    letters: int
    passive: int
    nominal: int
    compounds: int
    negations: int
    abbreviations: int
    subordinate: int
    commas: int
    rare: int = 0  # words the lexicon of administrative German does not know
    log_frequency: float = 0.0  # sum over words of log(1 + lexicon frequency)
    very_long: int = 0  # >= 13 letters
    general: float = 0.0  # sum of unigram log-probabilities (general-language rarity)
    pieces: int = 0  # SentencePiece pieces over all words
    multi_piece: int = 0  # words of three pieces or more
    min_general: float = -30.0  # the rarest word's log-probability

    def rates(self) -> dict[str, float]:
        s, w = max(1, self.sentences), max(1, self.words)
        return {
            "asl": self.words / s,
            "asw": self.syllables / w,
            "ms": 100 * self.polysyllables / w,
            "iw": 100 * self.long_words / w,
            "es": 100 * self.monosyllables / w,
            "letters": self.letters / w,
            "passive": self.passive / s,
            "nominal": 100 * self.nominal / w,
            "compounds": 100 * self.compounds / w,
            "negations": self.negations / s,
            "abbreviations": 100 * self.abbreviations / w,
            "subordinate": self.subordinate / s,
            "commas": self.commas / s,
            "rare": 100 * self.rare / w,
            "log_frequency": self.log_frequency / w,
            "very_long": 100 * self.very_long / w,
            "general_logprob": self.general / w if self.words else CENTER["general_logprob"],
            "multi_piece": 100 * self.multi_piece / w,
            "pieces": self.pieces / w if self.words else CENTER["pieces"],
            "min_logprob": self.min_general,
        }


def flesch_amstad(r: dict[str, float]) -> float:
    return 180 - r["asl"] - 58.5 * r["asw"]


def wiener_sachtextformel(r: dict[str, float]) -> float:
    """1. Wiener Sachtextformel (school grade 4-15)."""
    return 0.1935 * r["ms"] + 0.1672 * r["asl"] + 0.1297 * r["iw"] - 0.0327 * r["es"] - 0.875


def lix(r: dict[str, float]) -> float:
    return r["asl"] + r["iw"]


# Weights of the standardised rates, fitted by bench/language.py (``--fit``) on the
# DEplain document and sentence pairs (pairwise logistic regression). Center and
# scale standardise each rate; the logistic of the weighted sum is the difficulty.
FEATURES = ("asl", "asw", "ms", "iw", "es", "letters", "passive", "nominal",
            "compounds", "negations", "abbreviations", "subordinate", "commas", "log_asl",
            "rare", "log_frequency", "very_long", "general_logprob", "multi_piece", "pieces",
            "min_logprob")
CENTER = {"asl": 15.0, "asw": 1.75, "ms": 18.0, "iw": 35.0, "es": 50.0, "letters": 5.6,
          "passive": 0.15, "nominal": 5.0, "compounds": 4.0, "negations": 0.15,
          "abbreviations": 0.3, "subordinate": 0.25, "commas": 0.8, "log_asl": 2.7,
          "rare": 10.0, "log_frequency": 6.0, "very_long": 8.0, "general_logprob": -14.0,
          "multi_piece": 5.0, "pieces": 1.5, "min_logprob": -30.0}
SCALE = {"asl": 7.0, "asw": 0.15, "ms": 6.0, "iw": 8.0, "es": 8.0, "letters": 0.6,
         "passive": 0.3, "nominal": 3.0, "compounds": 3.0, "negations": 0.3,
         "abbreviations": 1.0, "subordinate": 0.4, "commas": 0.8, "log_asl": 0.5,
         "rare": 8.0, "log_frequency": 1.5, "very_long": 5.0, "general_logprob": 4.0,
         "multi_piece": 5.0, "pieces": 0.5, "min_logprob": 10.0}
WEIGHTS = {"asl": 0.7345, "asw": 0.2040, "ms": 0.0767, "iw": -0.0984, "es": 0.0235,
           "letters": 0.0874, "passive": -0.0351, "nominal": 0.0160, "compounds": 0.0877,
           "negations": 0.2729, "abbreviations": 0.0034, "subordinate": 0.1158,
           "commas": 0.2577, "log_asl": 1.0768, "rare": -0.0379, "log_frequency": 0.0573,
           "very_long": -0.1814, "general_logprob": -0.1518, "multi_piece": 0.0780,
           "pieces": 0.0902, "min_logprob": -0.8820}
BIAS = -0.0227  # the median DEplain text scores 50


def feature_vector(rates: dict[str, float]) -> list[float]:
    values = dict(rates)
    values["log_asl"] = math.log(1 + rates["asl"])
    return [(values[k] - CENTER[k]) / SCALE[k] for k in FEATURES]


def difficulty_from_rates(rates: dict[str, float], weights: dict[str, float] | None = None,
                          bias: float | None = None) -> float:
    weights = WEIGHTS if weights is None else weights
    z = (BIAS if bias is None else bias) + sum(
        weights[k] * v for k, v in zip(FEATURES, feature_vector(rates), strict=True))
    return 100.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    explanation: str


def _glossary_re(entries: Sequence[GlossaryEntry]) -> re.Pattern[str] | None:
    terms = sorted({e.term for e in entries if e.term.strip()}, key=len, reverse=True)
    if not terms:
        return None
    # The term and its inflected forms (Bürgergeld, Bürgergeldes).
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in terms) + r")(?:e?s|e?n)?\b",
                      re.IGNORECASE)


def check(text: str, glossary: Iterable[GlossaryEntry] = (), *, findings: bool = True
          ) -> Report:
    """Scores and findings for ``text``. ``findings=False`` measures only (benchmarks)."""
    if len(text) > MAX_CHARS:
        raise ValueError(f"Der Text ist zu lang (höchstens {MAX_CHARS:,} Zeichen)."
                         .replace(",", "."))
    glossary = list(glossary)
    spans = split_sentences(text)
    m = _measure(text, spans)
    found = _findings(text, spans, glossary) if findings else []
    rates = m.rates()
    scores = {
        "difficulty": round(difficulty_from_rates(rates), 1),
        "flesch_amstad": round(flesch_amstad(rates), 1),
        "wiener_sachtextformel": round(wiener_sachtextformel(rates), 1),
        "lix": round(lix(rates), 1),
        "sentences": m.sentences,
        "words": m.words,
        "avg_sentence_length": round(rates["asl"], 1),
        "passive": m.passive,
        "nominal": m.nominal,
        "compounds": m.compounds,
        "negations": m.negations,
        "abbreviations": m.abbreviations,
    }
    return Report(scores=scores, findings=found)


def rates_of(text: str) -> dict[str, float]:
    """The length-independent rates behind ``difficulty`` (for fitting and benchmarks)."""
    m = _measure(text, split_sentences(text))
    return m.rates()


@lru_cache(maxsize=200_000)
def _word_stats(word: str) -> tuple[int, ...]:
    """(syllables, polysyllable, monosyllable, long, compound, rare, very long, letters)
    and the log frequency ×1000 of one word form: computed once per distinct word."""
    n = syllables(word)
    frequency = _frequency(word)
    compound = (len(word) >= LONG_WORD and word[0].isupper()
                and len(compound_parts(word)) >= 2)
    general, pieces = _general(word)
    return (n, int(n >= 3), int(n == 1), int(len(word) > 6), int(compound),
            int(frequency == 0 and len(word) > 3), int(len(word) >= 13), len(word),
            round(1000 * math.log1p(frequency)), round(1000 * general), pieces,
            int(pieces >= 3))


@lru_cache(maxsize=1)
def _unigram():
    """The XLM-R SentencePiece unigram model bundled with the search app's
    multilingual-e5 weights: its piece log-probabilities (trained on general web text
    in 100 languages) say how common a word is in general German, which the
    administrative lexicon cannot. None if the bundle is missing (then the rarity
    features sit at their centre and do not count)."""
    from aktenkundig.search.embedding import bundled_tokenizer

    try:
        return bundled_tokenizer()
    except (OSError, ValueError):
        return None


def _general(word: str) -> tuple[float, int]:
    """(log-probability, number of pieces) of ``word`` under the unigram model."""
    tokenizer = _unigram()
    if tokenizer is None:
        return CENTER["general_logprob"], 1
    return tokenizer.general_logprob(word)


_LETTER = re.compile(r"[^\W\d_]")
# Candidates for the compound finding: capitalised words of LONG_WORD letters or more.
_LONG_CAPITALISED = re.compile(
    r"(?<![^\W\d_])[A-ZÄÖÜ][^\W\d_]{" + str(LONG_WORD - 1) + r",}(?![-\w])"
)


def _measure(text: str, spans: list[tuple[int, int]]) -> Measures:
    """Counts over the whole text: per distinct word form once (cached), each pattern
    in one pass (a pattern may not cross a sentence end: none spans „.“ + capital)."""
    m = Measures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    m.sentences = sum(1 for start, end in spans if _LETTER.search(text, start, end))
    counts = Counter(_WORD.findall(text))
    m.words = sum(counts.values())
    totals = [0] * 12
    if counts:
        stats = np.array([_word_stats(word) for word in counts], dtype=np.int64)
        totals = (np.array(list(counts.values()), dtype=np.int64) @ stats).tolist()
        m.min_general = float(stats[:, 9].min()) / 1000
    (m.syllables, m.polysyllables, m.monosyllables, m.long_words, m.compounds, m.rare,
     m.very_long, m.letters, log_frequency, general, m.pieces, m.multi_piece) = totals
    m.log_frequency = log_frequency / 1000
    m.general = general / 1000
    m.commas = text.count(",")
    m.subordinate = len(_SUBORDINATE.findall(text))
    m.passive = sum(len(_PASSIVE.findall(text, start, end)) for start, end in spans)
    m.nominal = len(_NOMINAL.findall(text))
    m.negations = sum(1 for n in _NEGATION.findall(text) if n.lower() not in _NOT_UN)
    m.abbreviations = len(_ABBREV_RE.findall(text))
    m.abbreviations += sum(1 for a in _ACRONYM_RE.findall(text) if _counts_as_acronym(a))
    return m


def _findings(text: str, spans: list[tuple[int, int]], glossary: Sequence[GlossaryEntry]
              ) -> list[Finding]:
    found: list[Finding] = []
    for start, end in spans:
        sentence = text[start:end]
        words = _WORD.findall(sentence)
        if not words:
            continue
        for w in _LONG_CAPITALISED.finditer(sentence):
            word = w.group()
            if _word_stats(word)[4]:
                found.append(Finding(
                    "kompositum", start + w.start(), start + w.end(), word,
                    f"Langes zusammengesetztes Wort. Einfacher: umschreiben; "
                    f"in Leichter Sprache mit Bindestrich: {hyphenated(word)}."))
        if len(words) > LONG_SENTENCE:
            found.append(Finding(
                "satzlaenge", start, end, sentence,
                f"Der Satz hat {len(words)} Wörter. Besser: höchstens {LONG_SENTENCE}, "
                "eine Aussage pro Satz."
                + (" Teilen Sie ihn in mehrere Sätze." if len(words) > VERY_LONG_SENTENCE else "")))
        for p in _PASSIVE.finditer(sentence):
            found.append(Finding(
                "passiv", start + p.start(), start + p.end(), p.group(),
                "Passiv: Sagen Sie, wer handelt („Wir zahlen …“ statt „… wird gezahlt“)."))
        nominal = list(_NOMINAL.finditer(sentence))
        if len(nominal) >= 3:
            found.extend(Finding(
                "nominalstil", start + p.start(), start + p.end(), p.group(),
                "Nominalstil: Verwenden Sie ein Verb („beantragen“ statt „die Beantragung“).")
                for p in nominal)
        negs = [n for n in _NEGATION.finditer(sentence) if n.group().lower() not in _NOT_UN]
        for n in negs:
            found.append(Finding(
                "verneinung", start + n.start(), start + n.end(), n.group(),
                "Doppelte Verneinung im Satz: positiv formulieren." if len(negs) >= 2 else
                "Verneinung: Wenn möglich positiv formulieren; sonst „nicht“ gut sichtbar "
                "machen."))
    for a in _ABBREV_RE.finditer(text):
        found.append(Finding("abkuerzung", a.start(), a.end(), a.group(),
                             f"Abkürzung: Schreiben Sie „{_ABBREVIATIONS[a.group()]}“."))
    for a in _ACRONYM_RE.finditer(text):
        word = a.group()
        if _counts_as_acronym(word):
            meaning = _ACRONYMS.get(word)
            found.append(Finding(
                "abkuerzung", a.start(), a.end(), word,
                f"Abkürzung: Schreiben Sie „{meaning}“." if meaning else
                "Abkürzung: Beim ersten Vorkommen ausschreiben."))
    pattern = _glossary_re(glossary)
    if pattern is not None:
        by_term = {e.term.lower(): e for e in glossary}
        for g in pattern.finditer(text):
            lowered = g.group().lower()
            entry = by_term.get(lowered) or next(
                (e for t, e in sorted(by_term.items(), key=lambda i: -len(i[0]))
                 if lowered.startswith(t)), None)
            if entry is not None:
                found.append(Finding("fachbegriff", g.start(), g.end(), g.group(),
                                     f"Fachbegriff: {entry.explanation}"))
    found.sort(key=lambda f: (f.start, -f.end))
    return found
