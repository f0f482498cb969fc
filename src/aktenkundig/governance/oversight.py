"""Human oversight of AI suggestions, built against automation bias.

Any app that lets an AI suggest something (routing of incoming mail, values
read from a form, ...) stores the suggestion with :func:`propose` and lets a
person decide with :func:`decide`:

* a reason is required both for accepting and for overriding;
* "decide first" (per feature, in the KI-Richtlinie): :func:`presented` hides
  the suggestion until :func:`record_own_assessment` stored the person's own
  view;
* a configurable share of accepted suggestions goes to a *blind* second
  review (:func:`blind_view`, :func:`record_second_review`) whose reviewer sees
  neither the suggestion nor the first decision;
* :func:`dashboard` and :func:`alerts` report acceptance and override rates per
  unit, feature and model version, second-review disagreement, rubber-stamping
  (override rate below a floor) and shifts after a model change.

Every decision is also written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from aktenkundig.accounts.services import membership_of
from aktenkundig.core.models import Tenant
from aktenkundig.governance import audit, policy
from aktenkundig.governance.features import FEATURES
from aktenkundig.governance.models import Decision, OversightItem, SecondReview

MIN_REASON_CHARS = 5
_rng = random.SystemRandom()  # unpredictable: staff cannot tell which cases get reviewed


class OversightError(ValueError):
    """The step is not possible (message is user-facing)."""


def _digest(value: Any) -> str:
    return audit.text_digest(audit.canonical_json(value))


def _member_of(user: Any, tenant: Tenant) -> None:
    membership = membership_of(user)
    if membership is None or membership.tenant_id != tenant.pk:
        raise PermissionError(_("Dieser Vorgang gehört nicht zu Ihrer Behörde."))


def propose(
    tenant: Tenant,
    feature: str,
    *,
    suggestion: Any,
    confidence: float | None = None,
    evidence: list[Any] | tuple[Any, ...] = (),
    case_ref: str = "",
    subject: str = "",
    unit: str = "",
    model_version: str = "",
) -> OversightItem:
    """Store an AI suggestion for a person to decide on.

    Refused (``PermissionError``) when the feature is off for the tenant (kill
    switch, no approved register entry, not allowed by the KI-Richtlinie).
    """
    decision = policy.feature_enabled(tenant, feature)
    if not decision:
        raise PermissionError(decision.reason)
    if confidence is not None and not 0 <= confidence <= 1:
        raise OversightError(_("Die Konfidenz muss zwischen 0 und 1 liegen."))
    rules = policy.get_policy(tenant, feature)
    return OversightItem.objects.create(
        tenant=tenant, feature=feature, unit=unit, model_version=model_version,
        case_ref=case_ref, subject=subject, suggestion=suggestion, confidence=confidence,
        evidence=list(evidence), decide_first=rules.decide_first,
    )


def suggestion_visible(item: OversightItem) -> bool:
    return not item.decide_first or item.own_assessment is not None


def presented(item: OversightItem, user: Any) -> dict[str, Any]:
    """What the deciding person may see now; starts the clock on first view."""
    _member_of(user, item.tenant)
    if item.opened_at is None:
        item.opened_at = timezone.now()
        item.save(update_fields=["opened_at"])
    visible = suggestion_visible(item)
    return {
        "id": item.pk,
        "feature": item.feature,
        "subject": item.subject,
        "case_ref": item.case_ref,
        "decide_first": item.decide_first,
        "suggestion_hidden": not visible,
        "suggestion": item.suggestion if visible else None,
        "confidence": item.confidence if visible else None,
        "evidence": item.evidence if visible else [],
        "own_assessment": item.own_assessment,
        "decision": item.decision,
    }


@transaction.atomic
def record_own_assessment(item: OversightItem, user: Any, assessment: Any) -> OversightItem:
    """Store the person's own view first (decide-first mode); it cannot be changed."""
    _member_of(user, item.tenant)
    item = OversightItem.objects.select_for_update().get(pk=item.pk, tenant=item.tenant)
    if item.own_assessment is not None:
        raise OversightError(_("Ihre eigene Einschätzung ist bereits gespeichert."))
    if item.decision != Decision.PENDING:
        raise OversightError(_("Über diesen Vorschlag ist schon entschieden."))
    if assessment in (None, "") or (isinstance(assessment, str) and not assessment.strip()):
        raise OversightError(_("Bitte geben Sie Ihre eigene Einschätzung an."))
    item.own_assessment = assessment.strip() if isinstance(assessment, str) else assessment
    item.own_assessed_by = user
    item.own_assessed_at = timezone.now()
    if item.opened_at is None:
        item.opened_at = item.own_assessed_at
    item.save()
    audit.log_human_action(
        item.tenant, user=user, action="own_assessment", feature=item.feature,
        case_ref=item.case_ref, details={"item": item.pk, "assessment": _digest(assessment)},
    )
    return item


