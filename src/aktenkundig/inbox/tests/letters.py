"""A small synthetic corpus of municipal letters, written for this project.

Each unit has its own subjects, reasons and reference formats; the sentences are
combined with a seeded random generator so that the letters differ in wording, the
way real letters to one office do. Used by the tests (and the demo); no real person.
"""

from __future__ import annotations

import random

UNITS = {
    "32": ("Ordnungsamt", "Hunde, Lärm, Sondernutzung, Gewerbe, Parken",
           ["Hundesteuer für unseren Hund Bello", "Lärmbelästigung durch die Gaststätte",
            "Gewerbeanmeldung für meinen Imbiss", "Sondernutzungserlaubnis für einen Verkaufsstand",
            "Bußgeldbescheid wegen Falschparkens", "Anwohnerparkausweis für die Lindenstraße"]),
    "50": ("Sozialamt", "Grundsicherung, Wohngeld, Hilfe zum Lebensunterhalt",
           ["Antrag auf Grundsicherung im Alter", "Wohngeld für meine Familie",
            "Hilfe zum Lebensunterhalt nach Jobverlust", "Übernahme der Heizkosten",
            "Bescheid über Grundsicherung vom letzten Monat", "Mietkostenübernahme nach Umzug"]),
    "63": ("Bauamt", "Baugenehmigung, Bauvoranfrage, Bebauungsplan",
           ["Bauantrag für ein Einfamilienhaus", "Bauvoranfrage zur Garage auf dem Flurstück",
            "Baugenehmigung für den Wintergarten", "Einwendung gegen den Bebauungsplan",
            "Abriss einer Scheune auf dem Grundstück", "Nutzungsänderung der Werkstatt"]),
    "20": ("Kämmerei und Steueramt", "Grundsteuer, Gewerbesteuer, Rechnungen, Mahnungen",
           ["Grundsteuerbescheid für das Grundstück", "Gewerbesteuer-Vorauszahlung",
            "Mahnung zum Kassenzeichen", "Ratenzahlung der Grundsteuer",
            "Rechnung für die Straßenreinigung", "Erstattung zu viel gezahlter Gewerbesteuer"]),
    "51": ("Jugendamt", "Kita, Unterhaltsvorschuss, Elterngeld, Jugendhilfe",
           ["Anmeldung für einen Kitaplatz", "Unterhaltsvorschuss für meine Tochter",
            "Beratung zur Erziehung unseres Sohnes", "Kostenbeitrag für die Kindertagespflege",
            "Vaterschaftsanerkennung und Sorgeerklärung", "Zuschuss zur Ferienfreizeit"]),
}

_OPENINGS = ["Sehr geehrte Damen und Herren,", "Guten Tag,", "Sehr geehrte Frau Schmidt,",
             "Sehr geehrter Herr Becker,"]
_REASONS = {
    "32": ["der Hund ist seit dem ersten März bei uns gemeldet",
           "die Musik ist jede Nacht bis zwei Uhr zu hören",
           "ich möchte ab nächsten Monat ein Gewerbe betreiben",
           "der Stand soll auf dem Marktplatz aufgestellt werden",
           "das Fahrzeug stand nur kurz vor der Einfahrt"],
    "50": ["meine Rente reicht nicht für Miete und Lebensunterhalt",
           "wir haben drei Kinder und ein geringes Einkommen",
           "seit meiner Kündigung habe ich kein Einkommen mehr",
           "die Nebenkostenabrechnung ist sehr hoch ausgefallen",
           "ich beziehe Leistungen und bin umgezogen"],
    "63": ["das Grundstück liegt im Geltungsbereich des Bebauungsplans Nr. 12",
           "die Bauzeichnungen und der Lageplan liegen bei",
           "der Architekt hat die Statik bereits berechnet",
           "die geplante Bebauung überschreitet die Traufhöhe",
           "die Abstandsflächen zum Nachbarn werden eingehalten"],
    "20": ["das Kassenzeichen lautet 4711-0815",
           "der Betrag wurde bereits überwiesen",
           "der Einheitswert des Grundstücks hat sich geändert",
           "die Vorauszahlung ist zu hoch festgesetzt",
           "ich bitte um Stundung der Forderung"],
    "51": ["unser Kind wird im August drei Jahre alt",
           "der Vater zahlt keinen Unterhalt",
           "wir wünschen uns einen Termin in der Erziehungsberatung",
           "die Tagesmutter betreut unser Kind an vier Tagen",
           "die Freizeit findet in den Sommerferien statt"],
}
_REQUESTS = ["Ich bitte um Prüfung und eine kurze Rückmeldung.",
             "Bitte teilen Sie mir mit, welche Unterlagen noch fehlen.",
             "Gegen den Bescheid lege ich hiermit Widerspruch ein.",
             "Ich bitte um einen Termin.", "Vielen Dank für Ihre Mühe."]
_CLOSINGS = ["Mit freundlichen Grüßen", "Freundliche Grüße", "Hochachtungsvoll"]
_NAMES = ["Anna Keller", "Jonas Wagner", "Fatma Yilmaz", "Peter Hoffmann", "Lea Schulz",
          "Mehmet Demir", "Sophie Braun", "Tim Neumann"]
_STREETS = ["Hauptstraße 5", "Am Markt 12", "Lindenweg 3", "Bahnhofstraße 44", "Kirchgasse 7"]


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def letter(code: str, rng: random.Random) -> str:
    _name, _keywords, subjects = UNITS[code]
    sender = rng.choice(_NAMES)
    lines = [
        sender, rng.choice(_STREETS), "12345 Musterhausen", "",
        f"Musterhausen, {rng.randint(1, 28)}.{rng.randint(1, 12)}.2026", "",
        f"Betreff: {rng.choice(subjects)}", "", rng.choice(_OPENINGS), "",
        f"{_sentence(rng.choice(_REASONS[code]))} {_sentence(rng.choice(_REASONS[code]))}",
        rng.choice(_REQUESTS), "", rng.choice(_CLOSINGS), sender,
    ]
    return "\n".join(lines)


def corpus(per_unit: int = 12, seed: int = 7) -> list[tuple[str, str]]:
    """(text, unit code) pairs, ``per_unit`` letters for each unit."""
    rng = random.Random(seed)
    return [(letter(code, rng), code) for _round in range(per_unit) for code in UNITS]


def plan_csv() -> str:
    """The units as a Geschäftsverteilungsplan CSV (German headers)."""
    rows = ["Kürzel;Name;Aufgaben;Stichwörter;Vertretung"]
    for code, (name, keywords, subjects) in UNITS.items():
        deputy = "50" if code == "51" else ""
        rows.append(f'{code};{name};"{", ".join(subjects)}";"{keywords}";{deputy}')
    return "\n".join(rows) + "\n"
