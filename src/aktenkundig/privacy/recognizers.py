"""German recognizers for presidio: patterns with German context words, checksums,
and the project's NER model.

Presidio ships German recognizers for tax ids, social-security, health-insurance,
ID-card, passport and licence-plate numbers (with checksums where one is defined);
we reuse them and add what German letters need on top: numbers written in
groups ("12 345 678 901"), addresses, dates of birth, German phone formats, BIC,
person names after titles and in salutations, and the CRF tagger.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    DeHealthInsuranceRecognizer,
    DeIdCardRecognizer,
    DeKfzRecognizer,
    DePassportRecognizer,
    DeSocialSecurityRecognizer,
    DeTaxIdRecognizer,
    DeTaxNumberRecognizer,
    EmailRecognizer,
    IbanRecognizer,
)

from aktenkundig.privacy import ner, neural_ner

LANGUAGE = "de"

_UPPER = "A-ZÄÖÜ"
_WORD = r"[A-Za-zÄÖÜäöüß]"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


class GroupedTaxIdRecognizer(DeTaxIdRecognizer):
    """Steuer-ID, also written in groups ("12 345 678 901"); checksum validated."""

    PATTERNS = [
        Pattern("Steuer-ID", r"(?<![\d/.-])[1-9]\d{10}(?![\d/-]|\.\d)", 0.4),
        Pattern(
            "Steuer-ID (gruppiert)",
            r"(?<![\d/.-])[1-9]\d[ .]\d{3}[ .]\d{3}[ .]\d{3}(?![\d/-]|\.\d)",
            0.5,
        ),
    ]
    CONTEXT = [
        *DeTaxIdRecognizer.CONTEXT,
        "steuer-id",
        "steuerid",
        "identifikationsnummer",
        "id-nr",
    ]

    def __init__(self) -> None:
        super().__init__(patterns=self.PATTERNS, context=self.CONTEXT, supported_entity="TAX_ID")

    def validate_result(self, pattern_text: str) -> bool | None:
        return super().validate_result(_digits(pattern_text))


class GroupedSocialSecurityRecognizer(DeSocialSecurityRecognizer):
    """Sozialversicherungs-/Rentenversicherungsnummer, also "12 150385 M 01 4"."""

    PATTERNS = [
        *DeSocialSecurityRecognizer.PATTERNS,
        Pattern(
            "Versicherungsnummer (gruppiert)",
            r"\b\d{2}\s?\d{6}\s?[A-Z]\s?\d{2}\s?\d\b",
            0.5,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(patterns=self.PATTERNS, supported_entity="SOCIAL_SECURITY")

    def validate_result(self, pattern_text: str) -> bool | None:
        return super().validate_result(re.sub(r"\s", "", pattern_text))


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail pattern without its validation, which fetches the public
    suffix list from the internet on first use (tldextract): no egress allowed."""

    def __init__(self) -> None:
        super().__init__(supported_language=LANGUAGE, context=["e-mail", "email", "mail"])

    def validate_result(self, pattern_text: str) -> bool | None:
        tld = pattern_text.rsplit(".", 1)[-1]
        return tld.isalpha() and 2 <= len(tld) <= 24


