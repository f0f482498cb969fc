"""Checks of field values: what a caseworker would otherwise check by eye.

Each validator returns ``(normalised value, problem or None)``. The normalised
value is what goes to the specialist system (an IBAN without blanks, a date as
``TT.MM.JJJJ``, an amount with two decimals), so that the same value written
three ways does not become three values downstream.

The check digits matter twice: they catch typing errors of the applicant, and
they tell recognition when OCR misread a digit — a scanned IBAN that passes
mod 97 is very unlikely to be a misreading (see ``recognize.confidence``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from aktenkundig.forms.schema import FieldSpec, Schema

_IBAN_LENGTHS = {"DE": 22, "AT": 20, "CH": 21, "NL": 18, "BE": 16, "FR": 27, "LU": 20,
                 "IT": 27, "ES": 24, "PL": 28, "DK": 18, "CZ": 24}


def iban(value: str) -> tuple[str, str | None]:
    text = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", text):
        return text, "Keine gültige IBAN (Ländercode, Prüfziffer, Kontonummer)."
    expected = _IBAN_LENGTHS.get(text[:2])
    if expected and len(text) != expected:
        return text, f"Eine IBAN aus {text[:2]} hat {expected} Zeichen, nicht {len(text)}."
    number = int("".join(str(int(c, 36)) for c in text[4:] + text[:4]))
    if number % 97 != 1:
        return text, "Die Prüfziffer der IBAN stimmt nicht (Tippfehler?)."
    return text, None


def bic(value: str) -> tuple[str, str | None]:
    text = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?", text):
        return text, "Keine gültige BIC (8 oder 11 Zeichen, z. B. COBADEFFXXX)."
    return text, None


def steuer_id_check_digit(first10: str) -> int:
    """Check digit of the Steuerliche Identifikationsnummer (ISO 7064 MOD 11,10)."""
    product = 10
    for char in first10:
        total = (int(char) + product) % 10 or 10
        product = (total * 2) % 11
    check = 11 - product
    return 0 if check == 10 else check


def steuer_id(value: str) -> tuple[str, str | None]:
    text = re.sub(r"[\s/.-]+", "", value)
    if not re.fullmatch(r"\d{11}", text):
        return text, "Die Steuer-ID hat 11 Ziffern."
    if text[0] == "0":
        return text, "Eine Steuer-ID beginnt nicht mit 0."
    # Digit rule (since 2016): in the first ten digits exactly one digit occurs
    # twice or three times (three times not adjacent), at least one digit is missing.
    counts = [text[:10].count(d) for d in "0123456789"]
    repeated = [c for c in counts if c > 1]
    if len(repeated) != 1 or repeated[0] > 3:
        return text, "Die Ziffernfolge ist keine mögliche Steuer-ID."
    if repeated[0] == 3 and re.search(r"(\d)\1\1", text[:10]):
        return text, "Die Ziffernfolge ist keine mögliche Steuer-ID."
    if steuer_id_check_digit(text[:10]) != int(text[10]):
        return text, "Die Prüfziffer der Steuer-ID stimmt nicht (Tippfehler?)."
    return text, None


def date(value: str, *, earliest: int = 1900, latest_years_ahead: int = 10
         ) -> tuple[str, str | None]:
    text = value.strip()
    match = re.fullmatch(r"(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{2}|\d{4})", text)
    if match is None:
        match = re.fullmatch(r"(\d{2})(\d{2})(\d{4})", re.sub(r"\s+", "", text))
    if match is None:
        return text, "Kein Datum (TT.MM.JJJJ)."
    day, month, year = (int(g) for g in match.groups())
    if year < 100:
        year += 2000 if year <= dt.date.today().year % 100 else 1900
    try:
        parsed = dt.date(year, month, day)
    except ValueError:
        return text, "Dieses Datum gibt es nicht."
    if not (earliest <= year <= dt.date.today().year + latest_years_ahead):
        return parsed.strftime("%d.%m.%Y"), "Das Datum liegt außerhalb des Möglichen."
    return parsed.strftime("%d.%m.%Y"), None


def plz(value: str) -> tuple[str, str | None]:
    text = re.sub(r"\s+", "", value)
    if not re.fullmatch(r"\d{5}", text) or text.startswith("00"):
        return text, "Eine Postleitzahl hat 5 Ziffern."
    return text, None


def amount(value: str) -> tuple[str, str | None]:
    text = re.sub(r"\s+|€|EUR", "", value, flags=re.I)
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d{1,2})?|-?\d+(,\d{1,2})?", text):
        text = text.replace(".", "").replace(",", ".")
    elif not re.fullmatch(r"-?\d+(\.\d{1,2})?", text):
        return value.strip(), "Kein Betrag (z. B. 1.234,56)."
    try:
        number = Decimal(text)
    except InvalidOperation:
        return value.strip(), "Kein Betrag (z. B. 1.234,56)."
    formatted = f"{number:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return formatted, None


def number(value: str) -> tuple[str, str | None]:
    text = re.sub(r"\s+", "", value)
    if not re.fullmatch(r"\d+([.,]\d+)?", text):
        return text, "Keine Zahl."
    return text, None


VALIDATORS: dict[str, Callable[[str], tuple[str, str | None]]] = {
    "iban": iban, "bic": bic, "steuer_id": steuer_id, "date": date, "plz": plz,
    "amount": amount, "number": number,
}


def is_empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, str) and not value.strip())


def check_field(spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
    """Normalise and check one value; empty values are only a problem when required."""
    if is_empty(value):
        if spec.required and spec.kind != "checkbox":
            return value, "Pflichtfeld ist leer."
        return value, None
    validator = VALIDATORS.get(spec.kind)
    if validator is None or not isinstance(value, str):
        return value, None
    return validator(value)


def check_rules(schema: Schema, values: dict[str, Any]) -> dict[str, str]:
    """Cross-field rules: field name → problem."""
    problems: dict[str, str] = {}
    for rule in schema.rules:
        current = values.get(rule.if_field)
        triggered = (current is True) if rule.equals is True else (current == rule.equals)
        if not triggered:
            continue
        for name in rule.then_required:
            if is_empty(values.get(name)):
                problems[name] = rule.message or "Pflichtangabe wegen einer anderen Antwort."
    return problems
