"""What a person in the scan centre looks for first in a letter: who wrote it, which
file it belongs to, and whether a deadline may run.

Plain patterns, no model: reference numbers have fixed shapes (a Kindergeldnummer is
three digits, "FK", six digits), and a pattern that finds one can be checked by
anyone. The results are shown beside the suggestion as evidence and kept with the
item; they never decide anything on their own.
"""

from __future__ import annotations

import re

REFERENCES = {
    "Aktenzeichen": re.compile(r"(?i)\b(?:Az\.?|Aktenzeichen|Geschäftszeichen|Gz\.?)\s*:?\s*"
                               r"([A-Z0-9][\w./\-]{2,40}(?: [\w./\-]{1,20})?)"),
    "Kassenzeichen": re.compile(r"(?i)\bKassenzeichen\s*:?\s*([\d][\d.\-/ ]{3,30}\d)"),
    "Steuernummer": re.compile(r"\b(\d{2,3}/\d{3}/\d{4,5})\b"),
    "Kindergeldnummer": re.compile(r"\b(\d{3}\s?FK\s?\d{6})\b"),
    "Versicherungsnummer": re.compile(r"\b(\d{2}\s?\d{6}\s?[A-Z]\s?\d{3})\b"),
}
DEADLINE_WORDS = re.compile(r"(?i)\b(widerspruch|einspruch|klage|frist\w*|mahnung|"
                            r"vollstreckung|eilt|dringend)\b")
_POSTCODE = re.compile(r"^\s*\d{5}\s+\S")
HEAD_LINES = 12


def sender(text: str) -> str:
    """The lines above the first postcode line at the top (name, street, town)."""
    lines = [line.strip() for line in (text or "").splitlines()[:HEAD_LINES]]
    for index, line in enumerate(lines):
        if _POSTCODE.match(line):
            block = [part for part in lines[max(0, index - 3):index + 1] if part]
            return ", ".join(block)[:300]
    return ""


def facts(text: str) -> dict:
    """Sender, reference numbers and deadline words of a letter (first 20,000 chars)."""
    text = (text or "")[:20000]
    references = {}
    for name, pattern in REFERENCES.items():
        found = sorted({m.group(1).strip() for m in pattern.finditer(text)})[:5]
        if found:
            references[name] = found
    words = sorted({m.group(1).capitalize() for m in DEADLINE_WORDS.finditer(text)})
    return {"sender": sender(text), "references": references, "deadline_words": words}
