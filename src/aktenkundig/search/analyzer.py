"""The German analyzer: one function turns text into index terms, at index and at query time.

Every term is lower-case ASCII letters and digits only (``[a-z0-9]+``; other scripts
keep their letters), so that SQLite FTS5 (unicode61) and PostgreSQL tsvectors see
exactly the same terms and rank the same way.

* words: case folding, umlauts and ß transliterated (ä -> ae, ß -> ss, so "Gebühren"
  and "Gebuehren" meet), Snowball German stem, stopwords dropped;
* compounds: split with a lexicon derived from public German administrative text
  (``data/de_lexicon.tsv.gz``, see ``lexicon.py``); the whole word *and* its parts are
  indexed, so "Hundesteuersatzung" is found by "Hundesteuer" and by "Satzung";
* legal and administrative references are kept whole as one term each:
  "§ 35 VwVfG" -> ``p35`` ``p35vwvfg`` (and ``vwvfg``), "§§ 3, 4" -> ``p3`` ``p4``,
  "Art. 3 GG" -> ``art3`` ``art3gg``, "Drucksache 18/10449" -> ``drs18x10449``
  ``18x10449``, Aktenzeichen "32.1-123/24" -> ``32x1x123x24``, dates in any common
  form -> ``d20240315`` (and the year), amounts "1.234,50 €" -> ``eur1234x50``
  (and ``1234``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from aktenkundig.search.lexicon import CompoundSplitter

# Snowball's German stopword list, forms it spells with umlauts transliterated, and the
# question words and modal verbs of citizens' questions ("Wann muss ich ...?").
_STOPWORDS_TEXT = """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
    anderes anderm andern anderr anders auch auf aus bei bin bis bist da damit dann der den
    des dem die das dass daß du dein deine deinem deinen deiner deines denn derer dessen
    dich dir dies diese diesem diesen dieser dieses doch dort durch ein eine einem einen
    einer eines einig einige einigem einigen einiger einiges einmal er ihn ihm es etwas euer
    eure eurem euren eurer eures für fuer gegen gewesen hab habe haben hat hatte hatten hier
    hin hinter ich mich mir ihr ihre ihrem ihren ihrer ihres euch im in indem ins ist jede
    jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine keinem keinen
    keiner keines können koennen könnte koennte machen man manche manchem manchen mancher
    manches mein meine meinem meinen meiner meines mit muss musste nach nicht nichts noch
    nun nur ob oder ohne sehr sein seine seinem seinen seiner seines selbst sich sie ihnen
    sind so solche solchem solchen solcher solches soll sollte sondern sonst über ueber um
    und uns unsere unserem unseren unser unseres unter viel vom von vor während waehrend war
    waren warst was weg weil weiter welche welchem welchen welcher welches wenn werde werden
    wie wieder will wir wird wirst wo wollen wollte würde wuerde würden wuerden zu zum zur
    zwar zwischen
    wann wer wem wen wessen warum weshalb wieso wofür wofuer woher wohin womit wozu worauf
    worüber worueber wodurch gibt gilt bitte darf dürfen duerfen muss müssen muessen
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3,
    "mär": 3, "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10,
    "november": 11, "nov": 11, "dezember": 12, "dez": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))

# A law's abbreviation: starts upper-case, has a second capital (VwVfG, GG, BGB, GemO,
# SGB II, BauGB, KAG). Ordinary nouns ("Gemeinde") have no second capital.
_LAW = r"(?P<{name}>[A-ZÄÖÜ][A-Za-zÄÖÜäöü]*[A-ZÄÖÜ][A-Za-zÄÖÜäöü]*(?:\s+[IVX]{{1,4}}\b)?)"
_NUM = r"\d+(?:\s?[a-z]\b)?"
_DETAIL = (
    r"(?:\s*(?:Abs\.|Absatz|S\.|Satz|Nr\.|Nummer|Ziff\.|Ziffer|Buchst\.|lit\.|Alt\.)"
    r"\s*\d+[a-z]?)*"
)