class BicRecognizer(PatternRecognizer):
    """BIC/SWIFT codes. There is no checksum; the structure and the country code
    are checked, and without a context word ("BIC") the score stays low."""

    COUNTRIES = frozenset(
        [
            "AD",
            "AT",
            "BE",
            "BG",
            "CH",
            "CY",
            "CZ",
            "DE",
            "DK",
            "EE",
            "ES",
            "FI",
            "FR",
            "GB",
            "GI",
            "GR",
            "HR",
            "HU",
            "IE",
            "IS",
            "IT",
            "LI",
            "LT",
            "LU",
            "LV",
            "MC",
            "MT",
            "NL",
            "NO",
            "PL",
            "PT",
            "RO",
            "SE",
            "SI",
            "SK",
            "SM",
            "TR",
            "UA",
            "US",
            "VA",
        ]
    )

    def __init__(self) -> None:
        super().__init__(
            supported_entity="BIC",
            patterns=[
                Pattern("BIC", r"\b[A-Z]{4}[A-Z]{2}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?\b", 0.3)
            ],
            context=["bic", "swift", "swift-code", "bic-code", "bankleitzahl", "bank"],
            supported_language=LANGUAGE,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        return pattern_text[4:6] in self.COUNTRIES or None


_PHONE_PATTERN = (
    r"(?<![\w+/.,-])"
    r"(?:\+\d{2}[\s\-]?(?:\(0\)[\s\-]?)?|00\d{2}[\s\-]?|\(0\d{1,5}\)[\s\-]?|0)"
    r"\d{1,5}(?:[\s/\-]{1,3}\d{1,8}){0,4}"
    r"(?![\w/.,-]?\d)"
)


class GermanPhoneRecognizer(PatternRecognizer):
    """Telephone and fax numbers in German notation (DIN 5008 and the usual variants)."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE",
            patterns=[Pattern("Telefon", _PHONE_PATTERN, 0.5)],
            context=[
                "tel",
                "tel.",
                "telefon",
                "telefonnummer",
                "fax",
                "telefax",
                "mobil",
                "handy",
                "mobilnummer",
                "rufnummer",
                "erreichbar",
                "durchwahl",
                "anrufen",
            ],
            supported_language=LANGUAGE,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = _digits(pattern_text)
        if not 6 <= len(digits) <= 15:
            return False
        # "0800 …" and numbers with an area code read as German numbers; a 5-digit
        # postcode followed by more digits is not a phone number.
        return None


_MONTHS = (
    "Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
)
_DATE = (
    rf"(?:(?:0?[1-9]|[12]\d|3[01])\.\s?(?:0?[1-9]|1[0-2])\.\s?(?:19|20)?\d{{2}}"
    rf"|(?:0?[1-9]|[12]\d|3[01])\.\s?(?:{_MONTHS})\s(?:19|20)\d{{2}}"
    rf"|(?:19|20)\d{{2}}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))"
)
_BIRTH_CUE = re.compile(
    r"(?:geb\.|geboren|geburtsdatum|geb\.-datum|geburtstag|\*|date of birth|"
    r"geb(?:urts)?\.?\s?dat(?:um)?\.?)\s*(?:am|:|den)?\s*$",
    re.IGNORECASE,
)
_DATE_RE = re.compile(rf"(?<!\d){_DATE}(?!\d)")


class DateOfBirthRecognizer(EntityRecognizer):
    """Dates that follow a birth cue ("geb. am", "Geburtsdatum:", "*") closely.

    A date alone is not personal data (every letter has one); a date of birth is.
    """

    def __init__(self) -> None:
        super().__init__(supported_entities=["DATE_OF_BIRTH"], supported_language=LANGUAGE)

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None):
        results = []
        for match in _DATE_RE.finditer(text):
            window = text[max(0, match.start() - 40) : match.start()]
            if _BIRTH_CUE.search(window) or re.search(
                r"(?:geb\.|geboren|geburtsdatum)[^.\n]{0,25}$", window, re.IGNORECASE
            ):
                results.append(RecognizerResult("DATE_OF_BIRTH", match.start(), match.end(), 0.85))
        return results


_STREET_SUFFIX = (
    r"(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad|"
    r"markt|hof|berg|graben|wall|park|garten|kamp|feld|brücke|grund|tor|zeile|stieg|"
    r"landstraße|promenade|twiete|wiese|anger|bogen)"
)
_HOUSE_NO = r"\d{1,4}\s?[a-zA-Z]?(?:\s?[-/]\s?\d{1,4}\s?[a-zA-Z]?)?(?![\d\w])"
_STREET_PREFIX = (
    r"(?:Am|An\sder|An\sden|Auf\sdem|Auf\sder|Im|In\sder|In\sden|Zum|Zur|Unter\sden|"
    r"Hinter\sder|Hinter\sdem|Vor\sdem|Bei\sder|Alte|Alter|Neue|Neuer|Große|Kleine|Obere|"
    r"Untere)"
)
_STREET = (
    # Haupt-, Bahnhof-: one word ending in a street suffix, or hyphenated names
    # ("Konrad-Adenauer-Straße") and two-word names ("Berliner Straße").
    rf"(?:{_STREET_PREFIX}\s)?[{_UPPER}][\w.-]*(?<=(?i:{_STREET_SUFFIX}))"
    rf"|(?:[{_UPPER}][\wäöüß]+er\s)(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Ring|Damm|Chaussee)"
    rf"|{_STREET_PREFIX}\s[{_UPPER}][\wäöüß-]+(?:\s[{_UPPER}][\wäöüß-]+)?"
)
_NOT_A_TOWN = (
    r"(?!Euro\b|EUR\b|Einwohner|Menschen|Personen|Fälle|Stück|Mitglied|Kinder|Jahre|Tage|"
    r"Seiten|Stunden|Minuten|Meter|Kilometer|Quadrat|Hektar|Prozent)"
)
_TOWN = (
    rf"{_NOT_A_TOWN}(?:(?:Bad|Sankt|St\.|Hansestadt|Lutherstadt|Markt|Neu|Alt|Groß|Klein|Ober|"
    rf"Unter|Nieder|Hohen|Lutherstadt|Schwäbisch|Bergisch)\s)?[{_UPPER}][\wäöüß.-]+"
    rf"(?:\s(?:am|an\sder|im|in|bei|ob\sder|vor\sder|v\.\s?d\.)\s[{_UPPER}][\wäöüß.-]+"
    rf"|\s\([{_UPPER}][\wäöüß.\s]+\))?"
)


class AddressRecognizer(PatternRecognizer):
    """Street + house number, postcode + town, and Postfach, as separate spans."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="ADDRESS",
            patterns=[
                Pattern("Straße und Hausnummer", rf"(?<![\w-])(?:{_STREET})\s{_HOUSE_NO}", 0.7),
                Pattern("PLZ und Ort", rf"(?<![\w.,/-])(?:D-\s?)?\d{{5}}\s{_TOWN}", 0.6),
                Pattern("Postfach", r"\bPostfach\s\d[\d\s]{1,10}\d\b", 0.7),
            ],
            context=["wohnhaft", "anschrift", "adresse", "straße", "wohnort", "plz"],
            supported_language=LANGUAGE,
        )


