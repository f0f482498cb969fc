"""Draft letters and Vermerke from the tenant's templates, grounded in its documents.

Why templates and not free generation: an authority's letters have fixed parts that a
model must not vary (letterhead wording, the formal salutation, the closing, the
reference line) and one part that takes work (the body: what the Satzung says about
the citizen's question). So the template holds the fixed parts with placeholders, the
salutation follows the rules of formal German correspondence (``salutation``), and the
model writes only the body, from numbered passages retrieved from the documents the
person may read, citing them. Every body sentence is checked against the passages it
cites with the same check as summaries (``summary.checked_sentences``); a sentence
without support, and an informal "du", are listed as problems beside the draft. The
draft is marked as AI-generated and is never sent by the machine: a person edits,
signs and sends it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, timezone, translation

from aktenkundig.language.models import DraftTemplate
from aktenkundig.language.summary import SummarySentence, checked_sentences

PLACEHOLDERS = ("anrede", "betreff", "text", "datum", "gruss", "zeichen")
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,40})\}")
#: informal address in a letter of an authority (capitalised or not)
_INFORMAL = re.compile(r"\b(?:du|dich|dir|dein(?:e[mnrs]?)?|euch|euer|eure[mnrs]?)\b",
                       re.IGNORECASE)
MAX_PASSAGES = 6
PASSAGE_CHARS = 700
MAX_INSTRUCTION = 2000

DEFAULTS = (
    ("Antwortschreiben", DraftTemplate.Kind.LETTER,
     "Ihr Zeichen: {zeichen}\n{datum}\n\nBetreff: {betreff}\n\n{anrede}\n\n{text}\n\n"
     "{gruss}\n\nIm Auftrag\n"),
    ("Vermerk", DraftTemplate.Kind.NOTE,
     "Vermerk\n{datum}\n\nBetreff: {betreff}\nAktenzeichen: {zeichen}\n\n{text}\n"),
)


@dataclass
class Draft:
    text: str
    sentences: list[SummarySentence] = field(default_factory=list)
    passages: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    backend: str = ""
    model: str = ""
    ai_generated: bool = True

    def as_json(self) -> dict:
        return {"text": self.text, "ai_generated": True, "problems": self.problems,
                "backend": self.backend, "model": self.model, "passages": self.passages,
                "sentences": [s.__dict__ for s in self.sentences]}


def ensure_templates(tenant) -> list[DraftTemplate]:
    """A tenant without templates gets the two plain ones above to start from."""
    if not DraftTemplate.objects.filter(tenant=tenant).exists():
        for name, kind, body in DEFAULTS:
            DraftTemplate.objects.get_or_create(tenant=tenant, name=name,
                                                defaults={"kind": kind, "body": body})
    return list(DraftTemplate.objects.filter(tenant=tenant))


def template_problems(body: str) -> list[str]:
    """What is wrong with a template as written by an admin."""
    problems = [f"Unbekannter Platzhalter {{{name}}}." for name in
                dict.fromkeys(_PLACEHOLDER.findall(body)) if name not in PLACEHOLDERS]
    if "{text}" not in body:
        problems.append("Die Vorlage braucht den Platzhalter {text} für den Entwurf.")
    return problems


def salutation(form: str, name: str) -> str:
    """„Sehr geehrte Frau Meyer,“ / „Sehr geehrter Herr Meyer,“; without a known form
    of address or name the neutral „Sehr geehrte Damen und Herren,“ (never a guess)."""
    name = " ".join(name.split())[:120]
    if form == "frau" and name:
        return f"Sehr geehrte Frau {name},"
    if form == "herr" and name:
        return f"Sehr geehrter Herr {name},"
    if form == "person" and name:
        return f"Guten Tag {name},"
    return "Sehr geehrte Damen und Herren,"


def informal_words(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0) for m in _INFORMAL.finditer(text)))


def render(template: DraftTemplate, *, values: dict[str, str]) -> str:
    """Fill the known placeholders; anything else in braces stays as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template.body)


def _german_date() -> str:
    """Letters are German whatever language the staff member's screen uses."""
    with translation.override("de"):
        return formats.date_format(timezone.localdate(), "j. F Y")


