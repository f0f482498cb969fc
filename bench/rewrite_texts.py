"""50 short administrative texts written for the project, with their facts known.

Ten kinds of letter or notice a Gemeinde writes (Bescheid, Mahnung, Einladung, …),
each written here as a template, filled five times with different values (seeded),
so that every fact a rewrite must keep is known by construction: amounts, dates,
deadlines, § references, names, and whether a statement is negated. The rewriting
benchmark (``bench/rewrite.py``) checks the model's output against these *gold*
facts, independently of the product's own fact check, which decides publication.

    PYTHONPATH=src python bench/rewrite_texts.py > bench/data/rewrite_texts.jsonl
"""

from __future__ import annotations

import json
import random

MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
          "September", "Oktober", "November", "Dezember"]
SURNAMES = ["Yılmaz", "Schneider", "Kowalski", "Becker", "Nguyen", "Hoffmann", "Petrović",
            "Wagner", "Haddad", "Zimmermann"]
STREETS = ["Lindenweg", "Am Markt", "Schulstraße", "Bahnhofstraße", "Kirchgasse"]

# Each template: text with {slots}; facts: which slots are facts and of what kind.
TEMPLATES = [
    ("Hundesteuerbescheid",
     "Sehr geehrte Frau {name}, nach § {para} der Hundesteuersatzung setzen wir die "
     "Hundesteuer für das Jahr {year} auf {amount} Euro fest. Der Betrag ist bis zum "
     "{date} auf das Konto der Gemeindekasse zu überweisen. Eine Ermäßigung ist nicht "
     "möglich, weil der Hund nicht als Rettungshund geprüft ist.",
     {"name": "name", "para": "para", "year": "year", "amount": "amount", "date": "date"},
     True),
    ("Mahnung Abfallgebühren",
     "Sehr geehrter Herr {name}, die Abfallgebühr von {amount} Euro war am {date} fällig "
     "und ist bis heute nicht bezahlt. Wir erheben deshalb eine Mahngebühr von {fee} Euro. "
     "Zahlen Sie bitte innerhalb von {days} Tagen, sonst leiten wir die Vollstreckung ein.",
     {"name": "name", "amount": "amount", "date": "date", "fee": "amount", "days": "number"},
     True),
    ("Einladung Bürgerversammlung",
     "Die Gemeinde lädt alle Einwohnerinnen und Einwohner zur Bürgerversammlung am {date} "
     "um {hour} Uhr in die Mehrzweckhalle, {street} {number}, ein. Auf der Tagesordnung "
     "stehen der Haushalt {year} und der Ausbau des Radwegs. Eine Anmeldung ist nicht "
     "erforderlich.",
     {"date": "date", "hour": "number", "street": "name", "number": "number",
      "year": "year"}, True),
    ("Kita-Beitrag",
     "Für die Betreuung Ihres Kindes in der Kindertagesstätte beträgt der monatliche "
     "Elternbeitrag ab dem {date} {amount} Euro. Grundlage ist § {para} der "
     "Elternbeitragssatzung. Geschwisterkinder zahlen keinen Beitrag. Gegen diesen "
     "Bescheid können Sie innerhalb eines Monats Widerspruch einlegen.",
     {"date": "date", "amount": "amount", "para": "para"}, True),
    ("Sperrmüll",
     "Ihr Sperrmüll wird am {date} abgeholt. Stellen Sie die Gegenstände bitte bis {hour} "
     "Uhr morgens an den Straßenrand vor dem Haus {street} {number}. Elektrogeräte und "
     "Farbreste nehmen wir nicht mit. Es dürfen höchstens {volume} Kubikmeter sein.",
     {"date": "date", "hour": "number", "street": "name", "number": "number",
      "volume": "number"}, True),
    ("Baugenehmigung Nachforderung",
     "Sehr geehrte Frau {name}, für Ihren Bauantrag vom {date} fehlen noch der Lageplan "
     "und der Nachweis der Standsicherheit. Bitte reichen Sie die Unterlagen bis zum "
     "{date2} ein. Ohne diese Unterlagen können wir den Antrag nach § {para} der "
     "Landesbauordnung nicht bearbeiten.",
     {"name": "name", "date": "date", "date2": "date", "para": "para"}, True),
    ("Wahlhelfer",
     "Herr {name}, Sie wurden als Wahlhelfer für die Kommunalwahl am {date} im Wahllokal "
     "{number} eingeteilt. Die Schulung findet am {date2} um {hour} Uhr im Rathaus statt. "
     "Das Erfrischungsgeld beträgt {amount} Euro.",
     {"name": "name", "date": "date", "number": "number", "date2": "date",
      "hour": "number", "amount": "amount"}, False),
    ("Personalausweis abholbereit",
     "Ihr neuer Personalausweis liegt ab dem {date} im Bürgerbüro zur Abholung bereit. "
     "Bringen Sie bitte Ihren alten Ausweis mit. Die Gebühr von {amount} Euro ist bei der "
     "Abholung zu zahlen. Eine Abholung durch andere Personen ist nur mit Vollmacht möglich.",
     {"date": "date", "amount": "amount"}, False),
    ("Straßenreinigung",
     "Nach § {para} der Straßenreinigungssatzung müssen Anlieger den Gehweg vor ihrem "
     "Grundstück von 7 bis {hour} Uhr von Schnee und Eis freihalten. Wer dies nicht tut, "
     "muss mit einem Bußgeld von bis zu {amount} Euro rechnen.",
     {"para": "para", "hour": "number", "amount": "amount"}, True),
    ("Wohngeld Ablehnung",
     "Sehr geehrter Herr {name}, Ihr Antrag auf Wohngeld vom {date} wird abgelehnt, weil "
     "Ihr Einkommen die Grenze von {amount} Euro im Monat übersteigt. Sie haben deshalb "
     "keinen Anspruch auf Wohngeld nach § {para} des Wohngeldgesetzes. Gegen diesen "
     "Bescheid können Sie bis zum {date2} Widerspruch einlegen.",
     {"name": "name", "date": "date", "amount": "amount", "para": "para", "date2": "date"},
     True),
]


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28)}. {rng.choice(MONTHS)} {rng.choice([2026, 2027])}"


def _amount(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return str(rng.choice([12, 25, 48, 96, 120, 150, 180, 240, 310, 1250]))
    return f"{rng.randint(5, 400)},{rng.choice(['50', '20', '75', '90'])}"


def texts(seed: int = 20261202) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for kind, template, slots, negated in TEMPLATES:
        for variant in range(5):
            values = {}
            for slot, fact in slots.items():
                if fact == "name":
                    values[slot] = rng.choice(STREETS if slot == "street" else SURNAMES)
                elif fact == "date":
                    values[slot] = _date(rng)
                elif fact == "amount":
                    values[slot] = _amount(rng)
                elif fact == "para":
                    values[slot] = str(rng.randint(2, 40))
                elif fact == "year":
                    values[slot] = str(rng.choice([2026, 2027]))
                else:
                    values[slot] = str(rng.randint(2, 20) if slot != "hour" else
                                       rng.randint(8, 19))
            facts = [{"kind": slots[s], "value": values[s]} for s in slots]
            out.append({"id": f"{len(out) + 1:02d}", "kind": kind, "variant": variant,
                        "text": template.format(**values), "facts": facts,
                        "negated": negated})
    return out


if __name__ == "__main__":
    for row in texts():
        print(json.dumps(row, ensure_ascii=False))