def _german_context(recognizer: EntityRecognizer, words: Iterable[str]) -> EntityRecognizer:
    recognizer.context = [*(recognizer.context or []), *words]
    return recognizer


# Person names: titles and salutations are the strongest cue German letters give.
_NAME = r"\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?"
_PARTICLE = r"(?:von|van|de|zu|von der|von dem|vom|zur|ter|ten)"
_TITLE_CUE = regex.compile(
    r"(?<![\w])(?:Herrn?|Frau|Fr\.|Hr\.|Dr\.|Prof\.|Dipl\.-\w+\.?|RA|RAin|Rechtsanwalt|"
    r"Rechtsanwältin|Bürgermeister(?:in)?|Landrat|Landrätin)\s"
    r"(?:(?:Dr\.|Prof\.|med\.|rer\.\s?nat\.|h\.\s?c\.)\s)*"
    rf"((?:\p{{Lu}}\. )?(?:{_NAME} )?(?:{_PARTICLE} )?{_NAME})"
)
# Forms: "Name, Vorname: Yılmaz, Ayşe"
_FORM_CUE = regex.compile(
    rf"(?:Name,\s?Vorname|Nachname,\s?Vorname|Familienname,\s?Vorname)[:\s]\s*"
    rf"((?:{_PARTICLE} )?{_NAME}(?:-{_NAME})?, {_NAME}(?: {_NAME})?)"
)
_SIGNATURE_CUE = regex.compile(
    r"(?:Mit freundlichen Grüßen|Freundliche Grüße|Hochachtungsvoll|Viele Grüße|"
    r"Im Auftrag|Im Auftrage|i\.\s?A\.|gez\.|Unterschrift)[,.]?\s*\n+\s*(?:i\.\s?A\.\s*)?"
    rf"((?:\p{{Lu}}\. )?{_NAME}(?: (?:{_PARTICLE} )?{_NAME})?)"
)
# Words that follow a title but are not names ("Frau Bürgermeisterin", "Herr Vorsitzender").
_NOT_NAMES = frozenset(
    [
        "Bürgermeister",
        "Bürgermeisterin",
        "Vorsitzender",
        "Vorsitzende",
        "Präsident",
        "Präsidentin",
        "Minister",
        "Ministerin",
        "Kollege",
        "Kollegin",
        "Landrat",
        "Landrätin",
        "Abgeordneter",
        "Abgeordnete",
        "Staatssekretär",
        "Direktor",
        "Direktorin",
        "Doktor",
        "Professor",
        "Professorin",
        "Richter",
        "Richterin",
        "Rechtsanwalt",
        "Rechtsanwältin",
        "Mit",
        "Und",
        "Sehr",
        "Damen",
        "Herren",
        "Antragsteller",
        "Antragstellerin",
    ]
)