def compose(template: DraftTemplate, *, user: Any, subject: str, instruction: str,
            recipient_form: str = "", recipient_name: str = "", reference: str = "",
            collections: Any = None, sentences: int = 6, channel: str = "web") -> Draft:
    """Draft the body for ``template`` from the passages ``user`` may read.

    Raises ``PermissionError`` (other tenant, gate refused), ``ValueError`` (bad input,
    nothing found to ground the draft in), ``LLMError`` when no model may answer."""
    from aktenkundig.accounts.services import membership_of, readable_collections
    from aktenkundig.language.services import _audit, gate
    from aktenkundig.llm.gateway import complete
    from aktenkundig.search.services import search

    membership = membership_of(user)
    if membership is None or membership.tenant_id != template.tenant_id:
        raise PermissionError("Diese Vorlage gehört nicht zu Ihrer Behörde.")
    subject, instruction = subject.strip()[:300], instruction.strip()[:MAX_INSTRUCTION]
    if not subject or not 1 <= sentences <= 12:
        raise ValueError("Bitte einen Betreff angeben.")
    tenant = template.tenant
    readable = readable_collections(user)
    if collections is not None:
        readable = readable.filter(pk__in=[c.pk for c in collections])
    hits = [h for h in search(f"{subject} {instruction}", tenant=tenant,
                              collections=list(readable), limit=MAX_PASSAGES * 2)
            if h.access_level <= membership.clearance][:MAX_PASSAGES]
    if not hits:
        raise ValueError("In Ihren Dokumenten findet sich nichts zu diesem Betreff; ohne "
                         "Quellen entsteht kein Entwurf.")
    level = max(h.access_level for h in hits)
    decision = gate(user, tenant, level)
    if not decision:
        raise PermissionError(decision.reason)
    passages = [h.text[:PASSAGE_CHARS] for h in hits]
    numbered = "\n\n".join(f"[{i + 1}] {p}" for i, p in enumerate(passages))
    kind = "eines Vermerks" if template.kind == DraftTemplate.Kind.NOTE else \
        "eines Antwortschreibens einer Behörde an eine Bürgerin oder einen Bürger"
    system = (
        f"Schreibe den Haupttext {kind} auf Deutsch, höflich, in der Sie-Form, in höchstens "
        f"{sentences} Sätzen. Ohne Anrede und ohne Grußformel. Schreibe nur, was in den "
        "nummerierten Auszügen steht, und setze hinter jeden Satz die Nummer seines "
        "Auszugs in eckigen Klammern, zum Beispiel [1]."
        + (f" Hinweise der Behörde: {template.guidance[:500]}" if template.guidance else "")
    )
    prompt = f"Auszüge:\n{numbered}\n\nBetreff: {subject}\nAnliegen: {instruction or subject}"
    started = time.perf_counter()
    completion = complete(
        [{"role": "system", "content": system}, {"role": "user", "content": prompt}],
        data_level=level, purpose="language.draft", context={"tenant": tenant, "user": user},
        max_tokens=60 * sentences, temperature=0.2,
    )
    _audit(tenant, purpose="draft", backend=completion.backend.name, model=completion.model,
           input_text=prompt, output_text=completion.text, started=started, user=user,
           channel=channel, extra={"template": template.pk})
    checked = checked_sentences(completion.text.strip(), passages, limit=sentences)
    body = " ".join(s.text for s in checked)
    problems = [f"Satz {n}: {s.verdict} ({s.reason})" for n, s in enumerate(checked, 1)
                if s.verdict != "belegt"]
    informal = informal_words(body)
    if informal:
        problems.append("Duzen im Entwurf („" + "“, „".join(informal) + "“): bitte die "
                        "Sie-Form verwenden.")
    if not checked:
        problems.append("Das Modell hat keinen Text geliefert.")
    values = {
        "anrede": salutation(recipient_form, recipient_name), "betreff": subject,
        "text": body, "gruss": template.closing, "zeichen": reference.strip()[:100] or "–",
        "datum": _german_date(),
    }
    return Draft(render(template, values=values), checked,
                 [{"n": i + 1, "title": h.document_title, "section": h.section,
                   "document": h.document_id, "text": p}
                  for i, (h, p) in enumerate(zip(hits, passages, strict=True))],
                 problems, completion.backend.name, completion.model)
