"""German PII detection: precision/recall/F1 per entity type, and throughput.

    PYTHONPATH=src python bench/pii.py [--letters 300] [--no-baseline]

1. PER/LOC/ORG on the held-out fifth of GermEval 2014 dev (the shipped model was
   trained on the other four fifths; see privacy/training/corpora.py);
2. persons, cities and streets on the held-out last fifth of German Legal NER dev;
3. pattern entities on generated German letters (Anschreiben, Widerspruch, Antrag)
   with known PII, written for this benchmark (valid checksums, realistic formats);
4. throughput in kB/s, one process and two processes (2 cores), also for "CRF only".

Each part also runs "CRF only", the same detection with the previous tagger (the CRF
instead of neural + CRF), and "plain Presidio": its German recognizers plus the generic
e-mail/IBAN/phone/date recognizers, on the same blank German tokenizer, with no
German NER model (none can be downloaded offline). Scores are exact span matches
(token spans for the corpora, character spans for the letters).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktenkundig.settings")

from aktenkundig.privacy.detection import Entity, build_analyzer, detect
from aktenkundig.privacy.ner import bio_spans as _to_spans
from aktenkundig.privacy.training import corpora

Detector = Callable[[str], list[Entity]]


# --- plain presidio baseline ---------------------------------------------------------------


def plain_presidio() -> Detector:
    from presidio_analyzer.predefined_recognizers import (
        DateRecognizer,
        DeHealthInsuranceRecognizer,
        DeIdCardRecognizer,
        DeKfzRecognizer,
        DePassportRecognizer,
        DePlzRecognizer,
        DeSocialSecurityRecognizer,
        DeTaxIdRecognizer,
        DeTaxNumberRecognizer,
        IbanRecognizer,
        PhoneRecognizer,
    )

    from aktenkundig.privacy.detection import TYPE_NAMES, resolve_overlaps
    from aktenkundig.privacy.recognizers import OfflineEmailRecognizer

    recognizers = [
        OfflineEmailRecognizer(),  # presidio's own fetches a suffix list from the internet
        IbanRecognizer(supported_language="de"),
        PhoneRecognizer(supported_language="de", supported_regions=("DE",)),
        DateRecognizer(supported_language="de"),
        DeTaxIdRecognizer(),
        DeTaxNumberRecognizer(),
        DeSocialSecurityRecognizer(),
        DeHealthInsuranceRecognizer(),
        DeIdCardRecognizer(),
        DePassportRecognizer(),
        DeKfzRecognizer(),
        DePlzRecognizer(),
    ]
    engine = build_analyzer(recognizers)
    names = {**TYPE_NAMES, "DATE_TIME": "DATE_OF_BIRTH", "DE_PLZ": "ADDRESS"}

    def run(text: str) -> list[Entity]:
        results = engine.analyze(text=text, language="de", score_threshold=0.5)
        return resolve_overlaps(
            Entity(
                names.get(r.entity_type, r.entity_type),
                r.start,
                r.end,
                text[r.start : r.end],
                r.score,
            )
            for r in results
        )

    return run


def crf_only() -> Detector:
    """Everything as shipped, but persons/places/organisations from the CRF alone."""
    from aktenkundig.privacy import ner
    from aktenkundig.privacy.recognizers import german_recognizers

    engine = build_analyzer(german_recognizers(tagger=ner.default_tagger()))

    def run(text: str) -> list[Entity]:
        return detect(text, engine=engine)

    return run


# --- scoring -----------------------------------------------------------------------------


class Scores:
    def __init__(self) -> None:
        self.tp: Counter[str] = Counter()
        self.fp: Counter[str] = Counter()
        self.fn: Counter[str] = Counter()

    def add(self, gold: set[tuple], pred: set[tuple]) -> None:
        for label, *_ in gold & pred:
            self.tp[label] += 1
        for label, *_ in pred - gold:
            self.fp[label] += 1
        for label, *_ in gold - pred:
            self.fn[label] += 1

    def prf(self, label: str) -> tuple[float, float, float, int]:
        tp, fp, fn = self.tp[label], self.fp[label], self.fn[label]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f, tp + fn

    def pooled(self, labels) -> tuple[float, float, float, int]:
        total = Scores()
        for label in labels:
            total.tp["*"] += self.tp[label]
            total.fp["*"] += self.fp[label]
            total.fn["*"] += self.fn[label]
        return total.prf("*")


def row(name: str, values: tuple[float, float, float, int]) -> str:
    p, r, f, n = values
    return f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} | {n} |"


def sentence_text(words: list[str]) -> tuple[str, list[int]]:
    starts, pos = [], 0
    for word in words:
        starts.append(pos)
        pos += len(word) + 1
    return " ".join(words), starts


def token_spans(entities: list[Entity], starts: list[int], words: list[str], mapping) -> set:
    ends = [s + len(w) for s, w in zip(starts, words, strict=True)]
    spans = set()
    for e in entities:
        label = mapping.get(e.type)
        if label is None:
            continue
        first = next((i for i, s in enumerate(starts) if s >= e.start), None)
        last = max((i for i, end in enumerate(ends) if end <= e.end), default=None)
        if first is not None and last is not None and last >= first:
            spans.add((label, first, last + 1))
    return spans


COARSE = {"PERSON": "PER", "LOCATION": "LOC", "ADDRESS": "LOC", "ORGANIZATION": "ORG"}


def eval_germeval(detector: Detector) -> Scores:
    scores = Scores()
    for s in corpora.held_out()["germeval2014-dev"]:
        text, starts = sentence_text(s.words)
        gold = {(sp.label, sp.start, sp.end) for sp in _to_spans(s.tags)}
        scores.add(gold, token_spans(detector(text), starts, s.words, COARSE))
    return scores


def eval_legal(detector: Detector) -> Scores:
    """PER (parties, judges, lawyers), cities (ST), streets (STR); LOC spans predicted
    by us count for cities and streets alike (we do not tell them apart)."""
    fine_map = {"PER": "PER", "RR": "PER", "AN": "PER", "ST": "CITY", "STR": "STREET"}
    scores = Scores()
    for s in corpora.held_out()["legal-ner-dev"]:
        text, starts = sentence_text(s.words)
        fine_tags = [
            t[:2] + fine_map[t[2:]] if t != "O" and t[2:] in fine_map else "O" for t in s.fine
        ]
        gold = {(sp.label, sp.start, sp.end) for sp in _to_spans(fine_tags)}
        pred = token_spans(detector(text), starts, s.words, COARSE)
        pred_per = {p for p in pred if p[0] == "PER"}
        scores.add({g for g in gold if g[0] == "PER"}, pred_per)
        loc_pred = {(p[1], p[2]) for p in pred if p[0] == "LOC"}
        for label in ("CITY", "STREET"):
            g = {(x[1], x[2]) for x in gold if x[0] == label}
            scores.tp[label] += len(g & loc_pred)
            scores.fn[label] += len(g - loc_pred)
        # No precision for places: countries, regions and court seats are places for
        # us but not cities or streets in this corpus.
    return scores


# --- generated letters --------------------------------------------------------------------

FIRST = [
    "Anna",
    "Jürgen",
    "Monika",
    "Thomas",
    "Sabine",
    "Hans-Peter",
    "Ayşe",
    "Mehmet",
    "Katarzyna",
    "Piotr",
    "Fatima",
    "Mohammed",
    "Olga",
    "Dmitri",
    "Lena",
    "Maximilian",
    "Ursula",
    "Wolfgang",
    "Ingrid",
    "Giuseppe",
    "Elif",
    "Jana",
    "Sven",
    "Birgit",
    "Klaus-Dieter",
    "Renate",
    "Emre",
    "Zeynep",
    "Agnieszka",
    "Tobias",
    "Hannelore",
    "Friedrich",
    "Nadine",
    "Kevin",
    "Svetlana",
    "Lukas",
    "Marie-Luise",
    "Ole",
    "Frieda",
    "Vincent",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Hassan",
    "Petrov",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Frank",
    "Berger",
    "Winkler",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Franke",
    "Albrecht",
    "Schuster",
    "Simon",
    "Ludwig",
    "Böhm",
    "Winter",
    "Kraus",
    "Martin",
    "Schumacher",
    "Krämer",
    "Vogt",
    "Stein",
    "Jäger",
    "Otto",
    "Sommer",
    "Groß",
    "Seidel",
    "Heinrich",
    "Brandt",
    "Haas",
    "Schreiber",
    "Graf",
    "Schulte",
    "Dietrich",
    "Ziegler",
    "Kuhn",
    "Kühn",
    "Pohl",
    "Engel",
    "Horn",
    "Busch",
    "Bergmann",
    "Thomas",
    "Voigt",
    "Sauer",
    "Arnold",
    "Wolff",
    "Pfeiffer",
    "Özdemir",
    "Çelik",
    "Wiśniewski",
    "Al-Khatib",
    "Nguyen",
    "Papadopoulos",
    "Rossi",
    "von-Bredow",
]
STREET_LIST = [
    "Hauptstraße",
    "Bahnhofstraße",
    "Gartenweg",
    "Lindenallee",
    "Schillerstraße",
    "Goethestr.",
    "Am Markt",
    "Kirchgasse",
    "Rosenweg",
    "Berliner Straße",
    "Konrad-Adenauer-Straße",
    "Mühlenweg",
    "Dorfstraße",
    "Ringstraße",
    "Schulstraße",
    "Am Sportplatz",
    "Talstraße",
    "Wilhelm-Busch-Weg",
    "Parkallee",
    "An der Kirche",
    "Zum Lindenhof",
    "Marktplatz",
]
TOWNS = [
    ("79098", "Freiburg im Breisgau"),
    ("10115", "Berlin"),
    ("80331", "München"),
    ("50667", "Köln"),
    ("01067", "Dresden"),
    ("73087", "Bad Boll"),
    ("24103", "Kiel"),
    ("99084", "Erfurt"),
    ("66111", "Saarbrücken"),
    ("04109", "Leipzig"),
    ("73033", "Göppingen"),
    ("55116", "Mainz"),
    ("39104", "Magdeburg"),
    ("18055", "Rostock"),
    ("36037", "Fulda"),
]
BICS = [
    "COBADEFFXXX",
    "DEUTDEDBFRE",
    "GENODEF1S01",
    "BYLADEM1001",
    "SOLADEST600",
    "HELADEF1822",
    "INGDDEFFXXX",
    "PBNKDEFFXXX",
    "MARKDEF1100",
    "WELADED1GPN",
]
MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


def iban(rng: random.Random) -> str:
    bban = "".join(str(rng.randrange(10)) for _ in range(18))
    n = int("".join(str(int(c, 36)) for c in bban + "DE00"))
    raw = f"DE{98 - n % 97:02d}{bban}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4)) if rng.random() < 0.8 else raw


def tax_id(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(9)]
        if max(Counter(digits).values()) > 3 or len(set(digits)) > 9:
            continue
        product = 10
        for d in digits:
            total = (d + product) % 10 or 10
            product = (total * 2) % 11
        check = (11 - product) % 10
        raw = "".join(map(str, digits)) + str(check)
        if rng.random() < 0.5:
            return f"{raw[:2]} {raw[2:5]} {raw[5:8]} {raw[8:]}"
        return raw


def svnr(rng: random.Random) -> str:
    while True:
        area = f"{rng.randrange(10, 99)}"
        day, month, year = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(40, 99)
        letter = chr(ord("A") + rng.randrange(26))
        serial = f"{rng.randrange(0, 99):02d}"
        body = f"{area}{day:02d}{month:02d}{year:02d}{ord(letter) - 64:02d}{serial}"
        weights = [2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1]
        total = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(body, weights, strict=True))
        return f"{area}{day:02d}{month:02d}{year:02d}{letter}{serial}{total % 10}"


def phone(rng: random.Random) -> str:
    area = rng.choice(["0761", "030", "089", "0221", "0351", "07164", "0431", "0171", "0160"])
    local = str(rng.randrange(100000, 9999999))
    style = rng.randrange(5)
    if style == 0:
        return f"{area} {local}"
    if style == 1:
        return f"{area}/{local}"
    if style == 2:
        return f"+49 {area[1:]} {local}"
    if style == 3:
        return f"({area}) {local[:3]} {local[3:]}"
    return f"{area} {local[:-2]}-{local[-2:]}"


def birth_date(rng: random.Random) -> str:
    d, m, y = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(1930, 2006)
    return f"{d:02d}.{m:02d}.{y}" if rng.random() < 0.7 else f"{d}. {MONTHS[m - 1]} {y}"


class Letter:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.gold: set[tuple[str, int, int]] = set()

    def add(self, text: str, entity_type: str | None = None) -> None:
        if entity_type:
            self.gold.add((entity_type, self.length, self.length + len(text)))
        self.parts.append(text)
        self.length += len(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def letter(rng: random.Random) -> Letter:
    doc = Letter()
    first, last = rng.choice(FIRST), rng.choice(LAST)
    gender = rng.choice(["Herr", "Frau"])
    street = f"{rng.choice(STREET_LIST)} {rng.randrange(1, 120)}{rng.choice(['', '', 'a', 'b'])}"
    plz, town = rng.choice(TOWNS)
    clerk_first, clerk_last = rng.choice(FIRST), rng.choice(LAST)
    kind = rng.choice(["Anschreiben", "Widerspruch", "Antrag"])
    # Sender block
    doc.add(f"{first} {last}", "PERSON")
    doc.add("\n")
    doc.add(street, "ADDRESS")
    doc.add("\n")
    doc.add(f"{plz} {town}", "ADDRESS")
    doc.add("\nTel.: ")
    doc.add(phone(rng), "PHONE")
    doc.add("\nE-Mail: ")
    doc.add(
        f"{first.lower().replace('-', '')}.{last.lower()}@example.de".replace("ı", "i")
        .replace("ş", "s")
        .replace("ç", "c")
        .replace("ś", "s"),
        "EMAIL",
    )
    # The authority's own address is an address too (harmless to pseudonymise).
    doc.add("\n\nLandratsamt Göppingen\n")
    doc.add("Lorcher Straße 6", "ADDRESS")
    doc.add("\n")
    doc.add("73033 Göppingen", "ADDRESS")
    doc.add(f"\n\n{rng.randrange(1, 28)}. {rng.choice(MONTHS)} 2024\n\n")
    if kind == "Widerspruch":
        doc.add(
            f"Widerspruch gegen den Bescheid vom {rng.randrange(1, 28)}."
            f"0{rng.randrange(1, 9)}.2024, "
            f"Aktenzeichen {rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}/24\n\n"
            "Sehr geehrte Damen und Herren,\n\nhiermit lege ich, "
        )
        doc.add(f"{first} {last}", "PERSON")
        doc.add(", geboren am ")
        doc.add(birth_date(rng), "DATE_OF_BIRTH")
        doc.add(
            ", fristgerecht Widerspruch ein. Die Berechnung berücksichtigt mein Einkommen "
            "nicht korrekt. Meine Steuer-ID lautet "
        )
        doc.add(tax_id(rng), "TAX_ID")
        doc.add(". Eine etwaige Erstattung überweisen Sie bitte auf mein Konto, IBAN ")
        doc.add(iban(rng), "IBAN")
        doc.add(", BIC ")
        doc.add(rng.choice(BICS), "BIC")
        doc.add(".\n\nMit freundlichen Grüßen\n\n")
        doc.add(f"{first} {last}", "PERSON")
    elif kind == "Antrag":
        doc.add(
            "Antrag auf Wohngeld (Mietzuschuss)\n\nAngaben zur antragstellenden Person\n"
            "Name, Vorname: "
        )
        doc.add(f"{last}, {first}", "PERSON")
        doc.add("\nGeburtsdatum: ")
        doc.add(birth_date(rng), "DATE_OF_BIRTH")
        doc.add("\nAnschrift: ")
        doc.add(street, "ADDRESS")
        doc.add(", ")
        doc.add(f"{plz} {town}", "ADDRESS")
        doc.add("\nRentenversicherungsnummer: ")
        doc.add(svnr(rng), "SOCIAL_SECURITY")
        doc.add("\nSteuerliche Identifikationsnummer: ")
        doc.add(tax_id(rng), "TAX_ID")
        doc.add("\nBankverbindung: IBAN ")
        doc.add(iban(rng), "IBAN")
        doc.add("\nTelefon (tagsüber): ")
        doc.add(phone(rng), "PHONE")
        doc.add("\n\nIm Haushalt leben außerdem: ")
        partner_first = rng.choice(FIRST)
        doc.add(f"{partner_first} {last}", "PERSON")
        doc.add(" (geb. ")
        doc.add(birth_date(rng), "DATE_OF_BIRTH")
        doc.add(").\n\nIch versichere die Richtigkeit meiner Angaben.\n")
    else:
        doc.add(f"Ihr Schreiben vom {rng.randrange(1, 28)}. {rng.choice(MONTHS)} 2024\n\n")
        doc.add(f"Sehr geehrte{'r' if gender == 'Herr' else ''} {gender} ")
        doc.add(clerk_last, "PERSON")
        doc.add(",\n\nvielen Dank für Ihre Nachricht. Wie telefonisch mit Ihrer Kollegin, Frau ")
        doc.add(f"{rng.choice(FIRST)} {rng.choice(LAST)}", "PERSON")
        doc.add(
            ", besprochen, sende ich Ihnen die fehlenden Unterlagen. Sie erreichen mich "
            "werktags unter "
        )
        doc.add(phone(rng), "PHONE")
        doc.add(". Bitte überweisen Sie den Betrag auf das Konto ")
        doc.add(iban(rng), "IBAN")
        doc.add(".\n\nMit freundlichen Grüßen\n\n")
        doc.add(f"{first} {last}", "PERSON")
    doc.add("\n")
    del clerk_first
    return doc


PATTERN_TYPES = (
    "ADDRESS",
    "DATE_OF_BIRTH",
    "PHONE",
    "EMAIL",
    "IBAN",
    "BIC",
    "TAX_ID",
    "SOCIAL_SECURITY",
)


def eval_letters(detector: Detector, letters: list[Letter]) -> Scores:
    scores = Scores()
    for doc in letters:
        pred = {(e.type, e.start, e.end) for e in detector(doc.text)}
        scores.add(doc.gold, pred)
    return scores


# --- throughput ---------------------------------------------------------------------------


_worker_detector: Detector | None = None


def _start_worker(system: str) -> None:
    global _worker_detector
    _worker_detector = crf_only() if system == "crf" else detect


def _detect_len(text: str) -> int:
    return len(_worker_detector(text))


def throughput(texts: list[str], processes: int, system: str = "shipped") -> float:
    size = sum(len(t.encode()) for t in texts)
    if processes == 1:
        _start_worker(system)
        _detect_len("Herr Test")
        started, cpu = time.perf_counter(), time.process_time()
        for text in texts:
            _detect_len(text)
        # CPU time says what a dedicated core does, whatever else the machine runs.
        print(f"  1 process: {size / 1000 / (time.process_time() - cpu):.0f} kB per CPU-second")
        return size / 1000 / (time.perf_counter() - started)
    with Pool(processes, initializer=_start_worker, initargs=(system,)) as pool:
        pool.map(_detect_len, ["Herr Test"] * processes)  # load models in every worker
        started = time.perf_counter()
        pool.map(_detect_len, texts, chunksize=4)
        return size / 1000 / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=300)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    # A seed never looked at while writing the recognizers (5 was used for error analysis).
    rng = random.Random(20241)
    letters = [letter(rng) for _ in range(args.letters)]
    systems: list[tuple[str, Detector]] = [("aktenkundig", detect), ("CRF only", crf_only())]
    if not args.no_baseline:
        systems.append(("plain Presidio", plain_presidio()))

    print(
        f"# PII benchmark — {platform.node()} ({os.cpu_count()} CPUs), "
        f"{time.strftime('%Y-%m-%d %H:%M')}\n"
    )
    for name, detector in systems:
        print(f"## {name}\n")
        g = eval_germeval(detector)
        print("GermEval 2014 dev, held-out fifth (440 sentences)\n")
        print("| type | P | R | F1 | gold |\n|---|---|---|---|---|")
        for label in ("PER", "LOC", "ORG"):
            print(row(label, g.prf(label)))
        legal = eval_legal(detector)
        print("\nLegal NER dev, held-out last fifth (1,334 sentences)\n")
        print("| type | P | R | F1 | gold |\n|---|---|---|---|---|")
        print(row("PER (parties, judges, lawyers)", legal.prf("PER")))
        for label in ("CITY", "STREET"):
            _, r, _, n = legal.prf(label)
            print(f"| {label.lower()} (recall as LOC/ADDRESS) | – | {r:.3f} | – | {n} |")
        s = eval_letters(detector, letters)
        print(f"\nGenerated letters ({len(letters)}: Anschreiben, Widerspruch, Antrag)\n")
        print("| type | P | R | F1 | gold |\n|---|---|---|---|---|")
        for label in (*PATTERN_TYPES, "PERSON"):
            print(row(label, s.prf(label)))
        print(row("**pattern entities, pooled**", s.pooled(PATTERN_TYPES)))
        print()

    texts = [d.text for d in letters]
    prose = [
        " ".join(" ".join(s.words) for s in chunk)
        for chunk in _chunks(corpora.held_out()["germeval2014-dev"], 20)
    ]
    mixed = texts + prose
    size = sum(len(t.encode()) for t in mixed) / 1000
    for system in ("shipped", "crf"):
        one = throughput(mixed, 1, system)
        two = throughput(mixed, 2, system)
        print(
            f"Throughput ({system}, {size:.0f} kB letters + news prose): "
            f"{one:.0f} kB/s in 1 process, {two:.0f} kB/s in 2 processes"
        )


def _chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i : i + n]


if __name__ == "__main__":
    main()
