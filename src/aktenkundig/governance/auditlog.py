"""Reading the audit log in the web app: a redacted listing, the chain check, and
usage figures for the oversight dashboard.

A view over :mod:`governance.audit`, never a second implementation of it: the
records are read as stored and the chain is checked by ``audit.verify_chain``,
the same function ``aktenkundig audit verify`` runs, so the button in the web app
and the command line can never disagree.

Who may read it: KI-Beauftragte, Revision and Datenschutz (the oversight roles of
the KI-Aufsicht page) and Administrators, each only for their own tenant.

What is shown: the chain columns (number, time, kind, function, case, actor,
hashes) and, of each record's data, only what cannot carry personal data. The
log itself keeps AI input and output as SHA-256 digests or as text the privacy
app redacted; free text people typed into governance forms (the reason for a
kill switch, a send-back, an oversight decision) is in the log in clear, as
evidence. The listing therefore shows values by an allow-list: flags, numbers,
codes and names of known keys as they are; digests as they are; AI input and
output in clear only when the record says it was stored pseudonymised; every
other text as its SHA-256 digest, which an auditor holding the text can still
match. A new kind of record can thus never leak text into the page by accident.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import membership_of
from aktenkundig.core.models import Tenant
from aktenkundig.governance import audit
from aktenkundig.governance.features import FEATURES
from aktenkundig.governance.models import AuditContent, AuditRecord

#: Who may read the audit log and run the check in the web app.
AUDIT_LOG_ROLES = (Role.AI_OFFICER, Role.AUDIT, Role.DATA_PROTECTION, Role.ADMINISTRATOR)
PAGE_SIZE = 50

KIND_LABELS = {
    "ai": _("KI-Anfrage"),
    "human": _("menschliche Handlung"),
    "governance": _("Steuerung"),
}
ACTION_LABELS = {
    "feature_killed": _("Funktion abgeschaltet"),
    "feature_restored": _("Funktion wieder eingeschaltet"),
    "policy_changed": _("KI-Richtlinie geändert"),
    "register_submitted": _("KI-Register: zur Freigabe vorgelegt"),
    "register_approved": _("KI-Register: freigegeben"),
    "register_sent_back": _("KI-Register: zurückgegeben"),
    "own_assessment": _("eigene Einschätzung gespeichert"),
    "accepted": _("KI-Vorschlag übernommen"),
    "overridden": _("anders entschieden als vorgeschlagen"),
    "second_review": _("Zweitprüfung"),
    "feedback": _("Rückmeldung zu einer Antwort"),
    "conversation_deleted": _("Unterhaltung gelöscht"),
}
# How the fields of a record are named on the page (the log keeps the keys).
DETAIL_LABELS = {
    "backend": _("Modell-Backend"), "model": _("Modell"), "model_version": _("Modellversion"),
    "prompt_version": _("Prompt-Version"), "content": _("Protokollierung der Texte"),
    "sources": _("Quellen (Textstellen)"), "latency_ms": _("Dauer (ms)"),
    "input": _("Eingabe"), "output": _("Ausgabe"), "extra.channel": _("Kanal"),
    "extra.refused": _("ohne Antwort"), "extra.generated": _("vom Sprachmodell formuliert"),
    "extra.coverage": _("Abdeckung durch Quellen"), "extra.outcome": _("Ergebnis"),
    "extra.language": _("Sprache"), "extra.message": _("Nachricht"),
    "entry": _("Eintrag"), "version": _("Fassung"), "status": _("Status"),
    "risk_category": _("Risikoklasse"), "reason": _("Begründung"), "item": _("Vorgang"),
    "confidence": _("Konfidenz"), "time_spent_ms": _("Bearbeitungszeit (ms)"),
    "decide_first": _("erst selbst entschieden"), "disagreement": _("abweichend"),
    "final_value": _("Entscheidung"), "assessment": _("eigene Einschätzung"),
    "turn": _("Antwort Nr."), "helpful": _("hilfreich"), "reasons": _("Gründe"),
    "comment": _("mit Kommentar"),
}
# Keys whose values are codes, names, numbers or ids (shown as they are).
_PLAIN_KEYS = frozenset({
    "action", "backend", "model", "model_version", "prompt_version", "content", "sources",
    "latency_ms", "channel", "refused", "generated", "coverage", "outcome", "language",
    "message", "entry", "version", "status", "risk_category", "item", "confidence",
    "time_spent_ms", "decide_first", "disagreement", "turn", "helpful", "reasons",
    "comment", "allowed", "allowed_roles", "max_data_level", "allowed_backends",
    "required_modules", "second_review_share", "override_floor", "shift_threshold",
    "audit_content",
})
# AI input and output: clear only when the record says the privacy app redacted them.
_CONTENT_KEYS = frozenset({"input", "output"})


def can_view(user: Any, tenant: Tenant) -> bool:
    membership = membership_of(user)
    return (
        membership is not None
        and membership.tenant_id == tenant.pk
        and any(membership.has_role(role) for role in AUDIT_LOG_ROLES)
    )


def _is_digest(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("sha256:") and len(value) == 71


def _shown(key: str, value: Any, pseudonymised: bool) -> Any:
    """``value`` as it may appear on the page (see the module docstring)."""
    if value is None or isinstance(value, bool | int | float) or _is_digest(value):
        return value
    if isinstance(value, str):
        if key in _PLAIN_KEYS or (key in _CONTENT_KEYS and pseudonymised):
            return value
        return audit.text_digest(value)
    if isinstance(value, list | tuple):
        if key in _PLAIN_KEYS and all(
            v is None or isinstance(v, str | int | float | bool) for v in value
        ):
            return ", ".join("—" if v is None else str(v) for v in value) or "—"
        return audit.text_digest(audit.canonical_json(value))
    return audit.text_digest(audit.canonical_json(value))


def redacted_details(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """(key, shown value) for each field of a record's data; nested dicts flattened
    as ``extra.refused``."""
    pseudonymised = data.get("content") == AuditContent.PSEUDONYMISED
    rows: list[tuple[str, Any]] = []

    def walk(prefix: str, mapping: dict[str, Any]) -> None:
        for key in sorted(mapping):
            value = mapping[key]
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(f"{name}.", value)
            elif key != "action":
                rows.append((name, _shown(key, value, pseudonymised)))

    walk("", data)
    return rows


def _label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key))


def _display(value: Any) -> Any:
    if value is True:
        return _("ja")
    if value is False:
        return _("nein")
    return value


@dataclass
class Entry:
    seq: int
    created_at: dt.datetime
    kind: str
    kind_label: str
    feature: str
    feature_label: str
    action: str
    action_label: str
    case_ref: str
    actor: str
    hash: str
    prev_hash: str
    details: list[tuple[str, Any]] = field(default_factory=list)


def _entry(record: AuditRecord) -> Entry:
    try:
        body = json.loads(record.body)
        data = body.get("data") if isinstance(body, dict) else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {}
    action = data.get("action") if isinstance(data.get("action"), str) else ""
    spec = FEATURES.get(record.feature)
    return Entry(
        seq=record.seq, created_at=record.created_at, kind=record.kind,
        kind_label=str(KIND_LABELS.get(record.kind, record.kind)),
        feature=record.feature,
        feature_label=spec.name if spec else record.feature,
        action=action, action_label=str(ACTION_LABELS.get(action, action)),
        case_ref=record.case_ref, actor=record.actor, hash=record.hash,
        prev_hash=record.prev_hash,
        details=[(_label(key), _display(value)) for key, value in redacted_details(data)],
    )


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    older: int | None  # seq to continue from ("before"), None on the last page


def entries(tenant: Tenant, *, before: int | None = None, kind: str = "",
            feature: str = "", limit: int = PAGE_SIZE) -> Page:
    """Newest first, ``limit`` at a time (keyset paging on the sequence number)."""
    records = AuditRecord.objects.filter(tenant=tenant)
    if before is not None:
        records = records.filter(seq__lt=before)
    if kind:
        records = records.filter(kind=kind)
    if feature:
        records = records.filter(feature=feature)
    rows = list(records.order_by("-seq")[: limit + 1])
    older = rows[limit - 1].seq if len(rows) > limit else None
    return Page([_entry(r) for r in rows[:limit]], older)


@dataclass(frozen=True)
class Verification:
    ok: bool
    records: int
    first_break: int | None
    problems: list[audit.Problem]
    seconds: float


def verify(tenant: Tenant) -> Verification:
    """The check of ``aktenkundig audit verify`` for one tenant."""
    started = time.perf_counter()
    result = audit.verify_chain(tenant)
    return Verification(result.ok, result.records, result.first_break, list(result.problems),
                        time.perf_counter() - started)


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Usage:
    feature: str
    name: str
    questions: int
    refused: int
    negative_feedback: int | None  # None: the feature records no feedback in the log


def _count(tenant: Tenant, since: dt.datetime, *conditions: Q, **filters: Any) -> int:
    return AuditRecord.objects.filter(
        *conditions, tenant=tenant, created_at__gte=since, **filters
    ).count()


def usage(tenant: Tenant, *, days: int = 30, now: dt.datetime | None = None) -> list[Usage]:
    """Questions, refusals and negative feedback of the staff assistant and the
    citizen chatbot over the last ``days`` days, counted in the audit log (the one
    record every channel writes: web, API, command line, chatbot).

    Bodies are canonical JSON, in which a quote inside a text value is always
    escaped: the fragment ``"refused":true`` can only be the flag itself, never
    something a person typed, so a substring filter counts exactly.
    """
    since = (now or timezone.now()) - dt.timedelta(days=days)
    assistant = Usage(
        "assistant", FEATURES["assistant"].name,
        questions=_count(tenant, since, kind="ai", feature="assistant"),
        refused=_count(tenant, since, kind="ai", feature="assistant",
                       body__contains='"refused":true'),
        negative_feedback=_count(tenant, since, Q(body__contains='"helpful":false'),
                                 kind="human", feature="assistant",
                                 body__contains='"action":"feedback"'),
    )
    citizen = Usage(
        "citizen", FEATURES["citizen"].name,
        questions=_count(tenant, since, kind="ai", feature="citizen"),
        refused=AuditRecord.objects.filter(
            tenant=tenant, created_at__gte=since, kind="ai", feature="citizen",
            body__contains='"outcome":"',
        ).exclude(body__contains='"outcome":"answered"').count(),
        negative_feedback=None,
    )
    return [assistant, citizen]


@dataclass(frozen=True)
class SwitchEvent:
    at: dt.datetime
    actor: str
    feature: str
    action: str
    action_label: str


def switch_history(tenant: Tenant, limit: int = 10) -> list[SwitchEvent]:
    """Who switched which feature off or on again, and when (newest first)."""
    records = AuditRecord.objects.filter(tenant=tenant, kind="governance").filter(
        Q(body__contains='"action":"feature_killed"')
        | Q(body__contains='"action":"feature_restored"')
    ).order_by("-seq")[:limit]
    events = []
    for record in records:
        entry = _entry(record)
        events.append(SwitchEvent(record.created_at, record.actor, entry.feature_label,
                                  entry.action, entry.action_label))
    return events
