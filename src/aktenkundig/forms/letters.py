"""A letter without a form, read into a form type's fields by the language model.

Optional and marked as such: only with a configured model, every call through
``llm.gateway.complete`` (privacy hook, data-level routing, audit purpose
"forms.letter"), JSON output against the form's field list. A value is kept only
when the model also quotes the sentence of the letter it took it from, and that
sentence is found in the letter word for word (whitespace aside) and contains
the value: what the model cannot show in the letter is dropped, not guessed.
Kept values are never "sicher" (confidence 0.5) and carry the source sentence in
``problem``, so the review page shows where each came from.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aktenkundig.core.models import AccessLevel
from aktenkundig.forms import validate
from aktenkundig.forms.recognize import FieldResult, Recognition, Template
from aktenkundig.forms.schema import FormError

MAX_LETTER_CHARS = 8000
MAX_FIELDS = 60
CONFIDENCE = 0.5
PROMPT = (
    "Du überträgst Angaben aus einem Brief in die Felder eines Formulars. Antworte nur "
    "mit einem JSON-Objekt. Schlüssel: die Feldnamen. Wert: {\"wert\": ..., \"quelle\": "
    "\"der Satz aus dem Brief, wörtlich\"}. Steht eine Angabe nicht im Brief, lass das "
    "Feld weg. Erfinde nichts."
)


def _squash(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _parse(text: str) -> dict[str, Any]:
    match = re.search(r"\{.*\}", text, re.S)
    if not match:
        return {}
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def accept(parsed: dict[str, Any], letter: str, template: Template
           ) -> dict[str, FieldResult]:
    """The model's answer, reduced to values it can show in the letter."""
    letter_text = _squash(letter)
    results: dict[str, FieldResult] = {}
    for spec in template.schema.fields:
        item = parsed.get(spec.name)
        if not isinstance(item, dict):
            continue
        value, source = item.get("wert"), str(item.get("quelle") or "").strip()
        if value in (None, "") or not source or _squash(source) not in letter_text:
            continue
        if spec.kind in ("checkbox", "signature"):
            value = value is True or _squash(value) in ("ja", "true", "x")
        elif spec.kind == "radio":
            options = {o.value.casefold(): o.value for o in spec.options}
            value = options.get(_squash(value))
            if value is None:
                continue
        else:
            value = str(value)
            if _squash(value) not in _squash(source):
                continue
        normalised, problem = validate.check_field(spec, value)
        note = f"Vom Sprachmodell aus einem Brief übernommen: „{source[:300]}“"
        results[spec.name] = FieldResult(
            value=normalised if problem is None else value, confidence=CONFIDENCE,
            page=spec.page, bbox=list(spec.rect), valid=problem is None,
            problem=f"{problem} {note}" if problem else note)
    return results


def extract_letter(tenant, letter: str, template: Template, *, user: Any = None
                   ) -> Recognition:
    from aktenkundig.llm.client import LLMError
    from aktenkundig.llm.gateway import complete

    letter = letter.strip()[:MAX_LETTER_CHARS]
    if not letter:
        raise FormError("Der Brief ist leer.")
    fields = [s for s in template.schema.fields if s.kind != "signature"][:MAX_FIELDS]
    listing = "\n".join(
        f"- {s.name}: {s.label} ({s.kind}"
        + (": " + " | ".join(o.value for o in s.options) if s.kind == "radio" else "") + ")"
        for s in fields)
    messages = [
        {"role": "system", "content": PROMPT},
        {"role": "user", "content": f"Felder:\n{listing}\n\nBrief:\n{letter}"},
    ]
    try:
        completion = complete(messages, data_level=AccessLevel.VERTRAULICH,
                              purpose="forms.letter", response_format={"type": "json_object"},
                              context={"tenant": tenant, "user": user})
        answer = completion.text
    except LLMError as error:
        raise FormError(f"Ein Brief lässt sich nur mit Sprachmodell auslesen: {error}") \
            from None
    found = accept(_parse(answer), letter, template)
    results = {}
    for spec in template.schema.fields:
        results[spec.name] = found.get(spec.name) or FieldResult(
            value=False if spec.kind == "checkbox" else None, confidence=0.0,
            page=spec.page, bbox=list(spec.rect), valid=not spec.required,
            problem="Steht nicht im Brief." if spec.required else None)
    return Recognition(template.name, template.version, results, "llm")