class PersonRecognizer(EntityRecognizer):
    """Persons from the project's taggers, plus rules for letters.

    The default tagger is :class:`neural_ner.CombinedTagger`: the BiLSTM over e5
    subword embeddings, with the CRF's extra person spans. The rules cover what
    news-trained statistics miss in administrative mail: a name after
    Herr/Frau/Dr. (also "Herrn Dr. Hans-Peter Müller"), the name under "Mit
    freundlichen Grüßen", and first-name + surname pairs from the gazetteer. The
    tagger also yields LOCATION and ORGANIZATION.
    """

    LABELS = {"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION"}

    def __init__(self, tagger=None, use_model: bool = True) -> None:
        """``tagger``: anything with ``tag_many(list of word lists) -> list of spans``
        (:class:`neural_ner.CombinedTagger` by default)."""
        self._tagger = tagger
        self._use_model = use_model
        super().__init__(
            supported_entities=["PERSON", "LOCATION", "ORGANIZATION"],
            supported_language=LANGUAGE,
            name="GermanPersonRecognizer",
        )

    def load(self) -> None:
        if self._use_model and self._tagger is None:
            from aktenkundig import config

            self._tagger = (
                ner.default_tagger()
                if config.get("AKTENKUNDIG_PII_TAGGER") == "crf"
                else neural_ner.default_combined()
            )

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None):
        results: list[RecognizerResult] = []
        if self._use_model and nlp_artifacts is not None and nlp_artifacts.tokens is not None:
            results.extend(self._model_results(nlp_artifacts))
        for cue in (_TITLE_CUE, _SIGNATURE_CUE, _FORM_CUE):
            for match in cue.finditer(text):
                start, end = match.span(1)
                name = match.group(1)
                words = name.split()
                if words[0] in _NOT_NAMES or words[-1] in _NOT_NAMES:
                    continue
                results.append(RecognizerResult("PERSON", start, end, 0.9))
        # A weak pair (first name + a capitalised word not in the surname gazetteer)
        # yields where the tagger, which saw the sentence, already put an entity: a
        # person ("dass Ludwig Paris nicht mochte", "Da erhält Rosl Hilfe"), where the
        # longer rule span would otherwise turn the tagger's right name into a wrong one,
        # or an organisation or place ("FC Carl Zeiss Jena"). GermEval training part,
        # pipeline: P 0.820 -> 0.828, R 0.950 -> 0.954; letters unchanged.
        taken = [(r.start, r.end) for r in results]
        for pair in self._gazetteer_pairs(text):
            if pair.score < STRONG_PAIR and any(a < pair.end and pair.start < b for a, b in taken):
                continue
            results.append(pair)
        return [r for r in results if r.entity_type in entities]

    def _model_results(self, nlp_artifacts: NlpArtifacts) -> Iterable[RecognizerResult]:
        plain = getattr(nlp_artifacts, "plain_tokens", None)
        if plain is None:
            plain = [(t.text, t.idx, t.whitespace_, t.is_space) for t in nlp_artifacts.tokens]
        sentences = tagger_sentences(plain)
        # One call for the whole text: the neural tagger batches sentences of a length.
        tagged = self._tagger.tag_many([[t[0] for t in s] for s in sentences])
        for sentence, spans in zip(sentences, tagged, strict=True):
            yield from self._results(sentence, spans)

    def _results(
        self, sentence: list[tuple[str, int, str, bool]], spans: Iterable[ner.Span]
    ) -> Iterable[RecognizerResult]:
        for span in spans:
            first, last = sentence[span.start], sentence[span.end - 1]
            if (
                span.label == "PER"
                and span.end - span.start == 1
                and (first[0] in _NOT_NAMES or first[0] in _COMMON_NOUNS)
            ):
                continue
            yield RecognizerResult(
                self.LABELS[span.label],
                first[1],
                last[1] + len(last[0]),
                round(0.5 + 0.45 * span.score, 3),
            )

    @staticmethod
    def _gazetteer_pairs(text: str) -> Iterable[RecognizerResult]:
        firsts = ner.first_names()
        lasts = ner.surnames()
        for match in _FIRST_LAST.finditer(text):
            first, last = match.group(1), match.group(2)
            if first.lower() not in firsts or last in _NOT_NAMES:
                continue
            surname = last.split()[-1].lower()
            if surname in lasts or any(p in lasts for p in surname.split("-")):
                yield RecognizerResult("PERSON", match.start(), match.end(), STRONG_PAIR)
            elif not surname.endswith(_NOUN_SUFFIXES):
                yield RecognizerResult("PERSON", match.start(), match.end(), 0.55)


