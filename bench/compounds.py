"""Compound splitter comparison (evidence for search/lexicon.py), prints a table.

Gold: 40 compounds of municipal and federal administration written for this benchmark
(not taken from the retrieval questions), with their intended parts. Compared: our
lexicon splitter and the character-n-gram splitter of the ``compound-split`` package
(CharSplit, applied recursively to the modifier as its authors do).

    PYTHONPATH=src python bench/compounds.py
"""

from __future__ import annotations

import time

from compound_split import char_split

from aktenkundig.search.analyzer import fold
from aktenkundig.search.lexicon import CompoundSplitter

GOLD = {
    "Hundesteuersatzung": "hund steuer satzung",
    "Abfallwirtschaftsbetrieb": "abfall wirtschaft betrieb",
    "Verwaltungsgebührensatzung": "verwaltung gebühr satzung",
    "Straßenreinigungssatzung": "straße reinigung satzung",
    "Kreistagssitzung": "kreis tag sitzung",
    "Gemeinderatsbeschluss": "gemeinde rat beschluss",
    "Bebauungsplanverfahren": "bebauung plan verfahren",
    "Wasserversorgungssatzung": "wasser versorgung satzung",
    "Friedhofsgebühren": "friedhof gebühr",
    "Kindergartenbeiträge": "kinder garten beitrag",
    "Aufenthaltserlaubnis": "aufenthalt erlaubnis",
    "Meldebescheinigung": "melde bescheinigung",
    "Grundsteuerbescheid": "grund steuer bescheid",
    "Gewerbesteuerhebesatz": "gewerbe steuer hebe satz",
    "Baugenehmigungsverfahren": "bau genehmigung verfahren",
    "Feuerwehrentschädigungssatzung": "feuer wehr entschädigung satzung",
    "Personalausweisbehörde": "personal ausweis behörde",
    "Ordnungswidrigkeitenverfahren": "ordnung widrigkeit verfahren",
    "Sozialhilfeträger": "sozial hilfe träger",
    "Wohngeldantrag": "wohn geld antrag",
    "Elterngeldstelle": "eltern geld stelle",
    "Jugendhilfeausschuss": "jugend hilfe ausschuss",
    "Haushaltssatzung": "haushalt satzung",
    "Vergnügungssteuer": "vergnügung steuer",
    "Zweitwohnungsteuer": "zweit wohnung steuer",
    "Abwassergebühren": "abwasser gebühr",
    "Sondernutzungserlaubnis": "sonder nutzung erlaubnis",
    "Marktgebührenordnung": "markt gebühr ordnung",
    "Benutzungsordnung": "benutzung ordnung",
    "Gutachterausschuss": "gutachter ausschuss",
    "Bürgermeisterwahl": "bürger meister wahl",
    "Stellplatzsatzung": "stell platz satzung",
    "Obdachlosenunterkunft": "obdachlose unterkunft",
    "Datenschutzbeauftragter": "daten schutz beauftragter",
    "Verwaltungsakt": "verwaltung akt",
    "Rechtsbehelfsbelehrung": "recht behelf belehrung",
    "Gemeinde": "gemeinde",
    "Verwaltung": "verwaltung",
    "Bescheinigung": "bescheinigung",
    "Satzung": "satzung",
}


def charsplit(word: str) -> list[str]:
    best = char_split.split_compound(word)[0]
    if best[0] <= 0 or len(best[1]) < 3 or len(best[2]) < 3:
        return [word.lower()]
    return [*charsplit(best[1]), best[2].lower()]


def covers(predicted: list[str], gold: str) -> float:
    """Share of gold parts found as a prefix of a predicted part (inflection-tolerant)."""
    parts = [fold(p) for p in gold.split()]
    got = [fold(p) for p in predicted]
    return sum(any(g.startswith(p[: max(3, len(p) - 2)]) for g in got) for p in parts) / len(parts)


def main() -> None:
    ours = CompoundSplitter.load()
    rows = {"lexicon (ours)": lambda w: list(ours.split(fold(w))), "compound-split": charsplit}
    print("| splitter | exact split | parts found | µs/word |\n|---|---|---|---|")
    for name, split in rows.items():
        exact = found = 0.0
        started = time.perf_counter()
        for word, gold in GOLD.items():
            predicted = split(word)
            found += covers(predicted, gold)
            exact += len(predicted) == len(gold.split()) and covers(predicted, gold) == 1
        micros = (time.perf_counter() - started) / len(GOLD) * 1e6
        print(f"| {name} | {exact / len(GOLD):.2f} | {found / len(GOLD):.2f} | {micros:.0f} |")


if __name__ == "__main__":
    main()
