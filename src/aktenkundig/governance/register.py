"""The AI register (KI-Register): drafts, four-eyes approval, published versions, exports.

Workflow: an editor (Fachadmin, Datenschutz or KI-Beauftragte) changes the
working copy of an entry and submits it; a *different* person with the
KI-Beauftragte role approves it. Approval writes an immutable
:class:`RegisterVersion`; the public page and the exports show only the latest
approved version of each entry, never the working copy.

Export field names follow the Dutch Algoritmeregister (``name``,
``description_short``, ``goal``, ``lawful_basis``, ``source_data``, ...); fields
the Algoritmeregister does not have use explicit English names
(``risk_category``, ``eu_database_reference``, ``review_date``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from aktenkundig.accounts.models import Role
from aktenkundig.accounts.services import membership_of
from aktenkundig.core.models import AccessLevel, Tenant
from aktenkundig.governance import audit, risk
from aktenkundig.governance.features import CORE_MODULES, FEATURES
from aktenkundig.governance.models import (
    LIVE_STATUSES,
    EntryStatus,
    FeaturePolicy,
    RegisterEntry,
    RegisterVersion,
    RiskCategory,
    WorkflowState,
)

# model field -> export name (Algoritmeregister-compatible where it has one)
EXPORT_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "name"),
    ("organisation", "organization"),
    ("responsible_unit", "department"),
    ("short_description", "description_short"),
    ("status", "status"),
    ("begin_date", "begin_date"),
    ("end_date", "end_date"),
    ("purpose", "goal"),
    ("expected_benefit", "impact"),
    ("legal_basis", "lawful_basis"),
    ("processing_record", "processing_register"),
    ("dpia", "dpia"),
    ("fria", "iama"),
    ("impact_assessment_note", "iama_description"),
    ("risk_category", "risk_category"),
    ("risk_rationale", "risk_rationale"),
    ("eu_database_reference", "eu_database_reference"),
    ("data_sources", "source_data"),
    ("model_description", "methods_and_models"),
    ("provider", "provider"),
    ("human_intervention", "human_intervention"),
    ("objection_procedure", "objection_procedure"),
    ("performance_monitoring", "monitoring"),
    ("risks", "risks"),
    ("contact", "contact_email"),
    ("website", "website"),
    ("next_review_date", "review_date"),
)
CONTENT_FIELDS = (*tuple(name for name, _export in EXPORT_FIELDS), "risk_answers", "feature")
EDITABLE_FIELDS = frozenset(CONTENT_FIELDS) - {"feature"}
EXTRA_EXPORT_COLUMNS = ("id", "version", "approved_at", "lang", "standard_version")
EXPORT_COLUMNS = EXTRA_EXPORT_COLUMNS + tuple(export for _name, export in EXPORT_FIELDS)
REQUIRED_FOR_SUBMISSION = (
    "name", "short_description", "purpose", "organisation", "responsible_unit", "contact",
    "legal_basis", "human_intervention", "objection_procedure", "next_review_date",
)
EDITOR_ROLES = (Role.SUBJECT_ADMIN, Role.DATA_PROTECTION, Role.AI_OFFICER)
DEFAULT_REVIEW_MONTHS = 12


class RegisterError(ValueError):
    """The requested register change is not possible (message is user-facing)."""


class RegisterPermissionError(PermissionError):
    """The user may not do this (message is user-facing)."""


# --------------------------------------------------------------------------- drafts


def default_policy_values(feature_key: str) -> dict[str, Any]:
    feature = FEATURES[feature_key]
    if feature.public:
        return {"required_modules": [], "max_data_level": AccessLevel.OFFEN}
    return {"required_modules": list(CORE_MODULES), "max_data_level": AccessLevel.VERTRAULICH}


def ensure_default_entries(tenant: Tenant) -> list[RegisterEntry]:
    """Pre-fill drafts (and policy rows) for aktenkundig's own features; idempotent."""
    created = []
    existing = set(
        RegisterEntry.objects.filter(tenant=tenant).exclude(feature="")
        .values_list("feature", flat=True)
    )
    for key, feature in FEATURES.items():
        FeaturePolicy.objects.get_or_create(
            tenant=tenant, feature=key, defaults=default_policy_values(key)
        )
        if key in existing:
            continue
        proposal = risk.classify(feature.risk_answers)
        entry = RegisterEntry.objects.create(
            tenant=tenant,
            feature=key,
            slug=key,
            name=feature.name,
            organisation=tenant.name,
            contact=tenant.contact,
            risk_answers=feature.risk_answers,
            risk_proposal=proposal.category,
            risk_category=proposal.category,
            risk_rationale=proposal.rationale,
            next_review_date=timezone.localdate() + dt.timedelta(days=365),
            **feature.draft,
        )
        created.append(entry)
    return created