STRONG_PAIR = 0.8  # score of a first name + a surname both in the gazetteers
Token = tuple[str, int, str, bool]  # text, offset, trailing whitespace, is space
_SENTENCE_ENDS = frozenset({".", "!", "?"})
_AFTER_ABBREVIATION = frozenset({",", ";", ":", ")", "]"})
MAX_SENTENCE = 100
# Abbreviations that spaCy's blank German tokenizer splits off their period and that
# are followed by capitalised words in administrative and legal German.
_ABBREVIATIONS = frozenset(
    [
        "vgl",
        "nr",
        "abs",
        "art",
        "dr",
        "prof",
        "st",
        "bzw",
        "ca",
        "ggf",
        "sog",
        "gem",
        "ziff",
        "aufl",
        "hrsg",
        "hr",
        "fr",
        "str",
        "lt",
        "evtl",
        "inkl",
        "dipl",
        "ing",
        "med",
        "jur",
        "bd",
        "rn",
        "tel",
        "az",
    ]
)


def tagger_sentences(tokens: Sequence[Token]) -> list[list[Token]]:
    """The units the taggers see: sentences tokenised as in their training data.

    The taggers were trained on corpus sentences, which keep abbreviations whole
    ("Rn.", "a. a. O.", "Abs.") and semicolons inside. spaCy's blank German tokenizer
    splits "Rn. 38" into "Rn", ".", "38", and splitting sentences at every period and
    semicolon then handed the taggers fragments such as "O. Rn" or "Seiler , in :"
    that open a "sentence": on court decisions (Legal NER training part, pipeline vs
    the same tagger on corpus sentences) person precision fell from 0.78 to 0.61.
    Here a period glued to an initial, to a known abbreviation, or to a word followed
    by a lower-case word, a number or a closing punctuation mark is rejoined to the
    word and ends nothing; a sentence ends at other periods, "!", "?", a line break,
    or after :data:`MAX_SENTENCE` tokens.
    """
    sentences: list[list[Token]] = []
    sentence: list[Token] = []
    for i, token in enumerate(tokens):
        if token[3]:  # whitespace token: paragraph or layout break
            if sentence:
                sentences.append(sentence)
                sentence = []
            continue
        if token[0] == "." and sentence and sentence[-1][2] == "" and "\n" not in token[2]:
            word = sentence[-1][0]
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if (
                word[-1:].isalpha()
                and (
                    len(word) == 1  # an initial ("W. Schenke", "a. a. O.")
                    or word.lower() in _ABBREVIATIONS
                    or (
                        following is not None
                        and not following[3]
                        and (
                            following[0][:1].islower()
                            or following[0][:1].isdigit()
                            or following[0] in _AFTER_ABBREVIATION
                        )
                    )
                )
            ):
                sentence[-1] = (word + ".", sentence[-1][1], token[2], False)
                continue
        sentence.append(token)
        if "\n" in token[2] or token[0] in _SENTENCE_ENDS or len(sentence) >= MAX_SENTENCE:
            sentences.append(sentence)
            sentence = []
    if sentence:
        sentences.append(sentence)
    return sentences


