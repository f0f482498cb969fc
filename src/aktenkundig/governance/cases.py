"""Everything about one case, with a citizen-readable explanation (AI Act Art. 86)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from aktenkundig.core.models import Tenant
from aktenkundig.governance import audit, oversight
from aktenkundig.governance.features import FEATURES
from aktenkundig.governance.models import Decision, RegisterEntry


def _when(value: str | dt.datetime) -> str:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return timezone.localtime(moment).strftime("%d.%m.%Y um %H:%M Uhr")


def _feature_text(tenant: Tenant, feature: str) -> str:
    entry = RegisterEntry.objects.filter(tenant=tenant, feature=feature).select_related(
        "published").first()
    if entry is not None and entry.published is not None:
        data = entry.published.data
        return f"„{data.get('name', feature)}“ ({data.get('short_description', '').strip()})"
    spec = FEATURES.get(feature)
    return f"„{spec.name if spec else feature}“"


def explanation(tenant: Tenant, case_ref: str) -> str:
    """Plain German: what the AI did in this case and what people decided."""
    records = audit.records_for_case(tenant, case_ref)
    items = oversight.items_for_case(tenant, case_ref)
    if not records and not items:
        return (f"Zum Vorgang {case_ref} wurde bei {tenant.name} keine künstliche "
                "Intelligenz (KI) eingesetzt.")
    lines = [f"Erklärung zum Vorgang {case_ref} ({tenant.name})", ""]
    ai_records = [r for r in records if r["kind"] == "ai"]
    for record in ai_records:
        data = record["data"]
        model = data.get("model") or data.get("backend") or "ein KI-Modell"
        sources = len(data.get("sources") or [])
        source_text = f" Es hat dabei {sources} Dokumentstelle(n) herangezogen." if sources else ""
        lines.append(
            f"Am {_when(record['ts'])} hat das KI-System "
            f"{_feature_text(tenant, record['feature'])} "
            f"einen Vorschlag erstellt (Modell: {model}).{source_text}"
        )
    for item in items:
        feature = _feature_text(tenant, item.feature)
        if not ai_records:
            lines.append(
                f"Am {_when(item.created_at)} hat das KI-System {feature} einen Vorschlag gemacht."
            )
        if item.decision == Decision.PENDING:
            lines.append("Über den Vorschlag hat noch kein Mensch entschieden. Die KI "
                         "entscheidet nicht allein.")
            continue
        if item.decide_first:
            lines.append("Die Sachbearbeitung hat den Fall zuerst selbst eingeschätzt, "
                         "bevor sie den Vorschlag der KI gesehen hat.")
        verb = ("hat den Vorschlag geprüft und übernommen"
                if item.decision == Decision.ACCEPTED
                else "hat den Vorschlag geprüft und anders entschieden")
        lines.append(
            f"Am {_when(item.decided_at)} {verb}: eine Person der Stelle "
            f"{item.unit or tenant.name}. Begründung: {item.reason}"
        )
        if item.second_review == "done":
            lines.append("Eine zweite Person hat den Fall unabhängig noch einmal geprüft.")
    lines += [
        "",
        "Die Entscheidung hat ein Mensch getroffen, nicht die KI. Wenn Sie mit der "
        "Entscheidung nicht einverstanden sind, können Sie die in Ihrem Bescheid "
        "genannten Rechtsbehelfe nutzen oder sich an "
        f"{tenant.contact or tenant.name} wenden.",
    ]
    return "\n".join(lines)


def export_case(tenant: Tenant, case_ref: str) -> dict[str, Any]:
    """Audit records, oversight records and the explanation for one case."""
    items = oversight.items_for_case(tenant, case_ref)
    return {
        "tenant": tenant.slug,
        "case": case_ref,
        "exported_at": timezone.now().isoformat(),
        "audit_records": audit.records_for_case(tenant, case_ref),
        "oversight": [
            {
                "id": item.pk, "feature": item.feature, "unit": item.unit,
                "model_version": item.model_version, "suggestion": item.suggestion,
                "confidence": item.confidence, "evidence": item.evidence,
                "decide_first": item.decide_first, "own_assessment": item.own_assessment,
                "decision": item.decision, "final_value": item.final_value,
                "reason": item.reason,
                "decided_at": item.decided_at.isoformat() if item.decided_at else None,
                "time_spent_ms": item.time_spent_ms, "second_review": item.second_review,
                "disagreement": item.disagreement,
            }
            for item in items
        ],
        "explanation": explanation(tenant, case_ref),
    }