_PATTERNS = [
    (
        "para",
        r"(?:§§?|\bParagrafe?n?\b|\bParagraphe?n?\b)\s*"
        rf"(?P<pnums>{_NUM}(?:\s*(?:,|und|bis|u\.|-|–)\s*{_NUM})*)"
        rf"{_DETAIL}(?:\s+(?:des\s+|der\s+|i\.\s?V\.\s?m\.\s+)?{_LAW.format(name='plaw')})?",
    ),
    (
        "art",
        rf"\bArt(?:ikel|\.)\s*(?P<anums>{_NUM}(?:\s*(?:,|und|bis|-|–)\s*{_NUM})*)"
        rf"{_DETAIL}(?:\s+{_LAW.format(name='alaw')})?",
    ),
    (
        "drs",
        r"\b(?:(?:BT|BR|LT)-?)?(?:Drucksache|Drs\.?)\s*(?:Nr\.\s*)?"
        r"(?P<dperiod>\d+)\s*/\s*(?P<dnum>\d+)",
    ),
    (
        "date_words",
        rf"\b(?P<wday>\d{{1,2}})\.\s*(?P<wmonth>(?i:{_MONTH_RE}))\.?\s+(?P<wyear>\d{{4}})\b",
    ),
    ("date_iso", r"\b(?P<iyear>\d{4})-(?P<imonth>\d{2})-(?P<iday>\d{2})\b"),
    (
        "date",
        r"\b(?P<day>\d{1,2})\.\s?(?P<month>\d{1,2})\.\s?(?P<year>\d{4}|\d{2})(?![\d.-])",
    ),
    (
        "amount",
        r"(?:(?:€|\bEUR\b|\bEuro\b)\s*(?P<apre>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<apcent>\d{1,2}|--?))?)"
        r"|(?:\b(?P<anum>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<acent>\d{1,2}|--?))?"
        r"\s*(?:€|\bEUR\b|\bEuro\b))",
    ),
    ("lawnum", r"\b(?P<lnlaw>[A-Z][A-Za-z]*[A-Z])\s+(?P<lnroman>[IVX]{1,4})\b"),
    # Court-style file numbers: "1 K 234/21", "L 7 AS 12/20".
    ("court", r"\b(?P<court>\d+\s+[A-Z]{1,3}\s+\d+/\d{2,4})\b"),
    # Aktenzeichen, outline numbers, ids: digits joined by . / -
    ("ident", r"\b(?P<ident>\d+(?:[./-]\d+)+)\b"),
    ("word", r"(?P<word>[^\W_]+(?:-[^\W_]+)*)"),
]
_TOKEN_RE = re.compile("|".join(f"(?P<{name}_>{rx})" for name, rx in _PATTERNS))

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_NOT_TERM = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def fold(word: str) -> str:
    """Case folding and transliteration: 'Gebühren' -> 'gebuehren', 'Café' -> 'cafe'."""
    word = word.lower().translate(_TRANSLIT)
    if not word.isascii():
        word = "".join(
            c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)
        )
    return _NOT_TERM.sub("", word)


@dataclass(frozen=True)
class Token:
    term: str
    start: int
    end: int
    primary: bool = True  # False: a by-product such as the law of "§ 35 VwVfG"