_FIRST_LAST = regex.compile(rf"(?<![\w-])({_NAME}) ((?:{_PARTICLE} )?{_NAME})(?![\w-])")
# Capitalised words after a first name that are nouns, not surnames ("Maria Himmelfahrt"
# is rare, "Peter Verwaltung" never): cheap suffix test instead of a lexicon.
# Nouns the tagger sometimes takes for a surname in forms ("antragstellende Person").
_COMMON_NOUNS = frozenset(
    [
        "Person",
        "Personen",
        "Name",
        "Vorname",
        "Nachname",
        "Anschrift",
        "Antrag",
        "Bescheid",
        "Kind",
        "Kinder",
        "Haushalt",
    ]
)
_NOUN_SUFFIXES = ("ung", "heit", "keit", "schaft", "tion", "nis", "tät", "ismus", "amt", "recht")


def german_recognizers(use_model: bool = True, tagger=None) -> list[EntityRecognizer]:
    """All recognizers of the German analyzer (new instances); ``tagger`` replaces the
    default NER tagger (the benchmark compares with the CRF alone this way)."""
    recognizers: list[EntityRecognizer] = [
        PersonRecognizer(tagger=tagger, use_model=use_model),
        OfflineEmailRecognizer(),
        IbanRecognizer(
            supported_language=LANGUAGE,
            context=["iban", "konto", "kontonummer", "bankverbindung", "überweisung"],
        ),
        BicRecognizer(),
        GermanPhoneRecognizer(),
        DateOfBirthRecognizer(),
        AddressRecognizer(),
        GroupedTaxIdRecognizer(),
        GroupedSocialSecurityRecognizer(),
        DeTaxNumberRecognizer(supported_entity="TAX_NUMBER"),
        DeHealthInsuranceRecognizer(supported_entity="HEALTH_INSURANCE_NUMBER"),
        DeIdCardRecognizer(supported_entity="ID_CARD"),
        DePassportRecognizer(supported_entity="PASSPORT"),
        DeKfzRecognizer(supported_entity="LICENSE_PLATE"),
    ]
    for recognizer in recognizers:
        case_sensitive(recognizer)
    return recognizers


def case_sensitive(recognizer: EntityRecognizer) -> EntityRecognizer:
    """Presidio matches patterns case-insensitively by default, which turns every
    [A-Z] into "any letter": licence plates and BICs would match ordinary words."""
    if isinstance(recognizer, PatternRecognizer):
        recognizer.global_regex_flags = regex.MULTILINE
    return recognizer


def custom_recognizer(name: str, entity_type: str, pattern: str, context: list[str]):
    """A tenant's own pattern (Aktenzeichen, Kundennummer) as a presidio recognizer."""
    return PatternRecognizer(
        supported_entity=entity_type,
        name=f"custom:{name}",
        patterns=[Pattern(name, pattern, 0.85)],
        context=context or None,
        supported_language=LANGUAGE,
        global_regex_flags=regex.MULTILINE,
    )