def _require_member(user: Any, tenant: Tenant) -> None:
    membership = membership_of(user)
    if membership is None or membership.tenant_id != tenant.pk:
        raise RegisterPermissionError(_("Sie gehören nicht zu dieser Behörde."))


def can_edit(user: Any, tenant: Tenant) -> bool:
    membership = membership_of(user)
    return (
        membership is not None
        and membership.tenant_id == tenant.pk
        and any(membership.has_role(role) for role in EDITOR_ROLES)
    )


def can_approve(user: Any, tenant: Tenant) -> bool:
    membership = membership_of(user)
    return (
        membership is not None
        and membership.tenant_id == tenant.pk
        and membership.has_role(Role.AI_OFFICER)
    )


def create_entry(tenant: Tenant, user: Any, *, name: str, **fields: Any) -> RegisterEntry:
    """A new entry for an AI use outside aktenkundig (e.g. a vendor's product)."""
    if not can_edit(user, tenant):
        raise RegisterPermissionError(_("Nur Fachadmin, Datenschutz oder KI-Beauftragte "
                                        "dürfen das KI-Register bearbeiten."))
    if not name.strip():
        raise RegisterError(_("Bitte geben Sie einen Namen an."))
    base = slugify(name)[:90] or "ki-einsatz"
    slug, n = base, 2
    while RegisterEntry.objects.filter(tenant=tenant, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    entry = RegisterEntry(tenant=tenant, slug=slug, name=name.strip(),
                          organisation=tenant.name, contact=tenant.contact,
                          short_description="")
    return update_entry(entry, user, **fields)


@transaction.atomic
def update_entry(entry: RegisterEntry, user: Any, **fields: Any) -> RegisterEntry:
    """Change the working copy; it goes back to draft until it is approved again."""
    if not can_edit(user, entry.tenant):
        raise RegisterPermissionError(_("Nur Fachadmin, Datenschutz oder KI-Beauftragte "
                                        "dürfen das KI-Register bearbeiten."))
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise RegisterError(_("Unbekannte Felder: %(names)s")
                            % {"names": ", ".join(sorted(unknown))})
    caller, entry = entry, _locked(entry)
    for name, value in fields.items():
        setattr(entry, name, value)
    if "status" in fields and fields["status"] not in EntryStatus.values:
        raise RegisterError(_("Unbekannter Status."))
    if "risk_category" in fields and fields["risk_category"] not in RiskCategory.values:
        raise RegisterError(_("Unbekannte Risikoklasse."))
    entry.state = WorkflowState.DRAFT
    if user.pk not in entry.editors:
        entry.editors = [*entry.editors, user.pk]
    entry.full_clean(exclude=["published", "submitted_by", "editors", "risk_answers"])
    entry.save()
    _sync(caller, entry)
    return entry


def _locked(entry: RegisterEntry) -> RegisterEntry:
    """A fresh, row-locked copy, so that a stale object never overwrites an approval."""
    if entry.pk is None:
        return entry
    return RegisterEntry.objects.select_for_update().get(pk=entry.pk, tenant_id=entry.tenant_id)


def _sync(caller: RegisterEntry, fresh: RegisterEntry) -> None:
    if caller is not fresh:
        caller.refresh_from_db()


def apply_questionnaire(
    entry: RegisterEntry, user: Any, answers: dict[str, Any]
) -> risk.Classification:
    """Store the answers and the proposed class with its reasoning in the entry."""
    result = risk.classify(answers)
    update_entry(
        entry, user,
        risk_answers=risk.validate_answers(answers),
        risk_category=result.category,
        risk_rationale=result.rationale,
    )
    RegisterEntry.objects.filter(pk=entry.pk).update(risk_proposal=result.category)
    entry.risk_proposal = result.category
    return result


@transaction.atomic
def submit(entry: RegisterEntry, user: Any) -> RegisterEntry:
    if not can_edit(user, entry.tenant):
        raise RegisterPermissionError(_("Sie dürfen diesen Eintrag nicht vorlegen."))
    caller, entry = entry, _locked(entry)
    missing = [
        str(RegisterEntry._meta.get_field(name).verbose_name)
        for name in REQUIRED_FOR_SUBMISSION
        if not getattr(entry, name)
    ]
    if entry.risk_category == RiskCategory.UNCLASSIFIED:
        missing.append(str(RegisterEntry._meta.get_field("risk_category").verbose_name))
    if missing:
        raise RegisterError(_("Vor der Vorlage bitte ausfüllen: %(fields)s")
                            % {"fields": ", ".join(missing)})
    entry.state = WorkflowState.SUBMITTED
    entry.submitted_by = user
    entry.submitted_at = timezone.now()
    if user.pk not in entry.editors:
        entry.editors = [*entry.editors, user.pk]
    entry.save()
    _sync(caller, entry)
    audit.log_governance_event(entry.tenant, user=user, action="register_submitted",
                               feature=entry.feature, details={"entry": entry.slug})
    return entry


def approval_blockers(entry: RegisterEntry) -> list[str]:
    """Why this entry cannot be approved as it stands (empty: it can)."""
    blockers = []
    if entry.risk_category == RiskCategory.PROHIBITED:
        blockers.append(_("Verbotene Praktiken (Art. 5 KI-VO) können nicht freigegeben "
                          "werden."))
    if entry.risk_category == RiskCategory.UNCLASSIFIED:
        blockers.append(_("Die Risikoklasse ist noch nicht festgelegt."))
    if entry.risk_category == RiskCategory.HIGH:
        if not entry.fria.strip():
            blockers.append(_("Hochrisiko-KI braucht eine Grundrechte-Folgenabschätzung "
                              "(Art. 27 KI-VO)."))
        if not entry.eu_database_reference.strip():
            blockers.append(_("Hochrisiko-KI braucht die Registrierungsnummer der "
                              "EU-Datenbank (Art. 49 KI-VO)."))
    return blockers


@transaction.atomic
def approve(entry: RegisterEntry, user: Any) -> RegisterVersion:
    """Four-eyes approval: publish the working copy as a new immutable version."""
    caller, entry = entry, _locked(entry)
    if not can_approve(user, entry.tenant):
        raise RegisterPermissionError(_("Nur KI-Beauftragte dürfen Einträge freigeben."))
    if entry.state != WorkflowState.SUBMITTED:
        raise RegisterError(_("Nur vorgelegte Einträge können freigegeben werden."))
    if user.pk in entry.editors or user.pk == entry.submitted_by_id:
        raise RegisterPermissionError(_(
            "Vier-Augen-Prinzip: Wer den Eintrag bearbeitet oder vorgelegt hat, darf ihn "
            "nicht selbst freigeben."
        ))
    blockers = approval_blockers(entry)
    if blockers:
        raise RegisterError(" ".join(blockers))
    number = (entry.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    now = timezone.now()
    version = RegisterVersion.objects.create(
        tenant=entry.tenant, entry=entry, number=number, status=entry.status,
        risk_category=entry.risk_category, data=snapshot(entry),
        prepared_by=entry.submitted_by, approved_by=user, approved_at=now,
    )
    entry.published = version
    entry.state = WorkflowState.APPROVED
    entry.editors = []
    entry.save(update_fields=["published", "state", "editors", "updated_at"])
    _sync(caller, entry)
    audit.log_governance_event(
        entry.tenant, user=user, action="register_approved", feature=entry.feature,
        details={"entry": entry.slug, "version": number, "status": entry.status,
                 "risk_category": entry.risk_category},
    )
    return version


@transaction.atomic
def send_back(entry: RegisterEntry, user: Any, reason: str) -> RegisterEntry:
    """The approver returns a submitted entry to draft, with a reason."""
    if not can_approve(user, entry.tenant):
        raise RegisterPermissionError(_("Nur KI-Beauftragte dürfen Einträge zurückgeben."))
    if not reason.strip():
        raise RegisterError(_("Bitte begründen Sie die Rückgabe."))
    caller, entry = entry, _locked(entry)
    entry.state = WorkflowState.DRAFT
    entry.save(update_fields=["state", "updated_at"])
    _sync(caller, entry)
    audit.log_governance_event(entry.tenant, user=user, action="register_sent_back",
                               feature=entry.feature,
                               details={"entry": entry.slug, "reason": reason.strip()})
    return entry


def snapshot(entry: RegisterEntry) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in CONTENT_FIELDS:
        value = getattr(entry, name)
        data[name] = value.isoformat() if isinstance(value, dt.date) else value
    data["slug"] = entry.slug
    return data


def publish_feature(tenant: Tenant, feature: str, *, editor: Any, officer: Any,
                    status: str = EntryStatus.IN_USE, **fields: Any) -> RegisterEntry:
    """Prepare, submit and approve the entry of one of aktenkundig's features, by two
    different people: the real four-eyes workflow in one call, for set-up scripts (the
    demo, test fixtures). ``fields`` fill what the pre-filled draft lacks (e.g.
    ``responsible_unit``, ``legal_basis``, ``contact``)."""
    ensure_default_entries(tenant)
    entry = RegisterEntry.objects.get(tenant=tenant, feature=feature)
    update_entry(entry, editor, status=status, **fields)
    submit(entry, editor)
    approve(entry, officer)
    entry.refresh_from_db()
    return entry


# --------------------------------------------------------------------------- reading


def feature_approved(tenant: Tenant, feature: str) -> bool:
    """Whether ``feature`` has an approved register entry that is live (pilot/in use)."""
    return RegisterEntry.objects.filter(
        tenant=tenant, feature=feature, published__status__in=LIVE_STATUSES
    ).exists()


def published_versions(tenant: Tenant) -> list[RegisterVersion]:
    """The latest approved version of each entry (what the public may see)."""
    return list(
        RegisterVersion.objects.filter(
            tenant=tenant, pk__in=RegisterEntry.objects.filter(tenant=tenant)
            .exclude(published=None).values("published")
        ).select_related("entry").order_by("data__name")
    )


def review_due(version_or_entry: RegisterVersion | RegisterEntry,
               today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    if isinstance(version_or_entry, RegisterVersion):
        raw = version_or_entry.data.get("next_review_date")
        date = dt.date.fromisoformat(raw) if raw else None
    else:
        date = version_or_entry.next_review_date
    return date is None or date < today


def overdue_entries(tenant: Tenant, today: dt.date | None = None) -> list[RegisterEntry]:
    today = today or timezone.localdate()
    return list(
        RegisterEntry.objects.filter(tenant=tenant)
        .exclude(status=EntryStatus.RETIRED)
        .filter(next_review_date__lt=today)
    ) + list(
        RegisterEntry.objects.filter(tenant=tenant, next_review_date=None)
        .exclude(status=EntryStatus.RETIRED)
    )


_CHOICES = {"status": EntryStatus, "risk_category": RiskCategory}


def display_value(name: str, value: Any) -> Any:
    """A published field as people read it: dates as 31.12.2027, status and risk
    class by their names. The snapshot keeps ISO dates and codes (the exports need
    them); the pages must not show them."""
    if value in (None, ""):
        return ""
    if name in _CHOICES:
        labels = dict(_CHOICES[name].choices)
        return str(labels.get(value, value))
    if name.endswith("_date") and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    return value


def export_record(version: RegisterVersion, today: dt.date | None = None) -> dict[str, Any]:
    data = version.data
    record: dict[str, Any] = {
        "id": f"{version.tenant.slug}/{data.get('slug', version.entry.slug)}",
        "version": version.number,
        "approved_at": version.approved_at.isoformat(),
        "lang": "DEU",
        "standard_version": "algoritmeregister-1.0+aktenkundig",
    }
    for name, export in EXPORT_FIELDS:
        record[export] = data.get(name, "")
    record["review_overdue"] = review_due(version, today)
    return record


def export_json(tenant: Tenant) -> list[dict[str, Any]]:
    return [export_record(v) for v in published_versions(tenant)]


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection) in exported text."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_csv(tenant: Tenant) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*EXPORT_COLUMNS, "review_overdue"])
    writer.writeheader()
    for record in export_json(tenant):
        writer.writerow({k: _cell(v) for k, v in record.items()})
    return buffer.getvalue()