class GermanAnalyzer:
    """Stateless apart from caches; one shared instance (``analyzer()``) is thread-safe."""

    def __init__(self, splitter: CompoundSplitter | None = None) -> None:
        self._stemmer = Stemmer.Stemmer("german")
        self._splitter = splitter if splitter is not None else CompoundSplitter.load()
        self._word_cache: dict[str, tuple[str, ...]] = {}

    # -- public -------------------------------------------------------------------------
    def terms(self, text: str) -> list[str]:
        """All index terms of ``text``, in order (compound parts follow their word)."""
        return [term for _match, terms in self._scan(text) for term in terms]

    def tokens(self, text: str) -> Iterator[Token]:
        """Terms with the span of text they come from (for highlighting)."""
        for match, terms in self._scan(text):
            kind = match.lastgroup
            for term in terms:
                primary = kind not in ("para_", "art_") or term.startswith(("p", "art"))
                yield Token(term, match.start(), match.end(), primary)

    def query_terms(self, text: str) -> list[str]:
        """Distinct terms of a query, in order."""
        return list(dict.fromkeys(self.terms(text)))

    # -- internals ----------------------------------------------------------------------
    def _scan(self, text: str) -> Iterator[tuple[re.Match[str], tuple[str, ...]]]:
        for match in _TOKEN_RE.finditer(text):
            kind = match.lastgroup
            assert kind is not None
            if kind == "word_":
                terms = self._word(match.group("word"))
            else:
                terms = tuple(getattr(self, "_" + kind[:-1])(match))
            if terms:
                yield match, terms

    def _word(self, word: str) -> tuple[str, ...]:
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        result: list[str] = []
        pieces = word.split("-")
        if len(pieces) > 1:
            # "E-Mail", "Abfall-Wirtschaftsbetrieb": the joined word and each piece.
            for piece in pieces:
                result.extend(self._simple_word(piece))
            result.extend(self._simple_word("".join(pieces)))
        else:
            result.extend(self._simple_word(word))
        out = tuple(dict.fromkeys(result))
        if len(self._word_cache) < 500_000:
            self._word_cache[word] = out
        return out

    def _simple_word(self, word: str) -> list[str]:
        folded = fold(word)
        if not folded or folded in STOPWORDS:
            return []
        if folded.isdigit():
            return [folded.lstrip("0") or "0"]
        if len(folded) == 1:
            return []
        terms = [self._stemmer.stemWord(folded)]
        if len(folded) >= 8 and folded.isalpha():
            parts = self._splitter.split(folded)
            if len(parts) > 1:
                terms.extend(self._stemmer.stemWord(p) for p in parts)
        return terms

    @staticmethod
    def _numbers(spec: str) -> list[str]:
        """'3, 4 und 7a' -> ['3', '4', '7a']; '3 bis 5' keeps the ends only."""
        return [fold(n) for n in re.findall(r"\d+\s?[a-z]?\b", spec)]

    @staticmethod
    def _law(law: str | None) -> str:
        return fold(law) if law else ""

    @staticmethod
    def _law_terms(law: str | None) -> list[str]:
        """'SGB II' -> ['sgbii', 'sgb']; 'VwVfG' -> ['vwvfg']."""
        if not law:
            return []
        words = law.split()
        return list(dict.fromkeys([fold(law), fold(words[0])]))

    def _para(self, m: re.Match[str]) -> Iterable[str]:
        law = self._law(m.group("plaw"))
        for n in self._numbers(m.group("pnums")):
            yield f"p{n}"
            if law:
                yield f"p{n}{law}"
        yield from self._law_terms(m.group("plaw"))

    def _art(self, m: re.Match[str]) -> Iterable[str]:
        law = self._law(m.group("alaw"))
        for n in self._numbers(m.group("anums")):
            yield f"art{n}"
            if law:
                yield f"art{n}{law}"
        yield from self._law_terms(m.group("alaw"))

    def _drs(self, m: re.Match[str]) -> Iterable[str]:
        ident = f"{int(m.group('dperiod'))}x{int(m.group('dnum'))}"
        return ("drs" + ident, ident)

    @staticmethod
    def _date_terms(year: int, month: int, day: int) -> list[str]:
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return []
        return [f"d{year:04d}{month:02d}{day:02d}", str(year)]

    def _date_words(self, m: re.Match[str]) -> Iterable[str]:
        month = _MONTHS[m.group("wmonth").lower()]
        return self._date_terms(int(m.group("wyear")), month, int(m.group("wday")))

    def _date_iso(self, m: re.Match[str]) -> Iterable[str]:
        return self._date_terms(int(m.group("iyear")), int(m.group("imonth")), int(m.group("iday")))

    def _date(self, m: re.Match[str]) -> Iterable[str]:
        year = int(m.group("year"))
        if len(m.group("year")) == 2:
            year += 2000 if year < 70 else 1900
        terms = self._date_terms(year, int(m.group("month")), int(m.group("day")))
        return terms or self._ident_terms(m.group(0))

    def _amount(self, m: re.Match[str]) -> Iterable[str]:
        number = (m.group("apre") or m.group("anum")).replace(".", "")
        cents = m.group("apcent") or m.group("acent") or ""
        number = number.lstrip("0") or "0"
        if cents.isdigit() and int(cents):
            return (f"eur{number}x{int(cents):02d}", number)
        return (f"eur{number}", number)

    def _lawnum(self, m: re.Match[str]) -> Iterable[str]:
        law = fold(m.group("lnlaw"))
        return (law + fold(m.group("lnroman")), law)

    def _court(self, m: re.Match[str]) -> Iterable[str]:
        chamber, register, number = m.group("court").split(maxsplit=2)
        return (f"{int(chamber)}{fold(register)}{self._ident_terms(number)[0]}",)

    @staticmethod
    def _ident_terms(ident: str) -> list[str]:
        return ["x".join(str(int(n)) for n in _DIGITS.findall(ident))]

    def _ident(self, m: re.Match[str]) -> Iterable[str]:
        return self._ident_terms(m.group("ident"))


@lru_cache(maxsize=1)
def analyzer() -> GermanAnalyzer:
    """The process-wide analyzer (loading the lexicon takes ~0.1 s)."""
    return GermanAnalyzer()


def analyze(text: str) -> list[str]:
    return analyzer().terms(text)


def highlight(text: str, query_terms: Iterable[str], *, left: str = "«", right: str = "»") -> str:
    """``text`` with every span that produced one of ``query_terms`` wrapped in «»."""
    wanted = set(query_terms)
    if not wanted:
        return text
    spans: list[tuple[int, int]] = []
    for token in analyzer().tokens(text):
        if (
            token.primary
            and token.term in wanted
            and (not spans or spans[-1] != (token.start, token.end))
        ):
            spans.append((token.start, token.end))
    out: list[str] = []
    position = 0
    for start, end in spans:
        if start < position:
            continue
        out.append(text[position:start])
        out.append(f"{left}{text[start:end]}{right}")
        position = end
    out.append(text[position:])
    return "".join(out)
