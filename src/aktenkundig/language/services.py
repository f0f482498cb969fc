"""The language services' domain logic: check, simplify, translate, review.

Views, the REST API, the CLI and other apps (the citizen chatbot) call these
functions; nothing here knows about HTTP.

Governance, as in the assistant: :func:`gate` (KI-Register entry ``language``,
kill switch, KI-Richtlinie, data level) before any model work for a person;
every model call is audited in the tenant's chain (:func:`_audit`), by whoever
calls the service. The checker needs no gate: it is deterministic, offline and
no AI in the sense of the register.

Nothing a model wrote is published on its own: a simplification whose fact check
failed is returned with its problems and ``publishable = False``; a translation
is published only after every segment was approved by a person
(:func:`publish`), and carries the note "maschinell übersetzt".
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from aktenkundig.core.models import AccessLevel, Tenant
from aktenkundig.governance import audit
from aktenkundig.governance.policy import Decision, check_feature
from aktenkundig.language import checker, facts
from aktenkundig.language import translation as tr
from aktenkundig.language.models import GlossaryTerm, MemoryEntry, Segment, Translation, segment_key

FEATURE = "language"
PROMPT_VERSION = "language-1"
MAX_ROUNDS = 3
MAX_INPUT_CHARS = 20_000
LEVELS = ("einfach", "leicht")

__all__ = [
    "FEATURE", "SimplifyResult", "TranslateResult", "approve_segment", "check_text",
    "create_review", "gate", "glossary_for", "publish", "simplify", "translate",
    "translation_backend",
]


def gate(user: Any, tenant: Tenant, data_level: int | None = None) -> Decision:
    """May ``user`` use the language services (on data of ``data_level``) now?"""
    return check_feature(user, tenant, FEATURE, data_level=data_level)


def _audit(tenant: Tenant | None, *, purpose: str, backend: str, model: str, input_text: str,
           output_text: str, started: float, user: Any = None, channel: str = "",
           extra: dict[str, Any] | None = None) -> None:
    if tenant is None:
        return
    audit.log_ai_interaction(
        tenant, feature=FEATURE, user=user if getattr(user, "is_authenticated", False) else None,
        system_actor="" if getattr(user, "is_authenticated", False) else (channel or "system"),
        backend=backend, model=model, prompt_version=PROMPT_VERSION,
        input_text=input_text, output_text=output_text,
        latency_ms=(time.perf_counter() - started) * 1000,
        extra={"purpose": purpose, "channel": channel, **(extra or {})},
    )


# --------------------------------------------------------------------------- glossary


def glossary_for(tenant: Tenant | None) -> list[GlossaryTerm]:
    if tenant is None:
        return []
    return list(GlossaryTerm.objects.filter(tenant=tenant))


def _checker_entries(terms: Sequence[Any]) -> list[checker.GlossaryEntry]:
    return [checker.GlossaryEntry(t.term, t.explanation) for t in terms if t.explanation]


def _terms(terms: Sequence[Any]) -> list[tr.Term]:
    return [t if isinstance(t, tr.Term) else
            tr.Term(t.term, t.keep, dict(t.translations or {}), t.explanation) for t in terms]


def check_text(text: str, tenant: Tenant | None = None,
               glossary: Sequence[Any] | None = None) -> checker.Report:
    terms = glossary if glossary is not None else glossary_for(tenant)
    return checker.check(text, _checker_entries(terms))


# --------------------------------------------------------------------------- simplify


@dataclass
class SimplifyResult:
    original: str
    text: str
    level: str
    before: dict[str, float]
    after: dict[str, float]
    fact_check: facts.FactCheck
    rule_problems: list[str]
    rounds: int
    backend: str = ""
    model: str = ""

    @property
    def publishable(self) -> bool:
        """Only a text that kept every fact may be used; rule problems are hints."""
        return self.fact_check.ok and bool(self.text.strip())

    def as_json(self) -> dict:
        return {
            "level": self.level, "text": self.text, "publishable": self.publishable,
            "rounds": self.rounds, "backend": self.backend, "model": self.model,
            "scores_before": self.before, "scores_after": self.after,
            "fact_check": self.fact_check.as_json(), "rule_problems": self.rule_problems,
        }


_LEVEL_INSTRUCTIONS = {
    "einfach": (
        "Schreibe den Text in Einfacher Sprache neu: kurze Sätze (höchstens 15 Wörter), "
        "aktive Verben statt Substantiven, sprich die Leserin mit „Sie“ an, erkläre "
        "Fachwörter."
    ),
    "leicht": (
        "Schreibe den Text in Leichter Sprache neu (Regeln des Netzwerks Leichte Sprache): "
        "sehr kurze Sätze, eine Aussage pro Satz, kein Passiv, kein Konjunktiv, keine "
        "Abkürzungen, lange Wörter mit Bindestrich trennen, sprich die Leserin mit „Sie“ an."
    ),
}


def _prompt(text: str, level: str, problems: Sequence[str], previous: str) -> list[dict]:
    system = (
        _LEVEL_INSTRUCTIONS[level]
        + " Behalte ALLE Zahlen, Beträge, Daten, Fristen, Namen und Paragrafen genau bei. "
        "Behalte jede Verneinung. Gib nur den neuen Text aus."
    )
    messages = [{"role": "system", "content": system}, {"role": "user", "content": text}]
    if previous and problems:
        messages += [
            {"role": "assistant", "content": previous},
            {"role": "user", "content": "Verbessere deinen Text. Probleme:\n- "
             + "\n- ".join(problems[:12])},
        ]
    return messages


def simplify(text: str, *, tenant: Tenant | None, level: str = "einfach", user: Any = None,
             data_level: int = AccessLevel.INTERN, rounds: int = MAX_ROUNDS,
             channel: str = "web") -> SimplifyResult:
    """Generate → check → refine, at most ``rounds`` model calls, each audited.

    Stops early when the text keeps every fact and breaks no mechanical rule; else
    the best round (facts kept first, then fewest problems, then lowest difficulty)
    is returned with its problems. Raises ``LLMError`` subclasses (German
    messages) when no model may or can answer.
    """
    from aktenkundig.llm.gateway import complete

    if level not in LEVELS:
        raise ValueError("Stufe muss „einfach“ oder „leicht“ sein.")
    text = text.strip()
    if not text:
        raise ValueError("Der Text ist leer.")
    if len(text) > MAX_INPUT_CHARS:
        raise ValueError(f"Der Text ist zu lang (höchstens {MAX_INPUT_CHARS} Zeichen).")
    before = checker.check(text).scores
    best: tuple[tuple, str, facts.FactCheck, list[str], dict] | None = None
    previous, problems, used = "", [], 0
    backend = model = ""
    for _round in range(max(1, rounds)):
        used += 1
        started = time.perf_counter()
        completion = complete(
            _prompt(text, level, problems, previous), data_level=data_level,
            purpose="language.simplify",
            context={"tenant": tenant, "user": user},
            max_tokens=min(1500, 80 + len(text) // 2), temperature=0.2,
        )
        candidate = completion.text.strip()
        backend, model = completion.backend.name, completion.model
        _audit(tenant, purpose="simplify", backend=backend, model=model, input_text=text,
               output_text=candidate, started=started, user=user, channel=channel,
               extra={"level": level, "round": used})
        check = facts.fact_check(text, candidate)
        rule_problems = facts.rule_violations(candidate, level) if candidate else ["Leer."]
        scores = checker.check(candidate).scores if candidate else before
        rank = (not check.ok, len(rule_problems), scores["difficulty"])
        if best is None or rank < best[0]:
            best = (rank, candidate, check, rule_problems, scores)
        if check.ok and not rule_problems:
            break
        previous, problems = candidate, check.problems() + rule_problems
    assert best is not None
    _rank, result, check, rule_problems, after = best
    return SimplifyResult(text, result, level, before, after, check, rule_problems, used,
                          backend, model)


# --------------------------------------------------------------------------- translate


@dataclass
class SegmentResult:
    source: str
    target: str
    origin: str  # memory (exact reuse), fuzzy (sent with a similar earlier one), machine
    problems: list[str] = field(default_factory=list)


@dataclass
class TranslateResult:
    text: str
    target: str
    segments: list[SegmentResult]
    backend: str
    sent: int
    reused: int

    def as_json(self) -> dict:
        return {
            "target": self.target, "text": self.text, "backend": self.backend,
            "note": str(tr.MACHINE_NOTE), "sent": self.sent, "reused": self.reused,
            "segments": [s.__dict__ for s in self.segments],
            "glossary_ok": not any(s.problems for s in self.segments),
        }


def translation_backend() -> tr.Backend:
    return tr.configured_backend()


def translate(text: str, *, target: str, tenant: Tenant | None, source: str = "de",
              fmt: str = "text", user: Any = None, data_level: int = AccessLevel.OFFEN,
              glossary: Sequence[Any] | None = None, backend: tr.Backend | None = None,
              channel: str = "api", use_memory: bool = True) -> TranslateResult:
    """Translate ``text`` (``fmt``: text, html, markdown) into ``target``.

    The public API of the translation service (the citizen chatbot calls it too).
    Segments found in the tenant's translation memory are reused and not sent;
    a fuzzy match is sent with the earlier translation as a hint. The glossary
    (``glossary`` or the tenant's) is checked on every segment; problems are
    returned per segment. Raises ``TranslationRefused`` when the text's
    ``data_level`` is above what the backend may receive, ``ValueError`` for bad
    input, ``LLMError`` when the backend fails.
    """
    if target not in tr.LANGUAGES or target == source:
        raise ValueError(f"Unbekannte Zielsprache „{target}“.")
    if fmt not in ("text", "html", "markdown"):
        raise ValueError("Format muss text, html oder markdown sein.")
    if len(text) > 10 * MAX_INPUT_CHARS:
        raise ValueError(f"Der Text ist zu lang (höchstens {10 * MAX_INPUT_CHARS} Zeichen).")
    backend = backend or translation_backend()
    if int(data_level) > int(backend.max_level):
        raise tr.TranslationRefused(
            f"{backend.label} ist nicht für Daten der Schutzstufe "
            f"„{AccessLevel(int(data_level)).label}“ freigegeben."
        )
    terms = _terms(glossary if glossary is not None else glossary_for(tenant))
    segmented = tr.segment(text, fmt)
    results: list[SegmentResult | None] = [None] * len(segmented.segments)
    memory: dict[str, MemoryEntry] = {}
    candidates: list[tuple[str, str]] = []
    if tenant is not None and use_memory:
        entries = MemoryEntry.objects.filter(tenant=tenant, source_lang=source, target_lang=target)
        keys = {segment_key(s) for s in segmented.segments}
        memory = {e.source_key: e for e in entries.filter(source_key__in=keys)}
        candidates = list(entries.order_by("-updated").values_list("source", "target")[:2000])
    to_send: list[int] = []
    hints: list[str] = []
    fuzzy_hits: set[int] = set()
    for i, source_text in enumerate(segmented.segments):
        hit = memory.get(segment_key(source_text))
        if hit is not None:
            results[i] = SegmentResult(source_text, hit.target, "memory")
            continue
        to_send.append(i)
        hint = "; ".join(f"translate „{term}“ as „{wanted}“"
                         for term, wanted in tr.required_terms(source_text, terms, target))
        fuzzy = tr.fuzzy_match(source_text, candidates) if candidates else None
        if fuzzy is not None:
            fuzzy_hits.add(i)
            hint += f" A similar sentence was translated as: {fuzzy[2]}"
        hints.append(hint.strip())
    if to_send:
        context = {"tenant": tenant, "user": user}
        sources = [segmented.segments[i] for i in to_send]

        def audited(inputs: list[str], outputs: list[str], started: float, model: str) -> None:
            _audit(tenant, purpose="translate", backend=backend.name, model=model,
                   input_text="\n\n".join(inputs), output_text="\n\n".join(outputs),
                   started=started, user=user, channel=channel,
                   extra={"target": target, "segments": len(inputs)})

        translated = backend.translate(sources, source, target, data_level=data_level,
                                       hints=hints, context=context, on_call=audited)
        for i, out in zip(to_send, translated, strict=True):
            results[i] = SegmentResult(segmented.segments[i], out,
                                       "fuzzy" if i in fuzzy_hits else "machine")
        if tenant is not None and use_memory:
            for i in to_send:
                r = results[i]
                MemoryEntry.objects.update_or_create(
                    tenant=tenant, source_lang=source, target_lang=target,
                    source_key=segment_key(r.source),
                    defaults={"source": r.source, "target": r.target},
                )
    final = [r for r in results if r is not None]
    for r in final:
        r.problems = tr.glossary_problems(r.source, r.target, terms, target)
        if fmt == "markdown":
            r.problems += [f"Platzhalter {p} fehlt." for p in
                           re.findall(r"⟦\d+⟧", r.source) if p not in r.target]
    return TranslateResult(segmented.rebuild([r.target for r in final]), target, final,
                           backend.label, len(to_send), len(final) - len(to_send))


# --------------------------------------------------------------------------- review


@transaction.atomic
def create_review(result: TranslateResult, *, tenant: Tenant, source_text: str, title: str,
                  fmt: str = "text", user: Any = None,
                  data_level: int = AccessLevel.OFFEN, batch: Any = None,
                  document: Any = None) -> Translation:
    item = Translation.objects.create(
        tenant=tenant, title=title[:300] or "Übersetzung", target_lang=result.target, fmt=fmt,
        source=source_text, access_level=int(data_level), backend=result.backend,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        batch=batch, document=document,
    )
    Segment.objects.bulk_create([
        Segment(translation=item, position=n, source=s.source, target=s.target,
                origin=s.origin, problems=s.problems)
        for n, s in enumerate(result.segments)
    ])
    return item


def approve_segment(segment: Segment, *, user: Any, target: str | None = None) -> Segment:
    """A person approves a segment, optionally edited; the memory learns it."""
    item = segment.translation
    if item.status == Translation.Status.PUBLISHED:
        raise ValueError("Die Übersetzung ist bereits veröffentlicht.")
    edited = target is not None and target.strip() != segment.target
    if target is not None:
        segment.target = target.strip()
    if edited:
        segment.origin = "human"
        segment.problems = tr.glossary_problems(
            segment.source, segment.target, _terms(glossary_for(item.tenant)), item.target_lang)
    segment.approved = True
    segment.save()
    MemoryEntry.objects.update_or_create(
        tenant=item.tenant, source_lang=item.source_lang, target_lang=item.target_lang,
        source_key=segment_key(segment.source),
        defaults={"source": segment.source, "target": segment.target, "approved": True},
    )
    audit.log_human_action(item.tenant, user=user, action="language.segment_approved",
                           feature=FEATURE,
                           details={"translation": item.pk, "segment": segment.position,
                                    "edited": edited})
    return segment


def publish(item: Translation, *, user: Any) -> Translation:
    """Publish only when every segment is approved; the text carries the note."""
    segments = list(item.segments.all())
    if not segments or not all(s.approved for s in segments):
        raise ValueError("Erst alle Abschnitte prüfen und freigeben.")
    rebuilt = tr.segment(item.source, item.fmt)
    if len(rebuilt.segments) != len(segments):
        raise ValueError("Der Ausgangstext passt nicht mehr zu den Abschnitten.")
    item.published_text = rebuilt.rebuild([s.target for s in segments])
    item.status = Translation.Status.PUBLISHED
    item.published = timezone.now()
    item.save()
    audit.log_human_action(item.tenant, user=user, action="language.published",
                           feature=FEATURE, details={"translation": item.pk})
    return item