@transaction.atomic
def decide(
    item: OversightItem,
    user: Any,
    *,
    accept: bool,
    reason: str,
    final_value: Any = None,
    time_spent_ms: int | None = None,
) -> OversightItem:
    """Record the human decision on a suggestion (accept it or decide differently)."""
    _member_of(user, item.tenant)
    allowed = policy.check_feature(user, item.tenant, item.feature)
    if not allowed:
        raise PermissionError(allowed.reason)
    item = OversightItem.objects.select_for_update().get(pk=item.pk, tenant=item.tenant)
    if item.decision != Decision.PENDING:
        raise OversightError(_("Über diesen Vorschlag ist schon entschieden."))
    if item.decide_first and item.own_assessment is None:
        raise OversightError(_("Bitte speichern Sie zuerst Ihre eigene Einschätzung."))
    reason = (reason or "").strip()
    spec = FEATURES.get(item.feature)
    reason_needed = not accept or spec is None or spec.reason_to_accept
    if reason_needed and len(reason) < MIN_REASON_CHARS:
        raise OversightError(
            _("Bitte begründen Sie Ihre Entscheidung – auch wenn Sie den Vorschlag übernehmen.")
        )
    now = timezone.now()
    if accept:
        item.decision = Decision.ACCEPTED
        item.final_value = item.suggestion
    else:
        if final_value in (None, ""):
            raise OversightError(_("Bitte geben Sie an, wie Sie stattdessen entscheiden."))
        item.decision = Decision.OVERRIDDEN
        item.final_value = final_value
    item.reason = reason
    item.decided_by = user
    item.decided_at = now
    if time_spent_ms is None and item.opened_at is not None:
        time_spent_ms = int((now - item.opened_at).total_seconds() * 1000)
    item.time_spent_ms = time_spent_ms
    rules = policy.get_policy(item.tenant, item.feature)
    if accept and sampled_for_second_review(rules.second_review_share):
        item.second_review = SecondReview.PENDING
    item.save()
    audit.log_human_action(
        item.tenant, user=user, action=item.decision, feature=item.feature,
        case_ref=item.case_ref,
        details={
            "item": item.pk, "model_version": item.model_version,
            "confidence": item.confidence, "reason": _digest(reason),
            "final_value": _digest(item.final_value), "time_spent_ms": time_spent_ms,
            "decide_first": item.decide_first,
        },
    )
    return item


def sampled_for_second_review(share: float, rng: random.Random = _rng) -> bool:
    return share > 0 and rng.random() < share


def second_review_queue(tenant: Tenant, reviewer: Any) -> list[OversightItem]:
    """Open second reviews the reviewer may do (never their own decisions)."""
    return list(
        OversightItem.objects.filter(tenant=tenant, second_review=SecondReview.PENDING)
        .exclude(decided_by=reviewer).order_by("decided_at")
    )


def blind_view(item: OversightItem, reviewer: Any) -> dict[str, Any]:
    """The case for the second reviewer: no AI suggestion, no first decision."""
    _member_of(reviewer, item.tenant)
    if reviewer.pk == item.decided_by_id:
        raise PermissionError(_("Die Zweitprüfung muss eine andere Person vornehmen."))
    if item.second_review != SecondReview.PENDING:
        raise OversightError(_("Für diesen Vorgang ist keine Zweitprüfung offen."))
    return {"id": item.pk, "feature": item.feature, "subject": item.subject,
            "case_ref": item.case_ref}


@transaction.atomic
def record_second_review(item: OversightItem, reviewer: Any, *, value: Any, reason: str
                         ) -> OversightItem:
    """The blind reviewer's own answer; disagreement = it differs from the decision."""
    blind_view(item, reviewer)
    item = OversightItem.objects.select_for_update().get(pk=item.pk, tenant=item.tenant)
    if value in (None, ""):
        raise OversightError(_("Bitte geben Sie Ihre Entscheidung an."))
    if len((reason or "").strip()) < MIN_REASON_CHARS:
        raise OversightError(_("Bitte begründen Sie Ihre Entscheidung."))
    item.second_review = SecondReview.DONE
    item.second_reviewer = reviewer
    item.second_review_value = value
    item.second_review_outcome = (
        Decision.ACCEPTED if value == item.suggestion else Decision.OVERRIDDEN
    )
    item.second_review_reason = reason.strip()
    item.second_reviewed_at = timezone.now()
    item.disagreement = value != item.final_value
    item.save()
    audit.log_human_action(
        item.tenant, user=reviewer, action="second_review", feature=item.feature,
        case_ref=item.case_ref,
        details={"item": item.pk, "disagreement": item.disagreement,
                 "reason": _digest(item.second_review_reason)},
    )
    return item


# --------------------------------------------------------------------------- reporting


@dataclass(frozen=True)
class Rates:
    decisions: int
    accepted: int
    overridden: int
    second_reviews: int
    disagreements: int

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.decisions if self.decisions else None

    @property
    def override_rate(self) -> float | None:
        return self.overridden / self.decisions if self.decisions else None

    @property
    def disagreement_rate(self) -> float | None:
        return self.disagreements / self.second_reviews if self.second_reviews else None


@dataclass(frozen=True)
class DashboardRow:
    unit: str
    feature: str
    model_version: str
    week: dt.date | None
    rates: Rates

    @property
    def feature_name(self) -> str:
        spec = FEATURES.get(self.feature)
        return spec.name if spec else self.feature


_COUNTS = {
    "decisions": Count("id"),
    "accepted": Count("id", filter=Q(decision=Decision.ACCEPTED)),
    "overridden": Count("id", filter=Q(decision=Decision.OVERRIDDEN)),
    "second_reviews": Count("id", filter=Q(second_review=SecondReview.DONE)),
    "disagreements": Count("id", filter=Q(disagreement=True)),
}


def _decided(tenant: Tenant, since: dt.datetime | None):
    qs = OversightItem.objects.filter(tenant=tenant).exclude(decision=Decision.PENDING)
    return qs.filter(decided_at__gte=since) if since else qs


def dashboard(tenant: Tenant, *, since: dt.datetime | None = None, by_week: bool = True
              ) -> list[DashboardRow]:
    """Rates per unit, feature, model version (and week, for trends over time)."""
    qs = _decided(tenant, since)
    keys = ["unit", "feature", "model_version"]
    if by_week:
        qs = qs.annotate(week=TruncWeek("decided_at"))
        keys.append("week")
    rows = []
    for row in qs.values(*keys).annotate(**_COUNTS).order_by(*keys):
        week = row.get("week")
        rows.append(DashboardRow(
            row["unit"], row["feature"], row["model_version"],
            week.date() if isinstance(week, dt.datetime) else week,
            Rates(*(row[k] for k in _COUNTS)),
        ))
    return rows


@dataclass(frozen=True)
class Alert:
    kind: str  # rubber_stamping, model_shift
    feature: str
    unit: str
    model_version: str
    message: str


def alerts(tenant: Tenant, *, since: dt.datetime | None = None, min_decisions: int = 30
           ) -> list[Alert]:
    """Warnings for the KI-Beauftragte: rubber-stamping and shifts after model changes."""
    since = since or timezone.now() - dt.timedelta(days=90)
    qs = _decided(tenant, since)
    found: list[Alert] = []
    rules = {key: policy.get_policy(tenant, key) for key in FEATURES}

    for row in qs.values("feature", "unit").annotate(**_COUNTS).order_by("feature", "unit"):
        rates = Rates(*(row[k] for k in _COUNTS))
        rule = rules.get(row["feature"])
        if rule is None or rates.decisions < min_decisions:
            continue
        if rates.override_rate < rule.override_floor:
            unit = row["unit"] or "—"
            found.append(Alert(
                "rubber_stamping", row["feature"], row["unit"], "",
                _("%(name)s, Einheit %(unit)s: nur %(rate)s der %(n)s Vorschläge wurden "
                  "geändert (Untergrenze %(floor)s). Wird noch wirklich geprüft?") % {
                    "name": FEATURES[row["feature"]].name, "unit": unit,
                    "rate": f"{rates.override_rate:.1%}", "n": rates.decisions,
                    "floor": f"{rule.override_floor:.0%}"},
            ))

    by_feature: dict[str, list[tuple[dt.datetime, str, Rates]]] = defaultdict(list)
    for row in qs.values("feature", "model_version").annotate(
        first=Min("decided_at"), **_COUNTS
    ):
        by_feature[row["feature"]].append(
            (row["first"], row["model_version"], Rates(*(row[k] for k in _COUNTS)))
        )
    for feature, versions in sorted(by_feature.items()):
        rule = rules.get(feature)
        versions.sort(key=lambda v: v[0])
        if rule is None or len(versions) < 2:
            continue
        (_f, old_version, old), (_g, new_version, new) = versions[-2], versions[-1]
        if old.decisions < min_decisions or new.decisions < min_decisions:
            continue
        shift = new.override_rate - old.override_rate
        if abs(shift) >= rule.shift_threshold:
            found.append(Alert(
                "model_shift", feature, "", new_version,
                _("%(name)s: Abweichungsquote nach Modellwechsel %(old)s → %(new)s von "
                  "%(before)s auf %(after)s verändert.") % {
                    "name": FEATURES[feature].name, "old": old_version, "new": new_version,
                    "before": f"{old.override_rate:.1%}", "after": f"{new.override_rate:.1%}"},
            ))
    return found


def items_for_case(tenant: Tenant, case_ref: str) -> list[OversightItem]:
    return list(
        OversightItem.objects.filter(tenant=tenant, case_ref=case_ref).order_by("created_at")
    )
